/**
 * Probes and correlation over real HTTP: /healthz and /readyz (GET and HEAD, no auth; /readyz 503
 * with a reason and Retry-After once the database is closed, its schema is not this scimd's, or
 * the server is shutting down), X-Request-Id on every answer (an incoming well-formed one kept,
 * anything else replaced by a random id), and the same id, tenant and client in the process log
 * line and the provisioning request-log row. Expected errors (/Me's 501, a 404, a 401) log one
 * line at info or warn, never with a stack; probes log nothing at info.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { databaseFile } from '../src/config.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { eventually } from './helpers/eventually.ts';
import { send, startTestServer, user, type TestServer } from './helpers/server.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Line {
  readonly level: number;
  readonly msg?: string;
  readonly reqId?: string;
  readonly tenant?: string;
  readonly client?: string;
  readonly status?: number;
  readonly url?: string;
  readonly error?: string;
  readonly err?: unknown;
  readonly stack?: unknown;
}

async function startWithLog(databaseUrl?: string): Promise<{ s: TestServer; lines: Line[] }> {
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  const s = await startTestServer(databaseUrl ? { databaseUrl } : {}, { logger });
  return { s, lines };
}

const linesOf = (lines: readonly Line[], reqId: string) => lines.filter((l) => l.reqId === reqId);

/** The request's lines once its request line is written (after the answer has gone). */
async function loggedLines(lines: readonly Line[], reqId: string): Promise<Line[]> {
  await eventually(() => linesOf(lines, reqId).some((l) => l.msg === 'request'), { what: `the log line of ${reqId}` });
  return linesOf(lines, reqId);
}

describe('health, readiness and request ids (SQLite)', () => {
  let s: TestServer;
  let lines: Line[];
  before(async () => {
    ({ s, lines } = await startWithLog());
  });
  after(() => s.close());

  it('GET and HEAD /healthz: 200 {"status":"ok"} as JSON, without a token', async () => {
    const r = await send(`${s.origin}/healthz`, 'GET');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ok' });
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.match(r.headers.get('x-request-id') ?? '', UUID);
    const head = await send(`${s.origin}/healthz`, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
  });

  it('GET and HEAD /readyz: 200 {"status":"ready"} while the database answers and is migrated', async () => {
    const r = await send(`${s.origin}/readyz`, 'GET');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { status: 'ready' });
    assert.equal((await send(`${s.origin}/readyz`, 'HEAD')).status, 200);
  });

  it('probes log at debug only, and are not in the provisioning request log', async () => {
    const ids: string[] = [];
    for (const path of ['/healthz', '/readyz']) ids.push((await send(`${s.origin}${path}`, 'GET')).headers.get('x-request-id')!);
    await s.running.services.requestLog.flush();
    for (const id of ids) {
      const mine = await loggedLines(lines, id);
      assert.equal(mine.length, 1, JSON.stringify(mine));
      assert.equal(mine[0]!.level, 20, 'debug');
    }
    const rows = await s.running.services.requestLog.entries({ limit: 1000 });
    assert.ok(!rows.some((e) => /healthz|readyz/.test(e.path)), 'no probe in the request log');
  });

  it('every answer carries X-Request-Id: a generated one is a random UUID, different each time', async () => {
    const answers = await Promise.all([
      s.request('GET', '/Users'),
      s.request('GET', '/Users/does-not-exist'),
      s.request('GET', '/Users', undefined, { authorization: 'Bearer wrong' }),
      send(`${s.origin}/no/such/endpoint`, 'GET'),
      send(`${s.origin}/scim/v2/Users/%E0%A4%A`, 'GET'),
      send(`${s.origin}/invitations/no-such-link-token`, 'GET'),
    ]);
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 404, 401, 404, 400, 404],
    );
    const ids = answers.map((a) => a.headers.get('x-request-id') ?? '');
    for (const id of ids) assert.match(id, UUID);
    assert.equal(new Set(ids).size, ids.length, 'unique');
  });

  it('a well-formed incoming X-Request-Id is kept; a malformed one is replaced', async () => {
    const kept = 'edge-7f3a:01.b_c-Z';
    assert.equal((await s.request('GET', '/Users', undefined, { 'x-request-id': kept })).headers.get('x-request-id'), kept);
    const longest = 'a'.repeat(128);
    assert.equal((await s.request('GET', '/Users', undefined, { 'x-request-id': longest })).headers.get('x-request-id'), longest);
    for (const bad of ['has space', 'a'.repeat(129), 'semi;colon', 'é', '{"json":1}']) {
      const id = (await s.request('GET', '/Users', undefined, { 'x-request-id': bad })).headers.get('x-request-id');
      assert.match(id ?? '', UUID, `${bad} replaced`);
    }
  });

  it('the process log line and the request-log row carry the same request id, tenant and client', async () => {
    const reqId = `corr-${Date.now()}`;
    const r = await s.request('POST', '/Users', user(`corr-${Date.now()}`), { 'x-request-id': reqId });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('x-request-id'), reqId);
    await s.running.services.requestLog.flush();
    const [row] = (await s.running.services.requestLog.entries({ limit: 50 })).filter((e) => e.requestId === reqId);
    assert.ok(row, 'a request-log row with the id');
    assert.equal(row.tenantName, 'default');
    assert.equal(row.clientName, 'default');
    assert.equal(row.status, 201);
    const mine = await loggedLines(lines, reqId);
    assert.equal(mine.length, 1, JSON.stringify(mine));
    assert.equal(mine[0]!.msg, 'request');
    assert.equal(mine[0]!.tenant, 'default');
    assert.equal(mine[0]!.client, 'default');
    assert.equal(mine[0]!.status, 201);
    assert.equal(mine[0]!.level, 30);
  });

  it('expected errors log one line at info or warn, never a stack: GET /Me 501, 404, 409, 401', async () => {
    await s.request('POST', '/Users', user('corr-taken'));
    const cases: [string, () => Promise<{ status: number }>, number, number][] = [
      ['me', () => s.request('GET', '/Me', undefined, { 'x-request-id': 'case-me' }), 501, 40],
      ['missing', () => s.request('GET', '/Users/nope', undefined, { 'x-request-id': 'case-missing' }), 404, 30],
      ['conflict', () => s.request('POST', '/Users', user('corr-taken'), { 'x-request-id': 'case-conflict' }), 409, 30],
      ['unauthenticated', () => s.request('GET', '/Users', undefined, { authorization: 'Bearer nope', 'x-request-id': 'case-unauthenticated' }), 401, 30],
    ];
    for (const [name, call, status, level] of cases) {
      assert.equal((await call()).status, status, name);
      const mine = await loggedLines(lines, `case-${name}`);
      assert.equal(mine.length, 1, `${name}: ${JSON.stringify(mine)}`);
      assert.equal(mine[0]!.level, level, name);
      assert.equal(mine[0]!.status, status, name);
      assert.ok(!JSON.stringify(mine[0]).includes('stack'), `${name}: no stack`);
      assert.equal(mine[0]!.err, undefined, name);
    }
    const me = linesOf(lines, 'case-me')[0]!;
    assert.match(me.error ?? '', /\/Me is not supported/);
    assert.equal(me.tenant, 'default');
  });

  it('an unexpected failure still logs an error with its stack (and the request line at warn)', async () => {
    const resources = s.running.services.resources;
    const search = resources.search;
    resources.search = () => Promise.reject(new Error('boom: a bug'));
    try {
      const r = await s.request('GET', '/Users', undefined, { 'x-request-id': 'case-bug' });
      assert.equal(r.status, 500);
      assert.equal(r.headers.get('x-request-id'), 'case-bug');
      assert.ok(!r.text.includes('boom'), 'the cause is not in the answer');
    } finally {
      resources.search = search;
    }
    const mine = await loggedLines(lines, 'case-bug');
    const error = mine.find((l) => l.level === 50);
    assert.ok(error, JSON.stringify(mine));
    assert.match(JSON.stringify(error.err), /boom: a bug[\s\S]*stack|stack[\s\S]*boom: a bug/);
    assert.equal(error.tenant, 'default');
    assert.deepEqual(
      mine.filter((l) => l.msg === 'request').map((l) => [l.level, l.status]),
      [[40, 500]],
    );
  });
});

describe('/readyz answers 503 when the process should get no traffic (SQLite)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  const readyz = () => send(`${s.origin}/readyz`, 'GET');

  it('a schema newer than this scimd: 503 with the reason and Retry-After', async () => {
    const db = new Database(databaseFile({ dataDir: s.dataDir }));
    try {
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(999, new Date().toISOString());
      const r = await readyz();
      assert.equal(r.status, 503);
      assert.equal(r.body.status, 'unavailable');
      assert.match(r.body.reason, /version 999, newer than this scimd/);
      assert.equal(r.headers.get('retry-after'), '5');
      assert.match(r.headers.get('x-request-id') ?? '', UUID);
    } finally {
      db.prepare('DELETE FROM schema_migrations WHERE version = 999').run();
      db.close();
    }
    assert.equal((await readyz()).status, 200);
  });

  it('once shutdown has begun: /readyz 503, /healthz still 200', async () => {
    s.running.services.readiness.drain();
    const r = await readyz();
    assert.equal(r.status, 503);
    assert.deepEqual(r.body, { status: 'unavailable', reason: 'scimd is shutting down' });
    assert.equal((await send(`${s.origin}/healthz`, 'GET')).status, 200);
  });

  it('a closed store: 503 (the reason says so), /healthz still 200', async () => {
    await s.running.store.close();
    const reason = (await s.running.store.readiness()) as { reason?: string };
    assert.equal(reason.reason, 'the database is closed');
    const r = await readyz();
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '5');
    assert.equal((await send(`${s.origin}/healthz`, 'HEAD')).status, 200);
  });
});

describe('shutdown: the server closing makes the process not ready', () => {
  it('app.close() (what SIGTERM calls) tells readiness in its preClose hook', async () => {
    const s = await startTestServer();
    try {
      assert.equal((await send(`${s.origin}/readyz`, 'GET')).status, 200);
      await s.running.app.close();
      assert.deepEqual(await s.running.services.readiness.check(), { ready: false, reason: 'scimd is shutting down' });
    } finally {
      await s.close();
    }
  });
});

describe('request ids on PostgreSQL', () => {
  let db: TestDatabase;
  let s: TestServer;
  let lines: Line[];
  before(async () => {
    db = await freshDatabase('correlation');
    ({ s, lines } = await startWithLog(db.url));
  });
  after(async () => {
    await s.close();
    await db.drop();
  });

  it('/readyz 200, and the request-log row and the log line carry the request id', async () => {
    assert.equal((await send(`${s.origin}/readyz`, 'GET')).status, 200);
    const reqId = 'pg-corr-1';
    assert.equal((await s.request('POST', '/Users', user('pg-corr'), { 'x-request-id': reqId })).status, 201);
    await s.running.services.requestLog.flush();
    const row = (await s.running.services.requestLog.entries({ limit: 10 })).find((e) => e.requestId === reqId);
    assert.equal(row?.tenantName, 'default');
    assert.deepEqual(
      (await loggedLines(lines, reqId)).map((l) => [l.msg, l.tenant, l.client]),
      [['request', 'default', 'default']],
    );
  });

  it('/readyz 503 once the store is closed', async () => {
    await s.running.store.close();
    const r = await send(`${s.origin}/readyz`, 'GET');
    assert.equal(r.status, 503);
    assert.equal(r.body.reason, 'the database is closed');
  });
});
