/**
 * patchValueIgnoresId (IDP-QUIRKS rows 21, 28): Okta renames a group with a path-less replace whose
 * value carries the group's own id (Okta SCIM 2.0 reference, "Update a specific Group name"):
 *
 *   {"op": "replace", "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Test SCIMv2"}}
 *
 * and authentik sends the whole group (schemas, id, no members) the same way (groups.py
 * `_update_patch_general`). Every input is deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors.ts';
import { applyPatch, parsePatchRequest } from '../patch/apply.ts';
import { defaultRegistry, type ResourceSchema } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';
import { GROUP_URN, PATCH_OP_URN, USER_URN } from '../urns.ts';
import { patchValueIgnoresId } from './patch-value-ignores-id.ts';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');
const G = 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b';

const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });

function run(body: Json, schema: ResourceSchema = GROUP, resourceId = G): { out: Json; notes: string[] } {
  return runNormaliser(patchValueIgnoresId, 'patch', body, { schema, resourceId, current: {} });
}

const applyToGroup = (body: Json) => applyPatch({ schema: GROUP, id: G, data: { displayName: 'Old' }, members: { has: () => false, typeOf: () => undefined } }, parsePatchRequest(body, GROUP));

describe('patchValueIgnoresId', () => {
  it('is on for every IdP profile, handles rows 21 and 28, PATCH only', () => {
    assert.equal(patchValueIgnoresId.name, 'patchValueIgnoresId');
    assert.deepEqual(patchValueIgnoresId.quirks, [21, 28]);
    assert.equal(patchValueIgnoresId.profiles, 'all');
    assert.equal(patchValueIgnoresId.resource, undefined);
  });

  it("Okta's group rename: the group's own id is dropped from the value; the core then renames", () => {
    const raw = patchOp({ op: 'replace', value: { id: G, displayName: 'Test SCIMv2' } });
    assert.throws(
      () => applyToGroup(raw),
      (e: unknown) => e instanceof ScimError && e.scimType === 'mutability',
      'the strict core refuses the raw body',
    );
    const { out, notes } = run(raw);
    assert.deepEqual(out, patchOp({ op: 'replace', value: { displayName: 'Test SCIMv2' } }));
    assert.deepEqual(notes, ["'id' in a path-less replace value dropped"]);
    assert.equal(applyToGroup(out).data.displayName, 'Test SCIMv2');
  });

  it("authentik's whole-group value: schemas, id and meta are dropped, members stay absent", () => {
    const raw = patchOp({ op: 'replace', value: { schemas: [GROUP_URN], id: G, displayName: 'Eng', meta: { resourceType: 'Group' }, externalId: 'ak-1' } });
    const { out, notes } = run(raw);
    assert.deepEqual(out, patchOp({ op: 'replace', value: { displayName: 'Eng', externalId: 'ak-1' } }));
    assert.deepEqual(notes, ["'id' in a path-less replace value dropped", "'schemas' in a path-less replace value dropped", "'meta' in a path-less replace value dropped"]);
  });

  it('finds the keys without regard to case, on Users too, and names the op as sent', () => {
    const { out, notes } = run(patchOp({ op: 'Add', value: { ID: 'u1', Schemas: [USER_URN], title: 'T' } }), USER, 'u1');
    assert.deepEqual(out, patchOp({ op: 'Add', value: { title: 'T' } }));
    assert.deepEqual(notes, ["'ID' in a path-less Add value dropped", "'Schemas' in a path-less Add value dropped"]);
  });

  it("keeps an id that is not the resource's own, so the core refuses it (mutability)", () => {
    const raw = patchOp({ op: 'replace', value: { id: 'someone-else', displayName: 'X' } });
    const { out, notes } = run(raw);
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
    assert.throws(
      () => applyToGroup(out),
      (e: unknown) => e instanceof ScimError && e.scimType === 'mutability',
    );
  });

  it('leaves RFC-valid PATCHes alone: values without those keys, and ops with a path', () => {
    const raw = patchOp(
      { op: 'replace', value: { displayName: 'X' } },
      { op: 'replace', path: 'displayName', value: 'Y' },
      { op: 'add', path: 'members', value: [{ value: 'u1' }] },
      { op: 'remove', path: 'externalId' },
    );
    assert.deepEqual(run(raw), { out: raw, notes: [] });
  });
});
