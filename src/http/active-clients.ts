/**
 * Which SCIM clients are active in this process: a client is active while one of its requests is
 * in progress (or waiting its turn), and for `windowMs` after one ended. A client that sends a
 * request every 25 ms is thus active throughout, though most of the time none of its requests is
 * in progress. The rate limiter asks one question: is any client other than this one active?
 */
import type { Clock } from './token-bucket.ts';

/** A second: longer than the gap between the requests of a client that is working, as IdPs do during a synchronisation. */
export const ACTIVE_WINDOW_MS = 1000;

interface Seen {
  readonly id: string;
  at: number;
}

export class ActiveClients {
  /** Requests in progress per client; clients with none are not in the map. */
  private readonly inProgress = new Map<string, number>();
  /** The client seen last, and the last one seen before it that is another client. */
  private latest: Seen | undefined;
  private previous: Seen | undefined;

  constructor(
    private readonly now: Clock = () => performance.now(),
    readonly windowMs = ACTIVE_WINDOW_MS,
  ) {}

  /** A request of client `id` begins; returns the function that ends it (calling it again does nothing). */
  begin(id: string): () => void {
    this.inProgress.set(id, (this.inProgress.get(id) ?? 0) + 1);
    this.seen(id);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const n = (this.inProgress.get(id) ?? 1) - 1;
      if (n > 0) this.inProgress.set(id, n);
      else this.inProgress.delete(id);
      this.seen(id);
    };
  }

  /** Whether a client other than `id` has a request in progress, or had one within the window. */
  othersThan(id: string): boolean {
    if (this.inProgress.size > (this.inProgress.has(id) ? 1 : 0)) return true;
    const other = this.latest?.id === id ? this.previous : this.latest;
    return other !== undefined && this.now() - other.at < this.windowMs;
  }

  /** Requests in progress (for tests and diagnostics). */
  get requests(): number {
    let n = 0;
    for (const v of this.inProgress.values()) n += v;
    return n;
  }

  /**
   * Keeps `latest` the client seen last and `previous` the one seen last among the others, which
   * is all `othersThan` needs: for the client seen last the most recent other is `previous`, for
   * any other client it is `latest`.
   */
  private seen(id: string): void {
    const at = this.now();
    if (this.latest?.id === id) this.latest.at = at;
    else [this.previous, this.latest] = [this.latest, { id, at }];
  }
}
