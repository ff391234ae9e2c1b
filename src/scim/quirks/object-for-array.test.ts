/**
 * objectForArray (IDP-QUIRKS row 34): OneLogin's admin-templated bodies may send a single object
 * where RFC 7643 has a multi-valued attribute, e.g. `"emails": {"value": "{$user.email}", "type":
 * "work", "primary": true}` (vendor OneLogin setup guides; django-scim2 comment). Every input is
 * deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, parsePatchRequest } from '../patch/apply.ts';
import { defaultRegistry, type ResourceSchema } from '../schema/registry.ts';
import { normalizeAttributes, type Json } from '../schema/validate.ts';
import { ENTERPRISE_USER_URN as ENT, PATCH_OP_URN, USER_URN } from '../urns.ts';
import { objectForArray } from './object-for-array.ts';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');

const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });
const EMAIL = { value: 'jdoe@example.com', type: 'work', primary: true };

function run(kind: 'resource' | 'patch', body: Json, schema: ResourceSchema = USER): { out: Json; notes: string[] } {
  return runNormaliser(objectForArray, kind, body, { schema, resourceId: 'r1', current: {} });
}

const strict = (body: Json) => normalizeAttributes(body, USER, { readOnly: 'ignore', notes: { ignored: [] } }, ['schemas']);

describe('objectForArray', () => {
  it('is on for every profile but strict and handles row 34', () => {
    assert.equal(objectForArray.name, 'objectForArray');
    assert.deepEqual(objectForArray.quirks, [34]);
    assert.equal(objectForArray.profiles, 'all');
  });

  describe('POST/PUT bodies', () => {
    it("OneLogin's emails object is wrapped in an array; the core then accepts it", () => {
      const raw = { schemas: [USER_URN], userName: 'jdoe', emails: EMAIL, addresses: { type: 'work', locality: 'Berlin' } };
      assert.throws(() => strict(raw), /'emails' is multi-valued and must be an array/);
      const { out, notes } = run('resource', raw);
      assert.deepEqual(out, { schemas: [USER_URN], userName: 'jdoe', emails: [EMAIL], addresses: [{ type: 'work', locality: 'Berlin' }] });
      assert.deepEqual(notes, ["'emails' given one value where an array belongs: wrapped", "'addresses' given one value where an array belongs: wrapped"]);
      assert.deepEqual(strict(out).emails, [EMAIL]);
    });

    it('wraps a single member object of a Group', () => {
      const { out, notes } = run('resource', { displayName: 'g', members: { value: 'u1' } }, GROUP);
      assert.deepEqual(out, { displayName: 'g', members: [{ value: 'u1' }] });
      assert.deepEqual(notes, ["'members' given one value where an array belongs: wrapped"]);
    });

    it('leaves a string where an array of complex values belongs for the core to refuse', () => {
      const raw = { userName: 'u', emails: 'jdoe@example.com' };
      assert.deepEqual(run('resource', raw), { out: raw, notes: [] });
    });

    it('leaves an object with keys the element does not have (or none) for the core to refuse, rather than wrap and drop it', () => {
      for (const emails of [{ version: 0, fields: [] }, { value: 'a@b.c', nope: 1 }, {}]) {
        const raw = { userName: 'u', emails };
        assert.deepEqual(run('resource', raw), { out: raw, notes: [] });
      }
    });

    it('leaves RFC-valid bodies (arrays, nulls, single-valued objects, extensions) alone', () => {
      const raw = { schemas: [USER_URN, ENT], userName: 'u', emails: [EMAIL], phoneNumbers: null, name: { givenName: 'J' }, [ENT]: { manager: { value: 'm' } } };
      assert.deepEqual(run('resource', raw), { out: raw, notes: [] });
    });
  });

  describe('PATCH', () => {
    it('an object value on path "emails" is wrapped', () => {
      const { out, notes } = run('patch', patchOp({ op: 'add', path: 'emails', value: EMAIL }));
      assert.deepEqual(out, patchOp({ op: 'add', path: 'emails', value: [EMAIL] }));
      assert.deepEqual(notes, ["'emails' given one value where an array belongs: wrapped"]);
      assert.deepEqual(applyPatch({ schema: USER, id: 'r1', data: { userName: 'u' } }, parsePatchRequest(out, USER)).data.emails, [EMAIL]);
    });

    it('an object in a path-less value is wrapped', () => {
      const { out, notes } = run('patch', patchOp({ op: 'replace', value: { emails: EMAIL, title: 'T' } }));
      assert.deepEqual(out, patchOp({ op: 'replace', value: { emails: [EMAIL], title: 'T' } }));
      assert.deepEqual(notes, ["'emails' given one value where an array belongs: wrapped"]);
    });

    it('leaves filtered paths (which name one element) and sub-attribute paths alone', () => {
      const raw = patchOp({ op: 'replace', path: 'emails[type eq "work"]', value: { value: 'x@y.z' } }, { op: 'replace', path: 'name', value: { givenName: 'G' } });
      assert.deepEqual(run('patch', raw), { out: raw, notes: [] });
    });

    it('leaves an RFC-valid PATCH as it is, with no notes', () => {
      const raw = patchOp({ op: 'add', path: 'emails', value: [EMAIL] }, { op: 'replace', value: { emails: [EMAIL] } }, { op: 'remove', path: 'emails' });
      assert.deepEqual(run('patch', raw), { out: raw, notes: [] });
    });
  });
});
