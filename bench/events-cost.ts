/**
 * The events-cost phase: what recording every change in the change log costs POST /Users and a
 * one-attribute PATCH. The cost is this build against itself with the recorder switched off
 * (no-events-build.ts): the same code in the same sitting, so the difference is the recording.
 * A build from before the change log existed (67ed1d7 by default) is measured beside them for
 * context: it also lacks every feature since, so its figure is an upper bound, not the target.
 * The servers run side by side, each with its own data directory seeded over POST /Users, and are
 * measured in alternating order, round after round, as the instrumentation phase does. Afterwards
 * the events each server recorded are counted: none with the recorder off, one per write with it on.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PATCH_URN, userBody, userName } from './data.ts';
import { eventsPostName } from './events-summary.ts';
import { roundOrder, summarizeInstrumentation, type InstrumentationSample, type PathSummary } from './instrumentation-summary.ts';
import type { RequestTemplate } from './load.ts';
import type { BenchOptions } from './options.ts';
import { noEventsBuild } from './no-events-build.ts';
import { procStat, startScimd, type LoadGenerator } from './processes.ts';
import { countEvents } from './count-events.ts';

/** The last commit before the change log (the parent of the change-recorder merge). */
export const EVENTS_BASELINE = '67ed1d7';
/** Later features the baseline lacks too, so the measured cost is an upper bound of the change log's. */
export const EVENTS_BASELINE_LACKS = 'the admin API, metrics, request ids and log correlation, webhooks';

export interface EventsCostResult {
  /** Why no comparison was made (no baseline); the current build may still have been measured. */
  readonly skipped?: string;
  readonly baseline?: { readonly name: string; readonly commit?: string };
  /** Events each server's database held at the end (by server key): the check that the recorder was off, and on. */
  readonly eventsRecorded: Readonly<Record<string, number>>;
  readonly servers: readonly { readonly key: string; readonly label: string }[];
  readonly paths: readonly { readonly key: string; readonly label: string }[];
  readonly rounds: number;
  readonly durationMs: number;
  readonly users: number;
  readonly loadAverageBefore: readonly number[];
  readonly loadAverageAfter: readonly number[];
  readonly samples: readonly InstrumentationSample[];
  readonly summary: readonly PathSummary[];
}

export interface EventsCostContext {
  readonly opts: BenchOptions;
  readonly dataDir: string;
  readonly token: string;
  readonly loadgen: LoadGenerator;
  readonly database: () => Promise<string | undefined>;
  /** The build from before the change log (context), or why there is none. */
  readonly baseline: { readonly name: string; readonly commit?: string; readonly entry: string } | { readonly skipped: string };
  readonly log: (line: string) => void;
}

const loadAverage = () => loadavg().map((l) => Math.round(l * 100) / 100);

export async function runEventsCost(ctx: EventsCostContext): Promise<EventsCostResult> {
  const { opts, loadgen, log } = ctx;
  const rounds = opts.quick ? 1 : opts.rounds;
  const durationMs = opts.quick ? Math.min(opts.durationMs, 1000) : opts.durationMs;
  const warmupMs = opts.quick ? Math.min(opts.warmupMs, 200) : opts.warmupMs;
  const baseline = 'entry' in ctx.baseline ? ctx.baseline : undefined;
  // The recorder off is a copy of dist/ (so of this build only when it runs from dist/ itself).
  const off = opts.fromSource || opts.entry ? undefined : noEventsBuild();
  const specs: { key: string; label: string; entry?: string; fromSource: boolean }[] = [
    ...(baseline ? [{ key: 'before', label: `before the change log: ${baseline.name}`, entry: baseline.entry, fromSource: false }] : []),
    ...(off ? [{ key: 'off', label: 'this build, change log off', entry: off.entry, fromSource: false }] : []),
    { key: 'now', label: 'this build (change log on)', ...(opts.entry ? { entry: opts.entry } : {}), fromSource: opts.fromSource },
  ];
  const headers = { authorization: `Bearer ${ctx.token}`, 'user-agent': 'scimd-bench', 'content-type': 'application/scim+json' };
  const base = (port: number) => ({ host: '127.0.0.1', port, connections: opts.connections });
  const nonce = randomBytes(3).toString('hex');
  const loadBefore = loadAverage();
  const running: { spec: (typeof specs)[number]; pid: number; port: number; ids: string[]; dataDir: string; databaseUrl: string | undefined; stop(): Promise<void> }[] = [];
  try {
    for (const spec of specs) {
      const dataDir = join(ctx.dataDir, `events-cost-${spec.key}`);
      mkdirSync(dataDir, { recursive: true });
      const databaseUrl = await ctx.database();
      const child = await startScimd({ dataDir, token: ctx.token, fromSource: spec.fromSource, ...(spec.entry ? { entry: spec.entry } : {}), ...(databaseUrl ? { databaseUrl } : {}) });
      running.push({ spec, pid: child.pid, port: child.port, ids: [], dataDir, databaseUrl, stop: () => child.stop() });
      const seeded = await loadgen.run({
        ...base(child.port),
        warmupMs: 0,
        durationMs: 3_600_000,
        request: { method: 'POST', path: '/scim/v2/Users', body: JSON.stringify(userBody('{0}', '{1}')), headers },
        values: Array.from({ length: opts.users }, (_, i) => [userName(i), String(i)]),
        once: true,
        collectLocation: true,
        expect: [201],
      });
      if (seeded.errors) throw new Error(`seeding ${spec.label} failed: ${seeded.errorSamples.join('; ')}`);
      running.at(-1)!.ids.push(...seeded.collected);
      log(`events-cost: ${spec.label} (pid ${child.pid}, port ${child.port}) holds ${seeded.collected.length} users`);
    }
    const patchBody = JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'displayName', value: 'Patched {n}' }] });
    const paths: { key: string; label: string; request: (server: string, round: number) => RequestTemplate; expect: number }[] = [
      { key: 'post', label: 'POST /Users', request: (server, round) => ({ method: 'POST', path: '/scim/v2/Users', body: JSON.stringify(userBody(eventsPostName(server, round, nonce), 'p{n}')), headers }), expect: 201 },
      { key: 'patch', label: 'PATCH /Users/{id} (replace displayName)', request: () => ({ method: 'PATCH', path: '/scim/v2/Users/{0}', body: patchBody, headers }), expect: 200 },
    ];
    const samples: InstrumentationSample[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const path of paths) {
        for (const server of roundOrder(running, round)) {
          const cpu0 = procStat(server.pid).cpuMs;
          const r = await loadgen.run({
            ...base(server.port),
            warmupMs,
            durationMs,
            request: path.request(server.spec.key, round),
            ...(path.key === 'patch' ? { values: server.ids.map((id) => [id]) } : {}),
            expect: [path.expect],
          });
          const cpu1 = procStat(server.pid).cpuMs;
          const all = r.ops + r.warmupOps;
          const sample: InstrumentationSample = { server: server.spec.key, path: path.key, round, opsPerSec: r.opsPerSec, serverCpuUsPerOp: all > 0 ? ((cpu1 - cpu0) * 1000) / all : NaN, p50Ms: r.latency.p50, errors: r.errors };
          samples.push(sample);
          log(
            `events-cost round ${round + 1}/${rounds}: ${path.label.padEnd(40)} ${server.spec.label.padEnd(34)} ${Math.round(sample.opsPerSec).toString().padStart(6)} ops/s  ` +
              `server ${Math.round(sample.serverCpuUsPerOp)} µs CPU/op${r.errors ? `  ${r.errors} ERRORS: ${r.errorSamples[0]}` : ''}`,
          );
        }
      }
    }
    const eventsRecorded: Record<string, number> = {};
    for (const server of running) eventsRecorded[server.spec.key] = await countEvents(server.dataDir, server.databaseUrl);
    if (off && eventsRecorded.off !== 0) throw new Error(`events-cost: the server with the change log off recorded ${eventsRecorded.off} events`);
    if (!(eventsRecorded.now! > 0)) throw new Error('events-cost: this build recorded no events');
    const comparisons = [
      ...(off ? [{ what: 'recording events (change log on vs off, this build)', without: 'off', with: 'now' }] : []),
      ...(baseline ? [{ what: `everything since ${baseline.name} (an upper bound)`, without: 'before', with: 'now' }] : []),
    ];
    return {
      eventsRecorded,
      ...('skipped' in ctx.baseline ? { skipped: ctx.baseline.skipped } : {}),
      ...(baseline ? { baseline: { name: baseline.name, ...(baseline.commit ? { commit: baseline.commit } : {}) } } : {}),
      servers: specs.map(({ key, label }) => ({ key, label })),
      paths: paths.map(({ key, label }) => ({ key, label })),
      rounds,
      durationMs,
      users: opts.users,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAverage(),
      samples,
      summary: summarizeInstrumentation(samples, comparisons),
    };
  } finally {
    for (const s of running.reverse()) await s.stop().catch(() => undefined);
    off?.remove();
  }
}
