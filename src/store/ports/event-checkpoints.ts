/**
 * Where each subscriber of the change log stands (library mode's `on()`, src/library/): per
 * subscriber name and tenant, the tenantSeq of the last event every handler acknowledged.
 */
import type { Port } from './port.ts';

/** A tenant whose change log went past a subscriber's checkpoint. */
export interface EventBacklog {
  readonly tenantId: string;
  /** The subscriber's checkpoint in the tenant's sequence; absent when it has none yet. */
  readonly checkpoint?: number;
  /** The last number the tenant's sequence gave out. */
  readonly last: number;
}

export interface EventCheckpointsReads {
  /** The tenants with events after the subscriber's checkpoint (or with events and no checkpoint), one query. */
  eventBacklog(subscriber: string): Promise<EventBacklog[]>;
}

export interface EventCheckpointsWrites {
  /** Moves the subscriber's checkpoint of a tenant forward to `tenantSeq` (never back). */
  saveEventCheckpoint(subscriber: string, tenantId: string, tenantSeq: number, at: string): Promise<void>;
}

export interface EventCheckpoints extends EventCheckpointsReads, EventCheckpointsWrites {}

export type EventCheckpointsPort = Port<EventCheckpointsReads, EventCheckpointsWrites>;
