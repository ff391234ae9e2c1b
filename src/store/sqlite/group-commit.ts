/**
 * Group commit for the SQLite writer. With `synchronous=FULL` every COMMIT waits for an fsync of
 * the WAL, which costs more than the work of a typical SCIM write, and better-sqlite3 waits for it
 * on the event loop. So write transactions that queue up meanwhile share one SQLite transaction,
 * and one fsync, each inside its own SAVEPOINT:
 *
 * - atomicity per request: a transaction that throws is rolled back to its savepoint, alone, and
 *   gets its own error; the others in the batch are not affected;
 * - acknowledgement only after commit: every promise of a batch settles after its COMMIT returned
 *   and, with `sync` (wal-sync.ts), after the WAL holding it was flushed to disk — off the event
 *   loop, which serves requests meanwhile while the next batch gathers; if the COMMIT or the flush fails (or SQLite rolls the whole transaction back,
 *   as it does on a full disk or an I/O error), every transaction of the batch fails and none is
 *   acknowledged;
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
   * Makes a COMMIT durable (wal-sync.ts) when the connection's COMMIT does not: the batch's callers
   * are told of their commit once it resolves (or fail if it rejects); the next batch starts then.
   * A batch made only of transactions asked for with `durable: false` is not flushed.
   */
  readonly sync?: () => Promise<void>;
}

export interface RunOptions {
  /**
   * false: the transaction need not be on disk when it is acknowledged (bookkeeping such as the
   * request log, which a crash may lose anyway while it waits to be written). In WAL mode its
   * COMMIT is still atomic and in order; a power loss may lose it, and the next flush (after the
   * next durable COMMIT) makes it durable too. Batched with a durable one, it is flushed as that one is.
   */
  readonly durable?: boolean;
}

/** How long the next batch waits, after a flush, for the callers just told to ask again. */
const GATHER_MS = 1;

interface Job<R> {
  readonly fn: (repo: R) => Promise<unknown>;
  readonly durable: boolean;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

export class GroupCommitter<R> {
  private readonly queue: Job<R>[] = [];
  private draining: Promise<void> | undefined;
  /** Batches committed and waiting for their flush (sync) before their callers are told. */
  private readonly flushing = new Set<Promise<void>>();
  private readonly savepoint: { run(): unknown };
  private readonly release: { run(): unknown };
  private readonly rollbackToSavepoint: { run(): unknown };
  /** Transactions the last flushed batch carried: their callers, once told, are likely to ask again. */
  private lastFlushed = 0;
  /** A drain waiting for the queue to reach `want` (see gather). */
  private gathering: { readonly want: number; readonly done: () => void } | undefined;
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
      if (this.gathering && this.queue.length >= this.gathering.want) this.gathering.done();
      this.draining ??= this.drain();
    });
  }

  /**
   * After a flush its callers were just told and most ask again at once (a busy IdP keeps its
   * connections full): wait up to GATHER_MS for them — the queue to grow by as many transactions as
   * that batch carried — so that batches stay as large as behind a COMMIT that flushes, and flushes as few.
   */
  private gather(): Promise<void> {
    const want = Math.min(this.queue.length + this.lastFlushed, this.opts.maxBatch ?? 100);
    if (this.queue.length >= want) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.gathering = undefined;
        resolve();
      };
      const timer = setTimeout(done, GATHER_MS);
      this.gathering = { want, done };
    });
  }

  /** Resolves once every transaction asked for so far has settled. */
  async idle(): Promise<void> {
    while (this.draining || this.flushing.size) {
      if (this.draining) await this.draining;
      else await Promise.all(this.flushing);
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        // Let the requests that arrived meanwhile reach the queue before the batch is cut.
        await new Promise<void>((r) => setImmediate(r));
        // One flush at a time: the transactions asked for while it runs gather into the next batch
        // (as they would behind a COMMIT that flushes), and the event loop serves requests meanwhile.
        if (this.flushing.size) {
          await Promise.all(this.flushing);
          await this.gather();
        }
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
    let committed: { job: Job<R>; value: unknown }[] = [];
    try {
      committed = await this.runBatch(jobs, settle);
    } catch (e) {
      // Only a failed ROLLBACK gets here: every job of the batch that has no outcome yet fails.
      unexpected = this.opts.mapError(e);
      const requeued = new Set(this.queue.slice(0, this.queue.length - queued));
      for (const j of jobs) if (!requeued.has(j)) settle.push(() => j.reject(unexpected));
    } finally {
      this.opts.afterBatch?.();
      // A promise settles once; jobs with an outcome already ignore the late rejection above.
      for (const s of settle) s();
    }
    if (committed.length === 0) return;
    const sync = this.opts.sync;
    if (!sync || !committed.some((d) => d.job.durable)) {
      for (const d of committed) d.job.resolve(d.value);
      return;
    }
    this.lastFlushed = committed.length;
    // Told once on disk; the drain goes on meanwhile (flushes resolve in the order they were asked for).
    const told = sync().then(
      () => {
        for (const d of committed) d.job.resolve(d.value);
      },
      (e: unknown) => {
        for (const d of committed) d.job.reject(e);
      },
    );
    this.flushing.add(told);
    void told.finally(() => this.flushing.delete(told));
  }

  /** Runs a batch; answers the transactions it committed (those that failed are in `settle`). */
  private async runBatch(jobs: Job<R>[], settle: (() => void)[]): Promise<{ job: Job<R>; value: unknown }[]> {
    const { db, opts } = this;
    try {
      await opts.begin();
    } catch (e) {
      for (const j of jobs) settle.push(() => j.reject(opts.mapError(e)));
      return [];
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
        return [];
      }
    }
    try {
      if (done.length) db.exec('COMMIT');
      else db.exec('ROLLBACK');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      const err = opts.mapError(e);
      for (const d of done) settle.push(() => d.job.reject(err));
      return [];
    }
    if (done.length) {
      this.stats.commits++;
      this.stats.transactions += done.length;
      opts.onCommit?.(done.length);
    }
    return done;
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
