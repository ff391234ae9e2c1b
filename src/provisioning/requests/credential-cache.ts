/**
 * What SCIM tokens (auth.ts) and admin keys (admin-keys.ts) share: a cache of looked-up credentials
 * that lives until the store's auth stamp moves, and a throttle on writing `last_used_at`.
 */
import { StoreNotWritable, type AuthStamp } from '../../store/types.ts';

/**
 * How long a looked-up credential may be reused. Where the store reports other processes' changes
 * at once (SQLite's data_version; PostgreSQL's NOTIFY while its listening connection is up, with the
 * counter read on it before each cached answer, Store.authSync), entries live until the stamp changes and
 * `EXACT_TTL_MS` at most: that cap only matters for changes made behind scimd's back (SQL by hand
 * on PostgreSQL). Elsewhere (PostgreSQL while the listener reconnects) they live `SHARED_TTL_MS`,
 * which bounds how late a revocation made on another replica or through the CLI takes effect.
 */
const EXACT_TTL_MS = 60_000;
export const SHARED_TTL_MS = 1_000;

/** Looked-up credentials by hash. Only ones that exist are kept, so random guesses cannot fill it. */
export class StampedCache<V> {
  private readonly entries = new Map<string, { readonly stamp: string; readonly until: number; readonly value: V }>();

  constructor(private readonly max: number) {}

  /** The value cached under `hash` while the stamp has not moved and it has not expired. */
  get(hash: string, stamp: AuthStamp | undefined, now: number): V | undefined {
    const hit = this.entries.get(hash);
    return stamp && hit && hit.stamp === stamp.stamp && now < hit.until ? hit.value : undefined;
  }

  /** Keeps `value`, stamped with the stamp read before the lookup: a change committed meanwhile moves the stamp, so it is not reused. */
  set(hash: string, stamp: AuthStamp | undefined, now: number, value: V): void {
    if (!stamp) return;
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(hash, { stamp: stamp.stamp, until: now + (stamp.crossProcess ? EXACT_TTL_MS : SHARED_TTL_MS), value });
  }

  /** Whether a lookup found this credential recently (valid then, or revoked or expired since): not a guess. */
  has(hash: string): boolean {
    return this.entries.has(hash);
  }
}

/** How often `last_used_at` is written for one credential: a read must not become a write every time. */
const TOUCH_INTERVAL_MS = 60_000;
const MAX_TOUCHED = 10_000;

/** Writes `last_used_at` at most once per interval per credential, never failing the request. */
export class TouchThrottle {
  private readonly touched = new Map<string, number>();

  constructor(private readonly write: (id: string, at: string) => Promise<void>) {}

  touch(id: string, now: number): void {
    if (now - (this.touched.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    if (this.touched.size >= MAX_TOUCHED) this.touched.clear();
    this.touched.set(id, now);
    // Bookkeeping only. A database that cannot be written (read-only, full disk) is tried again
    // after the interval, not on the next request; another failure on the next request.
    this.write(id, new Date(now).toISOString()).catch((e: unknown) => {
      if (!(e instanceof StoreNotWritable)) this.touched.delete(id);
    });
  }
}
