/** The ordered event log the host application reads. */
import type { Json } from '../../scim/schema/validate.ts';
import type { Port } from './port.ts';

/** One entry of the ordered event log the host application reads. */
export interface ScimdEvent {
  readonly seq?: number;
  readonly tenantId: string;
  readonly type: string;
  readonly resourceId?: string;
  readonly at: string;
  readonly data: Json;
}

export interface EventLogReads {
  events(q: { tenantId?: string; afterSeq?: number; limit: number }): Promise<ScimdEvent[]>;
}

export interface EventLogWrites {
  appendEvent(e: ScimdEvent): Promise<void>;
}

export interface EventLog extends EventLogReads, EventLogWrites {}

export type EventLogPort = Port<EventLogReads, EventLogWrites>;
