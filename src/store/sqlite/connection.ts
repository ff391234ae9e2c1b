import Database from 'better-sqlite3';

export type Connection = Database.Database;

export interface SqliteOptions {
  /** `FULL` survives power loss; `NORMAL` survives a process crash. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /**
   * For openConnection: a read-only connection. For openSqliteStore: serve reads only, as when the
   * data directory is not writable (the database must exist and be migrated).
   */
  readonly readonly?: boolean;
  readonly busyTimeoutMs?: number;
  /** How long a write transaction waits for another process's write lock before answering 503. */
  readonly lockWaitMs?: number;
  /** Page cache per connection, KiB (SQLite's default is 2,000). Bulk loads want more. */
  readonly cacheSizeKiB?: number;
  /** Told the number of transactions of each group commit (for metrics). */
  readonly onCommitBatch?: (transactions: number) => void;
  /**
   * Told when writes start failing (the reason: read-only data directory, full disk, failed I/O)
   * and when one commits again (undefined); once per change, not per write (for the process log).
   */
  readonly onWritable?: (failure: string | undefined) => void;
  /**
   * Caps the database at this many pages (SQLite's max_page_count, at least its size now): a write
   * past it fails with SQLITE_FULL, as on a full disk. For tests of that case.
   */
  readonly maxPageCount?: number;
}

/** Opens a connection with the pragmas every scimd connection uses. */
export function openConnection(file: string, opts: SqliteOptions = {}): Connection {
  const db = new Database(file, { readonly: opts.readonly ?? false });
  db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
  }
  db.pragma('foreign_keys = ON');
  if (opts.cacheSizeKiB !== undefined) db.pragma(`cache_size = ${-Math.max(1, Math.floor(opts.cacheSizeKiB))}`);
  return db;
}
