/**
 * Group commit for the SQLite writer. With `synchronous=FULL` every COMMIT waits for an fsync of
 * the WAL, which costs more than the work of a typical SCIM write, and better-sqlite3 waits for it
 * on the event loop. So write transactions that queue up meanwhile share one SQLite transaction,
 * and one fsync, each inside its own SAVEPOINT:
 *
 * - atomicity per request: a transaction that throws is rolled back to its savepoint, alone, and
 *   gets its own error; the others in the batch are not affected;
 * - acknowledgement only after commit: every promise of a batch settles after its COMMIT returned;
 *   if the COMMIT fails (or SQLite rolls the whole transaction back, as it does on a full disk or
 *   an I/O error), every transaction of the batch fails and none is acknowledged;
 * - order: transactions run one after another in the order they were asked for, so within a batch
 *   each sees the writes of those before it, exactly as if each had committed on its own.
 *
 * A batch starts on the next turn of the event loop (setImmediate), so the requests that arrived
 * together join it, and takes at most `maxBatch` transactions or `maxBatchMs` of work.
 */
import type { Connection } from './connection.ts';

export interface GroupCommitOptions {
  /** Opens the write transaction (BEGIN IMMEDIATE, waiting for other processes' locks). */
  readonly begin: () => Promise<void>;
  /** Turns a database error into what callers see. */
  readonly mapError: (e: unknown) => unknown;
  readonly maxBatch?: number;
  readonly maxBatchMs?: number;
  /** Called when a batch has ended (committed or not), before any of its callers hears of it. */
  readonly afterBatch?: () => void;
  /** Called with the number of transactions each COMMIT carried (for metrics; must not throw). */
  readonly onCommit?: (transactions: number) => void;
  /**
   * Before a batch made only of transactions asked for with `durable: false`: `relax` (PRAGMA
   * synchronous = NORMAL: its COMMIT does not wait for an fsync); before the next batch with a
   * durable one, `restore`. Without them every batch is committed alike.
   */
  readonly relax?: () => void;
  readonly restore?: () => void;
}

export interface RunOptions {
  /**
   * false: the transaction need not be on disk when it is acknowledged (bookkeeping such as the
   * request log, which a crash may lose anyway while it waits to be written). In WAL mode its
   * COMMIT is still atomic and in order; a power loss may lose it, and the next durable COMMIT
   * (which syncs the WAL) makes it durable too. Batched with a durable one, it is committed as that one is.
   */
  readonly durable?: boolean;
}

interface Job<R> {
  readonly fn: (repo: R) => Promise<unknown>;
  readonly durable: boolean;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

export class GroupCommitter<R> {
  private readonly queue: Job<R>[] = [];
  private draining: Promise<void> | undefined;
  private readonly savepoint: { run(): unknown };
  private readonly release: { run(): unknown };
  private readonly rollbackToSavepoint: { run(): unknown };
  /** Whether `relax` is in force (until a durable batch restores the configured mode). */
  private relaxed = false;
  /** Transactions per COMMIT so far, for the curious (tests, the bench). */
  readonly stats = { commits: 0, transactions: 0 };

  constructor(
    private readonly db: Connection,
    private readonly repo: R,
    private readonly opts: GroupCommitOptions,
  ) {
    this.savepoint = db.prepare('SAVEPOINT scimd_write');
    this.release = db.prepare('RELEASE scimd_write');
    this.rollbackToSavepoint = db.prepare('ROLLBACK TO scimd_write');
  }

  run<T>(fn: (repo: R) => Promise<T>, options: RunOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, durable: options.durable ?? true, resolve: resolve as (v: unknown) => void, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves once every transaction asked for so far has settled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        // Let the requests that arrived meanwhile reach the queue before the batch is cut.
        await new Promise<void>((r) => setImmediate(r));
        await this.batch(this.queue.splice(0, this.opts.maxBatch ?? 100));
      }
    } finally {
      // Cleared in the same turn as the last check of the queue: a transaction asked for by a
      // continuation of this batch (which runs later) starts a new drain.
      this.draining = undefined;
    }
  }

  private async batch(jobs: Job<R>[]): Promise<void> {
    // Callers hear of the outcome only after afterBatch has run.
    const settle: (() => void)[] = [];
    let unexpected: unknown;
    const queued = this.queue.length;
    const relax = this.opts.relax !== undefined && jobs.every((j) => !j.durable);
    try {
      // A failure here fails the batch (below) before anything of it ran: no durable
      // transaction is ever committed in the relaxed mode.
      if (relax && !this.relaxed) {
        this.opts.relax!();
        this.relaxed = true;
      } else if (!relax && this.relaxed) {
        this.opts.restore?.();
        this.relaxed = false;
      }
      await this.runBatch(jobs, settle);
    } catch (e) {
      // Only a failed ROLLBACK (or a failed relax/restore) gets here: every job of the batch that has no outcome yet fails.
      unexpected = this.opts.mapError(e);
      const requeued = new Set(this.queue.slice(0, this.queue.length - queued));
      for (const j of jobs) if (!requeued.has(j)) settle.push(() => j.reject(unexpected));
    } finally {
      this.opts.afterBatch?.();
      // A promise settles once; jobs with an outcome already ignore the late rejection above.
      for (const s of settle) s();
    }
  }

  private async runBatch(jobs: Job<R>[], settle: (() => void)[]): Promise<void> {
    const { db, opts } = this;
    try {
      await opts.begin();
    } catch (e) {
      for (const j of jobs) settle.push(() => j.reject(opts.mapError(e)));
      return;
    }
    const started = performance.now();
    const done: { job: Job<R>; value: unknown }[] = [];
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      if (i > 0 && performance.now() - started > (opts.maxBatchMs ?? 50)) {
        // Long work (a bulk load): commit what is done, the rest goes first into the next batch.
        this.queue.unshift(...jobs.slice(i));
        break;
      }
      try {
        this.savepoint.run();
        const value = await job.fn(this.repo);
        this.release.run();
        done.push({ job, value });
      } catch (e) {
        if (db.inTransaction && this.rollbackTo()) {
          settle.push(() => job.reject(opts.mapError(e)));
          continue;
        }
        // SQLite gave up the whole transaction: nothing of this batch is stored.
        const err = opts.mapError(e);
        settle.push(() => job.reject(err));
        for (const d of done) settle.push(() => d.job.reject(err));
        if (db.inTransaction) db.exec('ROLLBACK');
        this.queue.unshift(...jobs.slice(i + 1));
        return;
      }
    }
    try {
      if (done.length) db.exec('COMMIT');
      else db.exec('ROLLBACK');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      const err = opts.mapError(e);
      for (const d of done) settle.push(() => d.job.reject(err));
      return;
    }
    if (done.length) {
      this.stats.commits++;
      this.stats.transactions += done.length;
      opts.onCommit?.(done.length);
    }
    for (const d of done) settle.push(() => d.job.resolve(d.value));
  }

  /** Undoes the current savepoint; false when that failed too. */
  private rollbackTo(): boolean {
    try {
      this.rollbackToSavepoint.run();
      this.release.run();
      return true;
    } catch {
      return false;
    }
  }
}
