/**
 * Library mode (createScimd) over real HTTP and real SQLite (PostgreSQL for the checkpoint): the
 * Fastify plugin and the Node handler hand scimd's paths to scimd's own app (bodies, headers,
 * status codes, X-Request-Id, case-insensitive endpoints, 413 all survive) and leave the host's
 * routes, parsers and 404s as they were; on() subscriptions deliver every tenant's events in order,
 * retry a throwing handler on the same event, keep a durable checkpoint per subscriber across a
 * restart and a kill -9 (at least once: the unacknowledged event comes again), and report a
 * checkpoint whose events were pruned before going on from the oldest kept.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createScimd, openStore, resolveStorageConfig, type Scimd, type SubscribedEvent, type SubscriptionError } from '../src/index.ts';
import { eventually } from './helpers/eventually.ts';
import { freshDatabase } from './helpers/postgres.ts';
import { ROOT } from './helpers/scimd-bin.ts';
import { ERROR_SCHEMA, group, patch, send, tempDir, user } from './helpers/server.ts';

const ADMIN_KEY = 'library_admin_key_0123456789abcdefghijklmnopqrstuvwxyz';
const quiet = { logger: false as const, config: { bootstrapAdminKey: ADMIN_KEY, rateLimit: 0, unauthenticatedRateLimit: 0, clientConcurrency: 0, metrics: 'off' as const } };

const originOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('library mode: the Fastify plugin in a host app', () => {
  const dataDir = tempDir('scimd-library-');
  let scimd: Scimd;
  let host: FastifyInstance;
  let origin: string;
  let token: string;

  before(async () => {
    scimd = await createScimd({ ...quiet, dataDir, config: { ...quiet.config, bodyLimit: 20_000 } });
    token = scimd.bootstrap.token!;
    host = Fastify({ bodyLimit: 1_000_000 });
    host.get('/hello', async () => ({ hello: 'host' }));
    host.post('/echo', async (request) => ({ got: request.body }));
    // A host-wide hook: its header reaches scimd's answers too; scimd's own headers stay scimd's.
    host.addHook('onRequest', async (_request, reply) => void reply.header('x-host-hook', 'yes'));
    await host.register(scimd.plugin);
    await host.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(host.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await host.close();
    await scimd.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers SCIM requests: bodies, status codes, headers and X-Request-Id as scimd gives them', async () => {
    const spc = await send(`${origin}/scim/v2/ServiceProviderConfig`, 'GET', undefined, { authorization: `Bearer ${token}` });
    assert.equal(spc.status, 200, spc.text);
    assert.ok(spc.body.schemas.includes('urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'));
    const created = await send(`${origin}/scim/v2/Users`, 'POST', user('kim', { name: { givenName: 'Kim' } }), { authorization: `Bearer ${token}`, 'x-request-id': 'host-req-1' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('x-request-id'), 'host-req-1');
    assert.match(created.headers.get('content-type') ?? '', /^application\/scim\+json/);
    assert.equal(created.headers.get('location'), `${origin}/scim/v2/Users/${created.body.id}`);
    assert.ok(created.headers.get('etag'));
    assert.equal(created.headers.get('x-host-hook'), 'yes');
    // Endpoints in any case, as scimd's own router takes them; and the tenant-scoped mount.
    const read = await send(`${origin}/scim/v2/users/${created.body.id}`, 'GET', undefined, { authorization: `Bearer ${token}` });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.name.givenName, 'Kim');
    const scoped = await send(`${origin}/t/default/scim/v2/Users?filter=${encodeURIComponent('userName eq "kim"')}`, 'GET', undefined, { authorization: `Bearer ${token}` });
    assert.equal(scoped.body.totalResults, 1, scoped.text);
    const patched = await send(`${origin}/scim/v2/Users/${created.body.id}`, 'PATCH', patch({ op: 'Replace', path: 'active', value: false }), { authorization: `Bearer ${token}` });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.active, false);
    const gone = await send(`${origin}/scim/v2/Users/${created.body.id}`, 'DELETE', undefined, { authorization: `Bearer ${token}` });
    assert.equal(gone.status, 204);
    assert.equal(gone.text, '');
  });

  it("keeps scimd's errors: 401, 404, malformed JSON, 415 and 413 above scimd's body limit (not the host's)", async () => {
    const unauthenticated = await send(`${origin}/scim/v2/Users`, 'GET');
    assert.equal(unauthenticated.status, 401);
    assert.deepEqual(unauthenticated.body.schemas, [ERROR_SCHEMA]);
    const missing = await send(`${origin}/scim/v2/Users/nope`, 'GET', undefined, { authorization: `Bearer ${token}` });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body.schemas, [ERROR_SCHEMA]);
    const malformed = await send(`${origin}/scim/v2/Users`, 'POST', '{"userName": ', { authorization: `Bearer ${token}` });
    assert.equal(malformed.status, 400, malformed.text);
    assert.deepEqual(malformed.body.schemas, [ERROR_SCHEMA]);
    const form = await send(`${origin}/scim/v2/Users`, 'POST', 'userName=x', { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415, form.text);
    const large = await send(`${origin}/scim/v2/Users`, 'POST', user('big', { displayName: 'x'.repeat(30_000) }), { authorization: `Bearer ${token}` });
    assert.equal(large.status, 413, large.text);
    assert.deepEqual(large.body.schemas, [ERROR_SCHEMA]);
    assert.ok(large.headers.get('x-request-id'));
  });

  it('serves the admin API', async () => {
    const tenants = await send(`${origin}/admin/v1/tenants`, 'GET', undefined, { authorization: `Bearer ${ADMIN_KEY}` });
    assert.equal(tenants.status, 200, tenants.text);
    assert.ok(JSON.stringify(tenants.body).includes('"default"'));
    const refused = await send(`${origin}/admin/v1/tenants`, 'GET');
    assert.equal(refused.status, 401);
  });

  it("leaves the host's routes, body parsers, headers and 404s untouched", async () => {
    const hello = await send(`${origin}/hello`, 'GET');
    assert.deepEqual(hello.body, { hello: 'host' });
    assert.equal(hello.headers.get('x-request-id'), null, "scimd's headers stay on scimd's paths");
    assert.equal(hello.headers.get('x-content-type-options'), null);
    const echo = await send(`${origin}/echo`, 'POST', { a: [1, 2] }, { 'content-type': 'application/json' });
    assert.deepEqual(echo.body, { got: { a: [1, 2] } });
    // The host's JSON parser takes a body scimd's would refuse (above scimd's 20 kB limit).
    const bigEcho = await send(`${origin}/echo`, 'POST', { s: 'y'.repeat(30_000) }, { 'content-type': 'application/json' });
    assert.equal(bigEcho.status, 200);
    const notFound = await send(`${origin}/nothing`, 'GET');
    assert.equal(notFound.status, 404);
    assert.equal(notFound.body.schemas, undefined, "the host's own 404, not a SCIM error");
    assert.match(notFound.body.message, /Route GET:\/nothing not found/);
  });

  it("ends the events API's long-polls through it when the host closes, closing their connections", async () => {
    // A data directory that does not exist yet is created.
    const parent = tempDir('scimd-library-');
    const other = await createScimd({ ...quiet, dataDir: join(parent, 'new', 'data') });
    const app = Fastify();
    const arrived: string[] = [];
    // The host's own hooks see the requests of scimd's paths too (they are the host's routes).
    app.addHook('onRequest', async (request) => void arrived.push(request.url));
    await app.register(other.plugin);
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const at = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const cursor = (await send(`${at}/admin/v1/tenants/default/events`, 'GET', undefined, { authorization: `Bearer ${ADMIN_KEY}` })).body.cursor as string;
      const waiting = send(`${at}/admin/v1/tenants/default/events?after=${cursor}&wait=30s`, 'GET', undefined, { authorization: `Bearer ${ADMIN_KEY}` });
      await eventually(() => arrived.some((url) => url.includes('wait=30s')), { what: 'the long-poll to reach the host' });
      await app.close();
      const answered = await waiting;
      assert.equal(answered.status, 200, answered.text);
      assert.deepEqual(answered.body.events, []);
      assert.equal(answered.headers.get('connection'), 'close');
    } finally {
      await other.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('refuses to be registered under a prefix', async () => {
    const other = Fastify();
    await assert.rejects(async () => {
      await other.register(scimd.plugin, { prefix: '/idp' });
      await other.ready();
    }, /register it without a prefix/);
    await other.close();
  });
});

describe('library mode: the Node handler (node:http, Express/Connect style)', () => {
  const dataDir = tempDir('scimd-library-');
  let scimd: Scimd;
  let withNext: Server;
  let alone: Server;

  before(async () => {
    scimd = await createScimd({ ...quiet, dataDir });
    // As Connect or Express call a middleware mounted without a path: the full URL, and next().
    withNext = createServer((req, res) => scimd.handler(req, res, () => res.writeHead(200, { 'content-type': 'text/plain' }).end('host')));
    alone = createServer(scimd.handler);
    for (const s of [withNext, alone]) {
      s.listen(0, '127.0.0.1');
      await once(s, 'listening');
    }
  });
  after(async () => {
    for (const s of [withNext, alone]) await new Promise((resolve) => s.close(resolve));
    await scimd.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("routes scimd's paths to scimd and everything else to next (or 404 without one)", async () => {
    const auth = { authorization: `Bearer ${scimd.bootstrap.token!}` };
    const created = await send(`${originOf(withNext)}/scim/v2/Groups`, 'POST', group('crew'), { ...auth, 'x-request-id': 'handler-1' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('x-request-id'), 'handler-1');
    const listed = await send(`${originOf(alone)}/SCIM/v2/groups?filter=${encodeURIComponent('displayName eq "crew"')}`, 'GET', undefined, auth);
    assert.equal(listed.body.totalResults, 1, listed.text);
    const other = await send(`${originOf(withNext)}/scimx/v2/Users`, 'GET');
    assert.equal(other.text, 'host');
    assert.equal((await send(`${originOf(alone)}/elsewhere`, 'GET')).status, 404);
    const admin = await send(`${originOf(alone)}/admin/v1/tenants/default/users`, 'GET', undefined, { authorization: `Bearer ${ADMIN_KEY}` });
    assert.equal(admin.status, 200, admin.text);
  });

  it('tells the host when a body parser before it has read the body', async () => {
    let passed: unknown;
    const parsedFirst = createServer((req, res) => {
      // As express.json() does: read the whole body, then call the next middleware.
      req.resume();
      req.once('end', () =>
        scimd.handler(req, res, (error) => {
          passed = error;
          res.writeHead(500).end();
        }),
      );
    });
    parsedFirst.listen(0, '127.0.0.1');
    await once(parsedFirst, 'listening');
    try {
      const r = await send(`${originOf(parsedFirst)}/scim/v2/Users`, 'POST', user('late'), { authorization: `Bearer ${scimd.bootstrap.token!}` });
      assert.equal(r.status, 500);
      assert.match(String(passed), /scimd\.handler must come before any body parser/);
    } finally {
      await new Promise((resolve) => parsedFirst.close(resolve));
    }
  });
});

type Seen = Pick<SubscribedEvent, 'type' | 'tenant' | 'tenantSeq' | 'id'>;
const seen = (e: SubscribedEvent): Seen => ({ type: e.type, tenant: e.tenant, tenantSeq: e.tenantSeq, id: e.id });

describe('library mode: on() subscriptions (SQLite)', () => {
  const dataDir = tempDir('scimd-library-');
  let scimd: Scimd;
  let origin: string;
  const tokens: Record<string, string> = {};
  const scim = (tenant: string, method: string, path: string, body?: unknown) => send(`${origin}/scim/v2${path}`, method, body, { authorization: `Bearer ${tokens[tenant]!}` });

  before(async () => {
    scimd = await createScimd({ ...quiet, dataDir });
    origin = await scimd.listen({ host: '127.0.0.1', port: 0 });
    tokens.default = scimd.bootstrap.token!;
    await scimd.services.admin.createTenant('acme');
    tokens.acme = (await scimd.services.admin.createClient('acme', 'idp')).token;
  });
  after(async () => {
    await scimd.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("hands every tenant's events to the handlers of their type, in each tenant's order; retries a throwing handler on the same event", async () => {
    const all: Seen[] = [];
    const created: string[] = [];
    let throws = 2;
    const stop = scimd.on('*', (e) => void all.push(seen(e)));
    scimd.on('user.created', (e) => {
      // Typed: the state of the user after the change.
      const userName: unknown = e.state?.userName;
      created.push(`${e.tenant}:${String(userName)}`);
    });
    scimd.on('group.member.added', async (e) => {
      // Typed: a member event's data is its member.
      const member: string = e.data.value;
      if (throws-- > 0) throw new Error(`not yet (${member})`);
    });
    const u = await scim('default', 'POST', '/Users', user('ann'));
    await scim('acme', 'POST', '/Users', user('bob'));
    const g = await scim('default', 'POST', '/Groups', group('crew', { members: [{ value: u.body.id }] }));
    assert.equal(g.status, 201, g.text);
    await scim('default', 'PATCH', `/Users/${u.body.id}`, patch({ op: 'replace', path: 'displayName', value: 'Ann A.' }));
    await scim('acme', 'POST', '/Users', user('cy'));

    await eventually(() => all.length === 6, { what: 'six events', detail: () => JSON.stringify(all) });
    const of = (tenant: string) => all.filter((e) => e.tenant === tenant).map((e) => `${e.tenantSeq} ${e.type}`);
    assert.deepEqual(of('default'), ['1 user.created', '2 group.created', '3 group.member.added', '4 user.updated']);
    assert.deepEqual(of('acme'), ['1 user.created', '2 user.created']);
    assert.deepEqual(created.sort(), ['acme:bob', 'acme:cy', 'default:ann']);
    assert.equal(throws, -1, 'the member handler was called three times');
    // A retry calls only the handler that failed: '*' saw the member event once.
    assert.equal(all.filter((e) => e.type === 'group.member.added').length, 1);
    stop();
  });

  it('keeps its checkpoint across a restart: old events do not come again, new ones do; another subscriber name gets everything', async () => {
    // close() waits for the checkpoint of the last event handled above.
    await scimd.close();
    scimd = await createScimd({ ...quiet, dataDir });
    origin = await scimd.listen({ host: '127.0.0.1', port: 0 });
    const again: Seen[] = [];
    scimd.on('*', (e) => void again.push(seen(e)));
    await scim('default', 'POST', '/Users', user('dee'));
    await eventually(() => again.length >= 1, { what: 'the new event' });
    assert.deepEqual(
      again.map((e) => `${e.tenant} ${e.tenantSeq} ${e.type}`),
      ['default 5 user.created'],
    );

    const fresh = await createScimd({ ...quiet, dataDir, subscriber: 'audit' });
    const audit: Seen[] = [];
    fresh.on('*', (e) => void audit.push(seen(e)));
    await eventually(() => audit.length === 7, { what: 'every event for a new subscriber', detail: () => JSON.stringify(audit) });
    await fresh.close();
    assert.equal(new Set(audit.map((e) => e.id)).size, 7);
  });
});

describe('library mode: a checkpoint past retention', () => {
  it('reports the gap and goes on from the oldest event kept', async () => {
    const dataDir = tempDir('scimd-library-gap-');
    try {
      let scimd = await createScimd({ ...quiet, dataDir, subscriber: 'gap' });
      let origin = await scimd.listen({ host: '127.0.0.1', port: 0 });
      const token = scimd.bootstrap.token!;
      const got: string[] = [];
      scimd.on('user.created', (e) => void got.push(String(e.state?.userName)));
      await send(`${origin}/scim/v2/Users`, 'POST', user('first'), { authorization: `Bearer ${token}` });
      await eventually(() => got.length === 1, { what: 'the first event' });
      await scimd.close();

      // Meanwhile: two more users, and retention deletes the two oldest events (one not yet delivered).
      scimd = await createScimd({ ...quiet, dataDir, subscriber: 'other' });
      origin = await scimd.listen({ host: '127.0.0.1', port: 0 });
      for (const name of ['second', 'third']) await send(`${origin}/scim/v2/Users`, 'POST', user(name), { authorization: `Bearer ${token}` });
      await scimd.close();
      const store = await openStore(resolveStorageConfig({ 'data-dir': dataDir }, {}));
      assert.equal(await store.transaction((tx) => tx.pruneEvents('9999-01-01T00:00:00.000Z', 2)), 2);
      await store.close();

      const gaps: SubscriptionError[] = [];
      scimd = await createScimd({ ...quiet, dataDir, subscriber: 'gap', onSubscriptionError: (e) => void gaps.push(e) });
      scimd.on('user.created', (e) => void got.push(String(e.state?.userName)));
      await eventually(() => got.length === 2, { what: 'the event kept' });
      await scimd.close();
      assert.deepEqual(got, ['first', 'third']);
      assert.equal(gaps.length, 1);
      assert.ok(gaps[0]!.kind === 'gap' && gaps[0]!.tenant === 'default' && gaps[0]!.checkpoint === 1, JSON.stringify(gaps));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('library mode: at least once across kill -9', () => {
  it('an event whose handler had not resolved when the process died comes again after the restart', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('scimd-library-crash-');
    const log = join(dataDir, 'handled.log');
    try {
      // A host process: handles user.created, and hangs forever in the handler of user 'hang'.
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fixtures', 'library', 'crash-host.ts'), dataDir, log], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const token = await eventually(() => /token=(\S+)/.exec(out)?.[1], { what: 'the child host to start', timeoutMs: 30_000 });
      const origin = await eventually(() => /origin=(\S+)/.exec(out)?.[1], { what: 'the child host to listen' });
      for (const name of ['one', 'hang', 'three']) {
        const r = await send(`${origin}/scim/v2/Users`, 'POST', user(name), { authorization: `Bearer ${token}` });
        assert.equal(r.status, 201, r.text);
      }
      const lines = () => readFileSync(log, 'utf8').trim().split('\n');
      await eventually(() => lines().includes('hang'), { what: "the child's handler to start on 'hang'" });
      child.kill('SIGKILL');
      await once(child, 'exit');
      assert.deepEqual(lines(), ['one', 'hang'], 'the child never got past the hanging handler');

      const scimd = await createScimd({ ...quiet, dataDir });
      const after: string[] = [];
      scimd.on('user.created', (e) => void after.push(String(e.state?.userName)));
      await eventually(() => after.length === 2, { what: 'the unacknowledged events', detail: () => JSON.stringify(after) });
      await scimd.close();
      assert.deepEqual(after, ['hang', 'three'], "'one' was acknowledged; 'hang' comes again, then 'three'");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('library mode: the checkpoint on PostgreSQL', () => {
  it('delivers, keeps the checkpoint across a restart, and delivers what came meanwhile', async () => {
    const db = await freshDatabase('library');
    try {
      let scimd = await createScimd({ ...quiet, databaseUrl: db.url });
      const token = scimd.bootstrap.token!;
      let origin = await scimd.listen({ host: '127.0.0.1', port: 0 });
      const got: string[] = [];
      scimd.on('user.created', (e) => void got.push(String(e.state?.userName)));
      await send(`${origin}/scim/v2/Users`, 'POST', user('pat'), { authorization: `Bearer ${token}` });
      await eventually(() => got.length === 1, { what: 'the first event' });
      await scimd.close();

      scimd = await createScimd({ ...quiet, databaseUrl: db.url });
      origin = await scimd.listen({ host: '127.0.0.1', port: 0 });
      await send(`${origin}/scim/v2/Users`, 'POST', user('quinn'), { authorization: `Bearer ${token}` });
      scimd.on('user.created', (e) => void got.push(String(e.state?.userName)));
      await eventually(() => got.length === 2, { what: 'the second event' });
      await scimd.close();
      assert.deepEqual(got, ['pat', 'quinn']);
    } finally {
      await db.drop();
    }
  });
});
