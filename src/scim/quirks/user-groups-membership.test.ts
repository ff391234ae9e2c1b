/**
 * userGroupsMembership (IDP-QUIRKS row 23): Okta apps built with the App Integration Wizard may
 * send memberships in the User's `groups` (Okta SCIM 2.0 reference; ory/polis#3136), which RFC 7643
 * §4.1.2 makes read-only:
 *
 *   {"schemas": [...User], "userName": "…", "groups": [{"value": "<group id>", "display": "Eng"}]}
 *
 * It changes what a request means, so it is on for the okta profile only. The body is returned as
 * it came (the core then ignores the read-only `groups`); the work is a follow-up. Every input is
 * deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultRegistry, type ResourceSchema } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';
import { GROUP_URN, USER_URN } from '../urns.ts';
import type { FollowUp } from './types.ts';
import { userGroupsMembership } from './user-groups-membership.ts';
import { deepFreeze } from '../../../test/helpers/freeze.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');

/** POST when `resourceId` is undefined, PUT otherwise. */
function run(body: Json, resourceId?: string, schema: ResourceSchema = USER): { out: Json; notes: string[]; followUps: FollowUp[] } {
  const notes: string[] = [];
  const followUps: FollowUp[] = [];
  const input = deepFreeze(structuredClone(body));
  const out = userGroupsMembership.resource!(input, { schema, ...(resourceId ? { resourceId } : {}), note: (m) => notes.push(m), followUp: (f) => followUps.push(f) });
  assert.deepEqual(input, body, 'the input is untouched');
  return { out, notes, followUps };
}

describe('userGroupsMembership', () => {
  it('is on for the okta profile only, handles row 23, POST/PUT bodies only', () => {
    assert.equal(userGroupsMembership.name, 'userGroupsMembership');
    assert.deepEqual(userGroupsMembership.quirks, [23]);
    assert.deepEqual(userGroupsMembership.profiles, ['okta']);
    assert.equal(userGroupsMembership.patch, undefined);
  });

  it('POST: the groups become memberships to add, and leave the body (the core never sees them)', () => {
    const raw = { schemas: [USER_URN], userName: 'okta-user', groups: [{ value: 'g1', display: 'Eng' }, { VALUE: 'g2' }] };
    const { out, notes, followUps } = run(raw);
    assert.deepEqual(out, { schemas: [USER_URN], userName: 'okta-user' });
    assert.deepEqual(followUps, [{ kind: 'userGroups', mode: 'add', groupIds: ['g1', 'g2'] }]);
    assert.deepEqual(notes, ['"groups" read as memberships to add: 2 group(s)']);
  });

  it('PUT: the groups are the direct memberships; indirect ones Okta echoes from a GET are skipped', () => {
    const raw = { userName: 'u', Groups: [{ value: 'g1', type: 'direct' }, { value: 'g9', Type: 'Indirect' }, { value: 'g3' }] };
    const { out, notes, followUps } = run(raw, 'u1');
    assert.deepEqual(out, { userName: 'u' });
    assert.deepEqual(followUps, [{ kind: 'userGroups', mode: 'set', groupIds: ['g1', 'g3'] }]);
    assert.deepEqual(notes, ['"groups" read as the direct memberships: 2 group(s)']);
  });

  it("Okta's create with groups: [] asks to add none", () => {
    const { followUps, notes } = run({ userName: 'u', groups: [] });
    assert.deepEqual(followUps, [{ kind: 'userGroups', mode: 'add', groupIds: [] }]);
    assert.deepEqual(notes, ['"groups" read as memberships to add: 0 group(s)']);
  });

  it('skips entries without a string value', () => {
    const { followUps } = run({ userName: 'u', groups: [{ display: 'x' }, { value: 5 }, 'g7', null, { value: 'g1' }] });
    assert.deepEqual(followUps, [{ kind: 'userGroups', mode: 'add', groupIds: ['g1'] }]);
  });

  it('does nothing for a User without groups (an RFC-valid body), a non-array groups, or a Group', () => {
    for (const [raw, schema] of [
      [{ schemas: [USER_URN], userName: 'u' }, USER],
      [{ userName: 'u', groups: { value: 'g1' } }, USER],
      [{ schemas: [GROUP_URN], displayName: 'g', groups: [{ value: 'g1' }] }, GROUP],
    ] as const) {
      assert.deepEqual(run(raw, undefined, schema), { out: raw, notes: [], followUps: [] });
    }
  });
});
