/**
 * Group membership through MemberView and MemberDelta, and memberQuestions: what a Group PATCH must
 * know before it runs (RFC 7644 §3.5.2, RFC 7643 §4.2).
 * Shared fixtures: test/helpers/patch-apply.ts (every input is deep-frozen).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, memberQuestions, parsePatchRequest, type PatchOutcome } from './apply.ts';
import { NeedAllMembers, type MemberDelta, type MemberRef, type MemberView } from './members.ts';
import { deepFreeze } from '../../../test/helpers/freeze.ts';
import { type Doc, type Op, USER, GROUP, body, run, throwsScim } from '../../../test/helpers/patch-apply.ts';

const U1 = 'u-1';
const U2 = 'u-2';
const U3 = 'u-3';
const G0 = 'g-self';
const G2 = 'g-2';
const TYPES: Record<string, 'User' | 'Group'> = { [U1]: 'User', [U2]: 'User', [U3]: 'User', [G0]: 'Group', [G2]: 'Group' };

/** Group G0 with members U1 and G2; `all` only when `loadAll`, as the service does. */
function view(members: readonly MemberRef[] = [{ value: U1, type: 'User' }, { value: G2, type: 'Group' }], loadAll = false): MemberView {
  const ids = new Set(members.map((m) => m.value));
  const v = { has: (id: string) => ids.has(id), typeOf: (id: string) => TYPES[id] };
  return loadAll ? { ...v, all: members } : v;
}

const GROUP_DATA: Doc = deepFreeze({ displayName: 'Tour Guides' });

function patchGroup(operations: Op[], v: MemberView = view()): PatchOutcome {
  return run(GROUP, GROUP_DATA, operations, v, G0);
}

function delta(d: MemberDelta | undefined): { clear: boolean; add: [string, string][]; remove: string[] } {
  assert.ok(d, 'a Group PATCH returns a member delta');
  return { clear: d.clear, add: [...d.add].sort(), remove: [...d.remove].sort() };
}

describe('group membership through MemberView and MemberDelta (RFC 7644 §3.5.2, RFC 7643 §4.2)', () => {
  const cases: { what: string; section: string; ops: Op[]; loadAll?: boolean; want: ReturnType<typeof delta> }[] = [
    {
      what: 'add with path "members" adds several members in one operation',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'members', value: [{ value: U2 }, { value: U3, type: 'User' }] }],
      want: { clear: false, add: [[U2, 'User'], [U3, 'User']], remove: [] },
    },
    {
      what: 'add records the member type from the view, not from the request',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'MEMBERS', value: [{ VALUE: U3, TYPE: 'user' }] }],
      want: { clear: false, add: [[U3, 'User']], remove: [] },
    },
    {
      what: 'add without path with "members" in the value',
      section: '3.5.2.1',
      ops: [{ op: 'add', value: { members: [{ value: U2 }] } }],
      want: { clear: false, add: [[U2, 'User']], remove: [] },
    },
    {
      what: 'add of an existing member leaves the delta empty',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'members', value: [{ value: U1 }, { value: G2 }] }],
      want: { clear: false, add: [], remove: [] },
    },
    {
      what: 'remove with members[value eq "id"] removes that member',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'members[value eq "u-1"]' }],
      want: { clear: false, add: [], remove: [U1] },
    },
    {
      what: 'remove with an "or" of value tests removes each member',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'members[value eq "u-1" or value eq "g-2"]' }],
      want: { clear: false, add: [], remove: [G2, U1] },
    },
    {
      what: 'remove with path "members" clears all members',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'members' }],
      want: { clear: true, add: [], remove: [] },
    },
    {
      what: 'remove with members[type eq "Group"] uses the full member list',
      section: '3.5.2.2',
      loadAll: true,
      ops: [{ op: 'remove', path: 'members[type eq "Group"]' }],
      want: { clear: false, add: [], remove: [G2] },
    },
    {
      what: 'remove with members[not(value eq "id")] removes every other member',
      section: '3.5.2.2',
      loadAll: true,
      ops: [{ op: 'remove', path: 'members[not(value eq "u-1")]' }],
      want: { clear: false, add: [], remove: [G2] },
    },
    {
      what: 'replace with path "members" replaces the whole set',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'members', value: [{ value: U2 }, { value: U3 }] }],
      want: { clear: true, add: [[U2, 'User'], [U3, 'User']], remove: [] },
    },
    {
      what: 'replace with members[value eq "id"] swaps the matching member for the value',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'members[value eq "u-1"]', value: [{ value: U3 }] }],
      want: { clear: false, add: [[U3, 'User']], remove: [U1] },
    },
    {
      what: 'replace without path replaces members along with other attributes',
      section: '3.5.2.3',
      ops: [{ op: 'replace', value: { displayName: 'Guides', members: [{ value: U2 }] } }],
      want: { clear: true, add: [[U2, 'User']], remove: [] },
    },
    {
      what: 'replace without path and "members": [] clears the members',
      section: '3.5.2.3',
      ops: [{ op: 'replace', value: { members: [] } }],
      want: { clear: true, add: [], remove: [] },
    },
    {
      what: 'remove then add in one request apply in order',
      section: '3.5.2',
      ops: [
        { op: 'remove', path: 'members[value eq "g-2"]' },
        { op: 'add', path: 'members', value: [{ value: U2 }] },
        { op: 'remove', path: 'members[value eq "u-2"]' },
        { op: 'add', path: 'members', value: [{ value: U3 }] },
      ],
      // u-2 was not a member before the request: added then removed, it leaves no row to delete.
      want: { clear: false, add: [[U3, 'User']], remove: [G2] },
    },
    {
      what: 'removing a member and adding it back in one request changes nothing',
      section: '3.5.2',
      ops: [
        { op: 'remove', path: 'members[value eq "u-1"]' },
        { op: 'add', path: 'members', value: [{ value: U1 }] },
      ],
      want: { clear: false, add: [], remove: [] },
    },
    {
      what: 'clear then add keeps only the added members',
      section: '3.5.2',
      ops: [
        { op: 'remove', path: 'members' },
        { op: 'add', path: 'members', value: [{ value: U1 }] },
      ],
      want: { clear: true, add: [[U1, 'User']], remove: [] },
    },
  ];
  for (const c of cases) {
    it(`${c.what} (RFC 7644 §${c.section})`, () => {
      const out = patchGroup(c.ops, view(undefined, c.loadAll ?? false));
      assert.deepEqual(delta(out.members), c.want);
      const empty = !c.want.clear && c.want.add.length === 0 && c.want.remove.length === 0;
      assert.equal(out.changed, !empty);
    });
  }

  it('path-less replace also replaces other attributes, and members never enter the document (RFC 7644 §3.5.2.3)', () => {
    const out = patchGroup([{ op: 'replace', value: { displayName: 'Guides', members: [{ value: U2 }] } }]);
    assert.deepEqual(out.data, { displayName: 'Guides' });
    const added = patchGroup([{ op: 'add', path: 'members', value: [{ value: U2 }] }]);
    assert.deepEqual(added.data, GROUP_DATA);
  });

  it('a filter on a member added earlier in the same request finds it (RFC 7644 §3.5.2)', () => {
    const out = patchGroup(
      [
        { op: 'add', path: 'members', value: [{ value: U2 }] },
        { op: 'remove', path: 'members[type eq "User"]' },
      ],
      view(undefined, true),
    );
    // u-2 existed only within this request, so only u-1's row is deleted.
    assert.deepEqual(delta(out.members), { clear: false, add: [], remove: [U1] });
  });

  it('members must be an array, like every multi-valued attribute (RFC 7643 §2.4)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: { value: U2 } }]), 'invalidValue', /must be an array/);
  });

  it('a member removed by an earlier operation is noTarget for a later filter (RFC 7644 §3.5.2, §3.5.2.2)', () => {
    throwsScim(
      () =>
        patchGroup([
          { op: 'remove', path: 'members' },
          { op: 'remove', path: 'members[value eq "g-2"]' },
        ]),
      'noTarget',
    );
  });

  it('removing a non-member is noTarget (RFC 7644 §3.5.2.2)', () => {
    throwsScim(() => patchGroup([{ op: 'remove', path: 'members[value eq "u-3"]' }]), 'noTarget', /no member matches/);
    throwsScim(() => patchGroup([{ op: 'remove', path: 'members[type eq "Group" and value eq "u-1"]' }], view(undefined, true)), 'noTarget');
  });

  it('replace of a filter matching no member is noTarget (RFC 7644 §3.5.2.3)', () => {
    throwsScim(() => patchGroup([{ op: 'replace', path: 'members[value eq "u-3"]', value: [{ value: U2 }] }]), 'noTarget');
  });

  it('adding a member that does not exist is invalidValue (RFC 7644 §3.5.2.1, §3.12)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: [{ value: U2 }, { value: 'nobody' }] }]), 'invalidValue', /'nobody' does not exist/);
  });

  it('adding a member whose declared type is wrong is invalidValue (RFC 7644 §3.5.2.1, RFC 7643 §4.2)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: [{ value: U2, type: 'Group' }] }]), 'invalidValue', /is a User, not a Group/);
  });

  it('adding the group to itself is invalidValue (RFC 7644 §3.5.2.1)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: [{ value: G0 }] }]), 'invalidValue', /itself/);
    throwsScim(() => patchGroup([{ op: 'replace', value: { members: [{ value: G0 }] } }]), 'invalidValue', /itself/);
  });

  it('a member entry without a string value is invalidValue (RFC 7644 §3.5.2.1, RFC 7643 §4.2)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: [{ type: 'User' }] }]), 'invalidValue', /needs a "value"/);
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: [{ value: 7 }] }]), 'invalidValue');
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: ['u-2'] }]), 'invalidValue');
  });

  it('add with a members[...] filter path is invalidPath; members are added with path "members" (RFC 7644 §3.5.2.1)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members[value eq "u-2"]', value: { value: U2 } }]), 'invalidPath');
  });

  it('member sub-attributes cannot be changed in place → mutability (RFC 7644 §3.5.2, RFC 7643 §4.2)', () => {
    for (const op of [
      { op: 'replace', path: 'members.value', value: U2 },
      { op: 'remove', path: 'members.display' },
      { op: 'replace', path: 'members[value eq "u-1"].value', value: U2 },
      { op: 'replace', path: 'members[value eq "u-1"].display', value: 'Someone' },
      { op: 'remove', path: 'members[value eq "u-1"].type' },
    ]) {
      throwsScim(() => patchGroup([op]), 'mutability', /cannot be changed/);
    }
  });

  it('a failing operation leaves no partial member delta: the whole PATCH throws (RFC 7644 §3.5.2)', () => {
    throwsScim(
      () =>
        patchGroup([
          { op: 'add', path: 'members', value: [{ value: U2 }] },
          { op: 'remove', path: 'members[value eq "u-1"]' },
          { op: 'add', path: 'members', value: [{ value: 'nobody' }] },
        ]),
      'invalidValue',
    );
  });

  it('a filter beyond "value eq" without the full member list throws NeedAllMembers, the service\'s cue (RFC 7644 §3.5.2.2)', () => {
    const ops = parsePatchRequest(body({ op: 'remove', path: 'members[type eq "User"]' }), GROUP);
    assert.throws(() => applyPatch({ schema: GROUP, id: G0, data: GROUP_DATA, members: view() }, ops), NeedAllMembers);
  });
});

describe('memberQuestions: what a Group PATCH must know before it runs (RFC 7644 §3.5.2)', () => {
  const ask = (...operations: Op[]) => {
    const q = memberQuestions(parsePatchRequest(body(...operations), GROUP), GROUP);
    return { ids: [...q.ids].sort(), all: q.all };
  };
  const cases: [string, Op[], { ids: string[]; all: boolean }][] = [
    ['add with path "members" names the added ids', [{ op: 'add', path: 'members', value: [{ value: 'b' }, { value: 'a' }] }], { ids: ['a', 'b'], all: false }],
    ['add with a single member object', [{ op: 'add', path: 'members', value: { value: 'a' } }], { ids: ['a'], all: false }],
    ['path-less add with "members" in the value', [{ op: 'add', value: { displayName: 'x', Members: [{ value: 'c' }] } }], { ids: ['c'], all: false }],
    ['remove members[value eq "a"]', [{ op: 'remove', path: 'members[value eq "a"]' }], { ids: ['a'], all: false }],
    ['remove with an "or" of value eq tests', [{ op: 'remove', path: 'members[value eq "a" or value eq "b"]' }], { ids: ['a', 'b'], all: false }],
    ['names in any case', [{ op: 'remove', path: 'MEMBERS[VALUE EQ "a"]' }], { ids: ['a'], all: false }],
    ['replace members[value eq "a"] names the old and the new id', [{ op: 'replace', path: 'members[value eq "a"]', value: [{ value: 'b' }] }], { ids: ['a', 'b'], all: false }],
    ['replace with path "members"', [{ op: 'replace', path: 'members', value: [{ value: 'd' }] }], { ids: ['d'], all: false }],
    ['remove with path "members" needs no ids', [{ op: 'remove', path: 'members' }], { ids: [], all: false }],
    ['an operation not about members', [{ op: 'replace', path: 'displayName', value: 'x' }], { ids: [], all: false }],
    ['members[type eq "User"] needs the full list', [{ op: 'remove', path: 'members[type eq "User"]' }], { ids: [], all: true }],
    ['members[value sw "a"] needs the full list', [{ op: 'remove', path: 'members[value sw "a"]' }], { ids: [], all: true }],
    ['members[value eq "a" and type eq "User"] needs the full list', [{ op: 'remove', path: 'members[value eq "a" and type eq "User"]' }], { ids: [], all: true }],
    ['members[not(value eq "a")] needs the full list', [{ op: 'remove', path: 'members[not(value eq "a")]' }], { ids: [], all: true }],
    [
      'ids are collected across operations',
      [
        { op: 'add', path: 'members', value: [{ value: 'a' }] },
        { op: 'remove', path: 'members[value eq "b"]' },
        { op: 'remove', path: 'members[display co "x"]' },
      ],
      { ids: ['a', 'b'], all: true },
    ],
  ];
  for (const [what, ops, want] of cases) {
    it(`${what} → ids ${JSON.stringify(want.ids)}, all ${want.all} (RFC 7644 §3.5.2)`, () => {
      assert.deepEqual(ask(...ops), want);
    });
  }

  it('a User PATCH asks no member questions (RFC 7644 §3.5.2)', () => {
    const q = memberQuestions(parsePatchRequest(body({ op: 'remove', path: 'emails[value eq "a"]' }), USER), USER);
    assert.deepEqual({ ids: [...q.ids], all: q.all }, { ids: [], all: false });
  });
});
