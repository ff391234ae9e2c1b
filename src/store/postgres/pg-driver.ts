/** The Driver over node-postgres (a pool, or one client inside a transaction). */
import type { Pool, PoolClient } from 'pg';
import type { Driver, Row } from '../sql/sql-driver.ts';
import { postgresDialect } from './pg-dialect.ts';
import { pipelined, type Statement } from './pg-pipeline.ts';

/** `?` placeholders → `$1, $2, …` (scimd's SQL has no other question marks). */
function numberedNow(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Statements numbered before (most SQL is a constant, rewritten once), bounded: filters and IN lists produce many distinct ones. */
const numberedCache = new Map<string, string>();

function numbered(sql: string): string {
  let out = numberedCache.get(sql);
  if (out === undefined) {
    out = numberedNow(sql);
    if (numberedCache.size >= 500) numberedCache.clear();
    numberedCache.set(sql, out);
  }
  return out;
}

/** A statement that only reads (a SELECT, locking or not): the transaction needs no WAL flush for it. */
const READS = /^\s*SELECT\s/i;

export class PgDriver implements Driver {
  readonly dialect = postgresDialect;
  // Not FOR UPDATE: that also blocks the FOR KEY SHARE lock a group_members insert takes on the
  // member row, so two PATCHes adding groups to each other deadlock. Writers still serialise.
  readonly forUpdate = ' FOR NO KEY UPDATE';
  readonly keyLock = 'SELECT pg_advisory_xact_lock(hashtext(?))';
  /** Only a transaction's driver holds statements back (pg-store.ts sends the last ones with the COMMIT). */
  readonly later?: (sql: string, params: readonly unknown[]) => void;
  /** Statements held back, to go in one message with the next statement or the COMMIT. */
  private held: Statement[] = [];
  /** Whether this transaction ran a statement that writes (then its commit is flushed before it is acknowledged). */
  wrote = false;

  constructor(
    private readonly db: Pool | PoolClient,
    inTransaction = false,
  ) {
    if (inTransaction) {
      this.later = (sql, params) => {
        this.held.push({ text: numbered(sql), values: params });
        this.wrote = true;
      };
    }
  }

  /** A transaction starts on this driver's connection with `begin`, sent with its first statement. */
  begin(begin: readonly Statement[]): void {
    this.held = [...begin];
    this.wrote = false;
  }

  /** The statements held back, now taken out. */
  takeHeld(): Statement[] {
    const s = this.held;
    this.held = [];
    return s;
  }

  /** Runs a statement, after the held ones in the same message when there are any. */
  private async run(text: string, params: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number }> {
    if (this.held.length === 0) {
      const r = await this.db.query(text, params as unknown[]);
      return { rows: r.rows as Row[], rowCount: r.rowCount ?? 0 };
    }
    const out = await pipelined(this.db as PoolClient, [...this.takeHeld(), { text, values: params }]);
    if (out.error) throw out.error;
    return out;
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    if (!this.wrote && !READS.test(sql)) this.wrote = true;
    return (await this.run(numbered(sql), params)).rows;
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    if (!this.wrote && !READS.test(sql)) this.wrote = true;
    return (await this.run(numbered(sql), params)).rowCount;
  }

  async queryCompiled(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return (await this.run(sql, params)).rows;
  }

  json(v: unknown): unknown {
    return JSON.stringify(v);
  }

  isUniqueViolation(e: unknown, index: string): boolean {
    const err = e as { code?: string; constraint?: string };
    return err.code === '23505' && err.constraint === index;
  }
}
