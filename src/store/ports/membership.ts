/** Group membership, kept as rows (not a JSON array), and the groups a user is in. */
import type { MemberDelta } from '../../scim/patch/members.ts';
import type { GroupMembership, Member } from '../../scim/resource.ts';
import type { Port } from './port.ts';

export interface MemberFacts {
  /** Which of the asked ids are members of the group now. */
  readonly members: Set<string>;
  /** The type of each asked id that exists in the tenant. */
  readonly types: Map<string, 'User' | 'Group'>;
}

/** Where the next page of a group's members starts (opaque outside the store). */
export interface MemberCursor {
  readonly group: number;
  readonly after: number;
}

/** Some of a group's members, in the order membersOf lists them, and where the rest starts. */
export interface MemberPage {
  readonly members: Member[];
  /** Absent after the last page. */
  readonly next?: MemberCursor;
}

export interface MembershipReads {
  membersOf(tenantId: string, groupId: string): Promise<Member[]>;
  /**
   * Up to `limit` members, from the start or from `from`, by keyset: read page after page in one
   * read snapshot, they are membersOf's answer in pieces. No group, or no more members: none.
   */
  memberPage(tenantId: string, groupId: string, limit: number, from?: MemberCursor): Promise<MemberPage>;
  memberFacts(tenantId: string, groupId: string, ids: readonly string[]): Promise<MemberFacts>;
  /** The group's member count, counting no further than `limit` (a bounded query, never a full count of a huge group). */
  memberCountUpTo(tenantId: string, groupId: string, limit: number): Promise<number>;
  /** Direct and nested group memberships of each user. */
  groupsOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, GroupMembership[]>>;
}

export interface MembershipWrites {
  applyMemberDelta(tenantId: string, groupId: string, delta: MemberDelta): Promise<void>;
}

export interface Membership extends MembershipReads, MembershipWrites {}

export type MembershipPort = Port<MembershipReads, MembershipWrites>;
