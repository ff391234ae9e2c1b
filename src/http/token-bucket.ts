/**
 * Token buckets, one per key, in memory. A bucket holds at most `burst` tokens and refills at
 * `rate` tokens per second; each admitted request takes one. Time comes from an injectable clock
 * so tests can move it instead of sleeping.
 */

export interface BucketLimit {
  /** Tokens added per second (the sustained request rate). */
  readonly rate: number;
  /** Most tokens a bucket holds (the largest burst after a quiet spell). */
  readonly burst: number;
}

/** Milliseconds from any fixed origin; only differences matter. */
export type Clock = () => number;

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

const ADMITTED: Verdict = { ok: true };

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * @param maxKeys bound on the keys remembered: an attacker with many addresses must not grow
   *   memory without limit. A forgotten key starts again with a full bucket.
   */
  constructor(
    private readonly now: Clock = () => performance.now(),
    private readonly maxKeys = 100_000,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token from `key`'s bucket, or says how long until one is there. */
  take(key: string, limit: BucketLimit): Verdict {
    const b = this.refilled(key, limit);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return ADMITTED;
    }
    return { ok: false, retryAfterSeconds: retryAfter(b.tokens, limit) };
  }

  /**
   * Gives back a token taken for a request that turned out not to count (at most up to the
   * burst). A key forgotten meanwhile has a full bucket already.
   */
  give(key: string, limit: BucketLimit): void {
    const b = this.buckets.get(key);
    if (!b) return;
    const now = this.now();
    b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 1000) * limit.rate + 1);
    b.at = now;
  }

  /** Whether `key` has a token now, without taking it. */
  check(key: string, limit: BucketLimit): Verdict {
    const b = this.buckets.get(key);
    if (!b) return ADMITTED;
    const tokens = Math.min(limit.burst, b.tokens + ((this.now() - b.at) / 1000) * limit.rate);
    return tokens >= 1 ? ADMITTED : { ok: false, retryAfterSeconds: retryAfter(tokens, limit) };
  }

  private refilled(key: string, limit: BucketLimit): Bucket {
    const now = this.now();
    let b = this.buckets.get(key);
    if (b) {
      b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 1000) * limit.rate);
      b.at = now;
      // Re-inserted so that the map's order is least recently used first.
      this.buckets.delete(key);
    } else {
      b = { tokens: limit.burst, at: now };
    }
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.evict();
    return b;
  }

  /** Drops the least recently used tenth: those are the buckets most likely to be full again. */
  private evict(): void {
    let drop = Math.max(1, Math.floor(this.maxKeys / 10));
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}

/**
 * Whole seconds until the bucket holds one token again: RFC 9110 §10.2.3 Retry-After is an
 * integer number of seconds, and 0 would invite an immediate retry, so at least 1.
 */
function retryAfter(tokens: number, limit: BucketLimit): number {
  return Math.max(1, Math.ceil((1 - tokens) / limit.rate));
}
