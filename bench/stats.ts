/**
 * The arithmetic of a benchmark phase, kept pure so it has unit tests: percentiles of latencies,
 * throughput, and ratios to the bare-Node ceiling.
 */

/** Nearest-rank percentile (p in 0..100) of ascending `sorted`; NaN for no samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not within 0..100`);
  const n = sorted.length;
  if (n === 0) return NaN;
  // Nearest rank: the smallest value with at least p % of the samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[rank - 1]!;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Summary of latencies (any unit; the result is in the same unit). Does not change `samples`. */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return { count: n, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: n ? sorted[n - 1]! : NaN, mean: n ? sum / n : NaN };
}

/** Operations per second over `elapsedMs`; 0 when nothing ran. */
export function opsPerSecond(ops: number, elapsedMs: number): number {
  if (ops <= 0 || !(elapsedMs > 0)) return 0;
  return (ops * 1000) / elapsedMs;
}

/** `value / reference`, or NaN when the reference is not a positive number. */
export function ratio(value: number, reference: number): number {
  return reference > 0 && Number.isFinite(reference) ? value / reference : NaN;
}

/** The mean of the finite, positive values (ceiling samples around a phase); NaN when none are. */
export function meanOf(values: readonly number[]): number {
  const ok = values.filter((v) => Number.isFinite(v) && v > 0);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}

/** The median of the finite values (the mean of the middle two for an even count); NaN when none are. */
export function median(values: readonly number[]): number {
  const ok = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = ok.length;
  if (n === 0) return NaN;
  return n % 2 ? ok[(n - 1) / 2]! : (ok[n / 2 - 1]! + ok[n / 2]!) / 2;
}
