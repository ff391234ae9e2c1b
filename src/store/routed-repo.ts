/**
 * The Repo a Store offers outside a transaction, made from the ports' own split: every read goes
 * to the reader (a reader connection, a pool) with its errors mapped; every write runs in a
 * transaction of its own. Built once per store: each call is one closure, no lookup by name.
 */
import type { Method, Methods, Port, Repo, RepoReads, RepoWrites } from './types.ts';

/** A copy of `methods` in which each method is what `wrap` makes of it (same name, same signature). */
function mapMethods<T extends Methods<T>>(methods: T, wrap: (name: keyof T & string, method: Method) => Method): T {
  const out = {} as Record<keyof T, Method>;
  for (const [name, method] of Object.entries(methods) as [keyof T & string, Method][]) out[name] = wrap(name, method);
  return out as T;
}

/** How a write outside a transaction is committed (see group-commit.ts: RunOptions). */
export interface WriteOptions {
  readonly durable?: boolean;
}

/**
 * Writes that need not wait for the disk: the request log is bookkeeping, written after the
 * response and dropped on failure; its rows must not cost every SCIM read an fsync.
 */
const NOT_DURABLE: ReadonlySet<string> = new Set(['appendRequestLog', 'pruneRequestLog']);

/** The reads of `reads`, each with its errors passed through `mapError`. */
export function mappedReads(reads: RepoReads, mapError: (e: unknown) => unknown): RepoReads {
  return mapMethods(reads, (_name, read) => async (...args) => {
    try {
      return await read(...args);
    } catch (e) {
      throw mapError(e);
    }
  });
}

/**
 * A Repo whose reads run on `ports.reads`, whose writes each run (by name) in a transaction of
 * `transaction`, and whose every error passes through `mapError` (the transaction maps its own).
 */
export function routedRepo(ports: Port<RepoReads, RepoWrites>, transaction: <T>(fn: (tx: Repo) => Promise<T>, options?: WriteOptions) => Promise<T>, mapError: (e: unknown) => unknown): Repo {
  const reads = mappedReads(ports.reads, mapError);
  const writes = mapMethods(ports.writes, (name) => {
    const options: WriteOptions = NOT_DURABLE.has(name) ? { durable: false } : {};
    return (...args) =>
      transaction((tx) => {
        const write: Method = tx[name];
        return write(...args);
      }, options);
  });
  return { ...reads, ...writes };
}
