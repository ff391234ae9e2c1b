/**
 * managerAsString (IDP-QUIRKS row 8): Entra sets a user's manager by a PATCH after create, in two
 * shapes (Microsoft Learn, SCIM tutorial "Update User [Add Manager]"; SCIM-SDK#686; SCIMple#1242):
 *
 *   {"op": "Add", "path": "manager", "value": [{"$ref": null, "value": "<manager id>"}]}
 *   {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "<manager id>"}
 *
 * and checks it before updating with `filter=id eq "…" and manager eq "…"` (row 9, Entra tutorial
 * Example 4). RFC 7643 §4.3 has `manager` as a complex enterprise attribute. Every input is deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, parsePatchRequest } from '../patch/apply.ts';
import { defaultRegistry, type ResourceSchema } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';
import { ENTERPRISE_USER_URN as ENT, PATCH_OP_URN, USER_URN } from '../urns.ts';
import { managerAsString } from './manager-as-string.ts';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');
const MANAGER = `${ENT}:manager`;
const M = '26118915-6090-4610-87a4-8a4a6cc2ea27';

const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });

function run(kind: 'resource' | 'patch', body: Json, schema: ResourceSchema = USER): { out: Json; notes: string[] } {
  return runNormaliser(managerAsString, kind, body, { schema, resourceId: 'u1', current: {} });
}

const apply = (body: Json) => applyPatch({ schema: USER, id: 'u1', data: { userName: 'u' } }, parsePatchRequest(body, USER)).data;

describe('managerAsString', () => {
  it('is on for every IdP profile and handles rows 8 and 9', () => {
    assert.equal(managerAsString.name, 'managerAsString');
    assert.deepEqual(managerAsString.quirks, [8, 9]);
    assert.equal(managerAsString.profiles, 'all');
  });

  describe('PATCH', () => {
    it('the enterprise path with a plain id string: the value becomes {"value": id}', () => {
      const raw = patchOp({ op: 'add', path: MANAGER, value: M });
      assert.throws(() => apply(raw), /'manager' must be an object/, 'the strict core refuses the raw body');
      const { out, notes } = run('patch', raw);
      assert.deepEqual(out, patchOp({ op: 'add', path: MANAGER, value: { value: M } }));
      assert.deepEqual(notes, [`path "${MANAGER}": manager id "${M}" read as {"value": "${M}"}`]);
      assert.deepEqual(apply(out)[ENT], { manager: { value: M } });
    });

    it('the bare path "manager" with [{"$ref", "value"}]: enterprise path, the one element as the value', () => {
      const raw = patchOp({ op: 'Add', path: 'manager', value: [{ $ref: null, value: M }] });
      const { out, notes } = run('patch', raw);
      assert.deepEqual(out, patchOp({ op: 'Add', path: MANAGER, value: { $ref: null, value: M } }));
      assert.deepEqual(notes, [`path "manager" read as "${MANAGER}"`, 'path "manager": one-element manager array read as its element']);
    });

    it('the bare path with an object or a string, and remove with no value', () => {
      const { out, notes } = run(
        'patch',
        patchOp({ op: 'replace', path: 'Manager', value: { value: M } }, { op: 'replace', path: 'manager', value: 'm2' }, { op: 'remove', path: 'manager' }),
      );
      assert.deepEqual(out, patchOp({ op: 'replace', path: MANAGER, value: { value: M } }, { op: 'replace', path: MANAGER, value: { value: 'm2' } }, { op: 'remove', path: MANAGER }));
      assert.deepEqual(notes, [
        `path "manager" read as "${MANAGER}"`,
        `path "manager" read as "${MANAGER}"`,
        `path "manager": manager id "m2" read as {"value": "m2"}`,
        `path "manager" read as "${MANAGER}"`,
      ]);
      assert.equal(parsePatchRequest(out, USER).length, 3);
    });

    it('leaves an RFC-valid manager PATCH (object value, sub-attribute path) as it is, with no notes', () => {
      const raw = patchOp(
        { op: 'add', path: MANAGER, value: { value: M } },
        { op: 'replace', path: `${MANAGER}.value`, value: M },
        { op: 'replace', value: { [ENT]: { manager: { value: M } } } },
        { op: 'remove', path: MANAGER },
      );
      const { out, notes } = run('patch', raw);
      assert.deepEqual(out, raw);
      assert.deepEqual(notes, []);
    });

    it('leaves a two-element array for the core to refuse, and only touches Users', () => {
      const raw = patchOp({ op: 'add', path: MANAGER, value: [{ value: 'a' }, { value: 'b' }] });
      assert.deepEqual(run('patch', raw), { out: raw, notes: [] });
      const onGroup = patchOp({ op: 'add', path: 'manager', value: 'x' });
      assert.deepEqual(run('patch', onGroup, GROUP), { out: onGroup, notes: [] });
    });
  });

  describe('POST/PUT bodies', () => {
    it('a manager id string in the enterprise extension becomes {"value": id}', () => {
      const raw = { schemas: [USER_URN, ENT], userName: 'u', [ENT]: { department: 'Eng', manager: M } };
      const { out, notes } = run('resource', raw);
      assert.deepEqual(out, { schemas: [USER_URN, ENT], userName: 'u', [ENT]: { department: 'Eng', manager: { value: M } } });
      assert.deepEqual(notes, [`body: manager id "${M}" read as {"value": "${M}"}`]);
    });

    it('a one-element manager array becomes its element', () => {
      const { out, notes } = run('resource', { userName: 'u', [ENT]: { manager: [{ value: M }] } });
      assert.deepEqual(out, { userName: 'u', [ENT]: { manager: { value: M } } });
      assert.deepEqual(notes, ['body: one-element manager array read as its element']);
    });

    it('leaves an RFC-valid body (manager object, no manager, no extension) as it is, with no notes', () => {
      for (const raw of [{ userName: 'u', [ENT]: { manager: { value: M } } }, { userName: 'u', [ENT]: { department: 'x' } }, { userName: 'u' }, { userName: 'u', [ENT]: { manager: null } }]) {
        assert.deepEqual(run('resource', raw), { out: raw, notes: [] });
      }
    });
  });

  describe('filters', () => {
    function runFilter(filter: string, schemas: readonly ResourceSchema[] = [USER]): { out: string; notes: string[] } {
      const notes: string[] = [];
      return { out: managerAsString.filter!(filter, { schemas, note: (m) => notes.push(m) }), notes };
    }

    it('Entra\'s reference check: the bare "manager" is read as the enterprise manager', () => {
      const { out, notes } = runFilter(`id eq "u1" and manager eq "${M}"`);
      assert.equal(out, `id eq "u1" and ${MANAGER} eq "${M}"`);
      assert.deepEqual(notes, [`filter attribute "manager" read as "${MANAGER}"`]);
    });

    it('also at the start, in parentheses, with a sub-attribute and any operator case', () => {
      const { out, notes } = runFilter(`manager.value EQ "a" or (Manager pr)`);
      assert.equal(out, `${MANAGER}.value EQ "a" or (${MANAGER} pr)`);
      assert.equal(notes.length, 2);
    });

    it('leaves "manager" inside quoted values, URN-qualified paths and other attribute names alone', () => {
      for (const f of [`displayName eq "manager eq x"`, `${MANAGER} eq "m"`, `${MANAGER}.value eq "m"`, `title eq "manager"`, `managerId eq "x"`]) {
        assert.deepEqual(runFilter(f), { out: f, notes: [] }, f);
      }
    });

    it('leaves Group filters alone (groups have no manager)', () => {
      assert.deepEqual(runFilter('manager eq "x"', [registry.resource('Group')]), { out: 'manager eq "x"', notes: [] });
    });
  });
});
