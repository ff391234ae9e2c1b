import { existsSync } from 'node:fs';
import { databaseFile, resolveStorageConfig, type Env } from '../config.ts';
import type { Services } from '../http/services.ts';
import type { ServiceOptions } from '../server.ts';
import { UsageError } from './args.ts';

/**
 * Opens the database of the data directory for an admin command, runs `fn`, closes it. Only
 * storage settings are read, so a server-only setting (say an invalid SCIMD_PORT) cannot stop it.
 */
export async function withServices<T>(flags: Record<string, string | boolean>, env: Env, fn: (s: Services) => Promise<T>, extra: Partial<Pick<ServiceOptions, 'webhooks'>> = {}): Promise<T> {
  const config = resolveStorageConfig(flags, env);
  if (!config.databaseUrl && !existsSync(databaseFile(config))) {
    throw new UsageError(`No scimd database in ${config.dataDir}. Start the server once (scimd serve), or pass --data-dir, or --database-url for a deployment on PostgreSQL.`);
  }
  // Loaded on first use, so --help and usage errors start without the server's modules.
  const { createServices, openStore } = await import('../server.ts');
  // No request is authenticated here, so no connection listens for other processes' changes.
  const store = await openStore(config, { watchAuth: false });
  try {
    return await fn(createServices(store, { maxResults: config.maxResults, ...extra }));
  } finally {
    await store.close();
  }
}
