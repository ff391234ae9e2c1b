/**
 * Delivers webhooks: every scimd serve process runs one. It leases endpoints that have events
 * waiting (a lease in the database, so among several processes each endpoint has one worker and
 * each event goes to it once), and for each sends the events after its cursor in tenantSeq order,
 * one at a time. The cursor moves only past events answered 2xx, written with their delivery-log
 * rows in one transaction per page of events (or sooner when `FLUSH_MS` has passed): a crash
 * re-sends at most the events since the last such write (at-least-once; receivers de-duplicate by
 * webhook-id), and delivery costs one commit per page instead of two per event. A failure schedules the next
 * attempt with back-off and frees the endpoint; the last failure dead-letters it until a replay.
 * Up to `concurrency` endpoints are worked on at once, so a slow one never delays another, and
 * SCIM requests never wait for any of this: the dispatcher polls the database every `pollMs`.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Store, WebhookEndpoint } from '../../store/types.ts';
import { wants } from '../webhooks/event-types.ts';
import { failureOf, retryDelayMs, sendEvent, type WebhookSettings } from '../webhooks/delivery.ts';
import type { WebhookAttempt } from '../../store/types.ts';

export interface WebhookLog {
  warn(msg: string): void;
}

/**
 * What the server holds of webhook delivery: this dispatcher on the server's event loop, or one
 * run in a worker thread of its own (src/webhook-thread.ts), chosen by src/server.ts.
 */
export interface WebhookDelivery {
  start(): void;
  /** Looks for work now (an admin change, a new event). */
  kick(): void;
  /** Finishes the attempts in flight (within limits) and stops. */
  close(): Promise<void>;
}

/** Events read from the log at a time. */
const BATCH = 100;
/** How long close() waits for the attempts in flight before it abandons them (they are sent again later). */
const CLOSE_WAIT_MS = 5_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Delivered events are written down (cursor and delivery log) at least this often. */
const FLUSH_MS = 250;

export class WebhookDispatcher implements WebhookDelivery {
  /** This process's name on the leases it holds. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly working = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private scanning = false;
  private again = false;
  private closed = false;
  private readonly tenantNames = new Map<string, string>();
  /** Ends the attempts still in flight when close() has waited long enough. */
  private readonly abandon = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly settings: WebhookSettings,
    private readonly now: () => Date = () => new Date(),
    private readonly log: WebhookLog = { warn: () => undefined },
  ) {}

  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.kick(), this.settings.pollMs);
    this.timer.unref();
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.kick();
  }

  /** Endpoints being worked on in this process. */
  get active(): number {
    return this.working.size;
  }

  /** Looks for work now (an admin change, a new event). */
  kick(): void {
    if (this.closed || !this.timer) return;
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = true;
    void this.scan()
      .catch((e: unknown) => this.log.warn(`webhooks: ${String(e)}`))
      .finally(() => {
        this.scanning = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async scan(): Promise<void> {
    const free = this.settings.concurrency - this.working.size;
    if (free <= 0) return;
    const now = this.now();
    // A read first: an idle process (no endpoint with work due) takes no write transaction.
    if (!(await this.store.webhooksDue(now.toISOString()))) return;
    const leased = await this.store.claimWebhookEndpoints(this.owner, now.toISOString(), this.leaseEnd(), free);
    for (const ep of leased) {
      if (this.working.has(ep.id)) continue;
      const job = this.work(ep)
        .catch((e: unknown) => this.log.warn(`webhook ${ep.id}: ${String(e)}`))
        .finally(async () => {
          // Not working on it first: a scan that claims the freed lease must find it free here too.
          this.working.delete(ep.id);
          await this.store.releaseWebhookLease(ep.id, this.owner).catch(() => undefined);
          // More may have come meanwhile (or the endpoint is due again).
          this.kick();
        });
      this.working.set(ep.id, job);
    }
  }

  private leaseEnd(): string {
    return new Date(this.now().getTime() + this.settings.leaseMs).toISOString();
  }

  private async tenantName(tenantId: string): Promise<string> {
    const known = this.tenantNames.get(tenantId);
    if (known) return known;
    const name = (await this.store.tenantById(tenantId))?.name ?? tenantId;
    this.tenantNames.set(tenantId, name);
    return name;
  }

  /** Delivers what is due to one leased endpoint, renewing the lease meanwhile; returns when done, failed or no longer its worker. */
  private async work(leased: WebhookEndpoint): Promise<void> {
    let held = true;
    const renew = setInterval(() => {
      this.store.renewWebhookLease(leased.id, this.owner, this.leaseEnd()).then(
        (ok) => (held &&= ok),
        () => undefined,
      );
    }, Math.max(10, Math.floor(this.settings.leaseMs / 3)));
    renew.unref();
    try {
      let ep: WebhookEndpoint | undefined = leased;
      let cursor = leased.deliveredSeq;
      let attempts = leased.attempts;
      const tenant = await this.tenantName(leased.tenantId);
      /** Attempts not written down yet, and how far the cursor may move with them. */
      let pending: WebhookAttempt[] = [];
      let passed = cursor;
      let since = Date.now();
      /** Writes the delivered events down: their attempts, and the cursor past them. False when the endpoint is no longer this worker's. */
      const flush = async (): Promise<boolean> => {
        if (pending.length === 0 && passed === cursor) return true;
        const rows = pending;
        const to = passed;
        pending = [];
        since = Date.now();
        const moved = await this.store.transaction(async (tx) => {
          for (const a of rows) await tx.recordWebhookAttempt(a);
          return to === cursor || (await tx.advanceWebhookCursor(leased.id, this.owner, cursor, to));
        });
        if (moved) cursor = to;
        return moved;
      };
      while (ep && ep.enabled && ep.state === 'active' && ep.leaseOwner === this.owner && !this.closed && held) {
        const events = await this.store.tenantEvents(ep.tenantId, passed, BATCH);
        if (events.length === 0) return void (await flush());
        for (const e of events) {
          if (this.closed || !held) return void (await flush());
          if (!wants(ep.types, e.type) || e.id === undefined) {
            passed = e.tenantSeq!;
            continue;
          }
          const { result: r, record } = await sendEvent(ep, { ...e, id: e.id }, tenant, attempts + 1, this.settings, this.now, this.abandon.signal);
          pending.push(record);
          // Shutting down: an attempt cut short is not the receiver's failure; the event stays next.
          if (!r.ok && this.closed) return void (await flush());
          if (!r.ok) {
            const failed = attempts + 1;
            const last = pending.pop()!;
            if (!(await flush())) return;
            // The failed attempt and the endpoint's new state (retry later, or dead letter) in one
            // transaction: a crash leaves both or neither, never an attempt the count does not hold.
            const dead = failed >= this.settings.maxAttempts;
            const outcome = dead
              ? { failedSeq: e.tenantSeq!, reason: `event ${e.tenantSeq} (${e.type}): ${failed} attempts failed, the last: ${failureOf(r)}` }
              : { nextAttemptAt: new Date(this.now().getTime() + retryDelayMs(failed, this.settings)).toISOString() };
            const id = ep.id;
            await this.store.transaction(async (tx) => {
              await tx.recordWebhookAttempt(last);
              await tx.webhookAttemptFailed(id, this.owner, failed, outcome);
            });
            if (dead) this.log.warn(`webhook ${ep.id}: event ${e.tenantSeq} failed ${failed} times (${failureOf(r)}); deliveries stop until 'scimd webhook replay'`);
            return;
          }
          passed = e.tenantSeq!;
          attempts = 0;
          if (Date.now() - since >= FLUSH_MS && !(await flush())) return;
        }
        if (!(await flush())) return;
        // Its settings may have changed meanwhile (URL, types, disabled, replayed).
        ep = await this.store.webhookEndpoint(leased.id);
      }
    } finally {
      clearInterval(renew);
    }
  }

  async prune(): Promise<void> {
    const before = new Date(this.now().getTime() - this.settings.attemptDays * 86_400_000).toISOString();
    await this.store.pruneWebhookAttempts(before, this.settings.attemptRows).catch((e: unknown) => this.log.warn(`webhook delivery log: ${String(e)}`));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    const workers = Promise.allSettled([...this.working.values()]);
    const within = async (ms: number) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([workers, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
      clearTimeout(timer);
    };
    await within(CLOSE_WAIT_MS);
    // Receivers that have not answered by now are left; their events go out again later (at-least-once).
    this.abandon.abort();
    await within(1_000);
  }
}
