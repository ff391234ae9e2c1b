/** The PostgreSQL targets of issue 15 and the replicas phase's arithmetic. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BenchResult, PhaseResult } from './bench.ts';
import { postgresTargets, replicasRows } from './postgres-targets.ts';
import { rotated, sideFigures, splitConnections, type ReplicasResult } from './replicas.ts';
import { checkTargets } from './report.ts';

const phase = (name: string, opsPerSec: number, before?: number): PhaseResult => ({
  name, label: name, ops: opsPerSec * 5, warmupOps: 0, opsPerSec, p50Ms: 5, p99Ms: 20, maxMs: 30, errors: 0, errorSamples: [],
  ceilingOpsPerSec: 40_000, ratio: opsPerSec / 40_000, serverCpuUsPerOp: 600, clientCpuShare: 0.5, usersStored: 1000,
  ...(before === undefined ? {} : { before: { opsPerSec: before, p50Ms: 9, p99Ms: 40, serverCpuUsPerOp: 900, errors: 0 } }),
});

const replicas = (one: number, two: number): ReplicasResult => ({
  label: 'PATCH',
  connections: 16,
  one: { replicas: 1, opsPerSec: one, p99Ms: 20, serverCpuUsPerOp: 600, errors: 0, rounds: [one, one] },
  two: { replicas: 2, opsPerSec: two, p99Ms: 25, serverCpuUsPerOp: 700, errors: 0, rounds: [two, two] },
  scaling: two / one,
});

function result(db: 'sqlite' | 'postgres', phases: PhaseResult[], extra: Partial<BenchResult> = {}): BenchResult {
  return {
    options: { db, users: 1000, million: 1_000_000, groupSizes: [10] },
    phases,
    before: { name: '3f3063e', commit: '3f3063e8ff00' },
    memory: { peakRssKiB: NaN, peakRssWithMillionKiB: NaN, rssAtEndKiB: NaN },
    ...extra,
  } as unknown as BenchResult;
}

describe('postgresTargets', () => {
  it('holds PATCH to 1,500 ops/s (the before build beside it) and two replicas to 1.6× one', () => {
    const met = postgresTargets(result('postgres', [phase('patch', 1600, 400)], { replicas: replicas(1000, 1700) }));
    assert.deepEqual(met.map((t) => [t.measured, t.met]), [
      ['1,600 ops/s, p99 20.0 ms; 3f3063e: 400 ops/s, p99 40.0 ms, 4.00×', true],
      ['1.70× (1,700 vs 1,000 ops/s; p99 25.0 vs 20.0 ms)', true],
    ]);
    const missed = postgresTargets(result('postgres', [phase('patch', 1499)], { replicas: replicas(1000, 1500) }));
    assert.deepEqual(missed.map((t) => t.met), [false, false]);
    assert.deepEqual(postgresTargets(result('postgres', [])).map((t) => [t.measured, t.met]), [['not run', undefined], ['not run', undefined]]);
  });

  it("replaces the SQLite reference and durable-write targets on PostgreSQL, and leaves SQLite's as they were", () => {
    const phases = [phase('get', 3000, 2000), phase('patch', 1600, 400), phase('list', 900, 300)];
    const pg = checkTargets(result('postgres', phases, { replicas: replicas(1000, 1700) })).map((t) => t.target);
    assert.ok(pg.some((t) => t.startsWith('PostgreSQL: PATCH /Users/{id} ≥ 1,500 ops/s')));
    assert.ok(pg.some((t) => t.startsWith('PostgreSQL: two replicas')));
    assert.ok(pg.some((t) => t.startsWith('GET /Users, pages of 100, ≥ 3×')));
    assert.ok(!pg.some((t) => t.includes('SQLite read by id') || t.includes('(durable)')), pg.join('\n'));
    const lite = checkTargets(result('sqlite', phases)).map((t) => t.target);
    assert.ok(lite.some((t) => t.includes('SQLite read by id')) && lite.some((t) => t.startsWith('PATCH /Users/{id} (durable)')));
    assert.ok(!lite.some((t) => t.startsWith('PostgreSQL')));
  });
});

describe('the replicas phase', () => {
  it('splits connections evenly (the first ones take the remainder) and starts each replica elsewhere in the values', () => {
    assert.deepEqual(splitConnections(16, 2), [8, 8]);
    assert.deepEqual(splitConnections(5, 2), [3, 2]);
    assert.deepEqual(splitConnections(1, 2), [1, 1]);
    assert.deepEqual(rotated([1, 2, 3, 4], 2), [3, 4, 1, 2]);
    assert.deepEqual(rotated([1, 2, 3, 4], 0), [1, 2, 3, 4]);
  });

  it('gives each side the median of its rounds and the errors of all of them, as rows', () => {
    const f = sideFigures(2, [
      { opsPerSec: 1000, p99Ms: 30, cpuUsPerOp: 700, errors: 1 },
      { opsPerSec: 1400, p99Ms: 20, cpuUsPerOp: 500, errors: 0 },
      { opsPerSec: 1200, p99Ms: 25, cpuUsPerOp: 600, errors: 2 },
    ]);
    assert.deepEqual(f, { replicas: 2, opsPerSec: 1200, p99Ms: 25, serverCpuUsPerOp: 600, errors: 3, rounds: [1000, 1400, 1200] });
    assert.deepEqual(replicasRows(replicas(1000, 1700)), [
      ['one replica', '1,000', '20.0', '600', '0', '1,000, 1,000'],
      ['two replicas, one database', '1,700', '25.0', '700', '0', '1,700, 1,700'],
    ]);
  });
});
