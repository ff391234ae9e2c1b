/**
 * Prometheus metrics: one prom-client Registry per server (never the global one), the recorders
 * the HTTP layer calls on every response, and the callbacks provisioning and the store report
 * through (database transactions, group-commit batches). Label values are names, never tokens;
 * tenants and clients beyond `maxTenants` distinct values fold into `other`.
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics.ts';

export const OTHER = 'other';
/** The resource label of an unauthenticated request, and the tenant and client labels. */
const NONE = 'none';
const STATUS_CLASSES = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** What is read on a scrape only (cheap, or capped). */
export interface MetricSources {
  /** Request-log entries recorded but not written yet. */
  readonly requestLogQueue: () => number;
  /** Mail waiting in the outbox (of every tenant). */
  readonly mailPending: () => Promise<number>;
}

/** What a database reports (src/server.ts wires the store to it). */
export interface DatabaseMetrics {
  /** A transaction took `seconds`: committed, or rolled back; `databaseError` when the database (not the request) failed it. */
  transaction(seconds: number, committed: boolean, databaseError: boolean): void;
  /** One SQLite group commit carried `transactions` transactions. */
  commitBatch(transactions: number): void;
}

/**
 * Node's process metrics are the process's, not a server's: one registry for them, made on first
 * use and shared by every server of the process (their collectors watch GC and the event loop for
 * as long as the process lives, so each server must not start its own).
 */
let processMetrics: Registry | undefined;
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: 'scimd_' });
  }
  return processMetrics;
}

type Child = { inc(): void };
type Observer = { observe(v: number): void };

/** Up to `max` distinct values keep their name; later ones are `other`. */
class Folding {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  label(v: string): string {
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(v);
    return v;
  }
}

export interface MetricsOptions {
  /** Distinct tenant (and client) label values before the rest are `other` (default 100). */
  readonly maxTenants?: number;
  /** prom-client's process metrics (default true). */
  readonly processMetrics?: boolean;
}

export class Metrics implements DatabaseMetrics {
  readonly registry = new Registry();
  private sources: MetricSources | undefined;
  private readonly tenants: Folding;
  private readonly clients: Folding;
  private readonly requests: FastCounter;
  private readonly durations: FastHistogram;
  private readonly normalisers: FastCounter;
  private readonly rateLimited: FastCounter;
  private readonly txOk: Observer;
  private readonly txFailed: Observer;
  private readonly dbErrors: Child;
  private readonly batches: Observer;
  /** The label array reused for every lookup (the hot path allocates none). */
  private readonly key: string[] = ['', '', '', '', '', ''];
  private readonly process: Registry | undefined;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    const max = options.maxTenants ?? 100;
    this.tenants = new Folding(max);
    this.clients = new Folding(max);
    const registry = this.registry;
    this.requests = new FastCounter(
      'scimd_http_requests_total',
      'HTTP requests answered, by tenant, SCIM client, IdP profile, method, resource and status class',
      ['tenant', 'client', 'idp', 'method', 'resource', 'status_class'],
      registry,
    );
    this.durations = new FastHistogram('scimd_http_request_duration_seconds', 'Time from request to response, by method and resource', ['method', 'resource'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registry);
    this.normalisers = new FastCounter('scimd_normalisers_fired_total', 'Requests an IdP-quirk normaliser changed, by normaliser', ['normaliser'], registry);
    this.rateLimited = new FastCounter('scimd_rate_limited_total', 'Requests refused with 429, by reason (client: its rate; address: failed authentications)', ['reason'], registry);
    const tx = new FastHistogram('scimd_db_transaction_duration_seconds', 'Database transactions, by outcome (commit or rollback)', ['outcome'], [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registry);
    this.txOk = tx.child(['commit']);
    this.txFailed = tx.child(['rollback']);
    this.dbErrors = new FastCounter('scimd_db_errors_total', 'Transactions the database failed (unavailable, I/O, lock timeouts)', [], registry).child([]);
    this.batches = new FastHistogram('scimd_sqlite_group_commit_batch_size', 'Transactions per SQLite COMMIT (group commit)', [], [1, 2, 4, 8, 16, 32, 64, 100], registry).child([]);
    const sources = () => this.sources;
    new Gauge({
      name: 'scimd_request_log_queue_depth',
      help: 'Request-log entries recorded but not written yet',
      registers,
      collect() {
        const s = sources();
        if (s) this.set(s.requestLogQueue());
      },
    });
    new Gauge({
      name: 'scimd_mail_outbox_pending',
      help: `Mail waiting in the outbox, every tenant (counted up to ${MAIL_CAP})`,
      registers,
      async collect() {
        const s = sources();
        // A database that cannot answer leaves the last value; the scrape still succeeds.
        if (s) this.set(await s.mailPending().catch(() => NaN));
      },
    });
    this.process = options.processMetrics ?? true ? processRegistry() : undefined;
  }

  /** Where the scrape-time gauges read from. */
  setSources(sources: MetricSources): void {
    this.sources = sources;
  }

  /** One answered request (positional: the hot path allocates no object for it). */
  request(tenant: string | undefined, client: string | undefined, idp: string | undefined, method: string, resource: string, status: number, seconds: number): void {
    const key = this.key;
    key[0] = tenant === undefined ? NONE : this.tenants.label(tenant);
    key[1] = client === undefined ? NONE : this.clients.label(client);
    key[2] = idp ?? NONE;
    key[3] = method;
    key[4] = resource;
    key[5] = STATUS_CLASSES[Math.floor(status / 100)] ?? '5xx';
    this.requests.child(key).inc();
    key.length = 2;
    key[0] = method;
    key[1] = resource;
    this.durations.child(key).observe(seconds);
    key.length = 6;
    if (status === 429) {
      key.length = 1;
      key[0] = client === undefined ? 'address' : 'client';
      this.rateLimited.child(key).inc();
      key.length = 6;
    }
  }

  /** A normaliser changed the request (counted once per request). */
  normaliserFired(name: string): void {
    const key = this.key;
    key.length = 1;
    key[0] = name;
    this.normalisers.child(key).inc();
    key.length = 6;
  }

  transaction(seconds: number, committed: boolean, databaseError: boolean): void {
    (committed ? this.txOk : this.txFailed).observe(seconds);
    if (databaseError) this.dbErrors.inc();
  }

  commitBatch(transactions: number): void {
    this.batches.observe(transactions);
  }

  /** The text exposition. */
  async text(): Promise<string> {
    const own = await this.registry.metrics();
    return this.process ? own + (await this.process.metrics()) : own;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export const MAIL_CAP = 1000;
