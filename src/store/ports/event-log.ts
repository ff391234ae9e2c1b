/** The change log: every committed change of a User or Group, and the policy events, in order. */
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { Json } from '../../scim/schema/validate.ts';
import type { Port } from './port.ts';

/** Who caused a change: a SCIM client (`clientId`), an operator (CLI, admin API), or a user following a mailed link. */
export type EventActor = 'scim' | 'admin' | 'link';

/**
 * One entry of the change log the host application reads (docs/events.md has the catalogue):
 * every committed change of a User or Group is one event, written in the write's own transaction
 * by provisioning/resources/changes.ts. Fields marked optional are absent only where the docs say so.
 */
export interface ScimdEvent {
  /** Position in the whole log (all tenants), for `scimd events list --after`; not the feed's cursor. */
  readonly seq?: number;
  /** A uuid, the same wherever the event is delivered (set when stored). */
  readonly id?: string;
  /** The tenant's sequence: 1, 2, 3 … with no gaps, in commit order (set when stored). */
  readonly tenantSeq?: number;
  readonly tenantId: string;
  /** user.created, user.updated, …, group.member.added, user.invitation.accepted … */
  readonly type: string;
  readonly resourceType?: ResourceTypeName;
  readonly resourceId?: string;
  /** The resource's version after the change (for a delete, the version it had). */
  readonly version?: number;
  /** The attribute paths whose values the change altered (updates, reactivations, policy events). */
  readonly paths?: readonly string[];
  /** The values those paths had before the change (null where there was none). */
  readonly previous?: Json;
  /** The resource as it is after the change (tenant setting events.state), on the resource's own event. */
  readonly state?: Json;
  /**
   * `state` as JSON text, when whoever wrote the event already had it (the change recorder builds it
   * around the text the store wrote for the document): stored as is, instead of `state`. Never read back.
   */
  readonly stateText?: string;
  readonly at: string;
  /** The SCIM client whose request caused the change (actor scim). */
  readonly clientId?: string;
  /** The id of the HTTP request that caused it (Fastify's request id), when there was one. */
  readonly requestId?: string;
  readonly actor?: EventActor;
  /** Details of the type: the member of a member event, the address of a policy event … */
  readonly data: Json;
}

export interface EventLogReads {
  events(q: { tenantId?: string; afterSeq?: number; limit: number }): Promise<ScimdEvent[]>;
  /** The tenant's events after `afterTenantSeq` in its sequence, in order; only those of `types` when given. */
  tenantEvents(tenantId: string, afterTenantSeq: number, limit: number, types?: readonly string[]): Promise<ScimdEvent[]>;
  /**
   * The tenant's sequence as the log holds it: `last`, the last number given out (0 before the
   * first event; every event up to it has committed), and `first`, the oldest still retained.
   */
  eventHorizon(tenantId: string): Promise<{ readonly first?: number; readonly last: number }>;
  /** The last tenantSeq the tenant's sequence gave out (0 before any): eventHorizon's `last` alone, one indexed read. */
  lastEventSeq(tenantId: string): Promise<number>;
}

export interface EventLogWrites {
  /** Appends one event, numbered from the tenant's sequence (recordChange takes numbers for many at once). */
  appendEvent(e: ScimdEvent): Promise<void>;
  /**
   * Takes the next `count` numbers of the tenant's event sequence and answers the first. The
   * counter row stays locked until commit, so numbers are gapless and follow commit order: call it
   * as late as possible in the transaction, right before insertEvents.
   */
  takeEventSeqs(tenantId: string, count: number): Promise<number>;
  /**
   * Appends events of one tenant that carry their `id` (not their `tenantSeq`), numbered in order
   * from the tenant's sequence: takeEventSeqs and insertEvents at once. The counter row stays locked
   * until commit, so call it last in the transaction; PostgreSQL sends it with the COMMIT (one
   * statement, and no round trip while the row is locked). At most 250 events.
   */
  appendEvents(tenantId: string, events: readonly ScimdEvent[]): Promise<void>;
  /** Writes events that carry their `id` and `tenantSeq`, many rows to a statement. */
  insertEvents(events: readonly ScimdEvent[]): Promise<void>;
  /** Deletes events older than `before` among the `limit` oldest; answers how many went. */
  pruneEvents(before: string, limit: number): Promise<number>;
}

export interface EventLog extends EventLogReads, EventLogWrites {}

export type EventLogPort = Port<EventLogReads, EventLogWrites>;
