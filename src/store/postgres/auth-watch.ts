/**
 * How a PostgreSQL replica learns at once that another process (a replica, the CLI) changed
 * authentication data: every transaction that changed it bumps the one-row auth_version counter
 * and sends NOTIFY scimd_auth before COMMIT (AUTH_CHANGED_SQL), so the notification is delivered
 * only if it commits, after it is visible. Each store keeps one connection of its own, outside
 * the pool, that LISTENs; each notification moves `changes`, and caches keyed on it drop what
 * they hold.
 *
 * What can go wrong is bounded. A notification that never arrives: the counter is read every
 * CHECK_EVERY_MS, and a move seen there counts as a notification. The connection drops or stops
 * answering (a check gets no answer within CHECK_TIMEOUT_MS): `connected` turns false and
 * `changes` moves at once, so callers fall back to short-lived caching, while the connection is
 * made again with backoff; once it listens again, `changes` moves once more (whatever was missed
 * meanwhile is read from the database afresh).
 *
 * A notification arrives a moment after the commit: a request sent to this replica as soon as
 * another replica answered its write (or the CLI exited) can be here first, and must not be
 * answered from a cache. So sync() reads the counter on the listening connection before a cached
 * credential is used: a read sent after the request came in sees every commit acknowledged before
 * it. Requests that arrive while a read is on its way share the next one (at most one read in flight
 * and one waiting), so a busy replica pays about one tiny query per round trip, not one per request.
 */
import pg from 'pg';

export const AUTH_CHANNEL = 'scimd_auth';
/** The listening connection's application_name (pg_stat_activity), to tell it from the pool's. */
export const AUTH_WATCH_APPLICATION = 'scimd-auth-watch';

/**
 * Run last before COMMIT by a transaction that changed authentication data. The counter's row is
 * held only until that commit, so writers queue on it briefly and never deadlock on it.
 */
export const AUTH_CHANGED_SQL = `WITH v AS (UPDATE auth_version SET version = version + 1 WHERE id = 1 RETURNING version) SELECT pg_notify('${AUTH_CHANNEL}', version::text) FROM v`;

const CHECK_EVERY_MS = 1_000;
const CHECK_TIMEOUT_MS = 2_000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

export interface AuthWatchOptions {
  readonly url: string;
  /** Where a lost connection (once per outage) is reported. */
  readonly onError: (e: unknown) => void;
}

export class AuthWatch {
  private changeCount = 0;
  private readCount = 0;
  private listener: pg.Client | undefined;
  /** A connection being made: close() ends it too, so it cannot hold the process open. */
  private connecting: pg.Client | undefined;
  private known = 0n;
  private closed = false;
  /** The counter's read on its way, and the one that follows it (see sync()). */
  private reading: Promise<void> | undefined;
  private nextRead: Promise<void> | undefined;
  private backoff = RECONNECT_MIN_MS;
  private reconnect: NodeJS.Timeout | undefined;
  private outageReported = false;
  private readonly checker: NodeJS.Timeout;

  constructor(private readonly opts: AuthWatchOptions) {
    this.checker = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.checker.unref();
  }

  /** Moves whenever authentication data may have changed elsewhere, or notice of it may have been lost. */
  get changes(): number {
    return this.changeCount;
  }

  /** Reads of the counter sent so far (by sync() and the periodic check): for tests and diagnostics. */
  get reads(): number {
    return this.readCount;
  }

  /** Whether the listening connection is up: while it is, `changes` reports every commit of any process. */
  get connected(): boolean {
    return this.listener !== undefined;
  }

  /** Makes the first connection; resolves when it listens, or when it failed (it is then retried). */
  start(): Promise<void> {
    return this.connect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.checker);
    clearTimeout(this.reconnect);
    const clients = [this.listener, this.connecting];
    this.listener = undefined;
    this.changeCount++;
    await Promise.all(clients.map((c) => c?.end().catch(() => undefined)));
  }

  private async connect(): Promise<void> {
    this.reconnect = undefined;
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.opts.url,
      application_name: AUTH_WATCH_APPLICATION,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
      // Its queries are tiny: one without an answer this long means the connection is gone.
      query_timeout: CHECK_TIMEOUT_MS,
    });
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client));
    // Counted even when it arrives before the connection is counted as up.
    client.on('notification', (n) => this.notified(n.payload));
    this.connecting = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${AUTH_CHANNEL}`);
      // Read after LISTEN: whatever commits from here on is notified.
      const version = await readVersion(client);
      if (this.closed) {
        await client.end();
        return;
      }
      this.listener = client;
      // Taken as it is, even when lower: a database restored from a backup counts from there.
      this.known = version;
      this.changeCount++;
      this.backoff = RECONNECT_MIN_MS;
      this.outageReported = false;
    } catch (e) {
      client.end().catch(() => undefined);
      if (this.closed) return;
      this.report(e);
      this.retry();
    } finally {
      if (this.connecting === client) this.connecting = undefined;
    }
  }

  /** The listener is gone (dropped, ended, not answering): say so at once and connect again. */
  private lost(client: pg.Client, e?: unknown): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    this.changeCount++;
    if (e !== undefined) this.report(e);
    client.end().catch(() => undefined);
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.reconnect) return;
    // Jittered, so replicas that lost the database together do not all come back at one moment.
    const wait = Math.round(this.backoff * (0.5 + Math.random() / 2));
    this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
    this.reconnect = setTimeout(() => void this.connect(), wait);
    this.reconnect.unref();
  }

  /**
   * Resolves once a read of the counter sent after this call has answered: every change any
   * process committed before the call has then moved `changes`. Without a listening connection it
   * resolves at once (`connected` is false, and caches bound their age by time).
   */
  sync(): Promise<void> {
    if (!this.listener) return Promise.resolve();
    // A read not sent yet is sent after this call: share it.
    if (this.nextRead) return this.nextRead;
    // One on its way may have been sent before the change this call must see: the next one, sent
    // after it has answered and after the requests read in this turn of the event loop have
    // joined (at the check phase), so a busy replica sends few.
    const after = this.reading ?? Promise.resolve();
    return (this.nextRead = after
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        this.nextRead = undefined;
        const client = this.listener;
        return client ? (this.reading = this.read(client)) : undefined;
      }));
  }

  /** The safety net: a counter that moved (or went back) without a notification counts as one. */
  private check(): void {
    if (this.listener && !this.reading) void this.sync();
  }

  /** Reads the counter; a move counts as a notification. A listener that does not answer may not hear either. */
  private async read(client: pg.Client): Promise<void> {
    this.readCount++;
    try {
      const version = await readVersion(client);
      if (this.listener === client && version !== this.known) {
        this.known = version;
        this.changeCount++;
      }
    } catch (e) {
      this.lost(client, e);
    } finally {
      this.reading = undefined;
    }
  }

  /** The payload is the counter's new value: one the check saw already moved `changes` then. */
  private notified(payload: string | undefined): void {
    const version = payload !== undefined && /^\d{1,19}$/.test(payload) ? BigInt(payload) : undefined;
    if (version === undefined) {
      this.changeCount++;
    } else if (version > this.known) {
      this.known = version;
      this.changeCount++;
    }
  }

  private report(e: unknown): void {
    if (this.outageReported) return;
    this.outageReported = true;
    this.opts.onError(e);
  }
}

async function readVersion(client: pg.Client): Promise<bigint> {
  const { rows } = await client.query<{ version: string }>('SELECT version FROM auth_version WHERE id = 1');
  return BigInt(rows[0]?.version ?? 0);
}
