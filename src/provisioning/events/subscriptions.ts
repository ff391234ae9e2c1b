/**
 * Subscriptions to the change log in this process (library mode's `on()`): every tenant's events,
 * in each tenant's order, handed to the handlers registered for their type, with a durable
 * checkpoint per subscriber name and tenant (store port EventCheckpoints).
 *
 * Delivery is at least once. The checkpoint moves past an event only after every handler of it
 * resolved; a handler that throws is called again on the same event (backoff from 100 ms, doubling
 * to 30 s) until it resolves, and the tenant's later events wait meanwhile (other tenants go on).
 * A process that stops between a handler's success and the checkpoint's write gets that event again
 * when it starts next. Events no handler asked for move the checkpoint without a call.
 *
 * One query per poll (every 200 ms) finds the tenants whose log went past the checkpoint; each is
 * then read a page at a time through the events API's feed. A checkpoint whose events were pruned
 * (event retention) is reported through onError and delivery goes on from the oldest event kept.
 */
import type { Json } from '../../scim/schema/validate.ts';
import type { DirectoryReads, EventCheckpoints, ScimdEvent, Tenant } from '../../store/types.ts';
import { AdminError } from '../tenants/directory-admin.ts';
import type { EVENT_TYPES } from '../resources/changes.ts';
import type { EventFeed } from './event-feed.ts';

/** Every event type of the change log (docs/events.md). */
export type EventType = (typeof EVENT_TYPES)[number];

/** The member of a group.member.added / group.member.removed event. */
export interface MemberEventData {
  readonly value: string;
  readonly type?: 'User' | 'Group';
}

/** What `data` holds for an event type (docs/events.md). */
export type EventData<T extends EventType> = T extends 'group.member.added' | 'group.member.removed' ? MemberEventData : Json;

/** An event as a subscription's handler gets it: a change-log event with its tenant's name. */
export interface SubscribedEvent<T extends EventType = EventType> extends Omit<ScimdEvent, 'type' | 'id' | 'tenantSeq' | 'seq' | 'data'> {
  readonly type: T;
  /** Details of the type: the member of a member event, the address of a policy event … */
  readonly data: EventData<T>;
  /** The event's uuid: the same each time the event is delivered (use it to recognise a repeat). */
  readonly id: string;
  /** The tenant's gapless sequence number of the event. */
  readonly tenantSeq: number;
  /** The tenant's name (tenantId is its id). */
  readonly tenant: string;
}

export type EventHandler<T extends EventType = EventType> = (event: SubscribedEvent<T>) => unknown;

/** Why onError is called: a handler threw (it will be called again), the store failed, or events were pruned before delivery. */
export type SubscriptionError =
  | { readonly kind: 'handler'; readonly error: unknown; readonly event: SubscribedEvent; readonly retryInMs: number }
  | { readonly kind: 'store'; readonly error: unknown }
  | { readonly kind: 'gap'; readonly error: unknown; readonly tenant: string; readonly checkpoint: number };

export interface SubscriptionOptions {
  /** The checkpoint's name: subscribers of different names each get every event. */
  readonly subscriber: string;
  readonly onError: (e: SubscriptionError) => void;
  readonly pollMs?: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Events read at a time from one tenant's log. */
  readonly pageSize?: number;
  readonly now?: () => Date;
}

const SUBSCRIBER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export class Subscriptions {
  private readonly handlers = new Map<string, Set<EventHandler>>();
  /** The tenants being delivered now, by id. */
  private readonly draining = new Map<string, Promise<void>>();
  private readonly sleeps = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private started = false;
  private closed = false;
  private readonly pollMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly pageSize: number;

  constructor(
    private readonly store: EventCheckpoints & Pick<DirectoryReads, 'tenantById'>,
    private readonly feed: EventFeed,
    private readonly options: SubscriptionOptions,
  ) {
    if (!SUBSCRIBER_NAME.test(options.subscriber)) throw new Error(`Invalid subscriber name '${options.subscriber}': 1–128 letters, digits, '.', '_', ':' or '-'`);
    this.pollMs = options.pollMs ?? 200;
    this.retryBaseMs = options.retryBaseMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.pageSize = options.pageSize ?? 100;
  }

  /**
   * Calls `handler` for each event of `type` ('*': every type). Delivery starts once the current
   * task ends, so handlers registered together see the same events. Answers the unsubscribe.
   */
  on(type: EventType | '*', handler: EventHandler): () => void {
    if (this.closed) throw new Error('scimd is closed: no new subscriptions');
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    if (!this.started) {
      this.started = true;
      this.timer = setTimeout(() => this.poll(), 0);
    }
    return () => void set.delete(handler);
  }

  /** Stops: no new delivery, retry waits end, and the handler calls in progress are awaited. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const wake of [...this.sleeps]) wake();
    await this.polling;
    await Promise.all(this.draining.values());
  }

  private poll(): void {
    this.polling = this.pollOnce().finally(() => {
      this.polling = undefined;
      if (!this.closed) this.timer = setTimeout(() => this.poll(), this.pollMs);
    });
  }

  private async pollOnce(): Promise<void> {
    try {
      const backlog = await this.store.eventBacklog(this.options.subscriber);
      for (const b of backlog) {
        if (this.closed || this.draining.has(b.tenantId)) continue;
        const run = this.drain(b.tenantId, b.checkpoint)
          .catch((error: unknown) => this.options.onError({ kind: 'store', error }))
          .finally(() => this.draining.delete(b.tenantId));
        this.draining.set(b.tenantId, run);
      }
    } catch (error) {
      this.options.onError({ kind: 'store', error });
    }
  }

  /** Delivers a tenant's events after `checkpoint` until none is left (or the subscriptions close). */
  private async drain(tenantId: string, checkpoint: number | undefined): Promise<void> {
    const tenant = await this.store.tenantById(tenantId);
    if (!tenant) return;
    let saved = checkpoint;
    let cursor = checkpoint;
    const save = async () => {
      if (cursor === undefined || cursor === saved) return;
      await this.store.saveEventCheckpoint(this.options.subscriber, tenantId, cursor, (this.options.now?.() ?? new Date()).toISOString());
      saved = cursor;
    };
    try {
      while (!this.closed) {
        const page = await this.read(tenant, cursor);
        for (const e of page.events) {
          const called = await this.deliver(tenant, e);
          if (called === undefined) return;
          cursor = e.tenantSeq!;
          // After a handler ran, at once: a restart repeats no more than the event in progress.
          if (called) await save();
        }
        cursor = Math.max(cursor ?? 0, page.cursor);
        if (!page.hasMore) break;
      }
    } finally {
      await save();
    }
  }

  private async read(tenant: Tenant, after: number | undefined) {
    try {
      return await this.feed.read(tenant, { ...(after !== undefined ? { after } : {}), limit: this.pageSize });
    } catch (error) {
      if (!(error instanceof AdminError && error.code === 'gone') || after === undefined) throw error;
      this.options.onError({ kind: 'gap', error, tenant: tenant.name, checkpoint: after });
      return this.feed.read(tenant, { limit: this.pageSize });
    }
  }

  /**
   * Calls every handler of the event until each has resolved once. Answers whether any was
   * called, or undefined when the subscriptions closed before all resolved.
   */
  private async deliver(tenant: Tenant, e: ScimdEvent): Promise<boolean | undefined> {
    let pending = [...(this.handlers.get(e.type) ?? []), ...(this.handlers.get('*') ?? [])];
    if (pending.length === 0) return false;
    const event = subscribed(tenant, e);
    let delay = this.retryBaseMs;
    for (;;) {
      const failed: EventHandler[] = [];
      for (const handler of pending) {
        try {
          await handler(event);
        } catch (error) {
          failed.push(handler);
          this.options.onError({ kind: 'handler', error, event, retryInMs: delay });
        }
      }
      if (failed.length === 0) return true;
      pending = failed;
      if (this.closed) return undefined;
      await this.sleep(delay);
      if (this.closed) return undefined;
      delay = Math.min(delay * 2, this.retryMaxMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeps.add(wake);
    });
  }
}

function subscribed(tenant: Tenant, e: ScimdEvent): SubscribedEvent {
  const { seq: _seq, ...rest } = e;
  return { ...rest, type: e.type as EventType, id: e.id!, tenantSeq: e.tenantSeq!, tenant: tenant.name } as SubscribedEvent;
}
