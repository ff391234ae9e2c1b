/**
 * The arithmetic of the instrumentation phase, kept pure for its unit tests: the same requests sent
 * in rounds to servers that differ in one respect (metrics off or on; an older build), and what the
 * difference costs per operation.
 */
import { median, ratio } from './stats.ts';

/** One server measured once on one path. */
export interface InstrumentationSample {
  readonly server: string;
  readonly path: string;
  readonly round: number;
  readonly opsPerSec: number;
  /** The server's CPU time per operation over the run (warm-up included), microseconds. */
  readonly serverCpuUsPerOp: number;
  readonly p50Ms: number;
  readonly errors: number;
}

/** A comparison: what `withServer` does that `withoutServer` does not. */
export interface Comparison {
  readonly what: string;
  readonly without: string;
  readonly with: string;
}

export interface ServerFigures {
  readonly server: string;
  /** Medians over the rounds. */
  readonly serverCpuUsPerOp: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly errors: number;
}

export interface Cost {
  readonly what: string;
  readonly without: string;
  readonly with: string;
  /** Extra server CPU per operation, as a fraction (0.03 = 3 %): the median over the rounds of with ÷ without − 1. */
  readonly cpu: number;
  /** The smallest and largest of those per-round figures. */
  readonly cpuMin: number;
  readonly cpuMax: number;
  /** Throughput lost, as a fraction: the median over the rounds of without's ops/s ÷ with's − 1. */
  readonly throughput: number;
  /** Rounds in which both servers were measured. */
  readonly rounds: number;
}

export interface PathSummary {
  readonly path: string;
  readonly servers: readonly ServerFigures[];
  readonly costs: readonly Cost[];
}

/**
 * Per path: each server's medians, and each comparison's cost. A cost is worked out round by round
 * (the two servers measured minutes apart would differ by the machine's drift as well) and the
 * median of the rounds taken, with their range beside it.
 */
export function summarizeInstrumentation(samples: readonly InstrumentationSample[], comparisons: readonly Comparison[]): PathSummary[] {
  const paths = [...new Set(samples.map((s) => s.path))];
  const servers = [...new Set(samples.map((s) => s.server))];
  return paths.map((path) => {
    const of = (server: string) => samples.filter((s) => s.path === path && s.server === server);
    const figures = servers
      .map((server) => of(server))
      .filter((list) => list.length > 0)
      .map((list): ServerFigures => ({
        server: list[0]!.server,
        serverCpuUsPerOp: median(list.map((s) => s.serverCpuUsPerOp)),
        opsPerSec: median(list.map((s) => s.opsPerSec)),
        p50Ms: median(list.map((s) => s.p50Ms)),
        errors: list.reduce((n, s) => n + s.errors, 0),
      }));
    const costs = comparisons
      .map((c): Cost | undefined => {
        const without = new Map(of(c.without).map((s) => [s.round, s]));
        const pairs = of(c.with).flatMap((w) => {
          const wo = without.get(w.round);
          return wo ? [{ cpu: ratio(w.serverCpuUsPerOp, wo.serverCpuUsPerOp) - 1, throughput: ratio(wo.opsPerSec, w.opsPerSec) - 1 }] : [];
        });
        if (!pairs.length) return undefined;
        const cpus = pairs.map((p) => p.cpu).filter(Number.isFinite);
        return {
          ...c,
          cpu: median(cpus),
          cpuMin: cpus.length ? Math.min(...cpus) : NaN,
          cpuMax: cpus.length ? Math.max(...cpus) : NaN,
          throughput: median(pairs.map((p) => p.throughput)),
          rounds: pairs.length,
        };
      })
      .filter((c): c is Cost => c !== undefined);
    return { path, servers: figures, costs };
  });
}

/** The order of the servers in round `round` (0-based): as given, then reversed, and so on (A B C, C B A, A B C …), so no server always runs first or last. */
export function roundOrder<T>(servers: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...servers] : [...servers].reverse();
}
