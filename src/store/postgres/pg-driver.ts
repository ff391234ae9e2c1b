/** The Driver over node-postgres (a pool, or one client inside a transaction). */
import type { Pool, PoolClient } from 'pg';
import type { Driver, Row } from '../sql/sql-driver.ts';
import { postgresDialect } from './pg-dialect.ts';
import type { Statement } from './pg-pipeline.ts';

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
  /** Only a transaction's driver holds a statement back for its commit (pg-store.ts sends it with the COMMIT). */
  readonly atCommit?: (sql: string, params: readonly unknown[]) => boolean;
  /** The statement held back for the commit, if any. */
  private last: Statement | undefined;
  /** Whether this transaction ran a statement that writes (then its commit is flushed before it is acknowledged). */
  wrote = false;

  constructor(
    private readonly db: Pool | PoolClient,
    inTransaction = false,
  ) {
    if (inTransaction) {
      this.atCommit = (sql, params) => {
        if (this.last) return false;
        this.last = { text: numbered(sql), values: params };
        this.wrote = true;
        return true;
      };
    }
  }

  /** Before a transaction starts on this driver's connection. */
  reset(): void {
    this.last = undefined;
    this.wrote = false;
  }

  /** The statement held back for the commit, now taken out. */
  takeLast(): Statement | undefined {
    const s = this.last;
    this.last = undefined;
    return s;
  }

  /** A statement held back runs before any other, so every statement sees the ones before it. */
  private async sendLast(): Promise<void> {
    const s = this.takeLast();
    if (s) await this.db.query(s.text, s.values as unknown[]);
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    if (this.last) await this.sendLast();
    if (!this.wrote && !READS.test(sql)) this.wrote = true;
    return (await this.db.query(numbered(sql), params as unknown[])).rows as Row[];
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    if (this.last) await this.sendLast();
    if (!this.wrote && !READS.test(sql)) this.wrote = true;
    return (await this.db.query(numbered(sql), params as unknown[])).rowCount ?? 0;
  }

  async queryCompiled(sql: string, params: readonly unknown[]): Promise<Row[]> {
    if (this.last) await this.sendLast();
    return (await this.db.query(sql, params as unknown[])).rows as Row[];
  }

  json(v: unknown): unknown {
    return JSON.stringify(v);
  }

  isUniqueViolation(e: unknown, index: string): boolean {
    const err = e as { code?: string; constraint?: string };
    return err.code === '23505' && err.constraint === index;
  }
}
