/**
 * The embedded SQLite store: one writer connection, whose transactions run one after another and
 * are committed in groups (group-commit.ts: one fsync for the transactions that queued up together,
 * each atomic on its own), and one reader connection (WAL lets it read the last commit while a
 * write is under way). Reads outside a transaction use the reader; writes outside a transaction
 * run in one of their own.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { routedRepo, type WriteOptions } from '../routed-repo.ts';
import type { AuthStamp, Repo, Store, StoreReadiness } from '../types.ts';
import { DatabaseUnusable, StoreNotWritable, StoreUnavailable, UniqueViolation } from '../types.ts';
import { openConnection, type Connection, type SqliteOptions } from './connection.ts';
import { migrationsFor, schemaNotReady, SQLITE_DDL } from '../sql/migrations.ts';
import { sqlRepo } from '../sql/sql-repo.ts';
import { SqliteDriver } from './sqlite-driver.ts';
import { GroupCommitter } from './group-commit.ts';
import { isNotWritable, openReadOnly, WRITE_FAILED } from './read-only.ts';
import { WalSync } from './wal-sync.ts';
import { sqliteSnapshots, type SqliteSnapshots } from './snapshots.ts';

/** SQLite result codes that mean "not now" rather than "bad request". */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|READONLY|FULL|IOERR|CANTOPEN|NOMEM|PROTOCOL|CORRUPT|NOTADB)/;

export function mapSqliteError(e: unknown): unknown {
  if (e instanceof UniqueViolation || e instanceof StoreUnavailable) return e;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE.test(code)) return new StoreUnavailable(`database unavailable (${code})`, e);
  return e;
}

const SQLITE_MIGRATIONS = migrationsFor(SQLITE_DDL);

export function migrate(db: Connection): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  SQLITE_MIGRATIONS.forEach((sql, i) => {
    const version = i + 1;
    if (done.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
    }).immediate();
  });
}

const codeOf = (e: unknown): string => String((e as { code?: unknown } | null)?.code ?? (e as Error).message);

/**
 * Opens (creating and migrating when needed) the SQLite database at `file`. When its data
 * directory or the file cannot be written (a read-only mount, file modes) and the database exists
 * with every migration step applied, it is opened read-only: reads are served, every write fails
 * with StoreNotWritable. `opts.readonly` asks for that mode.
 */
export function openSqliteStore(file: string, opts: SqliteOptions = {}): Store {
  if (file === ':memory:') return openWritable(file, opts);
  if (opts.readonly) return openReadOnlyStore(file, opts, 'the store was opened read-only');
  try {
    return openWritable(file, opts);
  } catch (e) {
    if (!isNotWritable(e)) throw e;
    if (!existsSync(file)) throw new DatabaseUnusable(`cannot create the database ${file}: its directory is not writable (${codeOf(e)})`, { cause: e });
    return openReadOnlyStore(file, opts, `the data directory ${dirname(file)} or ${file} is not writable (${codeOf(e)})`);
  }
}

function openWritable(file: string, opts: SqliteOptions): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const writer = openConnection(file, opts);
  let reader: Connection | undefined;
  try {
    // SQLite opens a file it may not write read-only without a word: that is the read-only case.
    if (writer.readonly) throw Object.assign(new Error(`${file} opened read-only`), { code: 'SQLITE_READONLY' });
    migrate(writer);
    if (opts.maxPageCount !== undefined) writer.pragma(`max_page_count = ${Math.max(1, Math.floor(opts.maxPageCount))}`);
    // From here on the writer waits for other processes' locks in begin(), off the event loop.
    writer.pragma('busy_timeout = 20');
    // An in-memory database is private to its connection, so it reads through the writer.
    reader = file === ':memory:' ? writer : openConnection(file, opts);
  } catch (e) {
    writer.close();
    throw e;
  }
  // Durable (FULL, the default): the writer's COMMIT only writes the WAL, which is flushed off the
  // event loop before anyone is told (wal-sync.ts). Readers keep FULL (they never commit).
  const flush = file !== ':memory:' && (opts.synchronous ?? 'FULL') === 'FULL' ? new WalSync(`${file}-wal`) : undefined;
  if (flush) writer.pragma('synchronous = NORMAL');
  // Read snapshots are connections of their own, which an in-memory database cannot have.
  return storeOn(writer, reader, opts, undefined, flush, file === ':memory:' ? undefined : sqliteSnapshots(file, opts, mapSqliteError));
}

/** The database at `file`, read-only: it must exist and have every migration step applied. */
function openReadOnlyStore(file: string, opts: SqliteOptions, why: string): Store {
  const { db, copy } = openReadOnly(file);
  try {
    let applied: number;
    try {
      applied = Number(db.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_migrations').pluck().get());
    } catch (e) {
      throw new DatabaseUnusable(`${file} is not a scimd database (${codeOf(e)}), and ${why}`, { cause: e });
    }
    const notReady = schemaNotReady(applied, SQLITE_MIGRATIONS.length);
    if (notReady) throw new DatabaseUnusable(`${file} cannot be used: ${notReady}, and it cannot be migrated because ${why}`);
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    db.pragma('foreign_keys = ON');
  } catch (e) {
    db.close();
    throw e;
  }
  return storeOn(db, db, opts, { why, served: `${why}; serving reads only${copy ? ' (from a copy of the database in memory)' : ''}` });
}

/**
 * The store on a writer and a reader connection (the same one for an in-memory database, and
 * for a read-only one, whose transactions begin deferred and whose writes fail).
 */
function storeOn(writer: Connection, reader: Connection, opts: SqliteOptions, readOnly?: { readonly why: string; readonly served: string }, flush?: WalSync, snapshots?: SqliteSnapshots): Store {
  const writeRepo = sqlRepo(new SqliteDriver(writer));
  const readRepo = reader === writer ? writeRepo : sqlRepo(new SqliteDriver(reader));
  let closed = false;

  /**
   * BEGIN IMMEDIATE, waiting for another process's write lock (a CLI command, say) without
   * blocking the event loop: the connection's own busy wait is kept short and retried here.
   */
  async function begin(): Promise<void> {
    if (readOnly !== undefined) {
      writer.exec('BEGIN');
      return;
    }
    const deadline = Date.now() + (opts.lockWaitMs ?? 5000);
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      try {
        writer.exec('BEGIN IMMEDIATE');
        return;
      } catch (e) {
        const code = (e as { code?: string }).code ?? '';
        if (!code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw mapWriteError(e);
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  // Why writes fail, from the first failed one to the next commit that wrote (for readiness and
  // the log). Rows changed so far (SQLite's total_changes) tell a commit that wrote from one that only read.
  let writeFailure: string | undefined = readOnly?.served;
  const totalChanges = writer.prepare('SELECT total_changes()').pluck();
  let changesAtFailure = 0;
  const failing = (why: string | undefined) => {
    if (why !== undefined) changesAtFailure = Number(totalChanges.get());
    const changed = (why === undefined) !== (writeFailure === undefined);
    writeFailure = why;
    if (changed) opts.onWritable?.(why);
  };
  /** A failure of the writer: one the database could not store is StoreNotWritable, whole. */
  function mapWriteError(e: unknown): unknown {
    if (e instanceof StoreNotWritable) return e;
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code !== 'string' || !WRITE_FAILED.test(code)) return mapSqliteError(e);
    if (readOnly !== undefined) return new StoreNotWritable(`the database cannot be written: ${readOnly.why}`, e);
    failing(`the database cannot be written (${code}): the disk is full, or the data directory is read-only or failing`);
    return new StoreNotWritable(writeFailure!, e);
  }

  // Writes of this process to authentication data, counted once committed (see AuthStamp). Other
  // processes' commits show in the writer's data_version, which only they change.
  let authCommits = 0;
  const afterBatch = () => {
    if (!writeRepo.auth.touched) return;
    writeRepo.auth.touched = false;
    authCommits++;
  };
  const onCommit = (transactions: number) => {
    if (writeFailure !== undefined && readOnly === undefined && Number(totalChanges.get()) !== changesAtFailure) failing(undefined);
    opts.onCommitBatch?.(transactions);
  };
  // Batches of request-log rows only are not flushed (routed-repo.ts: NOT_DURABLE).
  const sync = flush
    ? () =>
        flush.sync().catch((e: unknown) => {
          failing(`the database could not be flushed to disk (${codeOf(e)}): the disk is full or failing`);
          throw new StoreNotWritable(writeFailure!, e);
        })
    : undefined;
  const committer = new GroupCommitter(writer, writeRepo.repo, { begin, mapError: mapWriteError, afterBatch, onCommit, ...(sync ? { sync } : {}) });
  // PRAGMA data_version starts a read transaction (two lock syscalls), so its value is reused for
  // the rest of the event-loop turn: another process's commit is seen from the next turn on.
  const dataVersion = writer.prepare('PRAGMA data_version').pluck();
  let seenVersion: string | undefined;
  const authStamp = (): AuthStamp => {
    if (closed) return { stamp: `closed.${authCommits}`, crossProcess: true };
    if (seenVersion === undefined) {
      seenVersion = String(dataVersion.get());
      setImmediate(() => (seenVersion = undefined));
    }
    return { stamp: `${seenVersion}.${authCommits}`, crossProcess: true };
  };

  function transaction<T>(fn: (tx: Repo) => Promise<T>, options?: WriteOptions): Promise<T> {
    if (closed) return Promise.reject(new StoreUnavailable('store is closed'));
    return committer.run(fn, options);
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    // Transactions asked for before close() still run and commit.
    await committer.idle();
    await flush?.close();
    snapshots?.close();
    if (reader !== writer) reader.close();
    writer.close();
  }

  const schemaVersion = reader.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_migrations').pluck();
  async function readiness(): Promise<StoreReadiness> {
    if (closed) return { ready: false, reason: 'the database is closed' };
    try {
      const reason = schemaNotReady(Number(schemaVersion.get()), SQLITE_MIGRATIONS.length);
      if (reason) return { ready: false, reason };
      return writeFailure === undefined ? { ready: true } : { ready: true, writesUnavailable: writeFailure };
    } catch (e) {
      return { ready: false, reason: `the database does not answer (${(e as { code?: string }).code ?? (e as Error).message})` };
    }
  }

  const repo = routedRepo(readRepo, transaction, mapSqliteError);
  // The change log is what the host application acts on, so no event is handed out before its
  // commit is on disk: the reader flushes the WAL (the commit's own flush may still be under way).
  const durable = async <T>(rows: T[]): Promise<T[]> => {
    if (rows.length && flush && !closed) await flush.sync().catch((e: unknown) => Promise.reject(new StoreUnavailable(`the database could not be flushed to disk (${codeOf(e)})`, e)));
    return rows;
  };
  const announced: Pick<Repo, 'events' | 'tenantEvents' | 'eventHorizon'> = {
    events: async (q) => durable(await repo.events(q)),
    tenantEvents: async (...args) => durable(await repo.tenantEvents(...args)),
    // Its `last` becomes a consumer's cursor when a page is empty (or holds none of the asked types):
    // a number still in an unflushed commit would be given out again after a power loss.
    eventHorizon: async (tenantId) => {
      const h = await repo.eventHorizon(tenantId);
      await durable(h.last > 0 ? [h] : []);
      return h;
    },
  };
  const readSnapshot = async () => {
    if (closed) throw new StoreUnavailable('store is closed');
    return snapshots?.take();
  };
  return { ...repo, ...announced, transaction, close, authStamp, readiness, readSnapshot };
}
