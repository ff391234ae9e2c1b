/**
 * Shared fixtures of the PATCH engine tests (src/scim/patch/apply-*.test.ts): the frozen-input
 * runner, the §3.12 error assertion, Barbara Jensen and the RFC case table. Test-only, like every
 * file under test/helpers (tsconfig.build.json builds src/ without its tests).
 *
 * Every input document is deep-frozen before applyPatch sees it, so any mutation of the input
 * fails the test (ESM code runs in strict mode, where writing to a frozen object throws).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ScimError, type ScimType } from '../../src/scim/errors.ts';
import { defaultRegistry, type ResourceSchema } from '../../src/scim/schema/registry.ts';
import { ENTERPRISE_USER_URN as ENT, PATCH_OP_URN } from '../../src/scim/urns.ts';
import { applyPatch, parsePatchRequest, type PatchOutcome } from '../../src/scim/patch/apply.ts';
import type { MemberView } from '../../src/scim/patch/members.ts';
import { deepFreeze } from './freeze.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = Record<string, any>;
export type Op = Record<string, unknown>;

export const registry = defaultRegistry();
export const USER = registry.resource('User');
export const GROUP = registry.resource('Group');
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

export const body = (...Operations: Op[]) => ({ schemas: [PATCH_OP_URN], Operations });

/** Applies `operations` to a frozen copy of `data`; also checks the input came back untouched. */
export function run(schema: ResourceSchema, data: Doc, operations: Op[], members?: MemberView, id = 'res-1'): PatchOutcome {
  const before = structuredClone(data);
  const input = deepFreeze(structuredClone(data));
  const ops = parsePatchRequest(body(...operations), schema);
  try {
    return applyPatch({ schema, id, data: input, ...(members ? { members } : {}) }, ops);
  } finally {
    assert.deepEqual(input, before, 'applyPatch must not modify its input');
  }
}

export const patchUser = (data: Doc, ...operations: Op[]) => run(USER, data, operations);

/** Asserts that `fn` throws a 400 ScimError of `scimType` (RFC 7644 §3.12). */
export function throwsScim(fn: () => unknown, scimType: ScimType, detail?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ScimError, `expected a ScimError, got ${String(e)}`);
    assert.equal(e.status, 400);
    assert.equal(e.scimType, scimType, e.message);
    if (detail) assert.match(e.message, detail);
    return true;
  });
}

export const userRejects = (data: Doc, scimType: ScimType, operations: Op[], detail?: RegExp) => throwsScim(() => patchUser(data, ...operations), scimType, detail);

/** Barbara Jensen, loosely after RFC 7643 §8.2, in scimd's stored form. */
export const BJENSEN: Doc = deepFreeze({
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs Jensen',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  addresses: [
    { type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA' },
    { type: 'home', locality: 'Oslo' },
  ],
  [ENT]: { employeeNumber: '701984', manager: { value: 'mgr-1' } },
});

/** BJENSEN changed by `edit`: the expected result, derived by hand from the RFC text. */
export function expected(edit: (d: Doc) => void, from: Doc = BJENSEN): Doc {
  const d = structuredClone(from);
  edit(d);
  return d;
}

export interface Case {
  readonly what: string;
  readonly section: '3.5.2.1' | '3.5.2.2' | '3.5.2.3';
  readonly ops: Op[];
  readonly edit: (d: Doc) => void;
  readonly from?: Doc;
}

export function table(cases: readonly Case[]): void {
  for (const c of cases) {
    const first = c.ops[0]!;
    const path = first.path === undefined ? 'no path' : `path ${JSON.stringify(first.path)}`;
    it(`${String(first.op)} with ${path}: ${c.what} (RFC 7644 §${c.section})`, () => {
      const from = c.from ?? BJENSEN;
      const out = patchUser(from, ...c.ops);
      const want = expected(c.edit, from);
      assert.deepEqual(out.data, want);
      assert.equal(out.changed, true, 'the document changed, so `changed` must be true');
      assert.equal(out.members, undefined, 'a User PATCH has no member delta');
    });
  }
}
