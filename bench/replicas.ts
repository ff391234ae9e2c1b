/**
 * The replicas phase (PostgreSQL only): durable writes (PATCH replacing displayName) on one scimd
 * replica, then on two replicas of the same build sharing the one database, with the same number of
 * connections in all (split evenly, one load generator per replica). Rounds alternate the order
 * (one, two, two, one …); each side's figure is the median of its rounds. Issue 15's target: two
 * replicas ≥ 1.6× one replica's write throughput.
 */
import type { LoadResult, LoadSpec, RequestTemplate } from './load.ts';
import type { Child, LoadGenerator } from './processes.ts';
import { procStat } from './processes.ts';
import { median, ratio } from './stats.ts';

export interface ReplicaSideFigures {
  readonly replicas: number;
  /** Median over the rounds of the sides' summed ops/s. */
  readonly opsPerSec: number;
  /** Median over the rounds of the highest replica p99. */
  readonly p99Ms: number;
  /** Median over the rounds of the replicas' CPU time per operation (all replicas, warm-up included), µs. */
  readonly serverCpuUsPerOp: number;
  readonly errors: number;
  /** Each round's ops/s. */
  readonly rounds: readonly number[];
}

export interface ReplicasResult {
  readonly label: string;
  readonly connections: number;
  readonly one: ReplicaSideFigures;
  readonly two: ReplicaSideFigures;
  /** two.opsPerSec / one.opsPerSec. */
  readonly scaling: number;
}

/** The target of issue 15: two replicas on one database give ≥ this multiple of one replica's write throughput. */
export const MIN_REPLICA_SCALING = 1.6;

export interface ReplicasInput {
  readonly label: string;
  /** The replica that already runs (the bench's scimd) and the second one on the same database. */
  readonly first: Child;
  readonly second: Child;
  /** One load generator per replica. */
  readonly loadgens: readonly [LoadGenerator, LoadGenerator];
  readonly connections: number;
  readonly rounds: number;
  /** The spec of the write, without host, port and connections. */
  readonly spec: Omit<LoadSpec, 'host' | 'port' | 'connections' | 'request'> & { readonly request: RequestTemplate };
  readonly log: (line: string) => void;
}

interface Round {
  readonly opsPerSec: number;
  readonly p99Ms: number;
  readonly cpuUsPerOp: number;
  readonly errors: number;
}

/** Connections split over `n` replicas as evenly as they go (the first ones get the remainder). */
export function splitConnections(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.max(1, Math.floor(total / n) + (i < total % n ? 1 : 0)));
}

/** `items` starting at index `from` and wrapping around. */
export function rotated<T>(items: readonly T[], from: number): T[] {
  return [...items.slice(from), ...items.slice(0, from)];
}

/** The figures of one side over its rounds. */
export function sideFigures(replicas: number, rounds: readonly Round[]): ReplicaSideFigures {
  return {
    replicas,
    opsPerSec: median(rounds.map((r) => r.opsPerSec)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    serverCpuUsPerOp: median(rounds.map((r) => r.cpuUsPerOp)),
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    rounds: rounds.map((r) => r.opsPerSec),
  };
}

async function round(input: ReplicasInput, servers: readonly Child[]): Promise<Round> {
  const split = splitConnections(input.connections, servers.length);
  const cpu0 = servers.map((s) => procStat(s.pid).cpuMs);
  const results: LoadResult[] = await Promise.all(
    servers.map((s, i) => {
      // Each replica starts at another place in the values, so the two do not write the same rows in step.
      const values = input.spec.values ? rotated(input.spec.values, Math.floor((i * input.spec.values.length) / servers.length)) : undefined;
      return input.loadgens[i]!.run({ ...input.spec, ...(values ? { values } : {}), host: '127.0.0.1', port: s.port, connections: split[i]! });
    }),
  );
  const cpuMs = servers.reduce((sum, s, i) => sum + procStat(s.pid).cpuMs - cpu0[i]!, 0);
  const done = results.reduce((a, r) => a + r.ops + r.warmupOps, 0);
  return {
    opsPerSec: results.reduce((a, r) => a + r.opsPerSec, 0),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    cpuUsPerOp: done > 0 ? (cpuMs * 1000) / done : NaN,
    errors: results.reduce((a, r) => a + r.errors, 0),
  };
}

export async function runReplicas(input: ReplicasInput): Promise<ReplicasResult> {
  const one: Round[] = [];
  const two: Round[] = [];
  for (let r = 0; r < input.rounds; r++) {
    const order = r % 2 === 0 ? (['one', 'two'] as const) : (['two', 'one'] as const);
    for (const side of order) {
      const x = side === 'one' ? await round(input, [input.first]) : await round(input, [input.first, input.second]);
      (side === 'one' ? one : two).push(x);
      input.log(`replicas round ${r + 1}/${input.rounds}: ${input.label} on ${side === 'one' ? 'one replica ' : 'two replicas'} ${Math.round(x.opsPerSec)} ops/s  p99 ${x.p99Ms.toFixed(1)} ms  ${Math.round(x.cpuUsPerOp)} µs CPU/op${x.errors ? `  ${x.errors} ERRORS` : ''}`);
    }
  }
  const oneF = sideFigures(1, one);
  const twoF = sideFigures(2, two);
  return { label: input.label, connections: input.connections, one: oneF, two: twoF, scaling: ratio(twoF.opsPerSec, oneF.opsPerSec) };
}
