/**
 * The body of a webhook, per the Standard Webhooks specification: `{"type", "timestamp", "data"}`,
 * where `data` is the event as docs/events.md describes it, with the tenant's name beside its id.
 */
import type { ScimdEvent } from '../../store/types.ts';

export interface WebhookPayload {
  readonly type: string;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

export function webhookPayload(e: ScimdEvent, tenantName: string): WebhookPayload {
  return {
    type: e.type,
    timestamp: e.at,
    data: {
      id: e.id,
      tenantSeq: e.tenantSeq,
      tenant: tenantName,
      tenantId: e.tenantId,
      type: e.type,
      ...(e.resourceType !== undefined ? { resourceType: e.resourceType } : {}),
      ...(e.resourceId !== undefined ? { resourceId: e.resourceId } : {}),
      ...(e.version !== undefined ? { version: e.version } : {}),
      ...(e.paths !== undefined ? { paths: e.paths } : {}),
      ...(e.previous !== undefined ? { previous: e.previous } : {}),
      ...(e.state !== undefined ? { state: e.state } : {}),
      at: e.at,
      ...(e.actor !== undefined ? { actor: e.actor } : {}),
      ...(e.clientId !== undefined ? { clientId: e.clientId } : {}),
      ...(e.requestId !== undefined ? { requestId: e.requestId } : {}),
      data: e.data,
    },
  };
}

/** The secrets that sign at `now`: the current one, and the previous one until its grace ends. */
export function signingSecrets(e: { secret: string; previousSecret?: string; previousSecretUntil?: string }, now: Date): string[] {
  return e.previousSecret && e.previousSecretUntil && Date.parse(e.previousSecretUntil) > now.getTime() ? [e.secret, e.previousSecret] : [e.secret];
}
