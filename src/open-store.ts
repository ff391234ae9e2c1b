/** Opens the configured store: the server, the admin commands and the webhook worker thread share this. */
import { databaseFile, type StorageConfig } from './config.ts';
import { openSqliteStore } from './store/sqlite/sqlite-store.ts';
import { openPostgresStore, type PostgresOptions } from './store/postgres/pg-store.ts';
import type { Store } from './store/types.ts';

/** SQLite in the data directory, or PostgreSQL when a database URL is configured. */
/** `sqlite`: what the SQLite store reports (group commits for the metrics; writes failing and working again). */
export async function openStore(
  config: StorageConfig,
  options: Omit<PostgresOptions, 'poolSize'> = {},
  // Spelt out, not Pick<SqliteOptions>: the package's types must not reach better-sqlite3's.
  sqlite: { readonly onCommitBatch?: (transactions: number) => void; readonly onWritable?: (failure: string | undefined) => void } = {},
): Promise<Store> {
  if (config.databaseUrl) return openPostgresStore(config.databaseUrl, { ...options, poolSize: config.databasePoolSize });
  return openSqliteStore(databaseFile(config), { synchronous: config.synchronous, ...(config.readOnly ? { readonly: true } : {}), ...sqlite });
}
