/**
 * Webhook delivery in a worker thread (src/webhook-thread.ts, the default): a server delivers
 * from the thread, in order; a thread that dies is started again and delivers the rest; the
 * thread's database metrics reach the main thread's recorder; close() releases its leases; and the
 * cases that keep delivery on the server's event loop (--webhook-worker false, a test clock).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { WebhookDispatcher } from '../src/provisioning/background/webhook-dispatcher.ts';
import { DEFAULT_WEBHOOK_SETTINGS } from '../src/provisioning/webhooks/delivery.ts';
import { WebhookThread } from '../src/webhook-thread.ts';
import { eventually } from './helpers/eventually.ts';
import { send, startTestServer, tempDir, user, type TestServer } from './helpers/server.ts';
import { startReceiver, type Receiver } from './helpers/webhook-receiver.ts';

const KEY = 'root_admin_key_webhook_thread_0123456789abcdefghijklmnopqrs';
const FAST = { pollMs: 20, retryBaseMs: 5, retryCapMs: 40, timeoutMs: 2000, leaseMs: 3000 };

const servers: TestServer[] = [];
const receivers: Receiver[] = [];
after(async () => {
  for (const s of servers) await s.close();
  for (const r of receivers) await r.close();
});

/** A test server with delivery in its thread, scimd's default (startTestServer turns it off for other tests). */
async function server(overrides: Parameters<typeof startTestServer>[0] = {}, tuning: Parameters<typeof startTestServer>[1] = {}): Promise<TestServer> {
  const s = await startTestServer({ webhookWorker: true, ...overrides }, tuning);
  servers.push(s);
  return s;
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function addHook(s: TestServer, url: string): Promise<string> {
  const r = await send(`${s.origin}/admin/v1/tenants/default/webhooks`, 'POST', { url }, { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' });
  assert.equal(r.status, 201, r.text);
  return r.body.id as string;
}

async function createUsers(s: TestServer, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await s.request('POST', '/Users', user(`${prefix}-${i}`));
    assert.equal(r.status, 201, r.text);
  }
}

/** The user names of the user.created events received (first delivery of each webhook-id), in arrival order. */
const createdNames = (r: Receiver): string[] => r.unique().filter((x) => x.payload.type === 'user.created').map((x) => String(x.payload.data.state?.userName ?? x.payload.data.data?.userName));

/** A pino logger whose lines (parsed) land in `lines`. */
function capturingLogger(lines: { level: number; msg: string }[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level: 'warn' }, sink);
}

describe('webhook delivery in a worker thread', () => {
  it('is the default: events go out from the thread, in order; a thread that dies is started again and delivers the rest', async () => {
    const lines: { level: number; msg: string }[] = [];
    const s = await server({ bootstrapAdminKey: KEY, webhookAllowPrivate: true }, { webhooks: FAST, logger: capturingLogger(lines) });
    const d = s.running.services.webhookDispatcher;
    assert.ok(d instanceof WebhookThread, 'a WebhookThread');
    // No endpoint, no work: no thread (nor its connections).
    await createUsers(s, 'unheard', 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(d.state, 'idle', 'no thread while there is no webhook endpoint');
    const r = await receiver();
    await addHook(s, r.url);
    await eventually(() => d.state === 'thread', { what: 'the thread to be ready once an endpoint exists', detail: () => d.state });
    await createUsers(s, 'before', 5);
    await eventually(() => createdNames(r).length === 5, { what: '5 user.created events', detail: () => JSON.stringify(createdNames(r)) });

    // The thread dies (as an uncaught error would end it): it is started again after a back-off.
    await (d as unknown as { worker: Worker }).worker.terminate();
    await eventually(() => d.state === 'restarting', { what: 'a restart to be scheduled', detail: () => d.state });
    assert.ok(
      lines.some((l) => l.level === 40 && /delivery thread stopped .*starting it again in 1 s/.test(l.msg)),
      `the log says so: ${JSON.stringify(lines)}`,
    );
    await createUsers(s, 'after', 3);
    await eventually(() => d.state === 'thread', { what: 'the thread to be back', detail: () => d.state, timeoutMs: 10_000 });
    await eventually(() => createdNames(r).length === 8, { what: '8 user.created events', detail: () => JSON.stringify(createdNames(r)), timeoutMs: 10_000 });
    const seqs = r.unique().map((x) => x.payload.data.tenantSeq as number);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in tenantSeq order');
    assert.deepEqual(
      createdNames(r).map((n) => n.split('-')[0]),
      ['before', 'before', 'before', 'before', 'before', 'after', 'after', 'after'],
    );
    await s.close();
    assert.equal(d.state, 'closed');
  });

  it("reports its database metrics to the main thread, and close() leaves no lease behind (another thread on a server's data directory)", async () => {
    // The server's own dispatcher takes no endpoint (concurrency 0): the thread made here does the delivering.
    const s = await server({ bootstrapAdminKey: KEY, webhookAllowPrivate: true }, { webhooks: { ...FAST, concurrency: 0 } });
    const r = await receiver();
    const hook = await addHook(s, r.url);
    await createUsers(s, 'm', 4);
    const tx = { committed: 0, failed: 0, batches: 0 };
    const warnings: string[] = [];
    const t = new WebhookThread({
      storage: { dataDir: s.dataDir, synchronous: 'NORMAL', maxResults: 100, databasePoolSize: 2 },
      settings: { ...DEFAULT_WEBHOOK_SETTINGS, ...FAST, allowPrivate: true },
      metrics: {
        transaction: (_s, committed) => void (committed ? tx.committed++ : tx.failed++),
        commitBatch: () => void tx.batches++,
      },
      log: { warn: (m) => void warnings.push(m) },
      fallback: () => assert.fail('the thread should start'),
    });
    t.start();
    try {
      await eventually(() => createdNames(r).length === 4, { what: '4 user.created events from the thread', detail: () => `${t.state} ${JSON.stringify(warnings)}` });
      await eventually(() => tx.committed > 0 && tx.batches > 0, { what: "the thread's transactions and group commits to be reported", detail: () => JSON.stringify(tx), timeoutMs: 5_000 });
    } finally {
      await t.close();
    }
    assert.equal(t.state, 'closed');
    const ep = (await s.running.store.webhookEndpoint(hook))!;
    assert.equal(ep.leaseOwner, undefined, 'the lease is released');
    assert.equal(ep.deliveredSeq, Math.max(...r.unique().map((x) => x.payload.data.tenantSeq as number)), 'the cursor is past every delivered event');
    assert.deepEqual(warnings, []);
  });

  it("a thread that cannot start at all leaves delivery to the server's event loop, with a warning", async () => {
    // A data directory that is a file: the thread cannot open its store, and never says it is ready.
    const notADir = join(tempDir('scimd-thread-'), 'file');
    writeFileSync(notADir, 'not a directory');
    const calls: string[] = [];
    const warnings: string[] = [];
    const t = new WebhookThread({
      storage: { dataDir: notADir, synchronous: 'NORMAL', maxResults: 100, databasePoolSize: 2 },
      settings: { ...DEFAULT_WEBHOOK_SETTINGS, ...FAST },
      log: { warn: (m) => void warnings.push(m) },
      fallback: () => ({ start: () => void calls.push('start'), kick: () => void calls.push('kick'), close: async () => void calls.push('close') }),
    });
    t.start();
    await eventually(() => t.state === 'in-process', { what: 'the fallback to in-process delivery', detail: () => `${t.state} ${JSON.stringify(warnings)}` });
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0]!, /^webhooks: the delivery thread could not start \(.+\); delivering on the server's event loop$/);
    t.kick();
    await t.close();
    assert.deepEqual(calls, ['start', 'kick', 'close']);
    assert.equal(t.state, 'closed');
  });

  it('stays on the event loop with --webhook-worker false, or with a test clock', async () => {
    const off = await server({ webhookWorker: false });
    assert.ok(off.running.services.webhookDispatcher instanceof WebhookDispatcher);
    const clocked = await server({}, { now: () => new Date() });
    assert.ok(clocked.running.services.webhookDispatcher instanceof WebhookDispatcher);
  });
});
