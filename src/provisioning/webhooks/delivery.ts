/**
 * How webhooks are delivered: the settings (with their defaults), the back-off between attempts,
 * and one attempt at one event, recorded in the delivery log. Shared by the dispatcher and the
 * admin's test ping.
 */
import type { ScimdEvent, Store, WebhookAttempt, WebhookEndpoint } from '../../store/types.ts';
import { signingSecrets, webhookPayload } from './payload.ts';
import { postWebhook, type SendResult } from './send.ts';

export interface WebhookSettings {
  /** Whether receivers on loopback and private addresses are allowed (--webhook-allow-private). */
  readonly allowPrivate: boolean;
  /** How often each process looks for endpoints with work due (default 500 ms). */
  readonly pollMs: number;
  /** The first retry's upper bound (default 5 s); it doubles with each failed attempt … */
  readonly retryBaseMs: number;
  /** … up to this (default 1 h). */
  readonly retryCapMs: number;
  /** Attempts at one event before the endpoint is dead-lettered (default 48: about a day). */
  readonly maxAttempts: number;
  /** The time limit of one attempt (default 10 s). */
  readonly timeoutMs: number;
  /** How long a process holds an endpoint without renewing (default 20 s; renewed every third of it). */
  readonly leaseMs: number;
  /** Endpoints worked on at once per process (default 16). */
  readonly concurrency: number;
  /** Delivery-log retention: days, and rows. */
  readonly attemptDays: number;
  readonly attemptRows: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivate: false,
  pollMs: 500,
  retryBaseMs: 5_000,
  retryCapMs: 3_600_000,
  maxAttempts: 48,
  timeoutMs: 10_000,
  leaseMs: 20_000,
  concurrency: 16,
  attemptDays: 7,
  attemptRows: 100_000,
};

/**
 * The wait after the `failed`-th failed attempt: exponential back-off with full jitter, a random
 * time up to base·2^(failed−1), capped. With the defaults the 47 waits add up to about 19 hours
 * on average (at most about 38): 5 s, 10 s … 2,560 s, then 37 times an hour, halved on average.
 */
export function retryDelayMs(failed: number, s: Pick<WebhookSettings, 'retryBaseMs' | 'retryCapMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(s.retryCapMs, s.retryBaseMs * 2 ** Math.min(40, Math.max(0, failed - 1)));
  return Math.floor(random() * ceiling);
}

/** Sends one event to one endpoint and records the attempt (number `attempt`) in the delivery log. */
export async function attemptDelivery(
  store: Store,
  endpoint: WebhookEndpoint,
  event: ScimdEvent & { id: string },
  tenantName: string,
  attempt: number,
  s: Pick<WebhookSettings, 'allowPrivate' | 'timeoutMs'>,
  now: () => Date,
  signal?: AbortSignal,
): Promise<SendResult> {
  const { result, record } = await sendEvent(endpoint, event, tenantName, attempt, s, now, signal);
  await store.recordWebhookAttempt(record);
  return result;
}

/** Sends one event to one endpoint: the answer, and the delivery-log row of the attempt (not written yet). */
export async function sendEvent(
  endpoint: WebhookEndpoint,
  event: ScimdEvent & { id: string },
  tenantName: string,
  attempt: number,
  s: Pick<WebhookSettings, 'allowPrivate' | 'timeoutMs'>,
  now: () => Date,
  signal?: AbortSignal,
): Promise<{ result: SendResult; record: WebhookAttempt }> {
  const at = now();
  const body = JSON.stringify(webhookPayload(event, tenantName));
  const result = await postWebhook(endpoint.url, { id: event.id, body, secrets: signingSecrets(endpoint, at) }, { timeoutMs: s.timeoutMs, allowPrivate: s.allowPrivate, now: at, ...(signal ? { signal } : {}) });
  const record: WebhookAttempt = {
    endpointId: endpoint.id,
    eventId: event.id,
    ...(event.tenantSeq !== undefined ? { tenantSeq: event.tenantSeq } : {}),
    eventType: event.type,
    attempt,
    at: at.toISOString(),
    ...(result.status !== undefined ? { status: result.status } : {}),
    durationMs: result.durationMs,
    ...(result.excerpt !== undefined ? { responseExcerpt: result.excerpt } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
  };
  return { result, record };
}

/** What the delivery log says of an attempt that did not succeed. */
export const failureOf = (r: SendResult): string => r.error ?? `HTTP ${r.status ?? '?'}`;
