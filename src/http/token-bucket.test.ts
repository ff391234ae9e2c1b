import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBuckets } from './token-bucket.ts';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const LIMIT = { rate: 10, burst: 5 };

function takeAll(b: TokenBuckets, key: string, n: number, limit = LIMIT): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (b.take(key, limit).ok) ok++;
  return ok;
}

describe('TokenBuckets', () => {
  it('admits a full burst at once, then refuses', () => {
    const c = clock();
    const b = new TokenBuckets(c.now);
    assert.equal(takeAll(b, 'k', 5), 5);
    const v = b.take('k', LIMIT);
    assert.equal(v.ok, false);
  });

  it('refills at the rate: 10/s gives one token per 100 ms, never more than the burst', () => {
    const c = clock();
    const b = new TokenBuckets(c.now);
    takeAll(b, 'k', 5);
    c.advance(99);
    assert.equal(b.take('k', LIMIT).ok, false, 'not yet a whole token');
    c.advance(1);
    assert.equal(b.take('k', LIMIT).ok, true, 'one token after 100 ms');
    assert.equal(b.take('k', LIMIT).ok, false);
    c.advance(300);
    assert.equal(takeAll(b, 'k', 10), 3, 'three tokens after 300 ms');
    c.advance(3_600_000);
    assert.equal(takeAll(b, 'k', 10), 5, 'an hour of quiet still holds only the burst');
  });

  it('Retry-After is whole seconds, at least 1, and long enough for a token to be there', () => {
    const c = clock();
    const b = new TokenBuckets(c.now);
    const slow = { rate: 0.25, burst: 1 };
    assert.equal(b.take('slow', slow).ok, true);
    const v = b.take('slow', slow);
    assert.ok(!v.ok);
    assert.equal(v.retryAfterSeconds, 4, 'one token per 4 s');
    c.advance(v.retryAfterSeconds * 1000);
    assert.equal(b.take('slow', slow).ok, true, 'after waiting Retry-After, the request is admitted');

    takeAll(b, 'fast', 5);
    const f = b.take('fast', LIMIT);
    assert.ok(!f.ok);
    assert.equal(f.retryAfterSeconds, 1, 'a 100 ms wait rounds up to 1 s, never 0');
    assert.ok(Number.isInteger(f.retryAfterSeconds));
  });

  it('keys are independent', () => {
    const c = clock();
    const b = new TokenBuckets(c.now);
    takeAll(b, 'a', 5);
    assert.equal(b.take('a', LIMIT).ok, false);
    assert.equal(takeAll(b, 'b', 5), 5, "b's bucket is untouched by a's flood");
  });

  it('check() looks without taking', () => {
    const c = clock();
    const b = new TokenBuckets(c.now);
    assert.equal(b.check('k', LIMIT).ok, true, 'an unknown key has a full bucket');
    takeAll(b, 'k', 4);
    for (let i = 0; i < 10; i++) assert.equal(b.check('k', LIMIT).ok, true);
    assert.equal(b.take('k', LIMIT).ok, true, 'checking took nothing');
    const v = b.check('k', LIMIT);
    assert.ok(!v.ok && v.retryAfterSeconds === 1);
    c.advance(100);
    assert.equal(b.check('k', LIMIT).ok, true);
  });

  it('give() puts a token back, never past the burst; for a forgotten key it does nothing', () => {
    const c = clock();
    const b = new TokenBuckets(c.now);
    takeAll(b, 'k', 5);
    b.give('k', LIMIT);
    assert.equal(takeAll(b, 'k', 10), 1, 'the one given back');
    b.give('k', LIMIT);
    c.advance(1000);
    b.give('k', LIMIT);
    assert.equal(takeAll(b, 'k', 10), 5, 'refilled and given back: still the burst at most');
    b.give('unknown', LIMIT);
    assert.equal(b.size, 1);
  });

  it('a changed limit applies to an existing bucket', () => {
    const c = clock();
    const b = new TokenBuckets(c.now);
    takeAll(b, 'k', 5);
    c.advance(1000);
    assert.equal(takeAll(b, 'k', 100, { rate: 10, burst: 2 }), 2, 'a smaller burst caps the refill');
  });

  it('remembers at most maxKeys keys (the oldest go first, and come back full)', () => {
    const c = clock();
    const b = new TokenBuckets(c.now, 100);
    takeAll(b, 'first', 5);
    for (let i = 0; i < 1000; i++) b.take(`ip-${i}`, LIMIT);
    assert.ok(b.size <= 100, `size ${b.size}`);
    assert.equal(b.take('first', LIMIT).ok, true, 'an evicted key starts with a full bucket');
  });
});
