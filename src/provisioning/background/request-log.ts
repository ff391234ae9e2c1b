/**
 * The provisioning request log: one row per SCIM request. Entries are buffered and written after
 * the response in small batches, so writing the log never delays or fails a SCIM request; a
 * failed batch is dropped. The first failure is reported to the process log, the next ones are
 * not until a batch is written again (a read-only data directory or a full disk fails every
 * batch: one warning, not one per request), and then the recovery is, with what was dropped.
 */
import type { RequestLogEntry, RequestLogQuery, RequestLogStore } from '../../store/types.ts';

export type { RequestLogEntry };

/** `4xx`, `404` or `400-499` as a status range of the request log; undefined for anything else. */
export function statusRange(raw: string): { minStatus: number; maxStatus: number } | undefined {
  const s = raw.trim().toLowerCase();
  let m = /^([1-5])xx$/.exec(s);
  if (m) return { minStatus: Number(m[1]) * 100, maxStatus: Number(m[1]) * 100 + 99 };
  m = /^(\d{3})(?:-(\d{3}))?$/.exec(s);
  if (m) return { minStatus: Number(m[1]), maxStatus: Number(m[2] ?? m[1]) };
  return undefined;
}

export interface RequestLogOptions {
  /** Entries older than this are deleted. */
  readonly retentionDays: number;
  /** At most this many entries are kept. */
  readonly maxRows: number;
  /** Longest body kept, in characters. */
  readonly maxBodyChars: number;
  /** How long entries wait before a batch is written. */
  readonly flushMs?: number;
}

export const DEFAULT_REQUEST_LOG: RequestLogOptions = { retentionDays: 30, maxRows: 100_000, maxBodyChars: 65_536 };

const MAX_PENDING = 10_000;
const PRUNE_EVERY_MS = 60_000;

export class RequestLog {
  private pending: RequestLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private lastPrune = 0;
  dropped = 0;
  /** Entries dropped since writes began to fail; undefined while they do not. */
  private droppedSinceFailure: number | undefined;

  constructor(
    private readonly store: RequestLogStore,
    readonly options: RequestLogOptions,
    private readonly onError: (e: unknown) => void = () => undefined,
    private readonly onRecovered: (dropped: number) => void = () => undefined,
  ) {}

  /** The entries written so far that match `q` (what is still pending is not among them). */
  entries(q: RequestLogQuery): Promise<RequestLogEntry[]> {
    return this.store.requestLog(q);
  }

  /** One written entry, with its bodies. */
  entry(id: number): Promise<RequestLogEntry | undefined> {
    return this.store.requestLogEntry(id);
  }

  /** Entries recorded but not written yet. */
  get queued(): number {
    return this.pending.length;
  }

  record(entry: RequestLogEntry): void {
    if (this.pending.length >= MAX_PENDING) {
      this.pending.shift();
      this.dropped++;
    }
    this.pending.push(entry);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs ?? 100);
      this.timer.unref();
    }
  }

  /** Writes what is pending (and prunes now and then). Never rejects. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(async () => {
      let wrote = false;
      try {
        if (batch.length) {
          await this.store.appendRequestLog(batch);
          wrote = true;
        }
        const now = Date.now();
        if (now - this.lastPrune >= PRUNE_EVERY_MS) {
          this.lastPrune = now;
          await this.store.pruneRequestLog(new Date(now - this.options.retentionDays * 86_400_000).toISOString(), this.options.maxRows);
        }
      } catch (e) {
        if (!wrote) this.dropped += batch.length;
        if (this.droppedSinceFailure === undefined) {
          this.droppedSinceFailure = 0;
          this.onError(e);
        }
        if (!wrote) this.droppedSinceFailure += batch.length;
        return;
      }
      if (wrote && this.droppedSinceFailure !== undefined) {
        const dropped = this.droppedSinceFailure;
        this.droppedSinceFailure = undefined;
        this.onRecovered(dropped);
      }
    });
    return this.flushing;
  }
}
