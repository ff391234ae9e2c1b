/**
 * What the shared SQL repo needs from a database driver. SQL given to `query` uses `?`
 * placeholders (the driver numbers them if it must); SQL given to `queryCompiled` comes from
 * compile.ts and already uses the dialect's own placeholders.
 */
import type { Dialect } from './sql-dialect.ts';

export type Row = Record<string, unknown>;

export interface Driver {
  readonly dialect: Dialect;
  /** Appended to a SELECT to lock its rows until commit (PostgreSQL); empty where the whole database is locked (SQLite). */
  readonly forUpdate: string;
  /** A statement taking a transaction-scoped lock on a text key (`?`), where the database needs one. */
  readonly keyLock?: string;
  /**
   * Where the database gains by it (PostgreSQL: one message with the COMMIT, so a hot row it locks
   * is held for no round trip): holds a transaction's last write back until its commit, or until
   * the next statement, whichever comes first. It may use a data-modifying WITH. False when one is
   * held already (then run this one as usual: the held one goes first). Absent: run it at once.
   */
  readonly atCommit?: (sql: string, params: readonly unknown[]) => boolean;
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a statement and says how many rows it changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  queryCompiled(sql: string, params: readonly unknown[]): Promise<Row[]>;
  /** A JSON value as this database takes it as a parameter. */
  json(v: unknown): unknown;
  /** True when `e` is a unique-constraint violation on the index named `index`. */
  isUniqueViolation(e: unknown, index: string): boolean;
}
