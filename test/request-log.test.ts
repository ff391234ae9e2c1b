/**
 * The provisioning request log end to end: a real server (real HTTP, real SQLite) takes a run of
 * requests — successes, 4xx with scimType, a 401 with a bad token, a PATCH the normalisers rewrote,
 * a POST/PUT/PATCH carrying a password — and the real `scimd log tail` / `scimd log show` CLI,
 * run as child processes against the same data directory while the server keeps running, shows
 * them. No row and no byte of the database files holds a password or bearer token. Then retention
 * (maxRows, retentionDays) and a log that cannot be written, which must never fail a request.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { databaseFile } from '../src/config.ts';
import { createServices } from '../src/server.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { filesHolding } from './helpers/data-files.ts';
import type { RequestLogEntry } from '../src/store/types.ts';
import { patch, startTestServer, tempDir, user, type Reply, type TestServer } from './helpers/server.ts';
import { exitWithin, killChildren } from './helpers/children.ts';
import { spawnScimd } from './helpers/cli.ts';
import { eventually } from './helpers/eventually.ts';

const WAIT_MS = 15_000;
const PASSWORDS = ['Pa55-on-post-Xq7!', 'Pa55-on-put-Zr9!', 'Pa55-on-patch-Wk3!'];
const BAD_TOKEN = 'scimd_this-token-was-never-issued-by-this-server-at-all-0000';

// ---------------------------------------------------------------------------------------------
// Child processes and temp dirs, cleaned up even when a test fails.

const dirs: string[] = [];
// The children are killed by helpers/children.ts, before this hook removes their directories.
after(async () => {
  await killChildren();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs `scimd …` to completion; it must exit 0. */
async function scimd(...args: string[]): Promise<string> {
  const r = await exitWithin(spawnScimd(args), WAIT_MS, `scimd ${args.join(' ')}`);
  assert.equal(r.code, 0, `scimd ${args.join(' ')} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** No byte of the data files (read by another process: helpers/data-files.ts) holds a secret, as UTF-8 or UTF-16. */
function assertNoSecretBytes(dir: string, secrets: readonly string[]): void {
  for (const secret of secrets) assert.deepEqual(filesHolding(dir, secret), [], 'a data file holds a secret');
}

// ---------------------------------------------------------------------------------------------

describe('scimd log: a run of requests as the operator sees it', () => {
  let s: TestServer;
  let otherToken: string;
  let entraToken: string;
  let userId: string;
  let rows: RequestLogEntry[];
  const secrets: string[] = [...PASSWORDS, BAD_TOKEN];
  /** The rows by what they were, found once the run is logged. */
  const row: Record<string, RequestLogEntry | undefined> = {};

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const expect = (r: Reply, status: number) => assert.equal(r.status, status, r.text);

  before(async () => {
    s = await startTestServer();
    otherToken = await s.tenant('other');
    entraToken = (await s.running.services.admin.createClient('default', 'entra', { idp: 'entra' })).token;
    secrets.push(s.token, otherToken, entraToken);

    const created = await s.request('POST', '/Users', user('log-alice', { password: PASSWORDS[0], emails: [{ value: 'alice@example.com' }] }));
    expect(created, 201);
    userId = created.body.id;
    expect(await s.request('GET', `/Users/${userId}`), 200);
    expect(await s.request('POST', '/Users', user('LOG-ALICE')), 409);
    expect(await s.request('GET', `/Users?filter=${encodeURIComponent('userName eq')}`), 400);
    expect(await s.request('GET', '/Users/no-such-user'), 404);
    expect(await s.request('GET', '/Users', undefined, as(BAD_TOKEN)), 401);
    expect(await s.request('PATCH', `/Users/${userId}`, patch({ op: 'Replace', path: 'active', value: 'False' }), as(entraToken)), 200);
    expect(await s.request('PUT', `/Users/${userId}`, user('log-alice', { password: PASSWORDS[1] })), 200);
    expect(await s.request('PATCH', `/Users/${userId}`, patch({ op: 'replace', path: 'password', value: PASSWORDS[2] })), 200);
    expect(await s.request('POST', '/Users', user('log-bob'), as(otherToken)), 201);

    const { requestLog } = s.running.services;
    const { store } = s.running;
    await eventually(async () => {
      await requestLog.flush();
      rows = (await store.requestLog({ limit: 100 })).reverse();
      return rows.length >= 10;
    }, { what: 'all ten requests in the log', timeoutMs: WAIT_MS });
    assert.equal(rows.length, 10);
    [row.post, row.get, row.conflict, row.badFilter, row.notFound, row.unauthorized, row.entraPatch, row.put, row.passwordPatch, row.otherTenant] = rows;
  });
  after(() => s?.close());

  it('the rows hold method, path, status, scimType, tenant, client, idp and normaliser notes', () => {
    assert.deepEqual(
      rows.map((r) => `${r.method} ${r.path.replace(userId, ':id')} ${r.status}${r.scimType ? ` ${r.scimType}` : ''}`),
      [
        'POST /scim/v2/Users 201',
        'GET /scim/v2/Users/:id 200',
        'POST /scim/v2/Users 409 uniqueness',
        'GET /scim/v2/Users?filter=userName%20eq 400 invalidFilter',
        'GET /scim/v2/Users/no-such-user 404',
        'GET /scim/v2/Users 401',
        'PATCH /scim/v2/Users/:id 200',
        'PUT /scim/v2/Users/:id 200',
        'PATCH /scim/v2/Users/:id 200',
        'POST /scim/v2/Users 201',
      ],
    );
    assert.deepEqual([row.post!.tenantName, row.post!.clientName, row.post!.idp], ['default', 'default', 'generic']);
    assert.deepEqual([row.entraPatch!.tenantName, row.entraPatch!.clientName, row.entraPatch!.idp], ['default', 'entra', 'entra']);
    assert.deepEqual(row.entraPatch!.notes, ["opCase: op 'Replace' read as 'replace'", `booleanStrings: 'active' "False" read as false`]);
    assert.deepEqual([row.otherTenant!.tenantName, row.otherTenant!.clientName], ['other', 'idp']);
    assert.equal(row.unauthorized!.tenantName, undefined, 'a request that failed authentication belongs to no tenant');
    assert.equal(row.unauthorized!.clientName, undefined);
  });

  it('scimd log tail shows them, oldest first, with client, idp, scimType and notes', async () => {
    const out = await scimd('log', 'tail', '--data-dir', s.dataDir);
    const lines = out.trimEnd().split('\n');
    const heads = lines.filter((l) => l.startsWith('#'));
    assert.equal(heads.length, 10, out);
    const expected = [
      /^#\d+ \S+ default\/default\(generic\) POST \/scim\/v2\/Users → 201 \d+ms$/,
      /^#\d+ \S+ default\/default\(generic\) GET \/scim\/v2\/Users\/[\w-]+ → 200 \d+ms$/,
      /^#\d+ \S+ default\/default\(generic\) POST \/scim\/v2\/Users → 409 uniqueness \d+ms$/,
      /^#\d+ \S+ default\/default\(generic\) GET \/scim\/v2\/Users\?filter=userName%20eq → 400 invalidFilter \d+ms$/,
      /^#\d+ \S+ default\/default\(generic\) GET \/scim\/v2\/Users\/no-such-user → 404 \d+ms$/,
      /^#\d+ \S+ \(unauthenticated\) GET \/scim\/v2\/Users → 401 \d+ms$/,
      /^#\d+ \S+ default\/entra\(entra\) PATCH \/scim\/v2\/Users\/[\w-]+ → 200 \d+ms$/,
      /^#\d+ \S+ default\/default\(generic\) PUT \/scim\/v2\/Users\/[\w-]+ → 200 \d+ms$/,
      /^#\d+ \S+ default\/default\(generic\) PATCH \/scim\/v2\/Users\/[\w-]+ → 200 \d+ms$/,
      /^#\d+ \S+ other\/idp\(generic\) POST \/scim\/v2\/Users → 201 \d+ms$/,
    ];
    heads.forEach((h, i) => assert.match(h, expected[i]!));
    // The notes follow their request, indented.
    const at = lines.findIndex((l) => l.includes('default/entra(entra) PATCH'));
    assert.equal(lines[at + 1], "      opCase: op 'Replace' read as 'replace'");
    assert.equal(lines[at + 2], `      booleanStrings: 'active' "False" read as false`);
  });

  it('--tenant, --status 4xx, --limit and --json narrow and shape the listing', async () => {
    const [tenant, status, limit, json, combined] = await Promise.all([
      scimd('log', 'tail', '--tenant', 'other', '--data-dir', s.dataDir),
      scimd('log', 'tail', '--status', '4xx', '--data-dir', s.dataDir),
      scimd('log', 'tail', '--limit', '2', '--data-dir', s.dataDir),
      scimd('log', 'tail', '--json', '--data-dir', s.dataDir),
      scimd('log', 'tail', '--tenant', 'default', '--status', '400-404', '--limit', '2', '--json', '--data-dir', s.dataDir),
    ]);
    assert.deepEqual(
      tenant.trimEnd().split('\n').map((l) => l.replace(/^#\d+ \S+ /, '').replace(/ \d+ms$/, '')),
      ['other/idp(generic) POST /scim/v2/Users → 201'],
    );
    const statusHeads = status.trimEnd().split('\n');
    assert.deepEqual(
      statusHeads.map((l) => / → (\d+)/.exec(l)?.[1]),
      ['409', '400', '404', '401'],
    );
    assert.equal(limit.trimEnd().split('\n').filter((l) => l.startsWith('#')).length, 2);
    assert.match(limit, /PATCH \/scim\/v2\/Users\/[\w-]+ → 200[^\n]*\n#\d+ \S+ other\/idp/, 'the newest two, oldest first');

    const entries = JSON.parse(json) as RequestLogEntry[];
    assert.equal(entries.length, 10);
    assert.deepEqual(entries.map((e) => e.id), rows.map((r) => r.id));
    const entra = entries.find((e) => e.clientName === 'entra')!;
    assert.deepEqual([entra.method, entra.status, entra.idp, entra.tenantName], ['PATCH', 200, 'entra', 'default']);
    assert.deepEqual(entra.notes, row.entraPatch!.notes);
    assert.equal(entries.find((e) => e.status === 409)!.scimType, 'uniqueness');

    // default tenant, 400–404, newest two: the 400 and the 404 (the 401 belongs to no tenant).
    assert.deepEqual(
      (JSON.parse(combined) as RequestLogEntry[]).map((e) => [e.status, e.scimType ?? null]),
      [
        [400, 'invalidFilter'],
        [404, null],
      ],
    );
  });

  it('scimd log show <id> shows the request and response bodies, the password redacted', async () => {
    const [text, json] = await Promise.all([scimd('log', 'show', String(row.post!.id), '--data-dir', s.dataDir), scimd('log', 'show', String(row.conflict!.id), '--json', '--data-dir', s.dataDir)]);
    assert.match(text, /^#\d+ \S+ default\/default\(generic\) POST \/scim\/v2\/Users → 201 \d+ms\nRequest id: [0-9a-f-]{36}\n\nRequest body:\n/);
    const [request, response] = text.split('\nResponse body:\n') as [string, string];
    assert.match(request, /"userName": "log-alice"/);
    assert.match(request, /"password": "\[redacted\]"/);
    assert.ok(!text.includes(PASSWORDS[0]!), 'the password is not shown');
    assert.match(response, new RegExp(`"id": "${userId}"`));
    assert.match(response, /"userName": "log-alice"/);
    assert.ok(!/password/i.test(response), 'the response never held a password');

    const conflict = JSON.parse(json) as RequestLogEntry;
    assert.equal(conflict.status, 409);
    assert.equal(conflict.scimType, 'uniqueness');
    assert.equal(conflict.requestId, row.conflict!.requestId, 'the request id, as in the X-Request-Id answer header');
    assert.match(conflict.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(JSON.parse(conflict.requestBody!).userName, 'LOG-ALICE');
    assert.equal(JSON.parse(conflict.responseBody!).scimType, 'uniqueness');

    const put = JSON.parse(await scimd('log', 'show', String(row.put!.id), '--json', '--data-dir', s.dataDir)) as RequestLogEntry;
    assert.equal(JSON.parse(put.requestBody!).password, '[redacted]');
    const patched = JSON.parse(await scimd('log', 'show', String(row.passwordPatch!.id), '--json', '--data-dir', s.dataDir)) as RequestLogEntry;
    assert.deepEqual(JSON.parse(patched.requestBody!).Operations, [{ op: 'replace', path: 'password', value: '[redacted]' }], 'the value of a PATCH on path "password"');
  });

  it('--follow prints a request made after it started; it stops on SIGTERM', async () => {
    const follow = spawnScimd(['log', 'tail', '--follow', '--limit', '1', '--data-dir', s.dataDir]);
    await eventually(() => follow.stdout().includes('other/idp'), { what: 'the first listing', timeoutMs: WAIT_MS });
    const marker = `follow-${Date.now()}`;
    expect(await s.request('GET', `/Users/${marker}`), 404);
    await s.running.services.requestLog.flush();
    await eventually(() => follow.stdout().includes(`/Users/${marker}`), { what: 'the followed request', timeoutMs: WAIT_MS });
    assert.match(follow.stdout(), new RegExp(`default/default\\(generic\\) GET /scim/v2/Users/${marker} → 404 \\d+ms`));
    follow.child.kill('SIGTERM');
    const exit = await follow.exited;
    assert.equal(exit.code, 0, exit.stderr);
  });

  it('no row and no byte of the database files holds a password or bearer token used', async () => {
    const { requestLog } = s.running.services;
    const { store } = s.running;
    await requestLog.flush();
    const all = await store.requestLog({ limit: 10_000 });
    assert.ok(all.length >= 11);
    for (const r of all) {
      const text = JSON.stringify(r);
      for (const secret of secrets) assert.ok(!text.includes(secret), `row #${r.id} ${r.method} ${r.path} holds a secret`);
    }
    assertNoSecretBytes(s.dataDir, secrets);
    // Once closed, the WAL is checkpointed into the main file: still nothing.
    await s.running.close();
    assertNoSecretBytes(s.dataDir, secrets);
  });
});

describe('request log retention', () => {
  const entry = (path: string, at = new Date()): RequestLogEntry => ({ at: at.toISOString(), method: 'GET', path, status: 200, durationMs: 1, notes: [] });

  async function withStore<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = tempDir('scimd-log-');
    dirs.push(dir);
    return fn(dir);
  }

  it('maxRows: pruning keeps only the newest rows', () =>
    withStore(async (dir) => {
      const store = openSqliteStore(databaseFile({ dataDir: dir }), { synchronous: 'NORMAL' });
      try {
        const services = createServices(store, { maxResults: 100, requestLogRows: 3 });
        for (let i = 1; i <= 10; i++) services.requestLog.record(entry(`/scim/v2/Users/u${i}`));
        await services.requestLog.flush();
        const kept = await store.requestLog({ limit: 100 });
        assert.deepEqual(
          kept.map((r) => r.path),
          ['/scim/v2/Users/u10', '/scim/v2/Users/u9', '/scim/v2/Users/u8'],
        );
      } finally {
        await store.close();
      }
    }));

  it('retentionDays: rows older than that go, younger ones stay', () =>
    withStore(async (dir) => {
      const store = openSqliteStore(databaseFile({ dataDir: dir }), { synchronous: 'NORMAL' });
      try {
        const day = 86_400_000;
        const now = Date.now();
        const services = createServices(store, { maxResults: 100, requestLogDays: 7 });
        services.requestLog.record(entry('/90-days', new Date(now - 90 * day)));
        services.requestLog.record(entry('/8-days', new Date(now - 8 * day)));
        services.requestLog.record(entry('/6-days', new Date(now - 6 * day)));
        services.requestLog.record(entry('/now', new Date(now)));
        await services.requestLog.flush();
        assert.deepEqual(
          (await store.requestLog({ limit: 100 })).map((r) => r.path),
          ['/now', '/6-days'],
        );
      } finally {
        await store.close();
      }
    }));

  it("a server's log is pruned to requestLogRows (here on the next start), keeping the newest requests", async () => {
    const srv = await startTestServer({ requestLogRows: 5 });
    try {
      for (let i = 0; i < 12; i++) assert.equal((await srv.request('GET', `/Users/prune-${i}`)).status, 404);
      const { requestLog } = srv.running.services;
      const { store } = srv.running;
      let newest: RequestLogEntry[] = [];
      await eventually(async () => {
        await requestLog.flush();
        newest = await store.requestLog({ limit: 5 });
        return newest[0]?.path === '/scim/v2/Users/prune-11';
      }, { what: 'the last request logged', timeoutMs: WAIT_MS });
      await srv.running.close();
      const reopened = openSqliteStore(databaseFile({ dataDir: srv.dataDir }), { synchronous: 'NORMAL' });
      try {
        await createServices(reopened, { maxResults: 100, requestLogRows: 5 }).requestLog.flush();
        const kept = await reopened.requestLog({ limit: 100 });
        assert.deepEqual(
          kept.map((r) => r.path),
          [11, 10, 9, 8, 7].map((i) => `/scim/v2/Users/prune-${i}`),
        );
        assert.deepEqual(
          kept.map((r) => r.id),
          newest.map((r) => r.id),
        );
      } finally {
        await reopened.close();
      }
    } finally {
      await srv.close();
    }
  });
});

describe('a request log that cannot be written', () => {
  it('never fails a SCIM request: with request_log dropped under the server, requests still succeed', async () => {
    const srv = await startTestServer();
    try {
      const { requestLog } = srv.running.services;
      const { store } = srv.running;
      assert.equal((await srv.request('POST', '/Users', user('before-drop'))).status, 201);
      await eventually(async () => {
        await requestLog.flush();
        return (await store.requestLog({ limit: 10 })).length === 1;
      }, { what: 'the first request logged', timeoutMs: WAIT_MS });

      // Another connection to the same file drops the table the server writes its log to.
      const db = new Database(databaseFile({ dataDir: srv.dataDir }));
      db.exec('DROP TABLE request_log');
      db.close();
      const droppedBefore = requestLog.dropped;

      const created = await srv.request('POST', '/Users', user('after-drop', { password: 'not-kept-anywhere' }));
      assert.equal(created.status, 201, created.text);
      const id = created.body.id as string;
      assert.equal((await srv.request('GET', `/Users/${id}`)).status, 200);
      assert.equal((await srv.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'T' }))).status, 200);
      const found = await srv.request('GET', `/Users?filter=${encodeURIComponent('userName eq "after-drop"')}`);
      assert.equal(found.status, 200);
      assert.equal(found.body.totalResults, 1);
      const conflict = await srv.request('POST', '/Users', user('after-drop'));
      assert.equal(conflict.status, 409);
      assert.equal(conflict.body.scimType, 'uniqueness');
      assert.equal((await srv.request('GET', '/Users', undefined, { authorization: 'Bearer nope' })).status, 401);
      assert.equal((await srv.request('DELETE', `/Users/${id}`)).status, 204);
      assert.equal((await srv.request('GET', `/Users/${id}`)).status, 404);

      // The log writes did fail (and were counted as dropped), yet no request noticed.
      await eventually(async () => {
        await requestLog.flush();
        return requestLog.dropped > droppedBefore;
      }, { what: 'the failed log writes', timeoutMs: WAIT_MS });
      assert.equal((await srv.request('GET', '/Users/before-drop-check')).status, 404);
    } finally {
      await srv.close();
    }
  });
});

describe('how much of an answer the request log keeps', () => {
  it('the first 4,096 characters of a successful GET; a write and an error in full', async () => {
    const srv = await startTestServer();
    try {
      for (let i = 0; i < 30; i++) assert.equal((await srv.request('POST', '/Users', user(`keep-${i}-${'x'.repeat(40)}`))).status, 201);
      const list = await srv.request('GET', '/Users?count=30');
      assert.equal(list.status, 200);
      assert.ok(list.text.length > 4096, `a list answer of ${list.text.length} characters`);
      const bad = await srv.request('GET', `/Users?filter=${encodeURIComponent('userName eq')}`);
      assert.equal(bad.status, 400);
      const { requestLog } = srv.running.services;
      let rows: RequestLogEntry[] = [];
      await eventually(async () => {
        await requestLog.flush();
        rows = await srv.running.store.requestLog({ limit: 100 });
        return rows.length >= 32;
      }, { what: 'the 32 requests in the log', timeoutMs: WAIT_MS });
      const listed = rows.find((r) => r.method === 'GET' && r.status === 200)!;
      assert.equal(listed.responseBody, `${list.text.slice(0, 4096)}…[truncated ${list.text.length - 4096} characters]`);
      const created = rows.find((r) => r.method === 'POST')!;
      assert.ok(!created.responseBody!.includes('[truncated'), 'a write keeps its whole answer');
      assert.equal(JSON.parse(created.responseBody!).schemas[0], 'urn:ietf:params:scim:schemas:core:2.0:User');
      const refused = rows.find((r) => r.status === 400)!;
      assert.equal(JSON.parse(refused.responseBody!).scimType, 'invalidFilter');
    } finally {
      await srv.close();
    }
  });
});
