/**
 * booleanStrings (IDP-QUIRKS rows 4, 31, 34): Entra's default mode disables users with
 * `{"op":"Replace","path":"active","value":"False"}` (Microsoft Learn, SCIM compatibility article,
 * "Requests made to disable users"); the Keycloak SCIM plugin sends `"active": "true"`/`"false"`;
 * OneLogin templates may send either. Every input is deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePatchRequest } from '../patch/apply.ts';
import { defaultRegistry, type ResourceSchema } from '../schema/registry.ts';
import { normalizeAttributes, type Json } from '../schema/validate.ts';
import { PATCH_OP_URN, SCIMD_USER_URN, USER_URN } from '../urns.ts';
import { booleanStrings } from './boolean-strings.ts';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');

const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });

function run(kind: 'resource' | 'patch', body: Json, schema: ResourceSchema = USER): { out: Json; notes: string[] } {
  return runNormaliser(booleanStrings, kind, body, { schema, resourceId: 'r1', current: {} });
}

describe('booleanStrings', () => {
  it('is on for every IdP profile and handles rows 4, 31 and 34', () => {
    assert.equal(booleanStrings.name, 'booleanStrings');
    assert.deepEqual(booleanStrings.quirks, [4, 31, 34]);
    assert.equal(booleanStrings.profiles, 'all');
  });

  describe('POST/PUT bodies', () => {
    it('reads "False" (Entra) and "true" (Keycloak) as booleans; the core then accepts the body', () => {
      const raw = { schemas: [USER_URN], userName: 'bjensen', active: 'False', emails: [{ value: 'b@example.com', primary: 'true' }] };
      assert.throws(() => normalizeAttributes(raw, USER, { readOnly: 'ignore', notes: { ignored: [] } }, ['schemas']), /must be a boolean/);
      const { out, notes } = run('resource', raw);
      assert.deepEqual(out, { schemas: [USER_URN], userName: 'bjensen', active: false, emails: [{ value: 'b@example.com', primary: true }] });
      assert.deepEqual(notes, [`'active' "False" read as false`, `'emails.primary' "true" read as true`]);
      assert.equal(normalizeAttributes(out, USER, { readOnly: 'ignore', notes: { ignored: [] } }, ['schemas']).active, false);
    });

    it('ignores case and surrounding blanks (" TRUE ")', () => {
      const { out, notes } = run('resource', { userName: 'x', active: ' TRUE ' });
      assert.deepEqual(out, { userName: 'x', active: true });
      assert.deepEqual(notes, [`'active' " TRUE " read as true`]);
    });

    it('reaches boolean attributes of extensions, named by their full path', () => {
      const { out, notes } = run('resource', { userName: 'x', [SCIMD_USER_URN]: { emailVerified: 'false' } });
      assert.deepEqual(out, { userName: 'x', [SCIMD_USER_URN]: { emailVerified: false } });
      assert.deepEqual(notes, [`'${SCIMD_USER_URN}:emailVerified' "false" read as false`]);
    });

    it('leaves strings that are not true/false ("yes", "0", "") for the core to refuse', () => {
      const raw = { userName: 'x', active: 'yes', emails: [{ value: 'a@b.c', primary: '0' }, { value: 'c@d.e', primary: '' }] };
      const { out, notes } = run('resource', raw);
      assert.deepEqual(out, raw);
      assert.deepEqual(notes, []);
    });

    it('leaves "true"/"false" of string attributes and unknown keys alone', () => {
      const raw = { userName: 'true', title: 'False', nickName: 'false', somethingElse: 'true' };
      const { out, notes } = run('resource', raw);
      assert.deepEqual(out, raw);
      assert.deepEqual(notes, []);
    });

    it('leaves an RFC-valid body as it is, with no notes', () => {
      const raw = { schemas: [USER_URN], userName: 'x', active: true, emails: [{ value: 'a@b.c', primary: false }] };
      const { out, notes } = run('resource', raw);
      assert.deepEqual(out, raw);
      assert.deepEqual(notes, []);
      const group = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'true', members: [{ value: 'u1' }] };
      assert.deepEqual(run('resource', group, GROUP), { out: group, notes: [] });
    });
  });

  describe('PATCH bodies', () => {
    it('Entra: {"op":"Replace","path":"active","value":"False"} gets the boolean false', () => {
      const { out, notes } = run('patch', patchOp({ op: 'Replace', path: 'active', value: 'False' }));
      assert.deepEqual(out, patchOp({ op: 'Replace', path: 'active', value: false }));
      assert.deepEqual(notes, [`'active' "False" read as false`]);
    });

    it('Keycloak: "true"/"false" strings on path "active" and in a path-less value', () => {
      const { out, notes } = run('patch', patchOp({ op: 'replace', path: 'active', value: 'true' }, { op: 'replace', value: { active: 'false', displayName: 'K' } }));
      assert.deepEqual(out, patchOp({ op: 'replace', path: 'active', value: true }, { op: 'replace', value: { active: false, displayName: 'K' } }));
      assert.deepEqual(notes, [`'active' "true" read as true`, `'active' "false" read as false`]);
      assert.equal(parsePatchRequest(out, USER).length, 2);
    });

    it('sub-attributes: emails[type eq "work"].primary, emails[type eq "work"] with an object, and a whole emails array', () => {
      const { out, notes } = run(
        'patch',
        patchOp(
          { op: 'replace', path: 'emails[type eq "work"].primary', value: 'True' },
          { op: 'add', path: 'emails[type eq "work"]', value: { primary: 'false' } },
          { op: 'add', path: 'emails', value: [{ value: 'a@b.c', primary: 'TRUE' }] },
        ),
      );
      assert.deepEqual(
        out,
        patchOp(
          { op: 'replace', path: 'emails[type eq "work"].primary', value: true },
          { op: 'add', path: 'emails[type eq "work"]', value: { primary: false } },
          { op: 'add', path: 'emails', value: [{ value: 'a@b.c', primary: true }] },
        ),
      );
      assert.deepEqual(notes, [`'primary' "True" read as true`, `'emails.primary' "false" read as false`, `'emails.primary' "TRUE" read as true`]);
    });

    it('leaves string attributes, remove ops and unknown paths alone', () => {
      const raw = patchOp({ op: 'replace', path: 'title', value: 'true' }, { op: 'remove', path: 'active' }, { op: 'add', path: 'noSuchAttr', value: 'false' });
      const { out, notes } = run('patch', raw);
      assert.deepEqual(out, raw);
      assert.deepEqual(notes, []);
    });

    it('leaves an RFC-valid PATCH as it is, with no notes', () => {
      const raw = patchOp({ op: 'replace', path: 'active', value: false }, { op: 'replace', value: { active: true } });
      const { out, notes } = run('patch', raw);
      assert.deepEqual(out, raw);
      assert.deepEqual(notes, []);
    });
  });
});
