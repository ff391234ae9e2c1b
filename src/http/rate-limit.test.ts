import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { ERROR_URN } from '../scim/errors.ts';
import { hashToken } from '../provisioning/tenants/tokens.ts';
import { addressKey, clientLimit, DEFAULT_RATE_LIMITS, RateLimiter, type Outcome } from './rate-limit.ts';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const client = (id: string, settings: Record<string, string> = {}) => ({ id, name: `client-${id}`, tenantId: 't1', createdAt: '', settings });

/** A request as the limiter sees it: its address, and where refusals note their sampling. */
const from = (ip: string) => ({ ip }) as unknown as FastifyRequest;

/** A lookup outcome that counts as a failed authentication. */
const FAILED = (o: Outcome<string>) => 'error' in o;
const lookups = { run: 0 };
const fails = () => {
  lookups.run++;
  return Promise.reject(new Error('401'));
};
const succeeds = () => {
  lookups.run++;
  return Promise.resolve('ok');
};

/** Runs a failing lookup from `ip`: 'failed' when it ran, else the status of the refusal. */
async function guess(limiter: RateLimiter, ip: string, known = false): Promise<'failed' | number> {
  return limiter.guardLookup(from(ip), fails, FAILED, known).then(
    () => assert.fail('the lookup fails'),
    (e: { message?: string; status?: number }) => (e.message === '401' ? 'failed' : (e.status ?? 0)),
  );
}

describe('clientLimit: a client setting overrides the default', () => {
  const fallback = { rate: 50, burst: 100 };
  it('no setting: the default', () => assert.deepEqual(clientLimit(client('a'), fallback), fallback));
  it('rateLimit off: unlimited', () => assert.equal(clientLimit(client('a', { rateLimit: 'off' }), fallback), undefined));
  it('a rate alone brings a burst of twice the rate', () => assert.deepEqual(clientLimit(client('a', { rateLimit: '5' }), fallback), { rate: 5, burst: 10 }));
  it('a burst alone keeps the default rate', () => assert.deepEqual(clientLimit(client('a', { 'rateLimit.burst': '7' }), fallback), { rate: 50, burst: 7 }));
  it('both', () => assert.deepEqual(clientLimit(client('a', { rateLimit: '3', 'rateLimit.burst': '4' }), fallback), { rate: 3, burst: 4 }));
  it('a client may have a limit when the server default is off', () => assert.deepEqual(clientLimit(client('a', { rateLimit: '2' }), undefined), { rate: 2, burst: 4 }));
  it('the server default off and no setting: unlimited', () => assert.equal(clientLimit(client('a'), undefined), undefined));
});

describe('addressKey', () => {
  it('IPv4 is itself; IPv4-mapped IPv6 is its IPv4', () => {
    assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
  });
  it('IPv6 counts per /64, however it is written', () => {
    assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:1:2::9'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0DB8:0001:0002:ffff::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
  });
});

describe('RateLimiter', () => {
  it('the defaults: 50/s with a burst of 100 per client, 5/s with a burst of 20 per address', () => {
    assert.deepEqual(DEFAULT_RATE_LIMITS, { client: { rate: 50, burst: 100 }, clientMode: 'fair', unauthenticated: { rate: 5, burst: 20 }, holdMs: 1000 });
  });

  it('a client past its burst gets 429 with an integer Retry-After and a SCIM error body without scimType', () => {
    const c = clock();
    const limiter = new RateLimiter({ client: { rate: 2, burst: 3 } }, c.now);
    const a = client('a');
    for (let i = 0; i < 3; i++) assert.equal(limiter.admitClient({ client: a }), undefined, `request ${i + 1} of the burst`);
    const e = limiter.admitClient({ client: a })?.error;
    assert.ok(e);
    assert.equal(e.status, 429);
    assert.equal(e.headers['retry-after'], '1');
    assert.deepEqual(Object.keys(e.toBody()).sort(), ['detail', 'schemas', 'status']);
    assert.deepEqual(e.toBody().schemas, [ERROR_URN]);
    assert.equal(e.toBody().status, '429');
    assert.match(e.detail, /client-a.*2 requests per second.*bursts of 3.*Retry after 1 s/);
  });

  it('refills: after Retry-After seconds the client is admitted again', () => {
    const c = clock();
    const limiter = new RateLimiter({ client: { rate: 1, burst: 1 } }, c.now);
    const a = client('a');
    assert.equal(limiter.admitClient({ client: a }), undefined);
    const e = limiter.admitClient({ client: a })?.error;
    assert.ok(e);
    c.advance(Number(e.headers['retry-after']) * 1000);
    assert.equal(limiter.admitClient({ client: a }), undefined);
  });

  it('one client limited, another (same tenant or not) is not', () => {
    const c = clock();
    const limiter = new RateLimiter({ client: { rate: 1, burst: 2 } }, c.now);
    const flood = client('flood');
    for (let i = 0; i < 50; i++) limiter.admitClient({ client: flood });
    assert.ok(limiter.admitClient({ client: flood }));
    assert.equal(limiter.admitClient({ client: client('calm') }), undefined);
    assert.equal(limiter.admitClient({ client: client('calm') }), undefined);
  });

  it("a client's own rateLimit setting is read on each request", () => {
    const c = clock();
    const limiter = new RateLimiter({ client: { rate: 1, burst: 1 } }, c.now);
    assert.equal(limiter.admitClient({ client: client('a') }), undefined);
    assert.ok(limiter.admitClient({ client: client('a') }));
    for (let i = 0; i < 100; i++) assert.equal(limiter.admitClient({ client: client('a', { rateLimit: 'off' }) }), undefined);
  });

  it('no limits: everything is admitted', async () => {
    const limiter = new RateLimiter({});
    for (let i = 0; i < 1000; i++) {
      assert.equal(limiter.admitClient({ client: client('a') }), undefined);
      assert.equal(await guess(limiter, '192.0.2.1'), 'failed');
    }
  });
});

describe('RateLimiter: fair mode (the default)', () => {
  const fair = (rate = 0.001, burst = 2) => new RateLimiter({ client: { rate, burst }, clientMode: 'fair' }, clock().now);

  it('a client alone is admitted past its bucket, however many requests it sends', () => {
    const limiter = fair();
    for (let i = 0; i < 1000; i++) {
      assert.equal(limiter.admitClient({ client: client('a') }), undefined, `request ${i + 1}`);
      limiter.begin('a')();
    }
  });

  it('while another client has a request in progress, a client past its bucket is refused, saying why', () => {
    const limiter = fair();
    for (let i = 0; i < 5; i++) assert.equal(limiter.admitClient({ client: client('a') }), undefined);
    const end = limiter.begin('b');
    const e = limiter.admitClient({ client: client('a') })?.error;
    assert.equal(e?.status, 429);
    assert.match(e?.detail ?? '', /bursts of 2\) while other clients are active/);
    assert.equal(limiter.admitClient({ client: client('b') }), undefined, 'the other client has its own share');
    end();
  });

  it('another client counts as active for a second after its last request', () => {
    const c = clock();
    const limiter = new RateLimiter({ client: { rate: 0.001, burst: 1 }, clientMode: 'fair' }, c.now);
    limiter.admitClient({ client: client('a') });
    limiter.begin('b')();
    c.advance(999);
    assert.ok(limiter.admitClient({ client: client('a') }), 'b was active 999 ms ago');
    c.advance(1);
    assert.equal(limiter.admitClient({ client: client('a') }), undefined, 'b has been quiet for a second');
  });

  it("a client's own requests do not count against it", () => {
    const limiter = fair();
    const ends = Array.from({ length: 10 }, () => limiter.begin('a'));
    for (let i = 0; i < 10; i++) assert.equal(limiter.admitClient({ client: client('a') }), undefined);
    for (const end of ends) end();
  });

  it('a limit of its own (rateLimit, rateLimit.burst) refuses a client even alone', () => {
    const limiter = fair();
    assert.equal(limiter.admitClient({ client: client('a', { rateLimit: '1', 'rateLimit.burst': '1' }) }), undefined);
    assert.match(limiter.admitClient({ client: client('a', { rateLimit: '1', 'rateLimit.burst': '1' }) })?.error.detail ?? '', /1 requests per second \(bursts of 1\)\./);
    assert.equal(limiter.admitClient({ client: client('b', { 'rateLimit.burst': '1' }) }), undefined);
    assert.ok(limiter.admitClient({ client: client('b', { 'rateLimit.burst': '1' }) }), 'a burst of its own is a limit of its own');
  });

  it('always mode: a client past its bucket is refused alone too', () => {
    const limiter = new RateLimiter({ client: { rate: 0.001, burst: 1 }, clientMode: 'always' }, clock().now);
    assert.equal(limiter.admitClient({ client: client('a') }), undefined);
    assert.ok(limiter.admitClient({ client: client('a') }));
  });
});

describe('RateLimiter: the address budget of failed authentications', () => {
  it('failed lookups spend it; once spent, the address is refused without a lookup', async () => {
    const c = clock();
    const limiter = new RateLimiter({ unauthenticated: { rate: 1, burst: 3 } }, c.now);
    const ip = '198.51.100.9';
    for (let i = 0; i < 3; i++) assert.equal(await guess(limiter, ip), 'failed');
    const before = lookups.run;
    const e = await limiter.guardLookup(from(ip), fails, FAILED).then(
      () => assert.fail('refused'),
      (x: unknown) => x as { status: number; headers: Record<string, string> },
    );
    assert.equal(e.status, 429);
    assert.equal(e.headers['retry-after'], '1');
    assert.equal(lookups.run, before, 'no lookup');
    assert.equal(await guess(limiter, '198.51.100.10'), 'failed', 'another address is not affected');
    c.advance(1000);
    assert.equal(await guess(limiter, ip), 'failed', 'one more try a second later');
    assert.equal(await guess(limiter, ip), 429);
  });

  it('is charged before the lookup: of lookups that run at once, no more than the burst start', async () => {
    const limiter = new RateLimiter({ unauthenticated: { rate: 0.001, burst: 3 } }, clock().now);
    const pending: (() => void)[] = [];
    const slowFail = () => new Promise<string>((_resolve, reject) => pending.push(() => reject(new Error('401'))));
    const all = Array.from({ length: 20 }, () => limiter.guardLookup(from('192.0.2.1'), slowFail, FAILED).then(() => 200, (e: { status?: number }) => e.status ?? 401));
    await Promise.resolve();
    assert.equal(pending.length, 3, 'three lookups started');
    for (const reject of pending) reject();
    const statuses = await Promise.all(all);
    assert.equal(statuses.filter((s) => s === 401).length, 3);
    assert.equal(statuses.filter((s) => s === 429).length, 17);
  });

  it('a lookup that does not fail gives its charge back, so valid tokens spend nothing', async () => {
    const limiter = new RateLimiter({ unauthenticated: { rate: 0.001, burst: 1 } }, clock().now);
    for (let i = 0; i < 100; i++) assert.equal(await limiter.guardLookup(from('192.0.2.1'), succeeds, FAILED), 'ok');
    const unavailable = () => Promise.reject(new Error('503'));
    for (let i = 0; i < 100; i++) await assert.rejects(limiter.guardLookup(from('192.0.2.1'), unavailable, (o) => 'error' in o && (o.error as Error).message === '401'), /503/);
    assert.equal(await guess(limiter, '192.0.2.1'), 'failed', 'the budget is whole');
    assert.equal(await guess(limiter, '192.0.2.1'), 429);
  });

  it('a token a recent lookup found is only checked while it is looked up, and charged if it fails', async () => {
    const limiter = new RateLimiter({ unauthenticated: { rate: 0.001, burst: 2 } }, clock().now);
    const pending: (() => void)[] = [];
    const slowOk = () => new Promise<string>((resolve) => pending.push(() => resolve('ok')));
    const all = Array.from({ length: 10 }, () => limiter.guardLookup(from('192.0.2.1'), slowOk, FAILED, true));
    await Promise.resolve();
    assert.equal(pending.length, 10, 'all ten are looked up');
    for (const resolve of pending) resolve();
    assert.deepEqual(await Promise.all(all), Array(10).fill('ok'));
    assert.equal(await guess(limiter, '192.0.2.1', true), 'failed');
    assert.equal(await guess(limiter, '192.0.2.1', true), 'failed');
    assert.equal(await guess(limiter, '192.0.2.1', true), 429, 'two failures spent it');
  });
});

describe('RateLimiter: log sampling', () => {
  const auth = (id: string, tenant = 'acme', settings: Record<string, string> = {}) => ({
    client: { id, name: `client-${id}`, tenantId: 't1', createdAt: '', settings },
    tenant: { id: 't1', name: tenant, status: 'active' as const, createdAt: '', settings: {} },
    token: { id: `tok-${id}`, tenantId: 't1', clientId: id, hash: hashToken(`secret-${id}`), prefix: 'x', createdAt: '' },
  });

  it('a client whose setting is rateLimit off is never refused', () => {
    const limiter = new RateLimiter({ client: { rate: 1, burst: 1 } }, clock().now);
    const off = auth('a', 'acme', { rateLimit: 'off' });
    for (let i = 0; i < 10; i++) assert.equal(limiter.admitClient(off), undefined);
    assert.equal(limiter.admitClient(auth('b')), undefined);
    assert.equal(limiter.admitClient(auth('b'))?.error.status, 429, 'a client with the default limit is');
  });

  it('logs the first refusal per key each second, and says how many it left out', () => {
    const c = clock();
    const limiter = new RateLimiter({}, c.now);
    assert.equal(limiter.sampleRefusal('client:a'), 0, 'the first is logged');
    for (let i = 0; i < 5; i++) assert.equal(limiter.sampleRefusal('client:a'), undefined);
    assert.equal(limiter.sampleRefusal('client:b'), 0, 'keys are independent');
    c.advance(999);
    assert.equal(limiter.sampleRefusal('client:a'), undefined);
    c.advance(1);
    assert.equal(limiter.sampleRefusal('client:a'), 6, 'a second later: logged, with the 6 left out');
  });
});

describe('RateLimiter: holding refusals', () => {
  /** A sleep the test releases by hand. */
  function manualSleep() {
    const waiting: { ms: number; release: () => void }[] = [];
    return { waiting, sleep: (ms: number) => new Promise<void>((release) => waiting.push({ ms, release })) };
  }

  it('holds for between half and all of holdMs; 0 or absent means at once', async () => {
    const m = manualSleep();
    const limiter = new RateLimiter({ holdMs: 1000 }, clock().now, m.sleep);
    let done = false;
    const p = limiter.hold().then(() => (done = true));
    await Promise.resolve();
    const ms = m.waiting[0]?.ms ?? 0;
    assert.ok(ms >= 500 && ms <= 1000, `held ${ms} ms`);
    assert.equal(limiter.held, 1);
    assert.equal(done, false);
    m.waiting[0]!.release();
    await p;
    assert.equal(limiter.held, 0);
    const none = manualSleep();
    await new RateLimiter({ holdMs: 0 }, clock().now, none.sleep).hold();
    await new RateLimiter({}, clock().now, none.sleep).hold();
    assert.equal(none.waiting.length, 0);
  });

  it('past 1,024 held at once, refusals go out at once', async () => {
    const m = manualSleep();
    const limiter = new RateLimiter({ holdMs: 1000 }, clock().now, m.sleep);
    const held = Array.from({ length: 1024 }, () => limiter.hold());
    await Promise.resolve();
    assert.equal(limiter.held, 1024);
    await limiter.hold(); // resolves without a sleep
    assert.equal(m.waiting.length, 1024);
    for (const w of m.waiting) w.release();
    await Promise.all(held);
    assert.equal(limiter.held, 0);
  });
});
