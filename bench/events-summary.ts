/**
 * The arithmetic of the two change-log phases, kept pure for its unit tests: the names the
 * events-cost phase creates, the receiver's count of webhook deliveries, and whether delivery
 * keeps up with the write rate.
 */

/** The userName template (`{n}`: the operation's number) of a POST run: unique per server, round and run. */
export function eventsPostName(server: string, round: number, nonce: string): string {
  return `ev-${server}-r${round}-{n}-${nonce}@bench.example.com`;
}

/** Webhook deliveries as a receiver sees them: de-duplicated by webhook-id, each with when it first arrived. */
export class DeliveryCounter {
  private readonly firstSeen = new Map<string, number>();
  /** Requests in all, repeats included. */
  requests = 0;

  /** Counts one request; false when its id was seen before (a redelivery). */
  record(id: string, atMs: number): boolean {
    this.requests++;
    if (this.firstSeen.has(id)) return false;
    this.firstSeen.set(id, atMs);
    return true;
  }

  get unique(): number {
    return this.firstSeen.size;
  }

  get duplicates(): number {
    return this.requests - this.firstSeen.size;
  }

  /** Distinct events first received in [fromMs, toMs). */
  between(fromMs: number, toMs: number): number {
    let n = 0;
    for (const t of this.firstSeen.values()) if (t >= fromMs && t < toMs) n++;
    return n;
  }

  /** When the last distinct event arrived (NaN before any). */
  get lastAt(): number {
    let last = NaN;
    for (const t of this.firstSeen.values()) if (!(t <= last)) last = t;
    return last;
  }
}

/** Delivered/s at least this share of writes/s… */
export const KEEP_UP_SHARE = 0.9;
/** …or every event delivered within this long after the load ends. */
export const MAX_DRAIN_MS = 2_000;

export interface DeliveryVerdict {
  /** deliveredPerSec ÷ writesPerSec. */
  readonly share: number;
  readonly keepsUp: boolean;
}

/**
 * "Keeps up": delivered/s ≥ 0.9 × writes/s during the load, or the receiver had every event within
 * 2 s of the load's end. drainMs is NaN when it never had them all.
 */
export function deliveryVerdict(writesPerSec: number, deliveredPerSec: number, drainMs: number): DeliveryVerdict {
  const share = writesPerSec > 0 ? deliveredPerSec / writesPerSec : NaN;
  return { share, keepsUp: (Number.isFinite(share) && share >= KEEP_UP_SHARE) || (Number.isFinite(drainMs) && drainMs <= MAX_DRAIN_MS) };
}
