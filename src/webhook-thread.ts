/**
 * Webhook delivery in a worker thread (the default of `scimd serve`): the dispatcher runs on an
 * event loop of its own (src/webhook-worker.ts), so a busy server does not make every attempt wait
 * for its loop, and delivery keeps up with the write rate. Same code, same leases, same store; the
 * main thread only starts it, tells it of new work (kick) and when to stop (close), writes its log
 * lines to the server's log and its database metrics to the server's registry, and starts it again
 * (with back-off) should it die. A thread that cannot start at all leaves delivery to the server's
 * event loop, with a warning.
 */
import { Worker } from 'node:worker_threads';
import type { StorageConfig } from './config.ts';
import type { DatabaseMetrics } from './http/metrics.ts';
import type { WebhookDelivery, WebhookLog } from './provisioning/background/webhook-dispatcher.ts';
import type { WebhookSettings } from './provisioning/webhooks/delivery.ts';

/** What the worker is started with (structured-cloned). */
export interface WorkerInput {
  readonly storage: StorageConfig;
  /** PostgreSQL connections of the worker's own pool. */
  readonly poolSize: number;
  readonly settings: WebhookSettings;
  /** Whether to gather database metrics for the main thread. */
  readonly metrics: boolean;
}

export type ToWorker = { readonly type: 'kick' } | { readonly type: 'close' };
export type FromWorker =
  | { readonly type: 'ready'; readonly owner: string }
  | { readonly type: 'warn'; readonly msg: string }
  /** `tx`: pairs of (seconds, 1 committed | 2 database error); `batches`: transactions per SQLite group commit. */
  | { readonly type: 'metrics'; readonly tx: number[]; readonly batches: number[] }
  | { readonly type: 'closed' };

export interface WebhookThreadOptions {
  readonly storage: StorageConfig;
  readonly settings: WebhookSettings;
  readonly metrics?: DatabaseMetrics;
  readonly log: WebhookLog;
  /** In-process delivery, for when the thread cannot start at all. */
  readonly fallback: () => WebhookDelivery;
  /**
   * Whether some endpoint has work due (a cheap read). Given, the thread starts only once there is
   * work or a kick (an endpoint created): a deployment without webhooks runs no thread, holds no
   * extra connections. Without it, start() starts the thread at once.
   */
  readonly due?: () => Promise<boolean>;
}

/** The worker's PostgreSQL pool: it works on up to `concurrency` endpoints, one query each at a time. */
const MAX_POOL = 4;
/** Restart back-off after an unexpected exit: 1 s, doubling, up to 30 s; reset after a minute of running. */
const RESTART_BASE_MS = 1_000;
const RESTART_CAP_MS = 30_000;
const STABLE_MS = 60_000;
/** close() ends the thread after this even if it has not finished (the dispatcher gives up on attempts after 6 s). */
const CLOSE_LIMIT_MS = 10_000;

/**
 * The entry file beside this one: .js when running from dist/, .ts when running the sources
 * under tsx (tests), which the thread then has to load through tsx as well: a worker does not
 * inherit the main thread's module hooks on Node 20.
 */
function workerSource(): { readonly entry: URL; readonly eval?: string } {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./webhook-worker.${ts ? 'ts' : 'js'}`, import.meta.url);
  if (!ts) return { entry };
  const tsx = import.meta.resolve('tsx/esm/api');
  return { entry, eval: `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });` };
}

export class WebhookThread implements WebhookDelivery {
  private worker: Worker | undefined;
  private inProcess: WebhookDelivery | undefined;
  private started = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Whether a thread has ever come up (one that never does means threads do not work here). */
  private everReady = false;
  /** Whether the current thread said it is ready. */
  private ready = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** While no thread runs yet: the next look for work. */
  private waiting: NodeJS.Timeout | undefined;

  constructor(private readonly opts: WebhookThreadOptions) {}

  /** Where delivery runs now (for tests and diagnostics). */
  get state(): 'idle' | 'starting' | 'thread' | 'restarting' | 'in-process' | 'closed' {
    if (this.closed) return 'closed';
    if (this.inProcess) return 'in-process';
    if (this.restartTimer) return 'restarting';
    if (this.worker) return this.ready ? 'thread' : 'starting';
    return 'idle';
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    if (this.opts.due) this.watch();
    else this.spawn();
  }

  /** No thread until there is work: a look every pollMs (errors: look again), the thread once some is due. */
  private watch(): void {
    const look = async () => {
      this.waiting = undefined;
      let due = false;
      try {
        due = await this.opts.due!();
      } catch {
        // The database is busy or away: look again.
      }
      if (this.closed || this.worker || this.inProcess || this.restartTimer) return;
      if (due) return this.spawn();
      this.waiting = setTimeout(() => void look(), this.opts.settings.pollMs);
      this.waiting.unref();
    };
    void look();
  }

  kick(): void {
    if (this.inProcess) return this.inProcess.kick();
    if (this.worker) return this.worker.postMessage({ type: 'kick' } satisfies ToWorker);
    // Not running yet (waiting for work): new work starts it. A restart under way brings it back anyway.
    if (this.started && !this.closed && !this.restartTimer) {
      clearTimeout(this.waiting);
      this.waiting = undefined;
      this.spawn();
    }
  }

  private spawn(): void {
    const input: WorkerInput = {
      storage: {
        dataDir: this.opts.storage.dataDir,
        synchronous: this.opts.storage.synchronous,
        maxResults: this.opts.storage.maxResults,
        databasePoolSize: this.opts.storage.databasePoolSize,
        ...(this.opts.storage.databaseUrl ? { databaseUrl: this.opts.storage.databaseUrl } : {}),
        ...(this.opts.storage.readOnly ? { readOnly: true } : {}),
      },
      poolSize: Math.min(MAX_POOL, this.opts.storage.databasePoolSize),
      settings: this.opts.settings,
      metrics: this.opts.metrics !== undefined,
    };
    let worker: Worker;
    try {
      const source = workerSource();
      worker = source.eval ? new Worker(source.eval, { eval: true, workerData: input }) : new Worker(source.entry, { workerData: input });
    } catch (e) {
      // No thread at all here (tsx not found, a worker refused): as a thread that died at once.
      this.stopped(false, String(e), Date.now());
      return;
    }
    const startedAt = Date.now();
    let ready = false;
    let error: unknown;
    this.worker = worker;
    this.ready = false;
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        ready = true;
        this.everReady = true;
        if (this.worker === worker) this.ready = true;
      } else if (m.type === 'warn') this.opts.log.warn(m.msg);
      else if (m.type === 'metrics') this.metricsFrom(m.tx, m.batches);
      else if (m.type === 'closed') void worker.terminate();
    });
    worker.on('error', (e) => (error = e));
    worker.on('exit', (code) => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.ready = false;
      }
      this.stopped(ready, error !== undefined ? String(error) : `exit code ${code}`, startedAt);
    });
  }

  /** A thread ended without close(): started again after a back-off, or, when none ever came up, in-process delivery instead. */
  private stopped(wasReady: boolean, why: string, startedAt: number): void {
    if (this.closed) return;
    if (!wasReady && !this.everReady) {
      this.opts.log.warn(`webhooks: the delivery thread could not start (${why}); delivering on the server's event loop`);
      this.inProcess = this.opts.fallback();
      this.inProcess.start();
      return;
    }
    if (Date.now() - startedAt >= STABLE_MS) this.failures = 0;
    const delay = Math.min(RESTART_CAP_MS, RESTART_BASE_MS * 2 ** this.failures++);
    this.opts.log.warn(`webhooks: the delivery thread stopped (${why}); starting it again in ${delay / 1000} s (leases it held expire meanwhile)`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.closed) this.spawn();
    }, delay);
    this.restartTimer.unref();
  }

  private metricsFrom(tx: readonly number[], batches: readonly number[]): void {
    const m = this.opts.metrics;
    if (!m) return;
    for (let i = 0; i + 1 < tx.length; i += 2) m.transaction(tx[i]!, (tx[i + 1]! & 1) !== 0, (tx[i + 1]! & 2) !== 0);
    for (const n of batches) m.commitBatch(n);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.waiting);
    if (this.inProcess) return this.inProcess.close();
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // It finishes the attempts in flight, writes what was delivered, releases its leases, closes its store and says 'closed'.
    worker.postMessage({ type: 'close' } satisfies ToWorker);
    const limit = setTimeout(() => void worker.terminate(), CLOSE_LIMIT_MS);
    await exited;
    clearTimeout(limit);
  }
}
