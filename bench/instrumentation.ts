/**
 * The instrumentation phase: what metrics (and, against an older build, request ids and log
 * correlation) cost GET /Users/{id} and a one-attribute PATCH. Servers that differ in that one
 * respect run side by side, each on a data set of its own seeded over the SCIM API (an older build
 * cannot open a newer database), and are measured in alternating order, round after round.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PATCH_URN, userBody, userName } from './data.ts';
import { roundOrder, summarizeInstrumentation, type Comparison, type InstrumentationSample, type PathSummary } from './instrumentation-summary.ts';
import type { LoadGenerator } from './processes.ts';
import { procStat, startScimd } from './processes.ts';
import type { RequestTemplate } from './load.ts';
import type { BenchOptions } from './options.ts';

export interface InstrumentationServer {
  readonly key: string;
  readonly label: string;
  /** How it is started, for the report. */
  readonly command: string;
}

export interface InstrumentationResult {
  readonly servers: readonly InstrumentationServer[];
  readonly paths: readonly { readonly key: string; readonly label: string }[];
  readonly rounds: number;
  /** Users each server holds (seeded over POST /Users). */
  readonly users: number;
  readonly baseline?: { readonly name: string; readonly commit?: string };
  readonly loadAverageBefore: readonly number[];
  readonly loadAverageAfter: readonly number[];
  readonly samples: readonly InstrumentationSample[];
  readonly summary: readonly PathSummary[];
}

export interface InstrumentationContext {
  readonly opts: BenchOptions;
  readonly dataDir: string;
  readonly token: string;
  readonly loadgen: LoadGenerator;
  /** A fresh database URL per server (PostgreSQL), or undefined for SQLite in the server's data directory. */
  readonly database: () => Promise<string | undefined>;
  /** The older build: its name (a git revision or a file) and CLI entry. */
  readonly baseline?: { readonly name: string; readonly commit?: string; readonly entry: string };
  readonly log: (line: string) => void;
}

const loadAverage = () => loadavg().map((l) => Math.round(l * 100) / 100);

export async function runInstrumentation(ctx: InstrumentationContext): Promise<InstrumentationResult> {
  const { opts, loadgen, log } = ctx;
  const current = opts.entry ?? (opts.fromSource ? 'src/cli/entry.ts' : 'bin/scimd.js');
  const specs: (InstrumentationServer & { entry?: string; fromSource: boolean; flags: string[] })[] = [
    ...(ctx.baseline ? [{ key: 'before', label: `before: ${ctx.baseline.name}`, command: `${ctx.baseline.entry} serve`, entry: ctx.baseline.entry, fromSource: false, flags: [] }] : []),
    { key: 'off', label: 'metrics off', command: `${current} serve --metrics off`, ...(opts.entry ? { entry: opts.entry } : {}), fromSource: opts.fromSource, flags: ['--metrics', 'off'] },
    { key: 'on', label: 'metrics on (the default)', command: `${current} serve`, ...(opts.entry ? { entry: opts.entry } : {}), fromSource: opts.fromSource, flags: [] },
  ];
  const comparisons: Comparison[] = [
    { what: 'metrics (on vs off)', without: 'off', with: 'on' },
    ...(ctx.baseline
      ? [
          { what: `request ids, log correlation and other changes (off vs ${ctx.baseline.name})`, without: 'before', with: 'off' },
          { what: `all of it (on vs ${ctx.baseline.name})`, without: 'before', with: 'on' },
        ]
      : []),
  ];
  const headers = { authorization: `Bearer ${ctx.token}`, 'user-agent': 'scimd-bench', 'content-type': 'application/scim+json' };
  const base = (port: number) => ({ host: '127.0.0.1', port, connections: opts.connections });
  const loadBefore = loadAverage();

  const running: { spec: (typeof specs)[number]; pid: number; port: number; ids: string[]; stop(): Promise<void> }[] = [];
  try {
    for (const spec of specs) {
      const dataDir = join(ctx.dataDir, `instrumentation-${spec.key}`);
      mkdirSync(dataDir, { recursive: true });
      const databaseUrl = await ctx.database();
      const child = await startScimd({
        dataDir,
        token: ctx.token,
        fromSource: spec.fromSource,
        ...(spec.entry ? { entry: spec.entry } : {}),
        ...(databaseUrl ? { databaseUrl } : {}),
        serveFlags: spec.flags,
        ...(opts.profile ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', opts.profile, '--cpu-prof-name', `instrumentation-${spec.key}.cpuprofile`] } : {}),
      });
      running.push({ spec, pid: child.pid, port: child.port, ids: [], stop: () => child.stop() });
      // The same users on every server, created as an IdP would: over POST /Users.
      const body = JSON.stringify(userBody('{0}', '{1}'));
      const values = Array.from({ length: opts.users }, (_, i) => [userName(i), String(i)]);
      const seeded = await loadgen.run({
        ...base(child.port),
        warmupMs: 0,
        // Until every value is used: `once` ends the run when they run out.
        durationMs: 3_600_000,
        request: { method: 'POST', path: '/scim/v2/Users', body, headers },
        values,
        once: true,
        collectLocation: true,
        expect: [201],
      });
      if (seeded.errors) throw new Error(`seeding ${spec.label} failed: ${seeded.errorSamples.join('; ')}`);
      running.at(-1)!.ids.push(...seeded.collected);
      log(`instrumentation: ${spec.label} (pid ${child.pid}, port ${child.port}) holds ${seeded.collected.length} users`);
    }

    const patchBody = JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'displayName', value: 'Patched {n}' }] });
    const paths: { key: string; label: string; request: RequestTemplate }[] = [
      { key: 'get', label: 'GET /Users/{id}', request: { method: 'GET', path: '/scim/v2/Users/{0}', headers } },
      { key: 'patch', label: 'PATCH /Users/{id} (replace displayName)', request: { method: 'PATCH', path: '/scim/v2/Users/{0}', body: patchBody, headers } },
    ];
    const samples: InstrumentationSample[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      for (const path of paths) {
        for (const server of roundOrder(running, round)) {
          const cpu0 = procStat(server.pid).cpuMs;
          const r = await loadgen.run({
            ...base(server.port),
            warmupMs: opts.warmupMs,
            durationMs: opts.durationMs,
            request: path.request,
            values: server.ids.map((id) => [id]),
            expect: [200],
          });
          const cpu1 = procStat(server.pid).cpuMs;
          const all = r.ops + r.warmupOps;
          const sample: InstrumentationSample = {
            server: server.spec.key,
            path: path.key,
            round,
            opsPerSec: r.opsPerSec,
            serverCpuUsPerOp: all > 0 ? ((cpu1 - cpu0) * 1000) / all : NaN,
            p50Ms: r.latency.p50,
            errors: r.errors,
          };
          samples.push(sample);
          log(
            `instrumentation round ${round + 1}/${opts.rounds}: ${path.label.padEnd(40)} ${server.spec.label.padEnd(28)} ${Math.round(sample.opsPerSec).toString().padStart(6)} ops/s  ` +
              `server ${Math.round(sample.serverCpuUsPerOp)} µs CPU/op${r.errors ? `  ${r.errors} ERRORS: ${r.errorSamples[0]}` : ''}`,
          );
        }
      }
    }
    return {
      servers: specs.map(({ key, label, command }) => ({ key, label, command })),
      paths: paths.map(({ key, label }) => ({ key, label })),
      rounds: opts.rounds,
      users: opts.users,
      ...(ctx.baseline ? { baseline: { name: ctx.baseline.name, ...(ctx.baseline.commit ? { commit: ctx.baseline.commit } : {}) } } : {}),
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAverage(),
      samples,
      summary: summarizeInstrumentation(samples, comparisons),
    };
  } finally {
    for (const s of running.reverse()) await s.stop().catch(() => undefined);
  }
}
