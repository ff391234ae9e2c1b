/**
 * The embedded SQLite store: one writer connection, whose transactions run one after another and
 * are committed in groups (group-commit.ts: one fsync for the transactions that queued up together,
 * each atomic on its own), and one reader connection (WAL lets it read the last commit while a
 * write is under way). Reads outside a transaction use the reader; writes outside a transaction
 * run in one of their own.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { routedRepo } from '../routed-repo.ts';
import type { AuthStamp, Repo, Store, StoreReadiness } from '../types.ts';
import { StoreUnavailable, UniqueViolation } from '../types.ts';
import { openConnection, type Connection, type SqliteOptions } from './connection.ts';
import { migrationsFor, schemaNotReady, SQLITE_DDL } from '../sql/migrations.ts';
import { sqlRepo } from '../sql/sql-repo.ts';
import { SqliteDriver } from './sqlite-driver.ts';
import { GroupCommitter } from './group-commit.ts';

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

/** Opens (creating and migrating when needed) the SQLite database at `file`. */
export function openSqliteStore(file: string, opts: SqliteOptions = {}): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const writer = openConnection(file, opts);
  let reader: Connection | undefined;
  try {
    migrate(writer);
    // From here on the writer waits for other processes' locks in begin(), off the event loop.
    writer.pragma('busy_timeout = 20');
    // An in-memory database is private to its connection, so it reads through the writer.
    reader = file === ':memory:' ? writer : openConnection(file, opts);
  } catch (e) {
    writer.close();
    throw e;
  }
  const writeRepo = sqlRepo(new SqliteDriver(writer));
  const readRepo = reader === writer ? writeRepo : sqlRepo(new SqliteDriver(reader));
  let closed = false;

  /**
   * BEGIN IMMEDIATE, waiting for another process's write lock (a CLI command, say) without
   * blocking the event loop: the connection's own busy wait is kept short and retried here.
   */
  async function begin(): Promise<void> {
    const deadline = Date.now() + (opts.lockWaitMs ?? 5000);
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      try {
        writer.exec('BEGIN IMMEDIATE');
        return;
      } catch (e) {
        const code = (e as { code?: string }).code ?? '';
        if (!code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw mapSqliteError(e);
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  // Writes of this process to authentication data, counted once committed (see AuthStamp). Other
  // processes' commits show in the writer's data_version, which only they change.
  let authCommits = 0;
  const afterBatch = () => {
    if (!writeRepo.auth.touched) return;
    writeRepo.auth.touched = false;
    authCommits++;
  };
  const committer = new GroupCommitter(writer, writeRepo.repo, { begin, mapError: mapSqliteError, afterBatch, ...(opts.onCommitBatch ? { onCommit: opts.onCommitBatch } : {}) });
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

  function transaction<T>(fn: (tx: Repo) => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new StoreUnavailable('store is closed'));
    return committer.run(fn);
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    // Transactions asked for before close() still run and commit.
    await committer.idle();
    if (reader !== writer) reader!.close();
    writer.close();
  }

  const schemaVersion = (reader ?? writer).prepare('SELECT COALESCE(MAX(version), 0) FROM schema_migrations').pluck();
  async function readiness(): Promise<StoreReadiness> {
    if (closed) return { ready: false, reason: 'the database is closed' };
    try {
      const reason = schemaNotReady(Number(schemaVersion.get()), SQLITE_MIGRATIONS.length);
      return reason ? { ready: false, reason } : { ready: true };
    } catch (e) {
      return { ready: false, reason: `the database does not answer (${(e as { code?: string }).code ?? (e as Error).message})` };
    }
  }

  return { ...routedRepo(readRepo, transaction, mapSqliteError), transaction, close, authStamp, readiness };
}
