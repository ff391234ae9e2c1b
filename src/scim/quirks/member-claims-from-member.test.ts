/**
 * memberClaimsFromMember: a member whose client-sent type or $ref disagrees with the resource its
 * id names is taken from that resource on the tolerant profiles, and refused on strict
 * (members.ts: refTarget, claimDisagreement, checkClaim, MemberTracker).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors.ts';
import { claimDisagreement, MemberTracker, refTarget } from '../patch/members.ts';
import { normalisersFor } from './index.ts';
import { memberClaimsFromMember } from './member-claims-from-member.ts';
import { QuirkRun } from './run.ts';

const view = { has: () => false, typeOf: (id: string) => (id === 'u1' ? ('User' as const) : id === 'g1' ? ('Group' as const) : undefined) };

describe('memberClaimsFromMember', () => {
  it('is on for every profile but strict, and decides rather than rewrites', () => {
    assert.deepEqual([memberClaimsFromMember.name, memberClaimsFromMember.profiles], ['memberClaimsFromMember', 'all']);
    assert.equal(memberClaimsFromMember.resource ?? memberClaimsFromMember.patch ?? memberClaimsFromMember.filter, undefined);
    const notes: string[] = [];
    assert.equal(memberClaimsFromMember.member!('Member u1 is a User, not a Group', { note: (m) => notes.push(m) }), true);
    assert.deepEqual(notes, ['Member u1 is a User, not a Group: taken from the member']);
  });

  it('refTarget reads absolute and relative member $refs, and nothing else', () => {
    assert.deepEqual(refTarget('https://x.example/scim/v2/Users/u1'), { type: 'User', id: 'u1' });
    assert.deepEqual(refTarget('Users/u1'), { type: 'User', id: 'u1' });
    assert.deepEqual(refTarget('../groups/g%201/'), { type: 'Group', id: 'g 1' });
    assert.equal(refTarget('https://x.example/people/u1'), undefined);
    assert.equal(refTarget('u1'), undefined);
  });

  it('claimDisagreement: a type or a readable $ref naming something else; agreeing or unreadable claims are fine', () => {
    assert.equal(claimDisagreement({ value: 'u1', type: 'user', $ref: 'Users/u1' }, 'User'), undefined);
    assert.equal(claimDisagreement({ value: 'u1', $ref: 'https://idp.example/o/123' }, 'User'), undefined);
    assert.match(claimDisagreement({ value: 'u1', type: 'Group' }, 'User')!, /is a User, not a Group/);
    assert.match(claimDisagreement({ value: 'u1', $ref: 'Groups/u1' }, 'User')!, /names the Group 'u1'/);
    assert.match(claimDisagreement({ value: 'u1', $ref: 'Users/u2' }, 'User')!, /names the User 'u2'/);
  });

  it('a tracker refuses a disagreeing member without claims (strict), and adds it with its real type with them', () => {
    assert.throws(() => new MemberTracker(view, 'g0').add([{ value: 'u1', type: 'Group' }]), (e) => e instanceof ScimError && e.scimType === 'invalidValue');
    const strict = new QuirkRun(normalisersFor('strict'));
    assert.throws(() => new MemberTracker(view, 'g0', (why) => strict.member(why)).add([{ value: 'g1', $ref: 'Users/g1' }]), ScimError);
    assert.deepEqual(strict.notes, []);
    const run = new QuirkRun(normalisersFor('generic'));
    const t = new MemberTracker(view, 'g0', (why) => run.member(why));
    t.add([
      { value: 'u1', type: 'Group', $ref: 'Groups/u1' },
      { value: 'g1', type: 'User' },
    ]);
    assert.deepEqual([...t.delta.add], [['u1', 'User'], ['g1', 'Group']]);
    assert.deepEqual(run.notes, ["memberClaimsFromMember: Member 'u1' is a User, not a Group: taken from the member", "memberClaimsFromMember: Member 'g1' is a Group, not a User: taken from the member"]);
  });
});
