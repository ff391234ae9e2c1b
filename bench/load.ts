/**
 * One load phase: a fixed number of keep-alive connections, each sending its next request as
 * soon as the previous answer arrived (a closed loop), for a warm-up and then a measured window.
 */
import { Connection, type ParsedResponse, type Request } from './http-client.ts';
import { opsPerSecond, summarize, type LatencySummary } from './stats.ts';

export interface RequestTemplate {
  readonly method: string;
  /** `{n}` is the operation's number; `{0}`, `{1}`… the fields of its value tuple. */
  readonly path: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadSpec {
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly request: RequestTemplate;
  /** Value tuples; operation n uses values[n % length] (or values[n] with `once`). */
  readonly values?: readonly (readonly string[])[];
  /** Each value tuple is used at most once: the phase also ends when they run out. */
  readonly once?: boolean;
  /** Status codes that count as success. */
  readonly expect: readonly number[];
  /** Collect the last path segment of each successful answer's Location header (created ids). */
  readonly collectLocation?: boolean;
  /** The phase goes on past its duration until this many operations were measured (default 1). */
  readonly minOps?: number;
}

export interface LoadResult {
  /** Operations completed in the measured window. */
  readonly ops: number;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  /** Latency in milliseconds. */
  readonly latency: LatencySummary;
  /** Operations in the warm-up, not counted. */
  readonly warmupOps: number;
  readonly errors: number;
  /** Up to three unexpected answers, for the report. */
  readonly errorSamples: readonly string[];
  readonly collected: readonly string[];
  /** CPU time the load generator itself used in the measured window, in milliseconds. */
  readonly clientCpuMs: number;
}

type Part = string | number;

/** Splits a template into literal text and placeholders (-1 for `{n}`, k for `{k}`). */
export function compileTemplate(t: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of t.matchAll(/\{(n|\d+)\}/g)) {
    if (m.index > last) parts.push(t.slice(last, m.index));
    parts.push(m[1] === 'n' ? -1 : Number(m[1]));
    last = m.index + m[0].length;
  }
  if (last < t.length) parts.push(t.slice(last));
  return parts;
}

export function fillTemplate(parts: readonly Part[], n: number, values: readonly string[] | undefined): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else if (p === -1) out += String(n);
    else {
      const v = values?.[p];
      if (v === undefined) throw new Error(`template placeholder {${p}} has no value`);
      out += v;
    }
  }
  return out;
}

function headerBlock(host: string, port: number, headers: Readonly<Record<string, string>>): string {
  let out = `host: ${host}:${port}\r\n`;
  for (const [k, v] of Object.entries(headers)) out += `${k}: ${v}\r\n`;
  return out;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const path = compileTemplate(spec.request.path);
  const body = spec.request.body === undefined ? undefined : compileTemplate(spec.request.body);
  const headers = headerBlock(spec.host, spec.port, spec.request.headers ?? {});
  const values = spec.values ?? [];
  const limit = spec.once ? values.length : Infinity;
  const expect = new Set(spec.expect);
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  const collected: string[] = [];
  let errors = 0;
  let next = 0;
  let warmupOps = 0;
  const start = performance.now();
  let measureFrom = start + spec.warmupMs;
  const deadline = measureFrom + spec.durationMs;
  // A phase that uses each value once spends at most a tenth of them warming up.
  const warmupLimit = spec.once ? Math.floor(values.length / 10) : Infinity;
  const minOps = spec.minOps ?? 1;
  let lastEnd = 0;
  let cpuAtMeasure: NodeJS.CpuUsage | undefined;
  const cpuTimer = setTimeout(() => (cpuAtMeasure = process.cpuUsage()), spec.warmupMs);

  const build = (n: number): Request => {
    const v = values.length ? values[n % values.length] : undefined;
    return { method: spec.request.method, path: fillTemplate(path, n, v), headers, ...(body ? { body: fillTemplate(body, n, v) } : {}) };
  };

  const record = (res: ParsedResponse | Error, t0: number, t1: number) => {
    const ok = !(res instanceof Error) && expect.has(res.status);
    if (ok && spec.collectLocation) {
      const loc = res.headers.get('location');
      if (loc) collected.push(loc.slice(loc.lastIndexOf('/') + 1));
    }
    if (!ok) {
      errors++;
      if (errorSamples.length < 3) errorSamples.push(res instanceof Error ? res.message : `${res.status} ${res.body.toString('utf8', 0, Math.min(res.body.length, 300))}`);
    }
    if (t0 < measureFrom) {
      warmupOps++;
      return;
    }
    latencies.push(t1 - t0);
    if (t1 > lastEnd) lastEnd = t1;
  };

  const worker = async () => {
    const conn = new Connection(spec.host, spec.port);
    try {
      for (;;) {
        if (performance.now() >= deadline && latencies.length >= minOps) return;
        const n = next++;
        if (n >= limit) return;
        if (n === warmupLimit && performance.now() < measureFrom) {
          measureFrom = performance.now();
          clearTimeout(cpuTimer);
          cpuAtMeasure = process.cpuUsage();
        }
        const req = build(n);
        const t0 = performance.now();
        let res: ParsedResponse | Error;
        try {
          res = await conn.send(req);
        } catch (e) {
          res = e as Error;
        }
        record(res, t0, performance.now());
      }
    } finally {
      conn.close();
    }
  };

  await Promise.all(Array.from({ length: spec.connections }, worker));
  clearTimeout(cpuTimer);
  const cpu = process.cpuUsage(cpuAtMeasure);
  const elapsedMs = latencies.length ? Math.max(0, lastEnd - measureFrom) : 0;
  return {
    ops: latencies.length,
    elapsedMs,
    opsPerSec: opsPerSecond(latencies.length, elapsedMs),
    latency: summarize(latencies),
    warmupOps,
    errors,
    errorSamples,
    collected,
    clientCpuMs: cpuAtMeasure ? (cpu.user + cpu.system) / 1000 : NaN,
  };
}
