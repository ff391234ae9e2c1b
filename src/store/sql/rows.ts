/** What every port's SQL shares: reading rows, and cutting long lists into statements. */
import type { Settings } from '../types.ts';
import type { Driver, Row } from './sql-driver.ts';

export const opt = (v: unknown) => (v === null || v === undefined ? undefined : (v as string));
export const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
export const settingsOf = (v: unknown): Settings => (v === null || v === undefined ? {} : (json(v) as Settings));

/** The first row of the answer, if any. */
export async function one(db: Driver, sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
  return (await db.query(sql, params))[0];
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `n` placeholders, comma-separated. */
export const marks = (n: number) => Array.from({ length: n }, () => '?').join(',');

/**
 * Set by every write that can change how a request authenticates or what its tenant looks like
 * (tenants, clients, tokens, tenant schemas, role rules). The store reads and clears it when the
 * transaction has committed, so caches learn of the change only once it is visible to readers
 * (PostgreSQL also tells every other process, by a NOTIFY that the commit delivers).
 */
export interface AuthTouched {
  touched: boolean;
}
