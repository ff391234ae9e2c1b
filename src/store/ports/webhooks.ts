/**
 * Webhook endpoints of tenants and the log of their delivery attempts. An endpoint receives its
 * tenant's events (the event log) in tenantSeq order: `deliveredSeq` is the last one it has
 * acknowledged (or skipped, its type not wanted); a process works on an endpoint only while it
 * holds its lease, so several processes on one database deliver each event once.
 */
import type { Port } from './port.ts';

export type WebhookState = 'active' | 'failing';

export interface WebhookEndpoint {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  /** The signing secret (whsec_…): an HMAC key scimd must use, so stored as given. Never logged, shown only when made. */
  readonly secret: string;
  /** The secret before the last rotation, which still signs until `previousSecretUntil`. */
  readonly previousSecret?: string;
  readonly previousSecretUntil?: string;
  /** Event types delivered; empty: every type. */
  readonly types: readonly string[];
  readonly enabled: boolean;
  readonly createdAt: string;
  /** The tenantSeq of the last event delivered (or passed over); the next one is after it. */
  readonly deliveredSeq: number;
  /** `failing`: every attempt at the event `failedSeq` failed; nothing more is sent until a replay. */
  readonly state: WebhookState;
  readonly failedSeq?: number;
  readonly failedReason?: string;
  /** When the next attempt at the head event is due (after a failed one). */
  readonly nextAttemptAt?: string;
  /** Failed attempts at the head event so far. */
  readonly attempts: number;
  readonly leaseOwner?: string;
  readonly leaseUntil?: string;
}

/** One attempt to deliver one event to one endpoint. */
export interface WebhookAttempt {
  readonly id?: number;
  readonly endpointId: string;
  /** The event's id (the webhook-id header). */
  readonly eventId: string;
  /** Absent for a test ping. */
  readonly tenantSeq?: number;
  readonly eventType: string;
  /** 1 for the first attempt at this event, 2 for the first retry … */
  readonly attempt: number;
  readonly at: string;
  /** The HTTP status answered; absent when there was no answer (timeout, refused, connection error). */
  readonly status?: number;
  readonly durationMs: number;
  /** The first characters of the answer's body (at most 500). */
  readonly responseExcerpt?: string;
  readonly error?: string;
}

/** What an admin may change of an endpoint. */
export interface WebhookChanges {
  readonly url?: string;
  readonly types?: readonly string[];
  readonly enabled?: boolean;
}

export interface WebhooksReads {
  webhookEndpoints(tenantId: string): Promise<WebhookEndpoint[]>;
  webhookEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  /** Newest first; `failedOnly`: attempts without a 2xx answer. */
  webhookAttempts(endpointId: string, q: { limit: number; failedOnly?: boolean }): Promise<WebhookAttempt[]>;
  /** Whether some endpoint has work due at `now` (what claimWebhookEndpoints would lease), read without a write. */
  webhooksDue(now: string): Promise<boolean>;
  /** The last tenantSeq the tenant's event sequence gave out (0 before its first event). */
  lastTenantSeq(tenantId: string): Promise<number>;
}

export interface WebhooksWrites {
  createWebhookEndpoint(e: WebhookEndpoint): Promise<void>;
  /** False when there is no such endpoint. */
  updateWebhookEndpoint(id: string, changes: WebhookChanges): Promise<boolean>;
  deleteWebhookEndpoint(id: string): Promise<boolean>;
  rotateWebhookSecret(id: string, secret: string, previous: { secret: string; until: string } | undefined): Promise<boolean>;
  /**
   * Leases up to `limit` endpoints that have work due at `now` (enabled, active, an event after
   * `deliveredSeq`, no retry pending later, no live lease of another owner) to `owner` until `until`.
   */
  claimWebhookEndpoints(owner: string, now: string, until: string, limit: number): Promise<WebhookEndpoint[]>;
  /** Extends the lease while `owner` holds it; false when it no longer does. */
  renewWebhookLease(id: string, owner: string, until: string): Promise<boolean>;
  releaseWebhookLease(id: string, owner: string): Promise<void>;
  /**
   * Moves the cursor from `from` to `to` and clears the retry state, while `owner` holds the lease
   * and the cursor is still at `from` (a replay in between wins); false otherwise.
   */
  advanceWebhookCursor(id: string, owner: string, from: number, to: number): Promise<boolean>;
  /** After a failed attempt: the count, and when the next one is due (or the dead-letter state, with `failed`). */
  webhookAttemptFailed(id: string, owner: string, attempts: number, next: { nextAttemptAt: string } | { failedSeq: number; reason: string }): Promise<boolean>;
  /** Back to active, retry state cleared; with `deliveredSeq`, the cursor moved there. */
  resumeWebhook(id: string, deliveredSeq?: number): Promise<boolean>;
  recordWebhookAttempt(a: WebhookAttempt): Promise<void>;
  /** Deletes attempts older than `before`, and beyond the newest `keepRows`; answers how many. */
  pruneWebhookAttempts(before: string, keepRows: number): Promise<number>;
}

export interface Webhooks extends WebhooksReads, WebhooksWrites {}

export type WebhooksPort = Port<WebhooksReads, WebhooksWrites>;
