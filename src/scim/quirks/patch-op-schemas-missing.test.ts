/**
 * patchOpSchemasMissing (IDP-QUIRKS row 28): authentik dumps its PatchRequest with
 * `exclude_unset=True` (groups.py `_update_patch_general`), so the message arrives as
 *
 *   {"Operations": [{"op": "replace", "value": {"displayName": "…"}}]}
 *
 * without the `"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]` RFC 7644 §3.5.2
 * requires. Every input is deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePatchRequest } from '../patch/apply.ts';
import { defaultRegistry } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';
import { PATCH_OP_URN, USER_URN } from '../urns.ts';
import { patchOpSchemasMissing } from './patch-op-schemas-missing.ts';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const registry = defaultRegistry();
const GROUP = registry.resource('Group');

function run(body: Json): { out: Json; notes: string[] } {
  return runNormaliser(patchOpSchemasMissing, 'patch', body, { schema: GROUP, resourceId: 'g1', current: {} });
}

describe('patchOpSchemasMissing', () => {
  it('is on for every IdP profile, handles row 28, PATCH only', () => {
    assert.equal(patchOpSchemasMissing.name, 'patchOpSchemasMissing');
    assert.deepEqual(patchOpSchemasMissing.quirks, [28]);
    assert.equal(patchOpSchemasMissing.profiles, 'all');
    assert.equal(patchOpSchemasMissing.resource, undefined);
  });

  it("authentik's PATCH without schemas is read as a PatchOp message; the core then accepts it", () => {
    const raw = { Operations: [{ op: 'replace', value: { displayName: 'Eng' } }] };
    assert.throws(() => parsePatchRequest(raw, GROUP), /must carry "schemas"/, 'the strict core refuses the raw body');
    const { out, notes } = run(raw);
    assert.deepEqual(out, { schemas: [PATCH_OP_URN], Operations: [{ op: 'replace', value: { displayName: 'Eng' } }] });
    assert.deepEqual(notes, [`"schemas" missing: read as ["${PATCH_OP_URN}"]`]);
    assert.equal(parsePatchRequest(out, GROUP).length, 1);
  });

  it('finds "operations" without regard to case', () => {
    const { out, notes } = run({ operations: [{ op: 'remove', path: 'members' }] });
    assert.deepEqual(out, { schemas: [PATCH_OP_URN], operations: [{ op: 'remove', path: 'members' }] });
    assert.equal(notes.length, 1);
  });

  it('leaves a body that names schemas (right or wrong) or has no Operations array for the core', () => {
    for (const raw of [
      { schemas: [PATCH_OP_URN], Operations: [{ op: 'remove', path: 'members' }] },
      { Schemas: [USER_URN], Operations: [{ op: 'remove', path: 'members' }] },
      { schemas: null, Operations: [] },
      { Operations: { op: 'remove', path: 'members' } },
      { displayName: 'not a PatchOp' },
    ]) {
      assert.deepEqual(run(raw), { out: raw, notes: [] }, JSON.stringify(raw));
    }
  });
});
