/** The bench's arithmetic: nearest-rank percentiles, summaries, throughput and ratios. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanOf, opsPerSecond, percentile, ratio, summarize } from './stats.ts';

describe('percentile (nearest rank)', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('gives the smallest value with at least p % of the samples at or below it', () => {
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile(hundred, 0), 1);
    assert.equal(percentile([10, 20, 30, 40], 50), 20);
    assert.equal(percentile([10, 20, 30, 40], 51), 30);
    assert.equal(percentile([7], 99), 7);
  });

  it('is NaN without samples and refuses a p outside 0..100', () => {
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile([1], 101), RangeError);
    assert.throws(() => percentile([1], -1), RangeError);
    assert.throws(() => percentile([1], NaN), RangeError);
  });
});

describe('summarize', () => {
  it('sorts a copy and reports count, p50, p99, max and mean', () => {
    const samples = [5, 1, 4, 2, 3];
    const s = summarize(samples);
    assert.deepEqual(s, { count: 5, p50: 3, p99: 5, max: 5, mean: 3 });
    assert.deepEqual(samples, [5, 1, 4, 2, 3], 'the input is left as it was');
  });

  it('sorts numerically, not as text', () => {
    assert.equal(summarize([100, 9, 20]).p50, 20);
  });

  it('is NaN throughout for no samples', () => {
    const s = summarize([]);
    assert.equal(s.count, 0);
    assert.ok([s.p50, s.p99, s.max, s.mean].every(Number.isNaN));
  });
});

describe('throughput and ratios', () => {
  it('computes operations per second from milliseconds', () => {
    assert.equal(opsPerSecond(500, 250), 2000);
    assert.equal(opsPerSecond(0, 1000), 0);
    assert.equal(opsPerSecond(10, 0), 0);
  });

  it('divides by a positive reference only', () => {
    assert.equal(ratio(2000, 8000), 0.25);
    assert.ok(Number.isNaN(ratio(1, 0)));
    assert.ok(Number.isNaN(ratio(1, NaN)));
    assert.ok(Number.isNaN(ratio(1, Infinity)));
  });

  it('averages the usable ceiling samples', () => {
    assert.equal(meanOf([1000, 3000]), 2000);
    assert.equal(meanOf([1000, NaN, 0]), 1000);
    assert.ok(Number.isNaN(meanOf([])));
  });
});
