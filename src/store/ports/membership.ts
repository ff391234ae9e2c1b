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

export interface MembershipReads {
  membersOf(tenantId: string, groupId: string): Promise<Member[]>;
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
