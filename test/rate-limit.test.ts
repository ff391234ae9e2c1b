/**
 * Rate limits end to end, on a real server: a SCIM client past its burst gets 429 with an
 * integer Retry-After and an RFC 7644 §3.12 body, and is admitted again once that time has
 * passed; other clients, of the same tenant or another, are not affected; a client's own
 * `rateLimit` setting overrides the server's; requests with bad tokens (and unknown link tokens)
 * spend a per-address budget. Refill timing itself is unit-tested with a clock (src/http/).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { resolveConfig } from '../src/config.ts';
import { AdminError } from '../src/provisioning/tenants/directory-admin.ts';
import { DEFAULT_RATE_LIMITS } from '../src/http/rate-limit.ts';
import { freshDatabase } from './helpers/postgres.ts';
import { ERROR_SCHEMA, send, startTestServer, user, type Reply, type TestServer } from './helpers/server.ts';
import { eventually } from './helpers/eventually.ts';

/** What `scimd serve` runs with when nothing is configured (test servers otherwise turn limits off). */
const SERVE_DEFAULTS = (() => {
  const c = resolveConfig({}, {});
  return {
    rateLimit: c.rateLimit,
    rateLimitBurst: c.rateLimitBurst,
    rateLimitMode: c.rateLimitMode,
    rateLimitHold: c.rateLimitHold,
    unauthenticatedRateLimit: c.unauthenticatedRateLimit,
    unauthenticatedRateLimitBurst: c.unauthenticatedRateLimitBurst,
    clientConcurrency: c.clientConcurrency,
  };
})();

/**
 * A request of `token`'s client that stays in progress until the returned socket is destroyed:
 * a POST whose body never comes. Resolves once the server has admitted it.
 */
async function requestInProgress(s: TestServer, token: string, admitted: () => boolean): Promise<Socket> {
  const socket = connect(Number(new URL(s.origin).port), '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(`POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{`);
  await eventually(admitted, { what: 'the request to start', intervalMs: 10 });
  return socket;
}

/** Sends `n` GETs one after another (so the order is known) and returns their statuses. */
async function statuses(s: TestServer, n: number, token: string, path = '/Users?count=1'): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await s.request('GET', path, undefined, { authorization: `Bearer ${token}` })).status);
  return out;
}

function assertTooMany(r: Reply): void {
  assert.equal(r.status, 429, r.text);
  const retry = r.headers.get('retry-after');
  assert.match(retry ?? '', /^[1-9]\d*$/, `Retry-After is a positive integer of seconds: ${retry}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
  assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
  assert.equal(r.body.status, '429');
  assert.equal('scimType' in r.body, false, 'RFC 7644 defines no scimType for 429');
  assert.equal(typeof r.body.detail, 'string');
}

describe('per-client rate limit', () => {
  let s: TestServer;
  let otherTenant: string;
  let sameTenant: string;

  before(async () => {
    // 1 request/s sustained, bursts of 5, refused even alone (`always`): a few sequential requests exhaust it.
    s = await startTestServer({ rateLimit: 1, rateLimitBurst: 5, rateLimitMode: 'always', unauthenticatedRateLimit: 1, unauthenticatedRateLimitBurst: 3, rateLimitHold: 0 });
    otherTenant = await s.tenant('other');
    sameTenant = (await s.running.services.admin.createClient('default', 'second')).token;
  });
  after(() => s.close());

  it('admits the burst, then answers 429 with Retry-After and a SCIM error; after Retry-After it admits again', async () => {
    const got = await statuses(s, 5, s.token);
    assert.deepEqual(got, [200, 200, 200, 200, 200]);
    const r = await s.request('GET', '/Users?count=1');
    assertTooMany(r);
    assert.match(r.body.detail, /SCIM client 'default' may send 1 requests per second \(bursts of 5\)/);
    // Writes count too, and a refused write changes nothing.
    const post = await s.request('POST', '/Users', user('refused-while-limited'));
    assertTooMany(post);
    // A fixed wait on purpose: the client must wait out Retry-After, a time window, not a condition.
    await delay(Number(r.headers.get('retry-after')) * 1000 + 50);
    const again = await s.request('GET', '/Users?filter=userName%20eq%20%22refused-while-limited%22');
    assert.equal(again.status, 200, 'admitted after waiting Retry-After');
    assert.equal(again.body.totalResults, 0, 'the refused POST created nothing');
  });

  it('another client of the same tenant, and a client of another tenant, are not limited by it', async () => {
    const flood = await statuses(s, 10, s.token);
    assert.ok(flood.includes(429), `the default client is limited: ${flood.join(' ')}`);
    assert.deepEqual(await statuses(s, 5, sameTenant), [200, 200, 200, 200, 200], 'second client of tenant default');
    assert.deepEqual(await statuses(s, 5, otherTenant), [200, 200, 200, 200, 200], 'client of tenant other');
  });

  it('every route counts, discovery included; the 429 is in the request log under its client', async () => {
    const limited = await statuses(s, 8, otherTenant, '/ServiceProviderConfig');
    assert.equal(limited.at(-1), 429);
    await s.running.services.requestLog.flush();
    const rows = await s.running.store.requestLog({ minStatus: 429, maxStatus: 429, limit: 100 });
    assert.ok(rows.some((r) => r.clientName === 'idp' && r.tenantName === 'other' && r.path.endsWith('/ServiceProviderConfig')), 'logged with tenant and client');
  });

  it('a flood of refusals writes about one request-log row per second, each saying how many it left out', async () => {
    const token = (await s.running.services.admin.createClient('other', 'flooder')).token;
    await s.running.services.admin.setClientSetting('other', 'flooder', 'rateLimit.burst', '1');
    const started = Date.now();
    const got = await statuses(s, 60, token, '/Users?count=0');
    const elapsedS = (Date.now() - started) / 1000;
    const refused = got.filter((c) => c === 429).length;
    assert.ok(refused >= 50, `refused ${refused}`);
    await s.running.services.requestLog.flush();
    const rows = (await s.running.store.requestLog({ minStatus: 429, maxStatus: 429, limit: 1000 })).filter((r) => r.clientName === 'flooder');
    assert.ok(rows.length >= 1 && rows.length <= Math.ceil(elapsedS) + 1, `${rows.length} rows for ${refused} refusals in ${elapsedS} s`);
    const noted = rows.flatMap((r) => r.notes).join(' ');
    if (rows.length > 1) assert.match(noted, /rateLimit: \d+ more refused requests of this client or address were not logged/);
  });

  it("a client's rateLimit setting overrides the server's, and takes effect on the next request", async () => {
    const { admin } = s.running.services;
    const token = (await admin.createClient('other', 'own-limit')).token;
    await admin.setClientSetting('other', 'own-limit', 'rateLimit', 'off');
    const unlimited = await statuses(s, 30, token);
    assert.ok(
      unlimited.every((c) => c === 200),
      `rateLimit off: ${unlimited.join(' ')}`,
    );
    await admin.setClientSetting('other', 'own-limit', 'rateLimit', '1');
    await admin.setClientSetting('other', 'own-limit', 'rateLimit.burst', '2');
    const own = await statuses(s, 3, token);
    assert.deepEqual(own, [200, 200, 429], 'its own burst of 2');
    await admin.setClientSetting('other', 'own-limit', 'rateLimit', 'default');
    await admin.setClientSetting('other', 'own-limit', 'rateLimit.burst', 'default');
    const client = await s.running.store.clientByName((await s.running.store.listTenants()).find((t) => t.name === 'other')!.id, 'own-limit');
    assert.deepEqual(client?.settings, {}, 'default removes the settings');
  });

  it('refuses invalid rateLimit settings with a clear message', async () => {
    const { admin } = s.running.services;
    for (const [key, value] of [
      ['rateLimit', 'fast'],
      ['rateLimit', '0'],
      ['rateLimit', '1.5'],
      ['rateLimit', '100001'],
      ['rateLimit.burst', 'off'],
      ['rateLimit.burst', '0'],
    ] as const) {
      await assert.rejects(
        admin.setClientSetting('default', 'second', key, value),
        (e: unknown) => e instanceof AdminError && e.message.includes(key),
        `${key} ${value}`,
      );
    }
  });
});

describe('per-address limit on failed authentication', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ unauthenticatedRateLimit: 1, unauthenticatedRateLimitBurst: 3, rateLimitHold: 0 });
  });
  after(() => s.close());

  it('bad tokens get 401 until the budget is spent, then 429 without the token being looked at', async () => {
    const bad = { authorization: 'Bearer scimd_guessing-0000000000000000000000000000000000000' };
    const got: Reply[] = [];
    for (let i = 0; i < 5; i++) got.push(await s.request('GET', '/Users', undefined, i % 2 ? bad : { authorization: null }));
    assert.deepEqual(
      got.map((r) => r.status),
      [401, 401, 401, 429, 429],
    );
    assertTooMany(got[4]!);
    assert.match(got[4]!.body.detail, /without a valid bearer token from this address/);
    // While the address is refused, so is a valid token from it: the refusal happens before the
    // token is read, which is what bounds guessing (see README, Operating scimd).
    assertTooMany(await s.request('GET', '/Users'));
  });

  it('valid tokens do not spend the address budget', async () => {
    const fresh = await startTestServer({ unauthenticatedRateLimit: 1, unauthenticatedRateLimitBurst: 2, rateLimitHold: 0 });
    try {
      for (let i = 0; i < 30; i++) assert.equal((await fresh.request('GET', '/Users?count=0')).status, 200);
    } finally {
      await fresh.close();
    }
  });

  it('unknown invitation links spend the same budget', async () => {
    const fresh = await startTestServer({ unauthenticatedRateLimit: 1, unauthenticatedRateLimitBurst: 2, rateLimitHold: 0 });
    try {
      const got: number[] = [];
      for (let i = 0; i < 4; i++) got.push((await send(`${fresh.origin}/invitations/guess-${i}`, 'GET')).status);
      assert.deepEqual(got, [404, 404, 429, 429]);
    } finally {
      await fresh.close();
    }
  });
});

describe('holding refusals', () => {
  it('a refused request is answered only after --rate-limit-hold; other clients are answered meanwhile', async () => {
    const s = await startTestServer({ rateLimit: 1, rateLimitBurst: 1, rateLimitMode: 'always', rateLimitHold: 800 });
    try {
      const other = await s.tenant('other');
      assert.equal((await s.request('GET', '/Users?count=0')).status, 200);
      const started = Date.now();
      const refused = s.request('GET', '/Users?count=0').then((r) => ({ r, ms: Date.now() - started }));
      // While that refusal is held, another tenant's client is served.
      const meanwhile = await s.request('GET', '/Users?count=0', undefined, { authorization: `Bearer ${other}` });
      assert.equal(meanwhile.status, 200);
      const { r, ms } = await refused;
      assertTooMany(r);
      assert.ok(ms >= 350, `held ${ms} ms (at least half of 800)`);
      assert.equal(s.running.services.rateLimiter.held, 0);
    } finally {
      await s.close();
    }
  });
});

describe('per-client concurrency (fair sharing)', () => {
  it("requests beyond a client's concurrency wait their turn; other clients are served meanwhile; a closed connection gives its turn back", async () => {
    const s = await startTestServer({ clientConcurrency: 1 });
    try {
      const other = await s.tenant('other');
      const tenant = (await s.running.store.listTenants()).find((t) => t.name === 'default')!;
      const clientId = (await s.running.store.clientByName(tenant.id, 'default'))!.id;
      const gates = s.running.services.clientGates;
      // Client default's only turn, held by a request whose body never comes.
      const slow = await requestInProgress(s, s.token, () => gates.state(clientId).active > 0);
      const queued = s.request('GET', '/Users?count=0');
      await eventually(() => gates.state(clientId).waiting > 0, { what: 'the second request to queue', intervalMs: 10 });
      // Another tenant's client is not behind them.
      const meanwhile = await s.request('GET', '/Users?count=0', undefined, { authorization: `Bearer ${other}` });
      assert.equal(meanwhile.status, 200);
      assert.deepEqual(gates.state(clientId), { active: 1, waiting: 1 }, 'still waiting');
      // The slow client goes away: its turn passes on.
      slow.destroy();
      assert.equal((await queued).status, 200);
      await eventually(() => gates.state(clientId).active === 0, { what: 'the turn given back', intervalMs: 10 });
      assert.deepEqual(gates.state(clientId), { active: 0, waiting: 0 }, 'every turn given back');
      assert.equal(s.running.services.rateLimiter.active.requests, 0, 'and no request counted as in progress');
    } finally {
      await s.close();
    }
  });
});

describe('rate limits off', () => {
  it('--rate-limit off and --unauthenticated-rate-limit off: no request is ever refused for its rate', async () => {
    const s = await startTestServer({ rateLimit: 0, unauthenticatedRateLimit: 0 });
    try {
      const replies = await Promise.all(Array.from({ length: 200 }, () => s.request('GET', '/Users?count=0')));
      assert.ok(replies.every((r) => r.status === 200));
      const bad = await Promise.all(Array.from({ length: 50 }, () => s.request('GET', '/Users', undefined, { authorization: 'Bearer nope' })));
      assert.ok(bad.every((r) => r.status === 401));
    } finally {
      await s.close();
    }
  });
});

describe('fair rate limits (the default)', () => {
  it('a client alone on a server with the default settings: 2,000 requests one after another, as fast as it goes, and not one 429', async () => {
    const s = await startTestServer(SERVE_DEFAULTS);
    try {
      assert.equal(s.running.services.rateLimiter.limits.clientMode, 'fair');
      const got = new Map<number, number>();
      for (let i = 0; i < 2000; i++) {
        const r = i % 4 === 3 ? await s.request('POST', '/Users', user(`alone-${i}`)) : await s.request('GET', `/Users?count=1&startIndex=${i}`);
        got.set(r.status, (got.get(r.status) ?? 0) + 1);
      }
      assert.deepEqual([...got].sort(), [
        [200, 1500],
        [201, 500],
      ]);
    } finally {
      await s.close();
    }
  });

  it('a client past its share is refused while another client has a request in progress, and admitted again once that client has gone quiet', async () => {
    // A share that does not refill while the test runs: whatever the machine's speed, the bucket is empty.
    const s = await startTestServer({}, { rateLimits: { ...DEFAULT_RATE_LIMITS, client: { rate: 0.001, burst: 3 }, holdMs: 0 } });
    try {
      const other = await s.tenant('other');
      const limiter = s.running.services.rateLimiter;
      assert.deepEqual(await statuses(s, 10, s.token), Array(10).fill(200), 'alone: past its burst of 3 and admitted');
      const slow = await requestInProgress(s, other, () => limiter.active.requests > 0);
      const r = await s.request('GET', '/Users?count=1');
      assertTooMany(r);
      assert.match(r.body.detail, /SCIM client 'default' may send 0\.001 requests per second \(bursts of 3\) while other clients are active/);
      assert.equal((await s.request('GET', '/Users?count=1', undefined, { authorization: `Bearer ${other}` })).status, 200, 'the other client has its own share');
      slow.destroy();
      let status = 429;
      await eventually(
        async () => {
          status = (await s.request('GET', '/Users?count=1')).status;
          return status !== 429;
        },
        { what: 'admitted again once the other client is quiet', timeoutMs: 30_000 },
      );
      assert.equal(status, 200);
    } finally {
      await s.close();
    }
  });

  it("a client's own rateLimit refuses it even alone, as documented", async () => {
    const s = await startTestServer(SERVE_DEFAULTS);
    try {
      const { admin } = s.running.services;
      await admin.setClientSetting('default', 'default', 'rateLimit', '1');
      await admin.setClientSetting('default', 'default', 'rateLimit.burst', '2');
      const got = await statuses(s, 6, s.token);
      assert.deepEqual(got.slice(0, 2), [200, 200], 'its burst of 2');
      assert.ok(got.includes(429), `then refused: ${got.join(' ')}`);
      const refused = await s.request('GET', '/Users?count=1');
      if (refused.status === 429) assert.match(refused.body.detail, /may send 1 requests per second \(bursts of 2\)\./);
    } finally {
      await s.close();
    }
  });
});

/**
 * Sends each request on its own connection, all connections opened first and the requests then
 * written in one go, so that they reach the server together however slow the machine; resolves
 * to the status of each answer.
 */
async function together(s: TestServer, requests: readonly string[]): Promise<number[]> {
  const port = Number(new URL(s.origin).port);
  const sockets = await Promise.all(
    requests.map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  const answers = sockets.map(
    (socket) =>
      new Promise<number>((resolve, reject) => {
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (d: string) => (text += d));
        socket.once('error', reject);
        socket.once('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
      }),
  );
  requests.forEach((r, i) => sockets[i]!.write(r));
  return Promise.all(answers);
}

describe('bad tokens sent together', () => {
  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`${backend}: 200 requests at once with wrong tokens from one address: no more than the burst (20) are looked up (401), the rest get 429`, async (t) => {
      const db = backend === 'postgres' ? await freshDatabase('badtokens') : undefined;
      // The default burst, with a rate that adds nothing while the requests arrive on a slow machine.
      const s = await startTestServer(db ? { databaseUrl: db.url } : {}, { rateLimits: { ...DEFAULT_RATE_LIMITS, unauthenticated: { rate: 0.001, burst: 20 } } });
      try {
        const got = await together(
          s,
          Array.from({ length: 200 }, (_, i) => `GET /scim/v2/Users?count=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer scimd_guess-${String(i).padStart(40, '0')}\r\nConnection: close\r\n\r\n`),
        );
        const count = (status: number) => got.filter((c) => c === status).length;
        t.diagnostic(`${backend}: ${count(401)} × 401, ${count(429)} × 429`);
        assert.ok(count(401) >= 1 && count(401) <= 20, `${count(401)} × 401`);
        assert.equal(count(401) + count(429), 200, got.join(' '));
        // And the budget is spent: the next one is refused too, with the SCIM 429.
        assertTooMany(await s.request('GET', '/Users?count=1', undefined, { authorization: 'Bearer scimd_one-more-guess' }));
      } finally {
        await s.close();
        await db?.drop();
      }
    });
  }
});
