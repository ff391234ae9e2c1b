/** The EventLog port in SQL: the events table and each tenant's sequence counter (event_counters). */
import { randomUUID } from 'node:crypto';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { Json } from '../../scim/schema/validate.ts';
import type { EventActor, EventLogPort, ScimdEvent } from '../types.ts';
import { json, marks, one, opt } from './rows.ts';
import type { Driver, Row } from './sql-driver.ts';

const COLUMNS = ['id', 'tenant_id', 'tenant_seq', 'type', 'resource_type', 'resource_id', 'version', 'paths', 'previous', 'state', 'at', 'client_id', 'request_id', 'actor', 'data'] as const;
/** Events to an INSERT statement. */
const BATCH = 250;

function eventFromRow(r: Row): ScimdEvent {
  return {
    seq: Number(r.seq),
    ...(opt(r.id) ? { id: r.id as string } : {}),
    ...(r.tenant_seq === null || r.tenant_seq === undefined ? {} : { tenantSeq: Number(r.tenant_seq) }),
    tenantId: r.tenant_id as string,
    type: r.type as string,
    ...(opt(r.resource_type) ? { resourceType: r.resource_type as ResourceTypeName } : {}),
    ...(opt(r.resource_id) ? { resourceId: r.resource_id as string } : {}),
    ...(r.version === null || r.version === undefined ? {} : { version: Number(r.version) }),
    ...(opt(r.paths) ? { paths: json(r.paths) as string[] } : {}),
    ...(opt(r.previous) ? { previous: json(r.previous) as Json } : {}),
    ...(opt(r.state) ? { state: json(r.state) as Json } : {}),
    at: r.at as string,
    ...(opt(r.client_id) ? { clientId: r.client_id as string } : {}),
    ...(opt(r.request_id) ? { requestId: r.request_id as string } : {}),
    ...(opt(r.actor) ? { actor: r.actor as EventActor } : {}),
    data: json(r.data) as Json,
  };
}

/**
 * Writes an event's row into `out` from `at` (COLUMNS' order), numbered `tenantSeq` (the event's
 * own when not given; none at all, for a statement that numbers rows itself, when null); answers
 * where the next row starts. Reads each field once and copies nothing.
 */
function putRow(e: ScimdEvent, out: unknown[], at: number, tenantSeq: number | null | undefined = e.tenantSeq): number {
  if (e.id === undefined || tenantSeq === undefined) throw new Error('insertEvents: an event needs its id and tenantSeq');
  out[at++] = e.id;
  out[at++] = e.tenantId;
  if (tenantSeq !== null) out[at++] = tenantSeq;
  out[at++] = e.type;
  out[at++] = e.resourceType ?? null;
  out[at++] = e.resourceId ?? null;
  out[at++] = e.version ?? null;
  out[at++] = e.paths === undefined ? null : JSON.stringify(e.paths);
  out[at++] = e.previous === undefined ? null : JSON.stringify(e.previous);
  out[at++] = e.stateText ?? (e.state === undefined ? null : JSON.stringify(e.state));
  out[at++] = e.at;
  out[at++] = e.clientId ?? null;
  out[at++] = e.requestId ?? null;
  out[at++] = e.actor ?? null;
  out[at++] = JSON.stringify(e.data);
  return at;
}

const ROW = `(${marks(COLUMNS.length)})`;
const INSERT = `INSERT INTO events (${COLUMNS.join(', ')}) VALUES `;
/** The INSERT of n rows (1 ≤ n ≤ BATCH), built once: the same string each time (the SQLite driver caches statements by it). */
const inserts: string[] = [];
const insertOf = (n: number) => (inserts[n] ??= INSERT + Array.from({ length: n }, () => ROW).join(', '));
/** Columns of an event row but its number, which appendEvents computes in SQL. */
const UNNUMBERED = COLUMNS.filter((c) => c !== 'tenant_seq');
const ROW_UNNUMBERED = `(${marks(UNNUMBERED.length)})`;
/**
 * The counter taken and n events inserted in one statement (a data-modifying WITH: PostgreSQL),
 * numbered from the counter's new value back; built once per n.
 */
const appendsOf: string[] = [];
const appendOf = (n: number) =>
  (appendsOf[n] ??=
    `WITH c AS (INSERT INTO event_counters (tenant_id, seq) VALUES (?, ${n}) ON CONFLICT (tenant_id) DO UPDATE SET seq = event_counters.seq + excluded.seq RETURNING seq) ` + numberedRows(n));
/**
 * n events inserted, numbered back from the counter as the transaction already moved it (SQLite,
 * which has no data-modifying WITH): the same parameters as appendOf's.
 */
const insertsNumbered: string[] = [];
const insertNumberedOf = (n: number) => (insertsNumbered[n] ??= `WITH c AS (SELECT seq FROM event_counters WHERE tenant_id = ?) ` + numberedRows(n));
function numberedRows(n: number): string {
  return `INSERT INTO events (${COLUMNS.join(', ')}) VALUES ` + Array.from({ length: n }, (_, i) => ROW_UNNUMBERED.replace('(?,?,', `(?,?,(SELECT seq FROM c) - ${n - 1 - i},`)).join(', ');
}

/** One upsert: the counter row is created with the tenant's first event. */
const TAKE_SEQS = 'INSERT INTO event_counters (tenant_id, seq) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET seq = event_counters.seq + excluded.seq RETURNING seq';
/**
 * Where a write transaction locks the whole database (SQLite), an update (an insert for the tenant's
 * first events) and, for takeEventSeqs, a read: RETURNING makes SQLite gather the rows in a temporary
 * table first, which cost more than the update itself (about 25,000 instructions a call against
 * 13,700 for update and read). The transaction holds the write lock, so the read sees its own update.
 */
const BUMP_SEQ = 'UPDATE event_counters SET seq = seq + ? WHERE tenant_id = ?';
const FIRST_SEQ = 'INSERT INTO event_counters (tenant_id, seq) VALUES (?, ?)';
const LAST_SEQ = 'SELECT seq FROM event_counters WHERE tenant_id = ?';

export function sqlEventLog(db: Driver): EventLogPort {
  /** Whether a write transaction locks the whole database (SQLite), rather than rows (PostgreSQL). */
  const wholeDatabaseLocked = db.forUpdate === '';
  /** Moves the tenant's counter on by `count` (creating it with the tenant's first events), where the whole database is locked. */
  const bumpSeq = async (tenantId: string, count: number) => {
    if ((await db.execute(BUMP_SEQ, [count, tenantId])) === 0) await db.execute(FIRST_SEQ, [tenantId, count]);
  };
  const writes: EventLogPort['writes'] = {
    async appendEvent(e) {
      await writes.appendEvents(e.tenantId, [{ ...e, id: e.id ?? randomUUID() }]);
    },

    async appendEvents(tenantId, events) {
      if (events.length === 0) return;
      if (events.length > BATCH) throw new Error(`appendEvents: at most ${BATCH} events`);
      if (!db.later && !wholeDatabaseLocked) {
        // Row locks only (PostgreSQL without a pipeline): the counter's upsert, then the rows.
        const first = await writes.takeEventSeqs(tenantId, events.length);
        const numbered = new Array<unknown>(events.length * COLUMNS.length);
        for (let i = 0, at = 0; i < events.length; i++) at = putRow(events[i]!, numbered, at, first + i);
        await db.execute(insertOf(events.length), numbered);
        return;
      }
      // The statement numbers the rows itself (no tenant_seq parameter).
      const params = new Array<unknown>(1 + events.length * UNNUMBERED.length);
      params[0] = tenantId;
      for (let i = 0, at = 1; i < events.length; i++) at = putRow(events[i]!, params, at, null);
      if (db.later) {
        db.later(appendOf(events.length), params);
        return;
      }
      // The whole database locked (SQLite; a write outside a transaction runs in one of its own):
      // the counter moved, then the rows numbered from it by the INSERT itself.
      await bumpSeq(tenantId, events.length);
      await db.execute(insertNumberedOf(events.length), params);
    },

    async takeEventSeqs(tenantId, count) {
      if (!wholeDatabaseLocked) {
        const rows = await db.query(TAKE_SEQS, [tenantId, count]);
        return Number(rows[0]!.seq) - count + 1;
      }
      await bumpSeq(tenantId, count);
      return Number((await one(db, LAST_SEQ, [tenantId]))!.seq) - count + 1;
    },

    async pruneEvents(before, limit) {
      // Oldest first by the primary key (no index on the time): a batch of the oldest rows, of
      // which those older than `before` go.
      const rows = await db.query('SELECT seq, at FROM events ORDER BY seq LIMIT ?', [limit]);
      // Only the leading run of old rows: a row stamped later (another process's clock) stops it, so
      // what is kept has no hole for a cursor to fall through.
      const old: number[] = [];
      for (const r of rows) {
        if ((r.at as string) >= before) break;
        old.push(Number(r.seq));
      }
      if (old.length === 0) return 0;
      await db.execute(`DELETE FROM events WHERE seq IN (${marks(old.length)})`, old);
      return old.length;
    },

    async insertEvents(events) {
      for (let from = 0; from < events.length; from += BATCH) {
        const n = Math.min(BATCH, events.length - from);
        const params = new Array<unknown>(n * COLUMNS.length);
        for (let i = 0, at = 0; i < n; i++) at = putRow(events[from + i]!, params, at);
        await db.execute(insertOf(n), params);
      }
    },
  };
  return {
    reads: {
      async events(q) {
        // One tenant's events are walked in its sequence (the index there is), all tenants' by seq.
        const rows = q.tenantId
          ? await db.query('SELECT * FROM events WHERE tenant_id = ? AND seq > ? ORDER BY tenant_seq LIMIT ?', [q.tenantId, q.afterSeq ?? 0, q.limit])
          : await db.query('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?', [q.afterSeq ?? 0, q.limit]);
        return rows.map(eventFromRow);
      },
      async tenantEvents(tenantId, afterTenantSeq, limit, types) {
        if (types?.length === 0) return [];
        const typeFilter = types ? ` AND type IN (${marks(types.length)})` : '';
        const rows = await db.query(`SELECT * FROM events WHERE tenant_id = ? AND tenant_seq > ?${typeFilter} ORDER BY tenant_seq LIMIT ?`, [tenantId, afterTenantSeq, ...(types ?? []), limit]);
        return rows.map(eventFromRow);
      },
      async lastEventSeq(tenantId) {
        const last = await one(db, 'SELECT seq FROM event_counters WHERE tenant_id = ?', [tenantId]);
        return last ? Number(last.seq) : 0;
      },
      async eventHorizon(tenantId) {
        const last = await one(db, 'SELECT seq FROM event_counters WHERE tenant_id = ?', [tenantId]);
        const first = await one(db, 'SELECT MIN(tenant_seq) AS first FROM events WHERE tenant_id = ?', [tenantId]);
        return {
          last: last ? Number(last.seq) : 0,
          ...(first && first.first !== null && first.first !== undefined ? { first: Number(first.first) } : {}),
        };
      },
    },
    writes,
  };
}
