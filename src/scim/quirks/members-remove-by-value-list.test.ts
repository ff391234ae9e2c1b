/**
 * membersRemoveByValueList (IDP-QUIRKS row 6): Entra (both modes), authentik and JumpCloud remove
 * members with a value list instead of a filtered path (Microsoft Learn, SCIM tutorial "Update
 * Group [Remove Members]"; authentik groups.py):
 *
 *   {"op": "Remove", "path": "members", "value": [{"value": "<id>"}]}
 *   {"op": "remove", "path": "members", "value": [{"value": "<id>", "$ref": null}]}
 *
 * Read literally by RFC 7644 §3.5.2.2 that is refused (remove takes no value); this turns it into
 * removing exactly the listed members. Every input is deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, parsePatchRequest } from '../patch/apply.ts';
import { defaultRegistry, type ResourceSchema } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';
import { PATCH_OP_URN } from '../urns.ts';
import { membersRemoveByValueList, PATH_BUDGET } from './members-remove-by-value-list.ts';
import { randomUUID } from 'node:crypto';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');

const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });

function run(body: Json, schema: ResourceSchema = GROUP): { out: Json; notes: string[] } {
  return runNormaliser(membersRemoveByValueList, 'patch', body, { schema, resourceId: 'g1', current: {} });
}

/** Applies a PATCH to a group whose members are `ids`, returning the member ids removed. */
function removedBy(body: Json, ids: string[]): string[] {
  const members = ids.map((value) => ({ value, type: 'User' as const }));
  const outcome = applyPatch(
    { schema: GROUP, id: 'g1', data: { displayName: 'G' }, members: { has: (id) => ids.includes(id), typeOf: (id) => (ids.includes(id) ? 'User' : undefined), all: members } },
    parsePatchRequest(body, GROUP),
  );
  const delta = outcome.members!;
  return delta.clear ? ids.filter((id) => !delta.add.has(id)) : [...delta.remove].sort();
}

describe('membersRemoveByValueList', () => {
  it('is on for every IdP profile, handles row 6, PATCH only', () => {
    assert.equal(membersRemoveByValueList.name, 'membersRemoveByValueList');
    assert.deepEqual(membersRemoveByValueList.quirks, [6]);
    assert.equal(membersRemoveByValueList.profiles, 'all');
    assert.equal(membersRemoveByValueList.resource, undefined);
  });

  it('Entra: remove "members" with [{"value": id}] becomes a filtered path removing just that member', () => {
    const raw = patchOp({ op: 'Remove', path: 'members', value: [{ value: 'u1' }] });
    const { out, notes } = run(raw);
    assert.deepEqual(out, patchOp({ op: 'Remove', path: 'members[value eq "u1"]' }));
    assert.deepEqual(notes, ['remove "members" with 1 value(s) read as path members[value eq "u1"]']);
  });

  it('authentik / Entra flag mode: several values with "$ref": null; only those members go', () => {
    const raw = patchOp({ op: 'remove', path: 'members', value: [{ value: 'u1', $ref: null }, { value: 'u3', $ref: null }] });
    assert.throws(() => parsePatchRequest(raw, GROUP), /"remove" takes no "value"/, 'the strict core refuses the raw body');
    const { out, notes } = run(raw);
    assert.deepEqual(out, patchOp({ op: 'remove', path: 'members[value eq "u1" or value eq "u3"]' }));
    assert.deepEqual(notes, ['remove "members" with 2 value(s) read as path members[value eq "u1" or value eq "u3"]']);
    assert.deepEqual(removedBy(out, ['u1', 'u2', 'u3', 'u4']), ['u1', 'u3']);
  });

  it('a single member object (not in an array) and a padded, capitalised path', () => {
    const { out, notes } = run(patchOp({ op: 'remove', path: ' Members ', value: { value: 'u2' } }));
    assert.deepEqual(out, patchOp({ op: 'remove', path: 'members[value eq "u2"]' }));
    assert.deepEqual(notes, ['remove "members" with 1 value(s) read as path members[value eq "u2"]']);
  });

  it('writes the filtered path under the key the client used, so no second "path" key is left behind', () => {
    const { out } = run(patchOp({ op: 'remove', Path: 'members', Value: [{ value: 'u1' }] }));
    assert.deepEqual(out, patchOp({ op: 'remove', Path: 'members[value eq "u1"]' }));
    // Only u1 goes: the core must not see the bare "members" path (which would remove everyone).
    assert.deepEqual(removedBy(out, ['u1', 'u2']), ['u1']);
  });

  it('quotes ids as filter strings, so an id with a quote or backslash cannot change the filter', () => {
    const { out } = run(patchOp({ op: 'remove', path: 'members', value: [{ value: 'a"b\\c' }] }));
    assert.deepEqual(out, patchOp({ op: 'remove', path: 'members[value eq "a\\"b\\\\c"]' }));
    assert.equal(parsePatchRequest(out, GROUP).length, 1);
  });

  it('leaves what it cannot read as a member list for the core to refuse: empty list, items without value, non-string ids', () => {
    for (const value of [[], [{ display: 'x' }], [{ value: 'u1' }, { value: 7 }], [{ value: '' }], ['u1']]) {
      const raw = patchOp({ op: 'remove', path: 'members', value });
      const { out, notes } = run(raw);
      assert.deepEqual(out, raw, JSON.stringify(value));
      assert.deepEqual(notes, []);
    }
  });

  it('leaves RFC-valid member PATCHes alone: filtered remove, clear-all remove, add, replace', () => {
    const raw = patchOp(
      { op: 'remove', path: 'members[value eq "u1"]' },
      { op: 'remove', path: 'members' },
      { op: 'add', path: 'members', value: [{ value: 'u2' }] },
      { op: 'replace', path: 'members', value: [{ value: 'u3' }] },
    );
    const { out, notes } = run(raw);
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
  });

  it('a long value list becomes several removes, each path within the budget, together removing exactly the listed members', () => {
    const members = Array.from({ length: 600 }, () => randomUUID());
    const gone = members.slice(0, 500);
    const raw = patchOp({ op: 'remove', path: 'members', value: gone.map((value) => ({ value, $ref: null })) });
    const { out, notes } = run(raw);
    const ops = out.Operations as { op: string; path: string }[];
    assert.ok(ops.length > 1, `${ops.length} operations`);
    for (const op of ops) {
      assert.equal(op.op, 'remove');
      assert.ok(op.path.length <= PATH_BUDGET, `a path of ${op.path.length} characters`);
    }
    assert.deepEqual(notes, [`remove "members" with 500 value(s) read as ${ops.length} removes of members[value eq … or …]`]);
    // The default path limits accept every generated path, and the members removed are exactly those listed.
    assert.equal(parsePatchRequest(out, GROUP).length, ops.length);
    assert.deepEqual(removedBy(out, members), [...gone].sort());
  });

  it('only touches Groups', () => {
    const raw = patchOp({ op: 'remove', path: 'members', value: [{ value: 'u1' }] });
    const { out, notes } = run(raw, USER);
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
  });
});
