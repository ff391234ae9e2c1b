import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_URN } from '../scim/errors.ts';
import { hashToken } from '../provisioning/tokens.ts';
import { addressKey, clientLimit, DEFAULT_RATE_LIMITS, RateLimiter } from './rate-limit.ts';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const client = (id: string, settings: Record<string, string> = {}) => ({ id, name: `client-${id}`, tenantId: 't1', createdAt: '', settings });

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
    assert.deepEqual(DEFAULT_RATE_LIMITS, { client: { rate: 50, burst: 100 }, unauthenticated: { rate: 5, burst: 20 }, holdMs: 1000 });
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

  it('no limits: everything is admitted', () => {
    const limiter = new RateLimiter({});
    for (let i = 0; i < 1000; i++) {
      assert.equal(limiter.admitClient({ client: client('a') }), undefined);
      limiter.authenticationFailed('192.0.2.1');
      assert.equal(limiter.checkAddress('192.0.2.1'), undefined);
    }
  });

  it('failed authentications spend the address budget; once spent, the address is refused before authentication', () => {
    const c = clock();
    const limiter = new RateLimiter({ unauthenticated: { rate: 1, burst: 3 } }, c.now);
    const ip = '198.51.100.9';
    for (let i = 0; i < 3; i++) {
      assert.equal(limiter.checkAddress(ip), undefined);
      limiter.authenticationFailed(ip);
    }
    const e = limiter.checkAddress(ip)?.error;
    assert.ok(e);
    assert.equal(e.status, 429);
    assert.equal(e.headers['retry-after'], '1');
    assert.equal(limiter.checkAddress('198.51.100.10'), undefined, 'another address is not affected');
    c.advance(1000);
    assert.equal(limiter.checkAddress(ip), undefined, 'one more try a second later');
  });

  it('checking an address takes nothing from it: only failures count', () => {
    const limiter = new RateLimiter({ unauthenticated: { rate: 1, burst: 1 } }, clock().now);
    for (let i = 0; i < 100; i++) assert.equal(limiter.checkAddress('192.0.2.1'), undefined);
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
