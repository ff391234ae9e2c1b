/** The instrumentation phase's arithmetic: medians per server, per-round costs, the order of the rounds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roundOrder, summarizeInstrumentation, type InstrumentationSample } from './instrumentation-summary.ts';
import { median } from './stats.ts';

const sample = (server: string, path: string, round: number, serverCpuUsPerOp: number, opsPerSec: number, errors = 0): InstrumentationSample => ({
  server,
  path,
  round,
  serverCpuUsPerOp,
  opsPerSec,
  p50Ms: 1000 / opsPerSec,
  errors,
});

describe('median', () => {
  it('is the middle value, or the mean of the middle two, of the finite values', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([5, NaN, Infinity, 1, 3]), 3);
    assert.equal(median([7]), 7);
    assert.ok(Number.isNaN(median([])));
    assert.ok(Number.isNaN(median([NaN])));
  });
});

describe('summarizeInstrumentation', () => {
  const metrics = { what: 'metrics', without: 'off', with: 'on' };

  it('gives each server its medians over the rounds and sums its errors', () => {
    const [get] = summarizeInstrumentation(
      [sample('off', 'get', 0, 300, 3000), sample('off', 'get', 1, 320, 2800, 2), sample('off', 'get', 2, 310, 2900)],
      [],
    );
    assert.equal(get!.path, 'get');
    assert.deepEqual(get!.servers, [{ server: 'off', serverCpuUsPerOp: 310, opsPerSec: 2900, p50Ms: 1000 / 2900, errors: 2 }]);
    assert.deepEqual(get!.costs, []);
  });

  it('works a cost out round by round and takes the median, with the range of the rounds', () => {
    // Round 1 ran on a slower machine: both servers slower, the same 10 % between them.
    const samples = [
      sample('off', 'get', 0, 100, 1000),
      sample('on', 'get', 0, 110, 900),
      sample('off', 'get', 1, 200, 500),
      sample('on', 'get', 1, 220, 450),
      sample('off', 'get', 2, 100, 1000),
      sample('on', 'get', 2, 104, 1000),
    ];
    const [get] = summarizeInstrumentation(samples, [metrics]);
    const cost = get!.costs[0]!;
    assert.equal(cost.what, 'metrics');
    assert.equal(cost.rounds, 3);
    assert.ok(Math.abs(cost.cpu - 0.1) < 1e-9, `cpu ${cost.cpu}`);
    assert.ok(Math.abs(cost.cpuMin - 0.04) < 1e-9);
    assert.ok(Math.abs(cost.cpuMax - 0.1) < 1e-9);
    // Throughput lost: without's ops/s over with's, less one (1000/900 − 1, 500/450 − 1, 0).
    assert.ok(Math.abs(cost.throughput - 1 / 9) < 1e-9, `throughput ${cost.throughput}`);
    // A ratio of the medians would have mixed the slow round in: 110/104 − 1 ≠ 10 %.
    const medians = get!.servers;
    assert.deepEqual(medians.map((s) => s.serverCpuUsPerOp), [100, 110]);
  });

  it('pairs only rounds in which both servers ran, and leaves out comparisons with no pair', () => {
    const samples = [sample('off', 'patch', 0, 500, 1000), sample('on', 'patch', 0, 550, 950), sample('on', 'patch', 1, 900, 500)];
    const [patch] = summarizeInstrumentation(samples, [metrics, { what: 'since', without: 'before', with: 'on' }]);
    assert.equal(patch!.costs.length, 1);
    assert.equal(patch!.costs[0]!.rounds, 1);
    assert.ok(Math.abs(patch!.costs[0]!.cpu - 0.1) < 1e-9);
  });

  it('keeps paths apart, in the order first measured', () => {
    const samples = [sample('off', 'get', 0, 100, 1000), sample('on', 'get', 0, 103, 990), sample('off', 'patch', 0, 500, 400), sample('on', 'patch', 0, 500, 400)];
    const out = summarizeInstrumentation(samples, [metrics]);
    assert.deepEqual(out.map((p) => p.path), ['get', 'patch']);
    assert.ok(Math.abs(out[0]!.costs[0]!.cpu - 0.03) < 1e-9);
    assert.equal(out[1]!.costs[0]!.cpu, 0);
  });

  it('gives NaN, not a number, when a server did no operation (no CPU per operation)', () => {
    const [get] = summarizeInstrumentation([sample('off', 'get', 0, NaN, 0), sample('on', 'get', 0, 100, 1000)], [metrics]);
    assert.ok(Number.isNaN(get!.costs[0]!.cpu));
    assert.ok(Number.isNaN(get!.costs[0]!.cpuMin));
  });
});

describe('roundOrder', () => {
  it('alternates: as given, reversed, as given …, without changing its argument', () => {
    const servers = ['before', 'off', 'on'];
    assert.deepEqual(roundOrder(servers, 0), ['before', 'off', 'on']);
    assert.deepEqual(roundOrder(servers, 1), ['on', 'off', 'before']);
    assert.deepEqual(roundOrder(servers, 2), ['before', 'off', 'on']);
    assert.deepEqual(servers, ['before', 'off', 'on']);
  });
});
