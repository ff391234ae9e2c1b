/** The Driver over node-postgres (a pool, or one client inside a transaction). */
import type { Pool, PoolClient } from 'pg';
import type { Driver, Row } from '../sql/sql-driver.ts';
import { postgresDialect } from './pg-dialect.ts';

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

export class PgDriver implements Driver {
  readonly dialect = postgresDialect;
  // Not FOR UPDATE: that also blocks the FOR KEY SHARE lock a group_members insert takes on the
  // member row, so two PATCHes adding groups to each other deadlock. Writers still serialise.
  readonly forUpdate = ' FOR NO KEY UPDATE';
  readonly keyLock = 'SELECT pg_advisory_xact_lock(hashtext(?))';

  constructor(private readonly db: Pool | PoolClient) {}

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.db.query(numbered(sql), params as unknown[])).rows as Row[];
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.db.query(numbered(sql), params as unknown[])).rowCount ?? 0;
  }

  async queryCompiled(sql: string, params: readonly unknown[]): Promise<Row[]> {
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
