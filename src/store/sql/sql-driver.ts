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
   * Where the database gains by it (PostgreSQL, inside a transaction): a write whose answer nobody
   * reads, held back to go in one message with the transaction's next statement or its COMMIT (a hot
   * row it locks is then held for no round trip). Its error, if any, comes with that statement. It
   * may use a data-modifying WITH. Absent: run the statement at once.
   */
  readonly later?: (sql: string, params: readonly unknown[]) => void;
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a statement and says how many rows it changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  queryCompiled(sql: string, params: readonly unknown[]): Promise<Row[]>;
  /** A JSON value as this database takes it as a parameter. */
  json(v: unknown): unknown;
  /** True when `e` is a unique-constraint violation on the index named `index`. */
  isUniqueViolation(e: unknown, index: string): boolean;
}
