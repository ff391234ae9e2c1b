/** Times a store's transactions for the metrics, and counts those the database itself failed. */
import type { DatabaseMetrics } from './http/metrics.ts';
import { DatabaseMissing, StoreUnavailable, UniqueViolation, ValueTooLarge, type Store } from './store/types.ts';

/** An error of the database (unavailable, I/O, locks), not of the request it ran for. */
export function isDatabaseError(e: unknown): boolean {
  if (e instanceof StoreUnavailable || e instanceof DatabaseMissing) return true;
  if (e instanceof UniqueViolation || e instanceof ValueTooLarge) return false;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_') || /^[0-9A-Z]{5}$/.test(code));
}

/** `store` with transaction() timed; everything else is the store's own. */
export function instrumentStore(store: Store, metrics: DatabaseMetrics): Store {
  const transaction: Store['transaction'] = async (fn) => {
    const started = performance.now();
    try {
      // Looked up at each call, so whatever wraps the store's own transaction later is still used.
      const value = await store.transaction(fn);
      metrics.transaction((performance.now() - started) / 1000, true, false);
      return value;
    } catch (e) {
      metrics.transaction((performance.now() - started) / 1000, false, isDatabaseError(e));
      throw e;
    }
  };
  return Object.assign(Object.create(store) as Store, { transaction });
}
