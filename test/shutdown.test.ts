/**
 * Graceful shutdown of the real `scimd serve` process: on SIGTERM it stops accepting connections,
 * finishes the requests in flight (large Bulk requests here) with 2xx, writes their request-log
 * rows, and exits 0; connections with nothing in flight (idle keep-alive, a client dribbling its
 * headers) do not hold it open; a request that cannot finish before --shutdown-timeout makes it
 * exit 1 with a log line saying so.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { killAll, serveProcess, type Serving } from './helpers/process.ts';
import { tempDir, USER_SCHEMA } from './helpers/server.ts';
import { eventually } from './helpers/eventually.ts';

const TOKEN = 'shutdown-test-token';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_SIZE = 400;
const dirs: string[] = [];
after(() => {
  killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = tempDir('scimd-shutdown-');
  dirs.push(d);
  return d;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One request on its own connection (no keep-alive agent). */
function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${base}${path}`, { method, agent: false, headers: { authorization: `Bearer ${TOKEN}`, ...(data ? { 'content-type': 'application/scim+json' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function bulkOfUsers(prefix: string, n: number) {
  return {
    schemas: [BULK],
    Operations: Array.from({ length: n }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `${prefix}${i}`, data: { schemas: [USER_SCHEMA], userName: `${prefix}-${i}` } })),
  };
}

/** Resolves to the error code of a new TCP connection, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

const portOf = (p: Serving) => Number(new URL(p.base).port);

async function exitOf(p: Serving): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve({ code: p.child.exitCode, signal: p.child.signalCode });
    p.child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

// The three servers are independent processes: run them side by side.
describe('scimd serve: SIGTERM', { concurrency: true }, () => {
  it('finishes in-flight Bulk requests with 200, refuses new connections, flushes the request log, exits 0', async () => {
    const dir = dataDir();
    // FULL: every bulk operation is its own durable commit, so three bulks take a while.
    const p = await serveProcess(['--data-dir', dir, '--sqlite-synchronous', 'FULL'], { SCIMD_BOOTSTRAP_TOKEN: TOKEN });
    const port = portOf(p);
    let pending = 3;
    const bulks = ['a', 'b', 'c'].map((prefix) =>
      call(p.base, 'POST', '/Bulk', bulkOfUsers(prefix, BULK_SIZE)).finally(() => {
        pending--;
      }),
    );
    // Wait until the server is writing the bulks.
    await eventually(
      async () => {
        const r = await call(p.base, 'GET', '/Users?count=0');
        return r.status === 200 && (JSON.parse(r.body) as { totalResults: number }).totalResults > 0;
      },
      { what: 'the bulks to start', intervalMs: 10 },
    );
    const exited = exitOf(p);
    p.child.kill('SIGTERM');
    // Soon after the signal, new connections are refused while the bulks are still running.
    let refused = '';
    await eventually(async () => (refused = await tryConnect(port)) === 'ECONNREFUSED', { what: 'new connections refused after SIGTERM', timeoutMs: 5_000, intervalMs: 10 });
    assert.equal(refused, 'ECONNREFUSED', 'new connections are refused after SIGTERM');
    assert.ok(pending > 0, 'the bulks were still in flight when connections were already refused');

    const answers = await Promise.all(bulks);
    for (const a of answers) {
      assert.equal(a.status, 200, a.body.slice(0, 300));
      const ops = (JSON.parse(a.body) as { Operations: { status: string }[] }).Operations;
      assert.equal(ops.length, BULK_SIZE);
      assert.ok(
        ops.every((o) => o.status === '201'),
        'every operation of an in-flight bulk completed',
      );
    }
    assert.deepEqual(await exited, { code: 0, signal: null }, p.stderr() + p.stdout());

    const db = new Database(join(dir, 'scimd.db'), { readonly: true });
    try {
      const users = db.prepare("SELECT COUNT(*) AS n FROM resources WHERE type = 'User'").get() as { n: number };
      assert.equal(users.n, 3 * BULK_SIZE);
      const logged = db.prepare("SELECT status FROM request_log WHERE method = 'POST' AND path LIKE '%/Bulk'").all() as { status: number }[];
      assert.deepEqual(
        logged.map((r) => r.status),
        [200, 200, 200],
        'the request log rows of the in-flight requests were written before exit',
      );
      assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    } finally {
      db.close();
    }
  });

  it('idle keep-alive connections and a client dribbling its headers do not hold the shutdown open', async () => {
    // A long headers timeout, so that only the shutdown can end the slow client.
    const p = await serveProcess(['--data-dir', dataDir(), '--headers-timeout', '60s', '--request-timeout', '120s', '--shutdown-timeout', '10s'], { SCIMD_BOOTSTRAP_TOKEN: TOKEN });
    const port = portOf(p);
    const sockets: Socket[] = [];
    // An idle keep-alive connection, after one request.
    const idle = connect(port, '127.0.0.1');
    sockets.push(idle);
    await new Promise<void>((resolve) => {
      idle.once('data', () => resolve());
      idle.write(`GET /scim/v2/ServiceProviderConfig HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    });
    // A connection that sent half a request line, and a silent one.
    const dribbler = connect(port, '127.0.0.1', () => dribbler.write('GET /scim/v2/Us'));
    const silent = connect(port, '127.0.0.1');
    sockets.push(dribbler, silent);
    const closed = sockets.map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
    for (const s of sockets) s.on('error', () => undefined);
    // A fixed wait on purpose: the server must have accepted both connections (and the dribbled
    // bytes) before the signal, and nothing in the client shows that it has.
    await delay(200);
    const exited = await p.stop();
    assert.deepEqual(exited, { code: 0, signal: null }, `exit 0 within the 10 s shutdown timeout\n${p.stdout()}${p.stderr()}`);
    await Promise.all(closed);
  });

  it('a request still in flight at --shutdown-timeout: exit 1, with a log line saying so', async () => {
    const p = await serveProcess(['--data-dir', dataDir(), '--request-timeout', '60s', '--shutdown-timeout', '1s'], { SCIMD_BOOTSTRAP_TOKEN: TOKEN });
    // A body that never completes: the request is in flight, and its 60 s request timeout is far off.
    const slow = connect(portOf(p), '127.0.0.1', () =>
      slow.write(`POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n{"sch`),
    );
    slow.on('error', () => undefined);
    // A fixed wait on purpose: the server must be reading the request before the signal, and
    // nothing in the client shows that it is.
    await delay(300);
    const exited = await p.stop();
    slow.destroy();
    assert.deepEqual(exited, { code: 1, signal: null });
    assert.match(p.stdout() + p.stderr(), /shutdown did not finish within 1 s: exiting with requests still in flight/);
  });
});
