/**
 * The webhook worker thread (started by src/webhook-thread.ts): the same WebhookDispatcher as
 * in-process delivery (leases, SSRF rules, signatures, retries, dead-letter, delivery log), on an
 * event loop of its own and a store connection of its own (SQLite: a second connection to the WAL
 * database, as a second process would have; PostgreSQL: a small pool of its own). It tells the
 * main thread what it would have logged, and its database metrics, which the main thread adds to
 * its Prometheus registry.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DatabaseMetrics } from './http/metrics.ts';
import { openStore } from './open-store.ts';
import { WebhookDispatcher } from './provisioning/background/webhook-dispatcher.ts';
import { instrumentStore } from './store-metrics.ts';
import type { FromWorker, ToWorker, WorkerInput } from './webhook-thread.ts';

/** How often the database metrics gathered here go to the main thread. */
const METRICS_EVERY_MS = 1_000;

const port = parentPort;
if (!port) throw new Error('src/webhook-worker.ts runs as a worker thread (src/webhook-thread.ts starts it)');
const input = workerData as WorkerInput;
const post = (m: FromWorker): void => port.postMessage(m);
const warn = (msg: string): void => post({ type: 'warn', msg });

/** Transactions as pairs (seconds, 1 committed | 2 database error), and group-commit sizes, not sent yet. */
let tx: number[] = [];
let batches: number[] = [];
const metrics: DatabaseMetrics = {
  transaction: (seconds, committed, databaseError) => void tx.push(seconds, (committed ? 1 : 0) | (databaseError ? 2 : 0)),
  commitBatch: (n) => void batches.push(n),
};
function sendMetrics(): void {
  if (tx.length === 0 && batches.length === 0) return;
  post({ type: 'metrics', tx, batches });
  tx = [];
  batches = [];
}

const store = await openStore(
  { ...input.storage, databasePoolSize: input.poolSize },
  { watchAuth: false, onError: (e) => warn(`webhooks: database connection error: ${String(e)}`) },
  input.metrics ? { onCommitBatch: (n) => metrics.commitBatch(n) } : {},
);
const dispatcher = new WebhookDispatcher(input.metrics ? instrumentStore(store, metrics) : store, input.settings, undefined, { warn });
const metricsTimer = input.metrics ? setInterval(sendMetrics, METRICS_EVERY_MS) : undefined;
metricsTimer?.unref();

let closing = false;
async function close(): Promise<void> {
  if (closing) return;
  closing = true;
  try {
    await dispatcher.close();
    await store.close();
  } finally {
    clearInterval(metricsTimer);
    sendMetrics();
    // The main thread ends the thread (kept-alive connections to receivers would keep it up).
    post({ type: 'closed' });
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'kick') dispatcher.kick();
  else if (m.type === 'close') void close();
});
dispatcher.start();
post({ type: 'ready', owner: dispatcher.owner });
