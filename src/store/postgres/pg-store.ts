/**
 * The PostgreSQL store: any number of stateless scimd processes share one database. Reads use the
 * pool; each transaction holds one connection, locks the rows it reads for update, and is retried
 * on serialisation failures and deadlocks. Migrations run under an advisory lock, so replicas
 * starting together never race. Connection failures surface as StoreUnavailable (HTTP 503).
 * A transaction that changed authentication data notifies every replica as it commits
 * (./auth-watch.ts), so their caches of it are exact (AuthStamp.crossProcess).
 */
import pg from 'pg';
import { routedRepo } from '../routed-repo.ts';
import { migrationsFor, POSTGRES_DDL, schemaNotReady } from '../sql/migrations.ts';
import { sqlRepo, type SqlRepo } from '../sql/sql-repo.ts';
import type { AuthStamp, Repo, Store, StoreReadiness } from '../types.ts';
import { DatabaseMissing, StoreNotWritable, StoreUnavailable, UniqueViolation, ValueTooLarge } from '../types.ts';
import { AUTH_CHANGED_SQL, AuthWatch } from './auth-watch.ts';
import { createDatabase, MISSING_DATABASE, missingMessage } from './create-database.ts';
import { PgDriver } from './pg-driver.ts';
import { pipelined, type Statement } from './pg-pipeline.ts';
import { pgSnapshots } from './pg-snapshot.ts';

export interface PostgresOptions {
  readonly poolSize?: number;
  /** Where errors of idle connections are reported (they must never crash the process). */
  readonly onError?: (e: unknown) => void;
  /** Create the database when it does not exist yet (scimd serve); else DatabaseMissing (admin commands). */
  readonly createDatabase?: boolean;
  /** Told when this call created the database. */
  readonly onDatabaseCreated?: (name: string) => void;
  /**
   * Keep a connection that listens for other processes' changes of authentication data (on unless
   * told): admin commands, which authenticate no request, go without.
   */
  readonly watchAuth?: boolean;
  /**
   * Release a commit's locks before its WAL flush and wait for the flush after (on unless told):
   * acknowledged writes stay durable, a hot row is held for no fsync. See FLUSH_SQL.
   */
  readonly commitFlush?: boolean;
  /**
   * Open every pooled connection at start and keep them open (the server): a replica that starts
   * under load answers its first requests without opening connections one by one meanwhile.
   */
  readonly keepOpen?: boolean;
}

/** SQLSTATE classes and socket errors that mean "the database is not reachable now". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
/** 53100 disk_full, 25006 read_only_sql_transaction (a standby, default_transaction_read_only): reads work, writes do not. */
const NOT_WRITABLE_CODES = new Set(['53100', '25006']);
const UNAVAILABLE_MESSAGE = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;
// 23503 too: a membership row whose member another transaction deleted meanwhile (read committed
// saw the member, the foreign key check no longer does). On retry the service sees it is gone.
const RETRYABLE = new Set(['40001', '40P01', '23503']);
const MIGRATION_LOCK = 7_261_843;
/**
 * A statement whose commit waits for the WAL to be flushed up to it, so up to every commit before
 * it: a transactional logical message writes WAL and takes a transaction id (plain reads do not).
 */
const FLUSH_SQL = "SELECT pg_logical_emit_message(true, 'scimd.flush', '')";
/** The same for a reader, when the WAL is not flushed as far as it is written (a commit in flight). */
const READ_FLUSH_SQL = `SELECT CASE WHEN pg_current_wal_flush_lsn() >= pg_current_wal_insert_lsn() THEN NULL ELSE pg_logical_emit_message(true, 'scimd.flush', '') END AS f`;
const POSTGRES_MIGRATIONS = migrationsFor(POSTGRES_DDL);

export function mapPgError(e: unknown): unknown {
  if (e instanceof UniqueViolation || e instanceof StoreUnavailable || e instanceof ValueTooLarge) return e;
  const err = e as { code?: string; message?: string };
  // 54000 program_limit_exceeded: "index row size 5040 exceeds btree version 4 maximum 2704".
  if (err.code === '54000' && /index row/i.test(err.message ?? '')) return new ValueTooLarge(`value too large for an index (${err.message})`, e);
  if (err.code && NOT_WRITABLE_CODES.has(err.code)) return new StoreNotWritable(`the database cannot be written (${err.code}: ${err.message ?? ''})`, e);
  if ((err.code && UNAVAILABLE_CODES.has(err.code)) || UNAVAILABLE_MESSAGE.test(err.message ?? '')) return new StoreUnavailable(`database unavailable (${err.code ?? err.message})`, e);
  return e;
}

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      const done = new Set((await client.query('SELECT version FROM schema_migrations')).rows.map((r: { version: number }) => r.version));
      for (const [i, sql] of POSTGRES_MIGRATIONS.entries()) {
        const version = i + 1;
        if (done.has(version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw e;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

export async function openPostgresStore(url: string, opts: PostgresOptions = {}): Promise<Store> {
  const onError = opts.onError ?? (() => undefined);
  // connectionTimeoutMillis bounds the wait for a free connection as well as for a new one. A
  // database that is down refuses new connections at once (503 straight away); a busy pool only
  // means writers queue behind row locks, so they wait up to 10 s before a 503, not 3 s.
  const max = opts.poolSize ?? 10;
  const poolSize = max;
  const pool = new pg.Pool({ connectionString: url, max, min: opts.keepOpen ? max : 0, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
  // An idle connection that dies (PostgreSQL restarting) emits 'error' on the pool: report it, never crash.
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  try {
    await migrate(pool).catch(async (e: unknown) => {
      if ((e as { code?: string }).code !== MISSING_DATABASE) throw e;
      if (!opts.createDatabase) throw new DatabaseMissing(missingMessage(url, 'and only scimd serve creates it'));
      const created = await createDatabase(url);
      if (created !== undefined) opts.onDatabaseCreated?.(created);
      await migrate(pool);
    });
  } catch (e) {
    await pool.end();
    throw mapPgError(e);
  }
  if (opts.keepOpen) {
    // All at once, each with a first statement (the flush probe below then finds them ready). A
    // database short of connections refuses some: the pool opens them later, on demand.
    const clients = await Promise.allSettled(Array.from({ length: max }, () => pool.connect()));
    for (const c of clients) if (c.status === 'fulfilled') c.value.release();
  }
  const readRepo = sqlRepo(new PgDriver(pool));
  let closed = false;
  // This process's committed writes to authentication data, counted as they commit; other
  // processes' arrive through the watch, a moment later. Without it (or while its connection is
  // down), caches bound their age by time (AuthStamp.crossProcess false).
  let authCommits = 0;
  const watch = opts.watchAuth === false ? undefined : new AuthWatch({ url, onError });
  await watch?.start();
  // Commits are acknowledged once durable, but a commit releases its locks before its WAL flush:
  // the transaction commits with synchronous_commit off and the same message then runs FLUSH_SQL,
  // whose own commit waits for the WAL flush (and any synchronous standby) up to and past it. Two
  // writers of a tenant then queue on its event counter for the commit, not for the disk, and
  // their flushes share one fsync. A database that refuses the flush statement gets plain commits.
  const flush = opts.commitFlush !== false && (await pool.query(`${FLUSH_SQL}; ${READ_FLUSH_SQL}`).then(() => true, () => false));
  const BEGIN: Statement[] = [{ text: 'BEGIN', values: [] }, ...(flush ? [{ text: 'SET LOCAL synchronous_commit = off', values: [] }] : [])];
  // The ports over each pooled connection, made when it first runs a transaction: a transaction
  // has its connection to itself, so they are never shared by two at once.
  const txRepos = new WeakMap<pg.PoolClient, { repo: SqlRepo; driver: PgDriver }>();

  async function attempt<T>(fn: (tx: Repo) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      throw mapPgError(e);
    }
    let broken: Error | undefined;
    let ports = txRepos.get(client);
    if (!ports) {
      const driver = new PgDriver(client, true);
      txRepos.set(client, (ports = { repo: sqlRepo(driver), driver }));
    }
    const { repo, driver } = ports;
    repo.auth.touched = false;
    // Not sent yet: BEGIN goes in one message with the transaction's first statement.
    driver.begin(BEGIN);
    try {
      const result = await fn(repo.repo);
      // The held-back last write (the events), the notification of an authentication change, the
      // COMMIT and the flush: one message, so the rows they lock are held for no round trip.
      const tail: Statement[] = driver.takeHeld();
      if (repo.auth.touched) tail.push({ text: AUTH_CHANGED_SQL, values: [] });
      tail.push({ text: 'COMMIT', values: [] });
      const flushed = flush && (driver.wrote || repo.auth.touched);
      if (flushed) tail.push({ text: FLUSH_SQL, values: [] });
      const commitAt = tail.length - (flushed ? 2 : 1);
      const out = await pipelined(client, tail);
      if (out.error && out.completed <= commitAt) throw out.error;
      if (repo.auth.touched) authCommits++;
      // Committed, not known durable: not retried (it took effect), the client is told to retry.
      if (out.error) throw new StoreUnavailable(`the commit is not confirmed durable (${(out.error as { code?: string }).code ?? out.error.message})`, out.error);
      return result;
    } catch (e) {
      if (e instanceof StoreUnavailable) throw e;
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      throw e;
    } finally {
      client.release(broken);
    }
  }

  async function transaction<T>(fn: (tx: Repo) => Promise<T>): Promise<T> {
    if (closed) throw new StoreUnavailable('store is closed');
    for (let tries = 1; ; tries++) {
      try {
        return await attempt(fn);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code && RETRYABLE.has(code) && tries < 4) continue;
        throw mapPgError(e);
      }
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await watch?.close();
    await pool.end();
  }

  async function readiness(): Promise<StoreReadiness> {
    if (closed) return { ready: false, reason: 'the database is closed' };
    try {
      const { rows } = await pool.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
      const reason = schemaNotReady(Number(rows[0]?.v ?? 0), POSTGRES_MIGRATIONS.length);
      return reason ? { ready: false, reason } : { ready: true };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      return { ready: false, reason: `the database does not answer (${err.code ?? err.message})` };
    }
  }

  // Before a cached credential is used: a notification still on its way is waited for.
  const authSync = watch ? () => watch.sync() : undefined;

  function authStamp(): AuthStamp {
    if (!watch) return { stamp: String(authCommits), crossProcess: false };
    return { stamp: `${watch.changes}.${authCommits}`, crossProcess: watch.connected };
  }

  const routed = routedRepo(readRepo, transaction, mapPgError);
  if (flush) {
    // A commit is visible a moment before it is durable (flushed right after, see FLUSH_SQL). The
    // events handed out (to the feed, to webhooks) are flushed first: a consumer never holds an
    // event number that a crash of PostgreSQL could give to another event.
    const durable = async () => {
      await pool.query(READ_FLUSH_SQL).catch((e: unknown) => Promise.reject(mapPgError(e)));
    };
    const { events, tenantEvents, eventHorizon } = routed;
    routed.events = async (q) => {
      const rows = await events(q);
      if (rows.length) await durable();
      return rows;
    };
    routed.tenantEvents = async (...args) => {
      const rows = await tenantEvents(...args);
      if (rows.length) await durable();
      return rows;
    };
    routed.eventHorizon = async (tenantId) => {
      const h = await eventHorizon(tenantId);
      if (h.last > 0) await durable();
      return h;
    };
  }
  const snapshot = pgSnapshots(pool, poolSize, mapPgError);
  const readSnapshot = async () => {
    if (closed) throw new StoreUnavailable('store is closed');
    return snapshot();
  };
  return { ...routed, transaction, close, readiness, authStamp, ...(authSync ? { authSync } : {}), readSnapshot };
}
