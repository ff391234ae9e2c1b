/**
 * The admin operations on webhook endpoints, one implementation for the admin API and the CLI:
 * add (answers the secret, once), list, show (state, cursor, lag, last attempt), change, remove,
 * rotate the secret (the old one keeps signing for a grace period), send a test ping, replay
 * (resume a dead-lettered endpoint, or go back to an earlier event), and the delivery log.
 */
import { randomUUID } from 'node:crypto';
import type { Store, Tenant, WebhookAttempt, WebhookEndpoint } from '../../store/types.ts';
import { AdminError } from '../tenants/directory-admin.ts';
import { checkWebhookUrl, WebhookUrlError } from './address-policy.ts';
import { attemptDelivery, type WebhookSettings } from './delivery.ts';
import { normaliseTypes, TEST_EVENT_TYPE } from './event-types.ts';
import { newWebhookSecret } from './secrets.ts';

export type { WebhookAttempt, WebhookEndpoint };

/** What admins see of an endpoint: never its secrets. */
export interface WebhookView {
  readonly id: string;
  readonly tenant: string;
  readonly url: string;
  /** Empty: every event type. */
  readonly types: readonly string[];
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly state: 'active' | 'failing';
  /** The tenantSeq of the last event delivered (or passed over: a type it does not want). */
  readonly deliveredSeq: number;
  /** The tenant's last tenantSeq, and how many events the endpoint is behind it. */
  readonly lastSeq: number;
  readonly lag: number;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly failedSeq: number | null;
  readonly failedReason: string | null;
  /** Until when the secret before the last rotation still signs. */
  readonly previousSecretUntil: string | null;
  readonly lastAttempt: WebhookAttempt | null;
}

/** A new endpoint or a rotated secret: the secret is in this answer only. */
export interface WebhookWithSecret extends WebhookView {
  readonly secret: string;
}

export interface TestResult {
  readonly ok: boolean;
  readonly eventId: string;
  readonly status: number | null;
  readonly durationMs: number;
  readonly responseExcerpt: string | null;
  readonly error: string | null;
}

export interface WebhookInput {
  readonly url?: string;
  readonly types?: readonly string[];
  readonly enabled?: boolean;
}

const MAX_GRACE_HOURS = 24 * 30;

export class WebhookAdmin {
  constructor(
    private readonly store: Store,
    private readonly settings: Pick<WebhookSettings, 'allowPrivate' | 'timeoutMs'>,
    private readonly now: () => Date = () => new Date(),
    /** Called after a change that may give the dispatcher work. */
    private readonly changed: () => void = () => undefined,
  ) {}

  private async tenant(name: string): Promise<Tenant> {
    const t = await this.store.tenantByName(name);
    if (!t) throw new AdminError('not_found', `No tenant named '${name}'`);
    return t;
  }

  private async endpoint(tenantName: string, id: string): Promise<{ t: Tenant; ep: WebhookEndpoint }> {
    const t = await this.tenant(tenantName);
    const ep = await this.store.webhookEndpoint(id);
    if (!ep || ep.tenantId !== t.id) throw new AdminError('not_found', `Tenant '${t.name}' has no webhook '${id.slice(0, 100)}'`);
    return { t, ep };
  }

  private url(raw: string): string {
    try {
      return checkWebhookUrl(raw, this.settings.allowPrivate);
    } catch (e) {
      if (e instanceof WebhookUrlError) throw new AdminError('invalid', `Webhook URL refused: ${e.message}`);
      throw e;
    }
  }

  private types(raw: readonly string[]): string[] {
    try {
      return normaliseTypes(raw);
    } catch (e) {
      throw new AdminError('invalid', `Webhook types: ${(e as Error).message}`);
    }
  }

  private async view(t: Tenant, ep: WebhookEndpoint): Promise<WebhookView> {
    const lastSeq = await this.store.lastTenantSeq(t.id);
    const [last] = await this.store.webhookAttempts(ep.id, { limit: 1 });
    return {
      id: ep.id,
      tenant: t.name,
      url: ep.url,
      types: ep.types,
      enabled: ep.enabled,
      createdAt: ep.createdAt,
      state: ep.state,
      deliveredSeq: ep.deliveredSeq,
      lastSeq,
      lag: Math.max(0, lastSeq - ep.deliveredSeq),
      attempts: ep.attempts,
      nextAttemptAt: ep.nextAttemptAt ?? null,
      failedSeq: ep.failedSeq ?? null,
      failedReason: ep.failedReason ?? null,
      previousSecretUntil: ep.previousSecret && ep.previousSecretUntil && Date.parse(ep.previousSecretUntil) > this.now().getTime() ? ep.previousSecretUntil : null,
      lastAttempt: last ?? null,
    };
  }

  /** A new endpoint; it receives the tenant's events from now on (those after its last one). */
  async create(tenantName: string, input: WebhookInput & { url: string }): Promise<WebhookWithSecret> {
    const t = await this.tenant(tenantName);
    const ep: WebhookEndpoint = {
      id: randomUUID(),
      tenantId: t.id,
      url: this.url(input.url),
      secret: newWebhookSecret(),
      types: this.types(input.types ?? []),
      enabled: input.enabled ?? true,
      createdAt: this.now().toISOString(),
      deliveredSeq: await this.store.lastTenantSeq(t.id),
      state: 'active',
      attempts: 0,
    };
    await this.store.createWebhookEndpoint(ep);
    this.changed();
    return { ...(await this.view(t, ep)), secret: ep.secret };
  }

  async list(tenantName: string): Promise<WebhookView[]> {
    const t = await this.tenant(tenantName);
    const eps = await this.store.webhookEndpoints(t.id);
    return Promise.all(eps.map((ep) => this.view(t, ep)));
  }

  async get(tenantName: string, id: string): Promise<WebhookView> {
    const { t, ep } = await this.endpoint(tenantName, id);
    return this.view(t, ep);
  }

  async update(tenantName: string, id: string, input: WebhookInput): Promise<WebhookView> {
    const { t } = await this.endpoint(tenantName, id);
    const changes = {
      ...(input.url !== undefined ? { url: this.url(input.url) } : {}),
      ...(input.types !== undefined ? { types: this.types(input.types) } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    };
    await this.store.updateWebhookEndpoint(id, changes);
    this.changed();
    return this.get(t.name, id);
  }

  async remove(tenantName: string, id: string): Promise<WebhookView> {
    const { t, ep } = await this.endpoint(tenantName, id);
    const shown = await this.view(t, ep);
    await this.store.deleteWebhookEndpoint(id);
    return shown;
  }

  /** A new secret (answered once); the current one keeps signing, beside it, for `graceHours`. */
  async rotateSecret(tenantName: string, id: string, graceHours = 24): Promise<WebhookWithSecret> {
    if (!Number.isFinite(graceHours) || graceHours < 0 || graceHours > MAX_GRACE_HOURS) throw new AdminError('invalid', `graceHours must be between 0 and ${MAX_GRACE_HOURS}`);
    const { t, ep } = await this.endpoint(tenantName, id);
    const secret = newWebhookSecret();
    const until = new Date(this.now().getTime() + graceHours * 3_600_000).toISOString();
    await this.store.rotateWebhookSecret(id, secret, graceHours > 0 ? { secret: ep.secret, until } : undefined);
    const rotated = (await this.store.webhookEndpoint(id))!;
    return { ...(await this.view(t, rotated)), secret };
  }

  /** Sends a `webhook.test` ping now, signed like any event, and answers how it went (it is in the delivery log too). */
  async test(tenantName: string, id: string): Promise<TestResult> {
    const { t, ep } = await this.endpoint(tenantName, id);
    const at = this.now();
    const event = { id: randomUUID(), tenantId: t.id, type: TEST_EVENT_TYPE, at: at.toISOString(), data: { message: 'A test of this webhook endpoint, sent by an operator' } };
    const r = await attemptDelivery(this.store, ep, event, t.name, 1, this.settings, this.now);
    return { ok: r.ok, eventId: event.id, status: r.status ?? null, durationMs: Math.round(r.durationMs), responseExcerpt: r.excerpt ?? null, error: r.error ?? null };
  }

  /**
   * Resumes delivery: a dead-lettered endpoint starts again at the event that failed, an endpoint
   * waiting for a retry tries now; with `from`, delivery goes back (or forward) to event `from`
   * (its tenantSeq), which must still be in the log.
   */
  async replay(tenantName: string, id: string, from?: number): Promise<WebhookView> {
    const { t } = await this.endpoint(tenantName, id);
    let cursor: number | undefined;
    if (from !== undefined) {
      const last = await this.store.lastTenantSeq(t.id);
      if (!Number.isInteger(from) || from < 1 || from > last + 1) throw new AdminError('invalid', `from must be a tenantSeq between 1 and ${last + 1} (the tenant's next event)`);
      if (from <= last) {
        const [first] = await this.store.tenantEvents(t.id, from - 1, 1);
        if (first?.tenantSeq !== from) throw new AdminError('invalid', `Event ${from} of tenant '${t.name}' is no longer in the event log${first?.tenantSeq ? `; the oldest left is ${first.tenantSeq}` : ''}`);
      }
      cursor = from - 1;
    }
    await this.store.resumeWebhook(id, cursor);
    this.changed();
    return this.get(t.name, id);
  }

  /** The delivery log of an endpoint, newest first; `failedOnly`: attempts without a 2xx answer. */
  async deliveries(tenantName: string, id: string, q: { limit?: number; failedOnly?: boolean } = {}): Promise<WebhookAttempt[]> {
    await this.endpoint(tenantName, id);
    return this.store.webhookAttempts(id, { limit: Math.min(Math.max(1, q.limit ?? 50), 1000), failedOnly: q.failedOnly ?? false });
  }
}
