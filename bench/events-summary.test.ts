import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryCounter, deliveryVerdict, eventsPostName } from './events-summary.ts';

describe('events-cost names', () => {
  it('differ across servers, rounds and runs', () => {
    const names = new Set([eventsPostName('before', 0, 'a1'), eventsPostName('now', 0, 'a1'), eventsPostName('before', 1, 'a1'), eventsPostName('before', 0, 'b2')]);
    assert.equal(names.size, 4);
    assert.match(eventsPostName('now', 3, 'x'), /^ev-now-r3-\{n\}-x@bench\.example\.com$/);
  });
});

describe('DeliveryCounter', () => {
  it('counts distinct webhook-ids, the repeats apart, and when each first arrived', () => {
    const c = new DeliveryCounter();
    assert.ok(Number.isNaN(c.lastAt));
    assert.equal(c.record('e1', 100), true);
    assert.equal(c.record('e2', 200), true);
    assert.equal(c.record('e1', 250), false);
    assert.equal(c.record('e3', 300), true);
    assert.equal(c.unique, 3);
    assert.equal(c.requests, 4);
    assert.equal(c.duplicates, 1);
    assert.equal(c.between(100, 300), 2);
    assert.equal(c.between(0, 1000), 3);
    assert.equal(c.lastAt, 300);
  });
});

describe('deliveryVerdict', () => {
  it('keeps up at 90 % of the write rate or with a drain of at most 2 s', () => {
    assert.deepEqual(deliveryVerdict(100, 95, NaN), { share: 0.95, keepsUp: true });
    assert.equal(deliveryVerdict(100, 50, 1500).keepsUp, true);
    assert.equal(deliveryVerdict(100, 50, 2500).keepsUp, false);
    assert.equal(deliveryVerdict(100, 89, NaN).keepsUp, false);
    assert.ok(Number.isNaN(deliveryVerdict(0, 0, NaN).share));
    assert.equal(deliveryVerdict(0, 0, 0).keepsUp, true);
  });
});
