/**
 * Signed webhooks on SQLite and PostgreSQL, in-process: a receiver that fails at random and
 * sometimes hangs still ends up with every event exactly once after de-duplication by webhook-id,
 * in tenantSeq order, each signature valid (checked with the standardwebhooks library); the
 * dead-letter state after the last attempt and replay; secret rotation (two signatures); the
 * admin API's webhook routes with problem details and tenant-scoped keys; SSRF refusals at
 * creation and at delivery.
 */
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { checkWebhookUrl, guardedLookup, isBlockedAddress } from '../src/provisioning/webhooks/address-policy.ts';
import { retryDelayMs } from '../src/provisioning/webhooks/delivery.ts';
import { postWebhook } from '../src/provisioning/webhooks/send.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { eventually } from './helpers/eventually.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { group, patch, send, startTestServer, user, type Reply, type TestServer } from './helpers/server.ts';
import { startReceiver, type Receiver } from './helpers/webhook-receiver.ts';

const ROOT_KEY = 'root_admin_key_webhooks_0123456789abcdefghijklmnopqrstuv';
const TUNING = { webhooks: { allowPrivate: true, pollMs: 20, retryBaseMs: 5, retryCapMs: 40, maxAttempts: 12, timeoutMs: 500, leaseMs: 3000 } };

type Admin = (method: string, path: string, body?: unknown, key?: string) => Promise<Reply>;
const adminOf =
  (s: TestServer): Admin =>
  (method, path, body, key = ROOT_KEY) =>
    send(`${s.origin}/admin/v1${path}`, method, body, { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) });

function assertProblem(r: Reply, status: number, type: string, detail?: RegExp): void {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(r.body.type, `urn:scimd:problem:${type}`);
  if (detail) assert.match(r.body.detail, detail);
}

/** Users, updates, a group with members, deletes: events of most types. */
async function makeEvents(s: TestServer, prefix: string, users: number): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < users; i++) {
    const r = await s.request('POST', '/Users', user(`${prefix}-${i}`, { name: { givenName: `G${i}` } }));
    assert.equal(r.status, 201, r.text);
    ids.push(r.body.id);
  }
  for (const id of ids.slice(0, 5)) assert.equal((await s.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))).status, 200);
  const g = await s.request('POST', '/Groups', group(`${prefix}-g`, { members: ids.slice(0, 6).map((value) => ({ value })) }));
  assert.equal(g.status, 201, g.text);
  assert.equal((await s.request('PATCH', `/Groups/${g.body.id}`, patch({ op: 'remove', path: `members[value eq "${ids[0]}"]` }))).status < 300, true);
  for (const id of ids.slice(-3)) assert.equal((await s.request('DELETE', `/Users/${id}`)).status, 204);
}

async function tenantId(s: TestServer, name = 'default'): Promise<string> {
  return (await s.running.store.tenantByName(name))!.id;
}

function suite(backend: 'sqlite' | 'postgres'): void {
  describe(`webhooks (${backend})`, () => {
    let db: TestDatabase | undefined;
    let s: TestServer;
    let admin: Admin;
    const receivers: Receiver[] = [];
    const receiver = async (...args: Parameters<typeof startReceiver>) => {
      const r = await startReceiver(...args);
      receivers.push(r);
      return r;
    };

    before(async () => {
      if (backend === 'postgres') db = await freshDatabase('webhooks');
      s = await startTestServer({ bootstrapAdminKey: ROOT_KEY, ...(db ? { databaseUrl: db.url } : {}) }, TUNING);
      admin = adminOf(s);
    });
    after(async () => {
      await s.close();
      for (const r of receivers) await r.close();
      await db?.drop();
    });

    it('a receiver that fails at random and sometimes hangs gets every event exactly once after de-duplication, in order, each signed', async () => {
      let hangs = 0;
      const flaky = await receiver(() => {
        const x = Math.random();
        if (x < 0.05 && hangs < 4) {
          hangs++;
          return 'hang';
        }
        return x < 0.3 ? { status: 500 } : x < 0.35 ? { status: 429 } : { status: 200 };
      });
      const created = await admin('POST', '/tenants/default/webhooks', { url: flaky.url });
      assert.equal(created.status, 201, created.text);
      assert.match(created.body.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
      const secret: string = created.body.secret;
      const since: number = created.body.deliveredSeq;

      await makeEvents(s, 'flaky', 25);
      const log = (await s.running.store.tenantEvents(await tenantId(s), since, 10_000)).filter((e) => e.type.startsWith('user.') || e.type.startsWith('group.'));
      assert.ok(log.length > 30, `events were recorded (${log.length})`);

      const got = await eventually(() => flaky.unique().length >= log.length && flaky.unique(), {
        what: 'every event at the flaky receiver',
        timeoutMs: 120_000,
        intervalMs: 100,
        detail: () => `${flaky.unique().length} of ${log.length}, ${flaky.received.length} requests`,
      });
      assert.deepEqual(
        got.map((r) => r.id),
        log.map((e) => e.id),
        'exactly the events of the log, in tenantSeq order',
      );
      // Head-of-line: no request ever carried an event before one already sent.
      const seqs = flaky.received.map((r) => r.payload.data.tenantSeq as number);
      for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! >= seqs[i - 1]!, `request ${i} (event ${seqs[i]}) came after event ${seqs[i - 1]}`);
      for (const r of flaky.received) {
        flaky.verify(r, secret);
        assert.equal(r.headers['content-type'], 'application/json');
        assert.equal(r.headers['user-agent'], 'scimd-webhooks/1');
        assert.match(r.signature, /^v1,[A-Za-z0-9+/]+=*$/);
        assert.equal(r.payload.data.id, r.id, 'webhook-id is the event id');
        assert.equal(r.payload.type, r.payload.data.type);
        assert.equal(r.payload.timestamp, r.payload.data.at);
        assert.equal(r.payload.data.tenant, 'default');
      }
      const e0 = log[0]!;
      assert.deepEqual(
        { type: got[0]!.payload.data.type, resourceId: got[0]!.payload.data.resourceId, version: got[0]!.payload.data.version, actor: got[0]!.payload.data.actor, tenantSeq: got[0]!.payload.data.tenantSeq },
        { type: e0.type, resourceId: e0.resourceId, version: e0.version, actor: e0.actor, tenantSeq: e0.tenantSeq },
      );
      assert.ok(flaky.received.length > got.length, 'some attempts failed and were retried');

      const shown = await eventually(
        async () => {
          const r = await admin('GET', `/tenants/default/webhooks/${created.body.id}`);
          return r.body.lag === 0 && r.body.attempts === 0 && r;
        },
        { what: 'the endpoint caught up' },
      );
      assert.equal(shown.body.state, 'active');
      assert.equal(shown.body.deliveredSeq, log.at(-1)!.tenantSeq);
      assert.equal(shown.body.secret, undefined, 'the secret is never shown again');
      const failures = await admin('GET', `/tenants/default/webhooks/${created.body.id}/deliveries?status=failed&limit=1000`);
      assert.equal(failures.status, 200);
      assert.ok(failures.body.length > 0);
      for (const a of failures.body) assert.ok(a.status === undefined || a.status >= 300, JSON.stringify(a));
      assert.ok(
        failures.body.some((a: { error?: string }) => /no answer within/.test(a.error ?? '')) || hangs === 0,
        'a hang is logged as a timeout',
      );
      assert.equal((await admin('DELETE', `/tenants/default/webhooks/${created.body.id}`)).status, 200);
    });

    it('after the last attempt the endpoint is dead-lettered; replay resumes it at the event that failed, in order', async () => {
      const down = await receiver(() => ({ status: 503, body: 'x'.repeat(2000) }));
      const created = (await admin('POST', '/tenants/default/webhooks', { url: down.url, types: ['user.created'] })).body;
      await makeEvents(s, 'dead', 3);
      const failing = await eventually(
        async () => {
          const r = await admin('GET', `/tenants/default/webhooks/${created.id}`);
          return r.body.state === 'failing' && r.body;
        },
        { what: 'the dead-letter state', timeoutMs: 30_000 },
      );
      assert.equal(down.received.length, TUNING.webhooks.maxAttempts, 'every attempt, then no more');
      assert.ok(down.received.every((r) => r.id === down.received[0]!.id), 'all at the first event');
      assert.match(failing.failedReason, /12 attempts failed, the last: HTTP 503/);
      assert.equal(failing.lastAttempt.responseExcerpt.length, 500, 'the answer is cut at 500 characters');
      const logged = await admin('GET', `/tenants/default/webhooks/${created.id}/deliveries?limit=3`);
      assert.deepEqual(
        logged.body.map((a: { attempt: number; status: number }) => [a.attempt, a.status]),
        [
          [12, 503],
          [11, 503],
          [10, 503],
        ],
      );

      down.behaviour = () => ({ status: 204 });
      const before = down.received.length;
      const replayed = await admin('POST', `/tenants/default/webhooks/${created.id}/replay`, {});
      assert.equal(replayed.status, 200, replayed.text);
      assert.equal(replayed.body.state, 'active');
      const wanted = (await s.running.store.tenantEvents(await tenantId(s), failing.failedSeq - 1, 1000)).filter((e) => e.type === 'user.created');
      assert.equal(wanted.length, 3);
      await eventually(() => down.unique().length === 3, { what: 'the three user.created events', timeoutMs: 30_000 });
      assert.deepEqual(
        down.unique().map((r) => r.id),
        wanted.map((e) => e.id),
      );
      assert.equal(down.received.length - before, 3, 'each once after the replay');

      // Replay from an earlier event resends from there (receivers de-duplicate by webhook-id).
      const again = await admin('POST', `/tenants/default/webhooks/${created.id}/replay`, { from: wanted[1]!.tenantSeq });
      assert.equal(again.status, 200, again.text);
      await eventually(() => down.received.length === before + 5, { what: 'the replayed events', timeoutMs: 30_000 });
      assert.deepEqual(
        down.received.slice(-2).map((r) => r.id),
        [wanted[1]!.id, wanted[2]!.id],
      );
      assertProblem(await admin('POST', `/tenants/default/webhooks/${created.id}/replay`, { from: 1_000_000 }), 400, 'invalid-request', /between 1 and/);
      await admin('DELETE', `/tenants/default/webhooks/${created.id}`);
    });

    it('an endpoint that hangs on every request delays neither SCIM requests nor another endpoint', async () => {
      const stuck = await receiver(() => 'hang');
      const fast = await receiver();
      const slowHook = (await admin('POST', '/tenants/default/webhooks', { url: stuck.url })).body;
      const fastHook = (await admin('POST', '/tenants/default/webhooks', { url: fast.url })).body;
      await makeEvents(s, 'hol', 5);
      const wanted = (await s.running.store.tenantEvents(await tenantId(s), fastHook.deliveredSeq, 1000)).map((e) => e.id);
      await eventually(() => fast.unique().length === wanted.length, { what: 'every event at the fast endpoint', timeoutMs: 30_000 });
      assert.deepEqual(
        fast.unique().map((r) => r.id),
        wanted,
      );
      const slow = (await admin('GET', `/tenants/default/webhooks/${slowHook.id}`)).body;
      assert.equal(slow.deliveredSeq, slowHook.deliveredSeq, 'the hanging endpoint is still at its first event');
      assert.ok(stuck.received.every((r) => r.id === wanted[0]), 'and only ever got that one');
      // Rotating the secret needs no body; neither do test and replay.
      assert.equal((await admin('POST', `/tenants/default/webhooks/${slowHook.id}/rotate-secret`)).status, 200);
      assert.equal((await admin('POST', `/tenants/default/webhooks/${slowHook.id}/replay`)).status, 200);
      await admin('DELETE', `/tenants/default/webhooks/${slowHook.id}`);
      await admin('DELETE', `/tenants/default/webhooks/${fastHook.id}`);
    });

    it('rotating the secret: both signatures for the grace period, each verifying with its secret; then only the new one', async () => {
      const r = await receiver();
      const created = (await admin('POST', '/tenants/default/webhooks', { url: r.url, types: ['user.*'] })).body;
      const rotated = await admin('POST', `/tenants/default/webhooks/${created.id}/rotate-secret`, { graceHours: 1 });
      assert.equal(rotated.status, 200, rotated.text);
      assert.notEqual(rotated.body.secret, created.secret);
      assert.ok(rotated.body.previousSecretUntil);
      assert.equal((await s.request('POST', '/Users', user('rot-1'))).status, 201);
      const [first] = await eventually(() => r.unique().length === 1 && r.unique(), { what: 'the event' });
      const parts = first!.signature.split(' ');
      assert.equal(parts.length, 2, first!.signature);
      const only = (sig: string) => ({ 'webhook-id': first!.id, 'webhook-timestamp': first!.timestamp, 'webhook-signature': sig });
      new Webhook(rotated.body.secret).verify(first!.body, only(parts[0]!));
      new Webhook(created.secret).verify(first!.body, only(parts[1]!));
      assert.throws(() => new Webhook(created.secret).verify(first!.body, only(parts[0]!)));

      const ended = await admin('POST', `/tenants/default/webhooks/${created.id}/rotate-secret`, { graceHours: 0 });
      assert.equal(ended.body.previousSecretUntil, null);
      assert.equal((await s.request('POST', '/Users', user('rot-2'))).status, 201);
      const [, second] = await eventually(() => r.unique().length === 2 && r.unique(), { what: 'the second event' });
      assert.equal(second!.signature.split(' ').length, 1);
      r.verify(second!, ended.body.secret);
      assert.throws(() => r.verify(second!, rotated.body.secret));
      await admin('DELETE', `/tenants/default/webhooks/${created.id}`);
    });

    it('admin API: routes, the test ping, problem details, and a tenant-scoped key that sees only its tenant', async () => {
      const r = await receiver();
      await s.running.services.admin.createTenant('acme');
      const acmeKey = (await s.running.services.adminKeys.create('acme-key', { tenant: 'acme' })).key;
      const created = await admin('POST', '/tenants/acme/webhooks', { url: r.url, types: ['group.member.added', 'user.created', 'user.created'], enabled: false }, acmeKey);
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers.get('location'), `/admin/v1/tenants/acme/webhooks/${created.body.id}`);
      assert.deepEqual(created.body.types, ['group.member.added', 'user.created']);
      assert.equal(created.body.enabled, false);
      const id: string = created.body.id;

      const listed = await admin('GET', '/tenants/acme/webhooks', undefined, acmeKey);
      assert.deepEqual(
        listed.body.map((w: { id: string }) => w.id),
        [id],
      );
      assert.equal(listed.body[0].secret, undefined);
      assertProblem(await admin('GET', '/tenants/default/webhooks', undefined, acmeKey), 404, 'not-found', /No tenant named 'default'/);
      assertProblem(await admin('POST', '/tenants/default/webhooks', { url: r.url }, acmeKey), 404, 'not-found');
      assertProblem(await admin('GET', `/tenants/default/webhooks/${id}`), 404, 'not-found', /has no webhook/);
      assertProblem(await admin('GET', '/tenants/acme/webhooks/nope'), 404, 'not-found');

      assertProblem(await admin('POST', '/tenants/acme/webhooks', { url: r.url, types: ['user.exploded'] }), 400, 'invalid-request', /unknown event type 'user.exploded'/);
      assertProblem(await admin('POST', '/tenants/acme/webhooks', {}), 400, 'invalid-request', /'url' is required/);
      assertProblem(await admin('POST', '/tenants/acme/webhooks', { url: r.url, secret: 'mine' }), 400, 'invalid-request', /unknown field 'secret'/);
      assertProblem(await admin('POST', '/tenants/acme/webhooks', { url: 'not a url' }), 400, 'invalid-request', /not a valid absolute URL/);
      assertProblem(await admin('POST', '/tenants/acme/webhooks', { url: 'ftp://example.com/x' }), 400, 'invalid-request', /only http and https/);
      assertProblem(await admin('PATCH', `/tenants/acme/webhooks/${id}`, {}), 400, 'invalid-request');
      assertProblem(await admin('POST', `/tenants/acme/webhooks/${id}/rotate-secret`, { graceHours: -1 }), 400, 'invalid-request');
      assertProblem(await admin('GET', `/tenants/acme/webhooks/${id}/deliveries?limit=0`), 400, 'invalid-request');

      // Disabled: nothing is sent, and the endpoint keeps its place.
      const scim = (await s.running.services.admin.createClient('acme', 'idp')).token;
      assert.equal((await send(`${s.origin}/t/acme/scim/v2/Users`, 'POST', user('acme-1'), { authorization: `Bearer ${scim}` })).status, 201);
      const waiting = await admin('GET', `/tenants/acme/webhooks/${id}`, undefined, acmeKey);
      assert.equal(waiting.body.lag, 1);
      assert.equal(r.received.length, 0);
      const enabled = await admin('PATCH', `/tenants/acme/webhooks/${id}`, { enabled: true, types: ['*'] }, acmeKey);
      assert.equal(enabled.status, 200, enabled.text);
      assert.deepEqual(enabled.body.types, []);
      await eventually(() => r.unique().length === 1, { what: 'the event sent once enabled' });
      assert.equal(r.unique()[0]!.payload.data.tenant, 'acme');

      const ping = await admin('POST', `/tenants/acme/webhooks/${id}/test`, undefined, acmeKey);
      assert.equal(ping.status, 200, ping.text);
      assert.equal(ping.body.ok, true);
      assert.equal(ping.body.status, 200);
      assert.equal(ping.body.responseExcerpt, 'ok');
      const last = r.received.at(-1)!;
      assert.equal(last.id, ping.body.eventId);
      assert.equal(last.payload.type, 'webhook.test');
      r.verify(last, created.body.secret);
      const log = await admin('GET', `/tenants/acme/webhooks/${id}/deliveries`, undefined, acmeKey);
      assert.deepEqual(
        log.body.map((a: { eventType: string; status: number }) => [a.eventType, a.status]),
        [
          ['webhook.test', 200],
          ['user.created', 200],
        ],
      );
      assert.ok(log.body.every((a: { durationMs: number }) => Number.isInteger(a.durationMs) && a.durationMs >= 0));

      const removed = await admin('DELETE', `/tenants/acme/webhooks/${id}`, undefined, acmeKey);
      assert.equal(removed.status, 200);
      assertProblem(await admin('GET', `/tenants/acme/webhooks/${id}`), 404, 'not-found');
      assertProblem(await admin('GET', `/tenants/acme/webhooks/${id}/deliveries`), 404, 'not-found');
    });
  });
}

suite('sqlite');
suite('postgres');

describe('webhooks: SSRF', () => {
  let s: TestServer;
  let r: Receiver;
  before(async () => {
    s = await startTestServer({ bootstrapAdminKey: ROOT_KEY }, { webhooks: { ...TUNING.webhooks, allowPrivate: false } });
    r = await startReceiver();
  });
  after(async () => {
    await s.close();
    await r.close();
  });

  it('URLs on loopback, private, link-local addresses, localhost, other schemes and credentials are refused at creation', async () => {
    const admin = adminOf(s);
    for (const url of [
      'http://localhost:8080/hook',
      'http://LOCALHOST./hook',
      'http://127.0.0.1/hook',
      'http://127.1.2.3:9000/',
      'http://10.1.2.3/hook',
      'http://172.20.0.1/',
      'http://192.168.1.1/',
      'http://[::1]/hook',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://169.254.169.254/latest/meta-data',
      'http://0.0.0.0/',
      'http://224.0.0.1/',
    ]) {
      assertProblem(await admin('POST', '/tenants/default/webhooks', { url }), 400, 'invalid-request', /refused/);
    }
    assertProblem(await admin('POST', '/tenants/default/webhooks', { url: 'file:///etc/passwd' }), 400, 'invalid-request', /only http and https/);
    assertProblem(await admin('POST', '/tenants/default/webhooks', { url: 'https://user:pw@example.com/' }), 400, 'invalid-request', /credentials/);
    const ok = await admin('POST', '/tenants/default/webhooks', { url: 'https://hooks.example.com/scimd' });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(checkWebhookUrl('http://127.0.0.1:9/x', true), 'http://127.0.0.1:9/x', 'allowed with allow-private');
    for (const ip of ['8.8.8.8', '2606:4700::1111', '172.32.0.1']) assert.equal(isBlockedAddress(ip), false, ip);
    await admin('DELETE', `/tenants/default/webhooks/${ok.body.id}`);
  });

  it('at delivery, an endpoint stored earlier whose host is or resolves to loopback gets nothing', async () => {
    const port = new URL(r.url).port;
    const t = await tenantId(s);
    const base = { tenantId: t, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', types: [], enabled: true, createdAt: new Date().toISOString(), state: 'active' as const, attempts: 0 };
    await s.request('POST', '/Users', user('ssrf-0'));
    const last = await s.running.store.lastTenantSeq(t);
    await s.running.store.createWebhookEndpoint({ ...base, id: 'ssrf-localhost', url: `http://localhost:${port}/hook`, deliveredSeq: last });
    assert.equal((await s.request('POST', '/Users', user('ssrf-1'))).status, 201);
    const failed = await eventually(async () => (await s.running.services.webhooks.deliveries('default', 'ssrf-localhost', { limit: 1 }))[0], { what: 'an attempt' });
    assert.match(failed.error ?? '', /internal address/);
    assert.equal(failed.status, undefined);
    // A name resolved by DNS (not a literal): refused by the lookup the connection uses.
    const name = hostname();
    const resolved = await lookup(name).catch(() => undefined);
    if (resolved && isBlockedAddress(resolved.address)) {
      const sent = await postWebhook(`http://${name}:${port}/hook`, { id: 'msg_1', body: '{}', secrets: [base.secret] }, { timeoutMs: 2000, allowPrivate: false });
      assert.equal(sent.ok, false);
      assert.match(sent.error ?? '', /resolves to .*internal address/);
      const allowed = await postWebhook(`http://${name}:${port}/hook`, { id: 'msg_2', body: '{}', secrets: [base.secret] }, { timeoutMs: 2000, allowPrivate: true });
      assert.equal(allowed.status, 200, allowed.error);
    }
    await new Promise<void>((resolve, reject) =>
      guardedLookup(false)('localhost', { all: true }, (err) => {
        try {
          assert.match(String(err), /internal address/);
          resolve();
        } catch (e) {
          reject(e as Error);
        }
      }),
    );
    assert.deepEqual(
      r.received.map((x) => x.id).filter((id) => id !== 'msg_2'),
      [],
      'the receiver on loopback got nothing but what allow-private let through',
    );
  });
});

describe('webhooks: sending', () => {
  it('an answer longer than 500 characters is cut there, without waiting for the rest; redirects are not followed', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      if (req.url === '/redirect') return void res.writeHead(302, { location: '/long' }).end();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('y'.repeat(800)); // and never ends
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const msg = { id: 'msg_cut', body: '{}', secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] };
      const r = await postWebhook(`http://127.0.0.1:${port}/long`, msg, { timeoutMs: 30_000, allowPrivate: true });
      assert.equal(r.ok, true);
      assert.equal(r.status, 200);
      assert.equal(r.excerpt, 'y'.repeat(500));
      assert.ok(r.durationMs < 30_000);
      const moved = await postWebhook(`http://127.0.0.1:${port}/redirect`, msg, { timeoutMs: 5_000, allowPrivate: true });
      assert.deepEqual([moved.ok, moved.status], [false, 302]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('webhooks: graceful shutdown', () => {
  it('close() abandons an attempt a receiver holds, releases the lease, and the event stays next', async () => {
    const stuck = await startReceiver(() => 'hang');
    const s = await startTestServer({ bootstrapAdminKey: ROOT_KEY }, { webhooks: { ...TUNING.webhooks, timeoutMs: 60_000 } });
    try {
      const hook = (await adminOf(s)('POST', '/tenants/default/webhooks', { url: stuck.url })).body;
      assert.equal((await s.request('POST', '/Users', user('bye'))).status, 201);
      await eventually(() => stuck.received.length === 1, { what: 'the attempt in flight' });
      await s.running.close();
      const store = openSqliteStore(join(s.dataDir, 'scimd.db'), { synchronous: 'NORMAL' });
      try {
        const ep = (await store.webhookEndpoint(hook.id))!;
        assert.deepEqual([ep.leaseOwner, ep.deliveredSeq, ep.attempts, ep.state], [undefined, hook.deliveredSeq, 0, 'active']);
        const [attempt] = await store.webhookAttempts(hook.id, { limit: 5 });
        assert.match(attempt?.error ?? '', /shutting down/);
      } finally {
        await store.close();
      }
    } finally {
      await s.close();
      await stuck.close();
    }
  });
});

describe('webhooks: back-off', () => {
  it('full jitter under an exponential ceiling, capped', () => {
    const s = { retryBaseMs: 5000, retryCapMs: 3_600_000 };
    assert.equal(retryDelayMs(1, s, () => 0.999999), 4999);
    assert.equal(retryDelayMs(3, s, () => 0.5), 10_000);
    assert.equal(retryDelayMs(40, s, () => 0.5), 1_800_000);
    assert.equal(retryDelayMs(5, s, () => 0), 0);
  });
});
