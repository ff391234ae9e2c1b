/**
 * The PostgreSQL targets of issue 15, against a `--db postgres` run: PATCH ≥ 1,500 ops/s, two
 * replicas ≥ 1.6× one replica's write throughput (the replicas phase). The multi-tenant targets
 * (multi-tenant-report.ts) apply to both databases and are checked beside these.
 */
import type { BenchResult } from './bench.ts';
import { MIN_REPLICA_SCALING, type ReplicasResult } from './replicas.ts';
import { ratio } from './stats.ts';

/** Issue 15: a PATCH on the local PostgreSQL server, ops/s. */
export const MIN_POSTGRES_PATCH_OPS = 1500;

const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en') : '–');
const times = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '–');

export interface Check {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

export function postgresPatchTarget(result: BenchResult): Check {
  const p = result.phases.find((x) => x.name === 'patch');
  const b = p?.before;
  const before = b ? `; ${result.before?.name ?? 'before'}: ${int(b.opsPerSec)} ops/s, p99 ${ms(b.p99Ms)} ms, ${times(ratio(p.opsPerSec, b.opsPerSec))}` : '';
  return {
    target: `PostgreSQL: PATCH /Users/{id} ≥ ${int(MIN_POSTGRES_PATCH_OPS)} ops/s`,
    measured: p ? `${int(p.opsPerSec)} ops/s, p99 ${ms(p.p99Ms)} ms${before}` : 'not run',
    met: p ? p.opsPerSec >= MIN_POSTGRES_PATCH_OPS : undefined,
  };
}

export function replicaScalingTarget(r: ReplicasResult | undefined): Check {
  return {
    target: `PostgreSQL: two replicas on one database ≥ ${MIN_REPLICA_SCALING}× one replica's write throughput (PATCH)`,
    measured: r ? `${times(r.scaling)} (${int(r.two.opsPerSec)} vs ${int(r.one.opsPerSec)} ops/s; p99 ${ms(r.two.p99Ms)} vs ${ms(r.one.p99Ms)} ms)` : 'not run',
    met: r && Number.isFinite(r.scaling) ? r.scaling >= MIN_REPLICA_SCALING : undefined,
  };
}

export function postgresTargets(result: BenchResult): Check[] {
  return [postgresPatchTarget(result), replicaScalingTarget(result.replicas)];
}

/** The replicas phase as Markdown rows: side, ops/s, p99, CPU µs/op, errors, rounds. */
export function replicasRows(r: ReplicasResult): string[][] {
  const row = (label: string, s: ReplicasResult['one']) => [label, int(s.opsPerSec), ms(s.p99Ms), int(s.serverCpuUsPerOp), String(s.errors), s.rounds.map(int).join(', ')];
  return [row('one replica', r.one), row('two replicas, one database', r.two)];
}

export const REPLICAS_HEADER = ['Replicas', 'ops/s', 'p99 ms', 'server CPU µs/op (all replicas)', 'errors', 'ops/s by round'];
