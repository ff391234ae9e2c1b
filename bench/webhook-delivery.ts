/**
 * The webhook-delivery phase: does delivery keep up with the bench's write rate? scimd (with
 * --webhook-allow-private, so it may post to 127.0.0.1) gets one webhook endpoint pointing at a
 * receiver in this process that answers 204 at once; POST /Users runs for the phase's duration, and
 * the receiver counts the distinct events (by webhook-id) that arrive during the load and after it
 * until it holds every event the change log recorded.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { userBody } from './data.ts';
import { DeliveryCounter, deliveryVerdict } from './events-summary.ts';
import type { BenchOptions } from './options.ts';
import { startScimd, type LoadGenerator } from './processes.ts';

export interface WebhookDeliveryResult {
  readonly durationMs: number;
  /** POST /Users answered 201 during the load (warm-up included: there is none). */
  readonly writes: number;
  readonly writesPerSec: number;
  readonly loadErrors: number;
  /** Events the change log holds after the load (from GET /admin/v1/tenants/default/events). */
  readonly events: number;
  /** Distinct events received during the load, and per second. */
  readonly deliveredDuringLoad: number;
  readonly deliveredPerSec: number;
  /** Distinct events received after the load, and how long after its end the last one came (NaN: not all within the wait). */
  readonly deliveredAfterLoad: number;
  readonly drainMs: number;
  /** How long the phase waited for the rest. */
  readonly waitedMs: number;
  /** Every distinct event received. */
  readonly delivered: number;
  /** Requests repeating an id already received. */
  readonly duplicates: number;
  /** deliveredPerSec ÷ writesPerSec. */
  readonly share: number;
  readonly keepsUp: boolean;
}

export interface WebhookDeliveryContext {
  readonly opts: BenchOptions;
  readonly dataDir: string;
  readonly token: string;
  readonly loadgen: LoadGenerator;
  readonly database: () => Promise<string | undefined>;
  readonly log: (line: string) => void;
}

function startReceiver(counter: DeliveryCounter): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const id = req.headers['webhook-id'];
    req.resume();
    req.on('end', () => {
      if (typeof id === 'string') counter.record(id, performance.now());
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

async function json(url: string, key: string, method = 'GET', body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${new URL(url).pathname}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

/** Events after `after` in the change log, counted page by page; and the last cursor. */
async function countEvents(origin: string, key: string, after: string): Promise<{ count: number; cursor: string }> {
  let count = 0;
  let cursor = after;
  for (;;) {
    const page = (await json(`${origin}/admin/v1/tenants/default/events?limit=1000${cursor ? `&after=${cursor}` : ''}`, key)) as { events: unknown[]; cursor: string; hasMore: boolean };
    count += page.events.length;
    cursor = page.cursor;
    if (!page.hasMore) return { count, cursor };
  }
}

export async function runWebhookDelivery(ctx: WebhookDeliveryContext): Promise<WebhookDeliveryResult> {
  const { opts, loadgen, log } = ctx;
  const durationMs = opts.quick ? Math.min(opts.durationMs, 1000) : opts.durationMs;
  const adminKey = randomBytes(30).toString('base64url'); // 40 characters
  const dataDir = join(ctx.dataDir, 'webhook-delivery');
  mkdirSync(dataDir, { recursive: true });
  const databaseUrl = await ctx.database();
  const counter = new DeliveryCounter();
  const receiver = await startReceiver(counter);
  const child = await startScimd({
    dataDir,
    token: ctx.token,
    fromSource: opts.fromSource,
    ...(opts.entry ? { entry: opts.entry } : {}),
    ...(databaseUrl ? { databaseUrl } : {}),
    serveFlags: ['--webhook-allow-private', 'true'],
    env: { SCIMD_BOOTSTRAP_ADMIN_KEY: adminKey },
  });
  try {
    const origin = `http://127.0.0.1:${child.port}`;
    const start = await countEvents(origin, adminKey, '');
    await json(`${origin}/admin/v1/tenants/default/webhooks`, adminKey, 'POST', { url: `http://127.0.0.1:${receiver.port}/hook` });
    const headers = { authorization: `Bearer ${ctx.token}`, 'user-agent': 'scimd-bench', 'content-type': 'application/scim+json' };
    const nonce = randomBytes(3).toString('hex');
    const t0 = performance.now();
    const r = await loadgen.run({
      host: '127.0.0.1',
      port: child.port,
      connections: opts.connections,
      warmupMs: 0,
      durationMs,
      request: { method: 'POST', path: '/scim/v2/Users', body: JSON.stringify(userBody(`hook{n}-${nonce}@bench.example.com`, 'h{n}')), headers },
      expect: [201],
    });
    const t1 = performance.now();
    const { count: events } = await countEvents(origin, adminKey, start.cursor);
    // The dispatcher polls every 500 ms; a backlog drains at its own pace. Wait for all of it, within reason.
    const waitMs = opts.quick ? 10_000 : Math.max(30_000, 10 * durationMs);
    while (counter.unique < events && performance.now() - t1 < waitMs) await new Promise((res) => setTimeout(res, 20));
    const waitedMs = performance.now() - t1;
    const loadMs = t1 - t0;
    const during = counter.between(t0, t1);
    const writesPerSec = r.opsPerSec;
    const deliveredPerSec = (during * 1000) / loadMs;
    const drainMs = counter.unique >= events ? Math.max(0, counter.lastAt - t1) : NaN;
    const verdict = deliveryVerdict(writesPerSec, deliveredPerSec, drainMs);
    const result: WebhookDeliveryResult = {
      durationMs,
      writes: r.ops,
      writesPerSec,
      loadErrors: r.errors,
      events,
      deliveredDuringLoad: during,
      deliveredPerSec,
      deliveredAfterLoad: counter.unique - during,
      drainMs,
      waitedMs,
      delivered: counter.unique,
      duplicates: counter.duplicates,
      share: verdict.share,
      keepsUp: verdict.keepsUp,
    };
    log(
      `webhook-delivery: ${Math.round(writesPerSec)} writes/s, ${Math.round(deliveredPerSec)} events delivered/s during the load; ${result.delivered}/${events} events received, ` +
        `${Number.isFinite(drainMs) ? `the last ${(drainMs / 1000).toFixed(2)} s after the load` : `not all within ${(waitedMs / 1000).toFixed(0)} s`}${r.errors ? `  ${r.errors} ERRORS: ${r.errorSamples[0]}` : ''}`,
    );
    return result;
  } finally {
    await child.stop().catch(() => undefined);
    receiver.server.closeAllConnections();
    await new Promise<void>((res) => receiver.server.close(() => res()));
  }
}
