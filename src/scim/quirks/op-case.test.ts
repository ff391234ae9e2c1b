/**
 * opCase (IDP-QUIRKS row 3): Entra's default mode sends `"op": "Replace"`, `"Add"`, `"Remove"`
 * (Microsoft Learn, "Known issues … SCIM 2.0 protocol compliance"); RFC 7644 §3.5.2 spells them in
 * lower case. Every input is deep-frozen, so a normaliser that writes to its input throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePatchRequest } from '../patch/apply.ts';
import { defaultRegistry, type ResourceSchema } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';
import { PATCH_OP_URN } from '../urns.ts';
import { opCase } from './op-case.ts';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');

const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });

/** Runs opCase.patch on a frozen copy of `body`; the copy must come back unchanged. */
function run(body: Json, schema: ResourceSchema = USER): { out: Json; notes: string[] } {
  return runNormaliser(opCase, 'patch', body, { schema, resourceId: 'r1', current: {} });
}

describe('opCase', () => {
  it('is on for every IdP profile, handles row 3 and only rewrites PATCH bodies', () => {
    assert.equal(opCase.name, 'opCase');
    assert.deepEqual(opCase.quirks, [3]);
    assert.equal(opCase.profiles, 'all');
    assert.equal(opCase.resource, undefined);
    assert.equal(opCase.filter, undefined);
  });

  it("reads Entra's capitalised ops in lower case, one note per op, and the core then accepts the body", () => {
    // Entra default mode: deactivate, add an email, remove a member — each op capitalised.
    const raw = patchOp(
      { op: 'Replace', path: 'active', value: false },
      { op: 'Add', path: 'emails', value: [{ value: 'a@example.com', type: 'work' }] },
      { op: 'Remove', path: 'title' },
    );
    assert.throws(() => parsePatchRequest(raw, USER), /op must be "add", "remove" or "replace"/, 'the strict core refuses the raw body');
    const { out, notes } = run(raw);
    assert.deepEqual(
      out,
      patchOp(
        { op: 'replace', path: 'active', value: false },
        { op: 'add', path: 'emails', value: [{ value: 'a@example.com', type: 'work' }] },
        { op: 'remove', path: 'title' },
      ),
    );
    assert.deepEqual(notes, ["op 'Replace' read as 'replace'", "op 'Add' read as 'add'", "op 'Remove' read as 'remove'"]);
    assert.equal(parsePatchRequest(out, USER).length, 3);
  });

  it('reads any spelling (REPLACE, rEmOvE) and keeps the key as the client spelt it', () => {
    const { out, notes } = run(patchOp({ OP: 'REPLACE', path: 'displayName', value: 'x' }, { Op: 'rEmOvE', path: 'title' }));
    assert.deepEqual(out, patchOp({ OP: 'replace', path: 'displayName', value: 'x' }, { Op: 'remove', path: 'title' }));
    assert.deepEqual(notes, ["op 'REPLACE' read as 'replace'", "op 'rEmOvE' read as 'remove'"]);
  });

  it('finds "Operations" without regard to case', () => {
    const { out, notes } = run({ schemas: [PATCH_OP_URN], operations: [{ op: 'Add', path: 'members', value: [{ value: 'u1' }] }] }, GROUP);
    assert.deepEqual(out, { schemas: [PATCH_OP_URN], operations: [{ op: 'add', path: 'members', value: [{ value: 'u1' }] }] });
    assert.deepEqual(notes, ["op 'Add' read as 'add'"]);
  });

  it('leaves an RFC-valid body as it is, with no notes', () => {
    const raw = patchOp({ op: 'replace', path: 'active', value: false }, { op: 'add', value: { title: 'x' } }, { op: 'remove', path: 'nickName' });
    const { out, notes } = run(raw);
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
  });

  it('leaves ops that are no PATCH op at all (Merge, "", a number, none) for the core to refuse', () => {
    const raw = patchOp({ op: 'Merge', path: 'title', value: 'x' }, { op: '', path: 'title' }, { op: 3, path: 'title' }, { path: 'title', value: 'y' });
    const { out, notes } = run(raw);
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
  });

  it('adds no note to a body without Operations, which the core still refuses', () => {
    const { out, notes } = run({ schemas: [PATCH_OP_URN] });
    assert.deepEqual(notes, []);
    assert.throws(() => parsePatchRequest(out, USER), /"Operations" must be a non-empty array/);
  });
});
