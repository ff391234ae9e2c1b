/**
 * Retention of the change log: events older than the configured number of days are deleted, a
 * batch per transaction so writes go on meanwhile, at start and then every ten minutes. A
 * consumer whose cursor falls behind what is kept gets 410 from the events API (event-feed.ts).
 */
import type { Store } from '../../store/types.ts';

const EVERY_MS = 10 * 60_000;
const BATCH = 1000;

export class EventRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly days: number,
    private readonly onError: (e: unknown) => void = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.prune().finally(() => (this.running = undefined));
      if (!this.closed) this.timer = setTimeout(tick, EVERY_MS).unref();
    };
    tick();
  }

  /** Deletes what is past retention; answers how many events went. Never rejects. */
  async prune(): Promise<number> {
    const before = new Date(this.now().getTime() - this.days * 86_400_000).toISOString();
    let total = 0;
    try {
      while (!this.closed) {
        const n = await this.store.transaction((tx) => tx.pruneEvents(before, BATCH));
        total += n;
        if (n < BATCH) break;
      }
    } catch (e) {
      this.onError(e);
    }
    return total;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
