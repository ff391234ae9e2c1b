/**
 * The events API's read of a tenant's change log (docs/events.md): in order after a cursor (the
 * tenantSeq of the last event a consumer saw), filtered by type, waiting up to `waitMs` for the
 * next event when there is none yet (long-poll), and refusing a cursor whose events were pruned
 * (410): the consumer has missed events and must resynchronise.
 */
import type { EventLogReads, ScimdEvent, Tenant } from '../../store/types.ts';
import { AdminError } from '../tenants/directory-admin.ts';
import { EVENT_TYPES } from '../resources/changes.ts';

export type { ScimdEvent };

/** How often a waiting read looks for new events (cross-process commits included). */
const POLL_MS = 200;

export interface FeedQuery {
  /** The tenantSeq of the last event seen; absent: from the oldest event retained. */
  readonly after?: number;
  readonly limit: number;
  /** Only these types (the cursor still moves past the others). */
  readonly types?: readonly string[];
  /** How long to wait for an event when there is none after the cursor (0: answer at once). */
  readonly waitMs?: number;
  /** Ends a wait early (the client went away). */
  readonly signal?: AbortSignal;
}

export interface FeedPage {
  readonly events: ScimdEvent[];
  /** Where the next read starts: the last event answered, or past every event the log held. */
  readonly cursor: number;
  /** True when more events follow right away (read again without waiting). */
  readonly hasMore: boolean;
}

/** Checks event type names (`user.created`, …) for a filter; `*` alone means all. */
export function checkEventTypes(types: readonly string[]): readonly string[] | undefined {
  if (types.length === 0 || (types.length === 1 && types[0] === '*')) return undefined;
  const known = new Set<string>(EVENT_TYPES);
  const unknown = types.filter((t) => !known.has(t));
  if (unknown.length) throw new AdminError('invalid', `Unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `'${t}'`).join(', ')}. Known: ${EVENT_TYPES.join(', ')}`);
  return [...new Set(types)];
}

export class EventFeed {
  /** Waits in progress, ended at once by close(). */
  private readonly waits = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly store: EventLogReads,
    private readonly pollMs = POLL_MS,
  ) {}

  async read(tenant: Tenant, q: FeedQuery): Promise<FeedPage> {
    const deadline = Date.now() + Math.max(0, q.waitMs ?? 0);
    let page = await this.readOnce(tenant, q);
    // An empty page's cursor is the tenant's last sequence number: while waiting, that one indexed
    // read tells whether anything was recorded since (cross-process commits included); the page
    // is read again only then.
    let known = page.cursor;
    while (page.events.length === 0 && !this.closed && !q.signal?.aborted && Date.now() < deadline) {
      await this.pause(Math.min(this.pollMs, deadline - Date.now()), q.signal);
      if (this.closed || q.signal?.aborted) break;
      if ((await this.store.lastEventSeq(tenant.id)) <= known) continue;
      page = await this.readOnce(tenant, q);
      known = page.cursor;
    }
    return page;
  }

  private async readOnce(tenant: Tenant, q: FeedQuery, again = false): Promise<FeedPage> {
    // The horizon first: every event up to `last` has committed, so the read below sees them all.
    const { first, last } = await this.store.eventHorizon(tenant.id);
    const after = q.after ?? (first ?? last + 1) - 1;
    if (after > last) throw new AdminError('invalid', `The cursor ${after} is past the last event of tenant '${tenant.name}' (${last})`);
    const oldest = first ?? last + 1;
    if (after < oldest - 1) {
      throw new AdminError('gone', `Events after ${after} of tenant '${tenant.name}' are no longer retained (the oldest kept is ${oldest}): read the directory again (GET /admin/v1/tenants/${tenant.name}/users, /groups), then follow from cursor ${last}`);
    }
    const rows = await this.store.tenantEvents(tenant.id, after, q.limit + 1, q.types);
    // Retention that committed between the horizon and this read: the next event is gone.
    if (!q.types && rows[0] !== undefined && rows[0].tenantSeq! > after + 1) {
      if (!again) return this.readOnce(tenant, q, true);
      throw new AdminError('gone', `Events after ${after} of tenant '${tenant.name}' are no longer retained (the next kept is ${rows[0].tenantSeq}): read the directory again, then follow from cursor ${last}`);
    }
    const hasMore = rows.length > q.limit;
    const events = hasMore ? rows.slice(0, q.limit) : rows;
    const lastSeen = events.at(-1)?.tenantSeq ?? after;
    return { events, cursor: hasMore ? lastSeen : Math.max(lastSeen, last), hasMore };
  }

  private pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waits.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      this.waits.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Ends every wait at once (the server is shutting down); later reads answer without waiting. */
  close(): void {
    this.closed = true;
    for (const done of [...this.waits]) done();
  }
}
