/**
 * rolesJsonString (IDP-QUIRKS row 13): with the SingleAppRoleAssignment / AppRoleAssignmentsComplex
 * expression mappings (Microsoft Learn, "Customize attribute mappings") Entra sends the `roles`
 * value as a JSON document serialised into a string, e.g.
 *
 *   {"op": "Add", "path": "roles",
 *    "value": "[{\"primary\":true,\"type\":\"WindowsAzureActiveDirectoryRole\",\"display\":\"Admin\",\"value\":\"Admin\"}]"}
 *
 * RFC 7643 §4.1.2 has `roles` as a multi-valued complex attribute, so the core refuses every
 * string this reads: it is on for every profile but strict. Every input is deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, parsePatchRequest } from '../patch/apply.ts';
import { defaultRegistry, type ResourceSchema } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';
import { PATCH_OP_URN, USER_URN } from '../urns.ts';
import { rolesJsonString } from './roles-json-string.ts';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');

const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });
const ADMIN = { primary: true, type: 'WindowsAzureActiveDirectoryRole', display: 'Admin', value: 'Admin' };

function run(kind: 'resource' | 'patch', body: Json, schema: ResourceSchema = USER): { out: Json; notes: string[] } {
  return runNormaliser(rolesJsonString, kind, body, { schema, resourceId: 'u1', current: {} });
}

describe('rolesJsonString', () => {
  it('is on for every profile but strict (the core refuses a string for roles) and handles row 13', () => {
    assert.equal(rolesJsonString.name, 'rolesJsonString');
    assert.deepEqual(rolesJsonString.quirks, [13]);
    assert.equal(rolesJsonString.profiles, 'all');
  });

  describe('PATCH', () => {
    it('a JSON array in a string is parsed; the core then stores the roles', () => {
      const raw = patchOp({ op: 'add', path: 'roles', value: JSON.stringify([ADMIN]) });
      assert.throws(() => applyPatch({ schema: USER, id: 'u1', data: { userName: 'u' } }, parsePatchRequest(raw, USER)), /must be an array/, 'the strict core refuses the raw body');
      const { out, notes } = run('patch', raw);
      assert.deepEqual(out, patchOp({ op: 'add', path: 'roles', value: [ADMIN] }));
      assert.deepEqual(notes, ['roles given as a JSON string: parsed']);
      assert.deepEqual(applyPatch({ schema: USER, id: 'u1', data: { userName: 'u' } }, parsePatchRequest(out, USER)).data.roles, [ADMIN]);
    });

    it('a JSON object in a string becomes a one-element array', () => {
      const { out, notes } = run('patch', patchOp({ op: 'Replace', path: 'roles', value: '{"value":"Reader","display":"Reader"}' }));
      assert.deepEqual(out, patchOp({ op: 'Replace', path: 'roles', value: [{ value: 'Reader', display: 'Reader' }] }));
      assert.deepEqual(notes, ['roles given as a JSON string: parsed']);
    });

    it('a plain role name (not JSON, or JSON that is no object) becomes [{"value": name}]', () => {
      const long = 'Application Administrator with a very long role name indeed';
      const { out, notes } = run('patch', patchOp({ op: 'add', path: 'roles', value: 'Admin' }, { op: 'add', path: 'roles', value: '42' }, { op: 'add', path: 'roles', value: long }));
      assert.deepEqual(out, patchOp({ op: 'add', path: 'roles', value: [{ value: 'Admin' }] }, { op: 'add', path: 'roles', value: [{ value: '42' }] }, { op: 'add', path: 'roles', value: [{ value: long }] }));
      assert.deepEqual(notes, [
        'roles given as the string "Admin": read as [{"value": …}]',
        'roles given as the string "42": read as [{"value": …}]',
        `roles given as the string ${JSON.stringify(long.slice(0, 40))}: read as [{"value": …}]`,
      ]);
    });

    it('roles as a string inside a path-less value', () => {
      const { out, notes } = run('patch', patchOp({ op: 'replace', value: { displayName: 'D', roles: JSON.stringify([ADMIN]) } }));
      assert.deepEqual(out, patchOp({ op: 'replace', value: { displayName: 'D', roles: [ADMIN] } }));
      assert.deepEqual(notes, ['roles given as a JSON string: parsed']);
    });

    it('leaves RFC-valid roles PATCHes and sub-attribute paths alone, and only touches Users', () => {
      const raw = patchOp(
        { op: 'add', path: 'roles', value: [ADMIN] },
        { op: 'replace', path: 'roles[primary eq true].value', value: 'Admin' },
        { op: 'replace', path: 'roles.display', value: 'x' },
        { op: 'replace', path: 'title', value: '["not roles"]' },
        { op: 'remove', path: 'roles' },
      );
      assert.deepEqual(run('patch', raw), { out: raw, notes: [] });
      const group = patchOp({ op: 'replace', value: { roles: 'x' } });
      assert.deepEqual(run('patch', group, GROUP), { out: group, notes: [] });
    });
  });

  describe('POST/PUT bodies', () => {
    it('roles given as a JSON string are parsed', () => {
      const { out, notes } = run('resource', { schemas: [USER_URN], userName: 'u', roles: JSON.stringify([ADMIN]) });
      assert.deepEqual(out, { schemas: [USER_URN], userName: 'u', roles: [ADMIN] });
      assert.deepEqual(notes, ['roles given as a JSON string: parsed']);
    });

    it('leaves RFC-valid bodies (roles array, empty roles as Entra sends them, no roles) alone', () => {
      for (const raw of [{ userName: 'u', roles: [ADMIN] }, { userName: 'u', roles: [] }, { userName: 'u' }]) {
        assert.deepEqual(run('resource', raw), { out: raw, notes: [] });
      }
      assert.deepEqual(run('resource', { displayName: 'g', roles: 'x' }, GROUP), { out: { displayName: 'g', roles: 'x' }, notes: [] });
    });
  });
});
