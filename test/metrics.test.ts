/**
 * GET /metrics end to end (real HTTP on 127.0.0.1, real SQLite): the counters after a mixed SCIM
 * workload equal the requests sent; access by token or private address; off is 404; tenants
 * beyond the configured number fold into `other`; no token ever appears in the exposition.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearerMatches, resourceOf } from '../src/http/metrics-route.ts';
import { isPrivateAddress } from '../src/http/private-address.ts';
import { createHash } from 'node:crypto';
import { eventually } from './helpers/eventually.ts';
import { Metrics } from '../src/http/metrics.ts';
import { instrumentStore, isDatabaseError } from '../src/store-metrics.ts';
import { StoreUnavailable, UniqueViolation, type Store } from '../src/store/types.ts';
import { patch, send, startTestServer, user, group, type TestServer } from './helpers/server.ts';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of `name`'s samples whose labels include `want`. */
function sum(samples: Sample[], name: string, want: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

const scrape = async (s: TestServer, headers: Record<string, string> = {}) => send(`${s.origin}/metrics`, 'GET', undefined, headers);

describe('metrics helpers', () => {
  it('private addresses', () => {
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', 'fc00::1', 'fd12::3', '::ffff:10.0.0.1']) assert.ok(isPrivateAddress(ip), ip);
    for (const ip of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '2001:db8::1', 'fe80::1', '::ffff:8.8.8.8', '', 'nonsense']) assert.ok(!isPrivateAddress(ip), ip);
  });
  it('bearer comparison', () => {
    const d = createHash('sha256').update('secret-metrics-token').digest();
    assert.ok(bearerMatches('Bearer secret-metrics-token', d));
    assert.ok(bearerMatches('bearer  secret-metrics-token', d));
    for (const a of [undefined, '', 'Bearer', 'Bearer secret', 'Basic secret-metrics-token', 'Bearer secret-metrics-token x']) assert.ok(!bearerMatches(a, d), String(a));
  });
  it('database transactions: timed by outcome; only failures of the database are errors', async () => {
    const m = new Metrics({ processMetrics: false });
    const fake = { transaction: async (fn: (tx: never) => Promise<unknown>) => fn(undefined as never), close: async () => undefined } as unknown as Store;
    const store = instrumentStore(fake, m);
    assert.equal(store.close, fake.close);
    assert.equal(await store.transaction(async () => 7), 7);
    await assert.rejects(store.transaction(async () => Promise.reject(new Error('a 409 of the request'))));
    await assert.rejects(store.transaction(async () => Promise.reject(new StoreUnavailable('database unavailable (SQLITE_FULL)'))));
    const samples = parse(await m.text());
    assert.equal(sum(samples, 'scimd_db_transaction_duration_seconds_count', { outcome: 'commit' }), 1);
    assert.equal(sum(samples, 'scimd_db_transaction_duration_seconds_count', { outcome: 'rollback' }), 2);
    assert.equal(sum(samples, 'scimd_db_errors_total'), 1);
    assert.ok(isDatabaseError(Object.assign(new Error('x'), { code: 'SQLITE_IOERR' })));
    assert.ok(isDatabaseError(Object.assign(new Error('x'), { code: '57P01' })));
    assert.ok(!isDatabaseError(new UniqueViolation('userName')));
    assert.ok(!isDatabaseError(new Error('plain')));
  });

  it('resources of routes', () => {
    assert.equal(resourceOf('/scim/v2/Users/:id'), 'Users');
    assert.equal(resourceOf('/scim/Groups'), 'Groups');
    assert.equal(resourceOf('/t/:tenant/scim/v2/Bulk'), 'Bulk');
    assert.equal(resourceOf('/scim/v2/.search'), 'search');
    assert.equal(resourceOf('/scim/v2/ServiceProviderConfig'), 'ServiceProviderConfig');
    assert.equal(resourceOf('/links/:token'), 'other');
    assert.equal(resourceOf(undefined), 'other');
  });
});

describe('GET /metrics after a mixed SCIM workload', () => {
  let s: TestServer;
  before(async () => {
    // One failed authentication per address and then 429 (the second bad token), answered at once.
    s = await startTestServer({ unauthenticatedRateLimit: 1, unauthenticatedRateLimitBurst: 1, rateLimitHold: 0 });
  });
  after(() => s?.close());

  it('counts every request by method, resource, status class, tenant and client', async () => {
    const sent: { method: string; resource: string; status: number; authed: boolean }[] = [];
    const go = async (method: string, path: string, resource: string, body?: unknown, headers: Record<string, string | null> = {}) => {
      const r = await s.request(method, path, body, headers);
      sent.push({ method, resource, status: r.status, authed: !('authorization' in headers) });
      return r;
    };
    const a = await go('POST', '/Users', 'Users', user('ada'));
    assert.equal(a.status, 201);
    assert.equal((await go('POST', '/Users', 'Users', user('bob'))).status, 201);
    assert.equal((await go('POST', '/Groups', 'Groups', group('ops'))).status, 201);
    assert.equal((await go('GET', `/Users/${a.body.id}`, 'Users')).status, 200);
    assert.equal((await go('GET', '/Users?filter=userName%20eq%20%22bob%22', 'Users')).status, 200);
    // `Replace`, as Entra ID spells it: the opCase normaliser of the tolerant default reads it as `replace`.
    assert.equal((await go('PATCH', `/Users/${a.body.id}`, 'Users', patch({ op: 'Replace', path: 'displayName', value: 'Ada L' }))).status, 200);
    assert.equal((await go('DELETE', `/Users/${a.body.id}`, 'Users')).status, 204);
    assert.equal((await go('GET', `/Users/${a.body.id}`, 'Users')).status, 404);
    assert.equal((await go('GET', '/ServiceProviderConfig', 'ServiceProviderConfig')).status, 200);
    assert.equal((await go('GET', '/Users', 'Users', undefined, { authorization: 'Bearer not-a-token' })).status, 401);
    assert.equal((await go('GET', '/Users', 'Users', undefined, { authorization: 'Bearer not-a-token-either' })).status, 429);

    const expected = new Map<string, number>();
    for (const r of sent) {
      const k = `${r.method} ${r.resource} ${Math.floor(r.status / 100)}xx`;
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    const samples = await eventually(
      async () => {
        const r = await scrape(s);
        assert.equal(r.status, 200);
        const all = parse(r.text);
        return sum(all, 'scimd_http_requests_total') === sent.length && all;
      },
      { what: 'every request counted' },
    );
    for (const [k, n] of expected) {
      const [method, resource, status_class] = k.split(' ') as [string, string, string];
      assert.equal(sum(samples, 'scimd_http_requests_total', { method, resource, status_class }), n, k);
      assert.equal(sum(samples, 'scimd_http_request_duration_seconds_count', { method, resource }), sent.filter((r) => r.method === method && r.resource === resource).length, `${k}: latency`);
    }
    const authed = sent.filter((r) => r.authed).length;
    assert.equal(sum(samples, 'scimd_http_requests_total', { tenant: 'default', client: 'default' }), authed);
    assert.equal(sum(samples, 'scimd_http_requests_total', { tenant: 'none', client: 'none', idp: 'none' }), sent.length - authed);
    assert.equal(sum(samples, 'scimd_normalisers_fired_total', { normaliser: 'opCase' }), 1);
    assert.equal(sum(samples, 'scimd_normalisers_fired_total'), 1);
    assert.equal(sum(samples, 'scimd_rate_limited_total', { reason: 'address' }), 1);
    assert.equal(sum(samples, 'scimd_rate_limited_total'), 1);
    // Writes ran in transactions and group commits; nothing failed in the database.
    assert.ok(sum(samples, 'scimd_db_transaction_duration_seconds_count', { outcome: 'commit' }) >= 4);
    assert.equal(sum(samples, 'scimd_db_errors_total'), 0);
    assert.ok(sum(samples, 'scimd_sqlite_group_commit_batch_size_sum') >= 4);
    assert.ok(samples.some((x) => x.name === 'scimd_request_log_queue_depth'));
    assert.equal(sum(samples, 'scimd_mail_outbox_pending'), 0);
    assert.ok(samples.some((x) => x.name === 'scimd_process_cpu_user_seconds_total'));
    // Scrapes are not counted, and the SCIM token is nowhere.
    const again = await scrape(s);
    assert.equal(sum(parse(again.text), 'scimd_http_requests_total'), sent.length);
    assert.ok(!again.text.includes(s.token));
    assert.match(again.headers.get('content-type') ?? '', /^text\/plain/);
  });
});

describe('access to /metrics', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ metricsToken: TOKEN, trustProxy: true });
  });
  after(() => s?.close());

  it('with a token: 401 without it or with another, 200 with it, from any address; the token is not in the exposition', async () => {
    assert.equal((await scrape(s)).status, 401);
    assert.equal((await scrape(s, { authorization: 'Bearer metrics-token-0123456789abcdeX' })).status, 401);
    assert.equal((await scrape(s, { authorization: `Bearer ${s.token}` })).status, 401);
    const ok = await scrape(s, { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' });
    assert.equal(ok.status, 200);
    assert.ok(ok.text.includes('scimd_http_requests_total'));
    assert.ok(!ok.text.includes(TOKEN));
    assert.ok(!ok.text.includes(s.token));
  });

  it('without a token: private addresses only (the forwarded one behind --trust-proxy), 404 for others', async () => {
    const open = await startTestServer({ trustProxy: true });
    try {
      assert.equal((await scrape(open)).status, 200);
      assert.equal((await scrape(open, { 'x-forwarded-for': '10.1.2.3' })).status, 200);
      assert.equal((await scrape(open, { 'x-forwarded-for': '203.0.113.9' })).status, 404);
      assert.equal((await scrape(open, { 'x-forwarded-for': '2001:db8::1' })).status, 404);
    } finally {
      await open.close();
    }
  });

  it('--metrics off: 404, and SCIM works as before', async () => {
    const off = await startTestServer({ metrics: 'off' });
    try {
      assert.equal((await scrape(off)).status, 404);
      assert.equal((await off.request('GET', '/Users')).status, 200);
    } finally {
      await off.close();
    }
  });
});

describe('label cardinality', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ metricsMaxTenants: 2 });
  });
  after(() => s?.close());

  it('tenants beyond --metrics-max-tenants fold into other', async () => {
    for (const name of ['alpha', 'beta', 'gamma', 'delta']) {
      const token = await s.tenant(name);
      const r = await send(`${s.origin}/t/${name}/scim/v2/Users`, 'GET', undefined, { authorization: `Bearer ${token}` });
      assert.equal(r.status, 200);
    }
    const samples = await eventually(
      async () => {
        const all = parse((await scrape(s)).text);
        return sum(all, 'scimd_http_requests_total') === 4 && all;
      },
      { what: 'four requests counted' },
    );
    assert.equal(sum(samples, 'scimd_http_requests_total', { tenant: 'alpha' }), 1);
    assert.equal(sum(samples, 'scimd_http_requests_total', { tenant: 'beta' }), 1);
    assert.equal(sum(samples, 'scimd_http_requests_total', { tenant: 'other' }), 2);
    const tenants = new Set(samples.filter((x) => x.name === 'scimd_http_requests_total').map((x) => x.labels.tenant));
    assert.deepEqual([...tenants].sort(), ['alpha', 'beta', 'other']);
  });
});
