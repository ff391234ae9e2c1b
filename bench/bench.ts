/**
 * One bench run: the ceiling, scimd and the load generator as three processes; users and groups
 * seeded through the store; the phases in order, each between two ceiling samples.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../src/store/postgres/pg-store.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/types.ts';
import { buildBaseline, type BaselineBuild } from './baseline.ts';
import { PATCH_URN, userBody, userId, userName } from './data.ts';
import { EVENTS_BASELINE, runEventsCost, type EventsCostResult } from './events-cost.ts';
import { runInstrumentation, type InstrumentationResult } from './instrumentation.ts';
import type { LoadResult, LoadSpec, RequestTemplate } from './load.ts';
import { describeMachine, type Machine } from './machine.ts';
import type { BenchOptions } from './options.ts';
import { procStat, resetPeakRss, startCeiling, startLoadGenerator, startReference, startScimd, type Child } from './processes.ts';
import { seedGroup, seedUsers } from './seed.ts';
import { runGroupRead, type GroupReadResult } from './group-read.ts';
import { analyze } from './analyze.ts';
import { checkpoint } from './checkpoint.ts';
import { runWebhookDelivery, type WebhookDeliveryResult } from './webhook-delivery.ts';
import { runMultiTenant, type MultiTenantResult } from './multi-tenant.ts';
import { runReplicas, type ReplicasResult } from './replicas.ts';
import { meanOf, ratio } from './stats.ts';
import { readCommitCounts, transactionsPerCommit } from './commit-batches.ts';

/** The phases of the main table (those a --before build runs too). */
const TABLE_PHASES = ['get', 'filter', 'list', 'post', 'patch', 'put', 'delete', 'lookup-big', 'group'];

export interface PhaseResult {
  readonly name: string;
  /** A reference server's phase (Fastify alone, Fastify with one SQLite read), not scimd's. */
  readonly reference?: boolean;
  readonly label: string;
  readonly ops: number;
  /** Operations in the warm-up before the measured window. */
  readonly warmupOps: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** Mean of the ceiling samples taken just before and just after the phase. */
  readonly ceilingOpsPerSec: number;
  /** opsPerSec / ceilingOpsPerSec. */
  readonly ratio: number;
  /** scimd's CPU time per operation over the whole phase (warm-up included), microseconds. */
  readonly serverCpuUsPerOp: number;
  /** The load generator's CPU time as a share of the measured window (1 = one core busy). */
  readonly clientCpuShare: number;
  /** Users stored while it ran. */
  readonly usersStored: number;
  /** Mean transactions per SQLite COMMIT during the phase (group commit; NaN or absent without commits). */
  readonly transactionsPerCommit?: number;
  /** The same phase on the --before build, on the same database, right before or after. */
  readonly before?: BeforeFigures;
}

/** A phase's figures on the --before build. */
export interface BeforeFigures {
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuUsPerOp: number;
  readonly errors: number;
  readonly transactionsPerCommit?: number;
}

export interface CeilingSample {
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly clientCpuShare: number;
}

export interface BenchResult {
  readonly date: string;
  /** From the start of the run to its result (builds, seeding and every phase), ms. */
  readonly elapsedMs?: number;
  readonly command: string;
  readonly options: BenchOptions;
  readonly machine: Machine;
  readonly loadAverageAfter: readonly number[];
  readonly ceiling: { readonly opsPerSec: number; readonly min: number; readonly max: number; readonly samples: readonly CeilingSample[] };
  readonly phases: readonly PhaseResult[];
  /** The build the phases' "before" figures come from; absent without --before. */
  readonly before?: { readonly name: string; readonly commit: string };
  /** What metrics (and, with a baseline, request ids and log correlation) cost; absent when not run. */
  readonly instrumentation?: InstrumentationResult;
  /** What recording changes costs POST and PATCH against a build without the change log; absent when not run. */
  readonly eventsCost?: EventsCostResult;
  /** Whether webhook delivery keeps up with POST /Users; absent when not run. */
  readonly webhookDelivery?: WebhookDeliveryResult;
  /** Many tenants at an IdP's rate, from a cold start, then with one flooding; absent when not run. */
  readonly multiTenant?: MultiTenantResult;
  /** PostgreSQL: PATCH on one replica against two on the same database (replicas.ts); absent when not run. */
  readonly replicas?: ReplicasResult;
  /** Full reads of a 100,000-member group, one and ten at once (group-read.ts); absent when not run. */
  readonly groupRead?: GroupReadResult;
  readonly seeding: readonly { readonly what: string; readonly count: number; readonly ms: number }[];
  readonly memory: {
    /** Peak RSS of scimd over the whole run, KiB. */
    readonly peakRssKiB: number;
    /** Peak RSS of scimd from the moment the big user set was stored to the end (to the group-read phase, when it runs), KiB. */
    readonly peakRssWithMillionKiB: number;
    readonly rssAtEndKiB: number;
  };
}

/** A reproducible shuffle (mulberry32), so two runs send the same requests in the same order. */
export function shuffled<T>(items: readonly T[], seed = 1): T[] {
  const out = [...items];
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);

interface Database {
  readonly url?: string;
  drop(): Promise<void>;
}

async function freshPostgres(baseUrl: string): Promise<Database> {
  const name = `scimd_bench_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: baseUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function runBench(opts: BenchOptions, log: (line: string) => void = () => undefined): Promise<BenchResult> {
  const date = new Date().toISOString();
  const started = performance.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'scimd-bench-'));
  const token = `bench_${randomBytes(24).toString('base64url')}`;
  const database: Database = opts.db === 'postgres' ? await freshPostgres(opts.postgresUrl) : { drop: async () => undefined };
  const machine = await describeMachine(database.url);
  const children: { stop(): Promise<void> }[] = [];
  const extraDatabases: Database[] = [];
  let store: Store | undefined;
  let baseline: BaselineBuild | undefined;
  let eventsBaselineBuild: BaselineBuild | undefined;
  let beforeBuild: BaselineBuild | undefined;
  const wanted = (name: string) => !opts.only || opts.only.includes(name) || (name.startsWith('group-') && opts.only.includes('group'));
  try {
    // The older build first: a revision that cannot be built stops the run before anything is measured.
    if ((wanted('instrumentation') || wanted('events-cost')) && opts.baseline) baseline = buildBaseline(opts.baseline, log);
    // The build of the "before" columns: every scimd phase runs on it too, on the same database.
    if (opts.before && TABLE_PHASES.some(wanted)) beforeBuild = buildBaseline(opts.before, log);
    const baselineEntry = opts.baselineEntry === undefined ? undefined : resolve(opts.baselineEntry);
    if (baselineEntry && !existsSync(baselineEntry)) throw new Error(`--baseline-entry ${opts.baselineEntry}: no such file`);
    const ceilingServer = await startCeiling();
    children.push(ceilingServer);
    const scimd = await startScimd({
      dataDir,
      token,
      fromSource: opts.fromSource,
      ...(opts.entry ? { entry: opts.entry } : {}),
      ...(database.url ? { databaseUrl: database.url } : {}),
      ...(opts.profile ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', opts.profile] } : {}),
    });
    children.push(scimd);
    const beforeServer = beforeBuild
      ? await startScimd({ dataDir, logFile: join(dataDir, 'scimd-before.log'), token, fromSource: false, entry: beforeBuild.entry, ...(database.url ? { databaseUrl: database.url } : {}) })
      : undefined;
    if (beforeServer) {
      children.push(beforeServer);
      log(`before: ${opts.before} (${beforeBuild!.commit.slice(0, 10)}) pid ${beforeServer.pid} on port ${beforeServer.port}, same database`);
    }
    const loadgen = startLoadGenerator();
    children.push(loadgen);
    log(`scimd pid ${scimd.pid} on port ${scimd.port} (${opts.db}, data in ${dataDir}); ceiling on port ${ceilingServer.port}`);

    // The orchestrator seeds through the store while scimd idles between phases. SQLite: a big
    // page cache for the bulk load (the served connections keep their defaults).
    store = database.url ? await openPostgresStore(database.url, { poolSize: 4 }) : openSqliteStore(join(dataDir, 'scimd.db'), { synchronous: 'NORMAL', cacheSizeKiB: 512 * 1024 });
    const tenant = await store.tenantByName('default');
    if (!tenant) throw new Error('scimd did not bootstrap tenant default');
    const seeding: { what: string; count: number; ms: number }[] = [];
    const seed = async (what: string, count: number, fn: () => Promise<void>) => {
      const t0 = performance.now();
      await fn();
      // SQLite: the seeding's log is copied into the database now, not by the next phase's commits.
      if (!database.url && !checkpoint(join(dataDir, 'scimd.db'))) log(`the checkpoint after seeding ${what} could not finish`);
      // PostgreSQL: statistics of the tables as they are now, not as autovacuum last saw them.
      if (database.url) await analyze(database.url);
      const ms = performance.now() - t0;
      seeding.push({ what, count, ms });
      log(`seeded ${what} in ${(ms / 1000).toFixed(1)} s`);
    };
    const seedOpts = database.url ? { batch: 5000, parallel: 3 } : { batch: 50_000 };
    let stored = 0;
    await seed(`${opts.users.toLocaleString('en')} users`, opts.users, () => seedUsers(store!, tenant.id, 0, opts.users, seedOpts));
    stored = opts.users;
    // The reference server reads the users just seeded (SQLite only: it opens the file read-only).
    const reference = await startReference(database.url ? undefined : join(dataDir, 'scimd.db'), tenant.id);
    children.push(reference);

    const ceilingSamples: CeilingSample[] = [];
    const phases: PhaseResult[] = [];
    const base = (port: number) => ({ host: '127.0.0.1', port, connections: opts.connections });
    const ceilingSpec: LoadSpec = { ...base(ceilingServer.port), warmupMs: Math.min(opts.warmupMs, 500), durationMs: opts.ceilingMs, request: { method: 'GET', path: '/' }, expect: [200] };
    const sampleCeiling = async (): Promise<number> => {
      const r = await loadgen.run(ceilingSpec);
      if (r.errors) throw new Error(`the ceiling server failed: ${r.errorSamples.join('; ')}`);
      ceilingSamples.push({ opsPerSec: r.opsPerSec, p50Ms: r.latency.p50, p99Ms: r.latency.p99, clientCpuShare: r.clientCpuMs / r.elapsedMs });
      return r.opsPerSec;
    };
    let lastCeiling = await sampleCeiling();
    log(`ceiling ${Math.round(lastCeiling)} ops/s`);

    const headers = { authorization: `Bearer ${token}`, 'user-agent': 'scimd-bench', 'content-type': 'application/scim+json' };
    const phase = async (
      name: string,
      label: string,
      request: RequestTemplate,
      spec: Partial<LoadSpec> & { expect: readonly number[] },
      server: Child = scimd,
    ): Promise<LoadResult | undefined> => {
      if (!wanted(name)) return undefined;
      const measure = async (on: Child, req: RequestTemplate, values: LoadSpec['values'] | undefined) => {
        const counts0 = on === scimd || on === beforeServer ? await readCommitCounts(on.port) : undefined;
        const cpu0 = procStat(on.pid).cpuMs;
        const run = await loadgen.run({ ...base(on.port), warmupMs: opts.warmupMs, durationMs: opts.durationMs, ...spec, ...(values ? { values } : {}), request: { ...req, headers } });
        const cpu1 = procStat(on.pid).cpuMs;
        const all = run.ops + run.warmupOps;
        return { run, cpuUsPerOp: all > 0 ? ((cpu1 - cpu0) * 1000) / all : NaN, perCommit: counts0 ? transactionsPerCommit(counts0, await readCommitCounts(on.port)) : NaN };
      };
      // With a --before build, scimd's phases run on both, in alternating order from phase to phase;
      // values used once are dealt out between them, and its names get a 'b' so none collides.
      const pair = server === scimd && beforeServer !== undefined ? beforeServer : undefined;
      const halves = pair && spec.once && spec.values ? [spec.values.filter((_, i) => i % 2 === 0), spec.values.filter((_, i) => i % 2 === 1)] : undefined;
      const beforeRequest: RequestTemplate = request.body === undefined ? request : { ...request, body: request.body.replaceAll('{n}', 'b{n}') };
      const measureBefore = async () => (pair ? measure(pair, beforeRequest, halves?.[1]) : undefined);
      const beforeFirst = pair !== undefined && phases.length % 2 === 0;
      const earlier = beforeFirst ? await measureBefore() : undefined;
      const now = await measure(server, request, halves?.[0]);
      const later = pair && !beforeFirst ? await measureBefore() : earlier;
      const r: LoadResult = later ? { ...now.run, collected: [...now.run.collected, ...later.run.collected] } : now.run;
      const before = lastCeiling;
      lastCeiling = await sampleCeiling();
      const ceiling = meanOf([before, lastCeiling]);
      const result: PhaseResult = {
        name,
        label,
        ...(server === scimd ? {} : { reference: true }),
        ops: now.run.ops,
        warmupOps: now.run.warmupOps,
        opsPerSec: now.run.opsPerSec,
        p50Ms: now.run.latency.p50,
        p99Ms: now.run.latency.p99,
        maxMs: now.run.latency.max,
        errors: now.run.errors + (later?.run.errors ?? 0),
        errorSamples: [...now.run.errorSamples, ...(later?.run.errorSamples.map((e) => `before: ${e}`) ?? [])],
        ceilingOpsPerSec: ceiling,
        ratio: ratio(now.run.opsPerSec, ceiling),
        serverCpuUsPerOp: now.cpuUsPerOp,
        clientCpuShare: now.run.clientCpuMs / now.run.elapsedMs,
        usersStored: stored,
        ...(Number.isFinite(now.perCommit) ? { transactionsPerCommit: now.perCommit } : {}),
        ...(later
          ? {
              before: {
                opsPerSec: later.run.opsPerSec,
                p50Ms: later.run.latency.p50,
                p99Ms: later.run.latency.p99,
                serverCpuUsPerOp: later.cpuUsPerOp,
                errors: later.run.errors,
                ...(Number.isFinite(later.perCommit) ? { transactionsPerCommit: later.perCommit } : {}),
              },
            }
          : {}),
      };
      phases.push(result);
      const f = (v: number | null, digits: number) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–');
      log(
        `${label.padEnd(40)} ${f(result.opsPerSec, 0).padStart(7)} ops/s  p50 ${f(result.p50Ms, 2)} ms  p99 ${f(result.p99Ms, 2)} ms  ` +
          `${f(result.ratio * 100, 1)} % of ceiling  server ${f(result.serverCpuUsPerOp, 0)} µs CPU/op` +
          `${result.transactionsPerCommit ? `  ${f(result.transactionsPerCommit, 1)} tx/commit` : ''}` +
          `${result.before ? `  (before: ${f(result.before.opsPerSec, 0)} ops/s, p99 ${f(result.before.p99Ms, 2)} ms, ${f(result.before.serverCpuUsPerOp, 0)} µs CPU/op${result.before.transactionsPerCommit ? `, ${f(result.before.transactionsPerCommit, 1)} tx/commit` : ''})` : ''}` +
          `${result.errors ? `  ${result.errors} ERRORS: ${result.errorSamples[0]}` : ''}`,
      );
      return r;
    };

    const small = shuffled(range(0, opts.users), 7);
    await phase('ref-fastify', 'reference: Fastify, a fixed JSON document', { method: 'GET', path: '/fixed' }, { expect: [200] }, reference);
    if (!database.url) await phase('ref-sqlite', 'reference: Fastify + one SQLite read by id', { method: 'GET', path: '/read/{0}' }, { values: small.map((i) => [userId(i)]), expect: [200] }, reference);
    const eq = (i: number) => encodeURIComponent(`userName eq "${userName(i)}"`);
    await phase('get', 'GET /Users/{id}', { method: 'GET', path: '/scim/v2/Users/{0}' }, { values: small.map((i) => [userId(i)]), expect: [200] });
    await phase('filter', `GET /Users?filter=userName eq … (${opts.users.toLocaleString('en')} users)`, { method: 'GET', path: '/scim/v2/Users?filter={0}' }, { values: small.map((i) => [eq(i)]), expect: [200] });
    const pages = range(0, Math.ceil(opts.users / 100)).map((p) => [String(p * 100 + 1)]);
    await phase('list', 'GET /Users, pages of 100', { method: 'GET', path: '/scim/v2/Users?startIndex={0}&count=100' }, { values: pages, expect: [200] });
    const nonce = randomBytes(3).toString('hex');
    const posted = await phase('post', 'POST /Users', { method: 'POST', path: '/scim/v2/Users', body: JSON.stringify(userBody(`post{n}-${nonce}@bench.example.com`, 'p{n}')) }, { expect: [201], collectLocation: true });
    const patchBody = JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'displayName', value: 'Patched {n}' }] });
    await phase('patch', 'PATCH /Users/{id} (replace displayName)', { method: 'PATCH', path: '/scim/v2/Users/{0}', body: patchBody }, { values: small.map((i) => [userId(i)]), expect: [200] });
    await phase('put', 'PUT /Users/{id}', { method: 'PUT', path: '/scim/v2/Users/{0}', body: JSON.stringify(userBody('{1}', 'put{n}')) }, { values: small.map((i) => [userId(i), userName(i)]), expect: [200] });
    if (posted) await phase('delete', 'DELETE /Users/{id}', { method: 'DELETE', path: '/scim/v2/Users/{0}' }, { values: posted.collected.map((id) => [id]), once: true, expect: [204] });

    // PostgreSQL: the same durable PATCH on this scimd alone, then on it and a second replica of the
    // same build on the same database (the connections split between them).
    let replicas: ReplicasResult | undefined;
    if (database.url && wanted('replicas')) {
      const second = await startScimd({
        dataDir,
        logFile: join(dataDir, 'scimd-replica-2.log'),
        token,
        fromSource: opts.fromSource,
        ...(opts.entry ? { entry: opts.entry } : {}),
        databaseUrl: database.url,
      });
      const secondLoadgen = startLoadGenerator();
      try {
        log(`replicas: a second replica of this build, pid ${second.pid} on port ${second.port}, same database`);
        replicas = await runReplicas({
          label: 'PATCH /Users/{id} (replace displayName)',
          first: scimd,
          second,
          loadgens: [loadgen, secondLoadgen],
          connections: opts.connections,
          rounds: 2,
          spec: { warmupMs: opts.warmupMs, durationMs: opts.durationMs, request: { method: 'PATCH', path: '/scim/v2/Users/{0}', body: patchBody.replace('Patched', 'Replica'), headers }, values: small.map((i) => [userId(i)]), expect: [200] },
          log,
        });
        log(`replicas: ${Math.round(replicas.one.opsPerSec)} ops/s on one, ${Math.round(replicas.two.opsPerSec)} on two (${replicas.scaling.toFixed(2)}×)`);
      } finally {
        await secondLoadgen.stop();
        await second.stop();
      }
      lastCeiling = await sampleCeiling();
    }

    let instrumentation: InstrumentationResult | undefined;
    if (wanted('instrumentation')) {
      const before = baseline ? { name: opts.baseline!, commit: baseline.commit, entry: baseline.entry } : baselineEntry ? { name: opts.baselineEntry!, entry: baselineEntry } : undefined;
      instrumentation = await runInstrumentation({
        opts,
        dataDir,
        token,
        loadgen,
        database: async () => {
          if (!database.url) return undefined;
          const db = await freshPostgres(opts.postgresUrl);
          extraDatabases.push(db);
          return db.url;
        },
        ...(before ? { baseline: before } : {}),
        log,
      });
      lastCeiling = await sampleCeiling();
    }

    const extraDatabase = async () => {
      if (!database.url) return undefined;
      const db = await freshPostgres(opts.postgresUrl);
      extraDatabases.push(db);
      return db.url;
    };
    let eventsCost: EventsCostResult | undefined;
    if (wanted('events-cost')) {
      // The build without the change log: --baseline's (or --baseline-entry's) when given, else 67ed1d7;
      // --quick skips building one. Without it, only the current build is measured.
      let before: { name: string; commit?: string; entry: string } | { skipped: string };
      if (baseline) before = { name: opts.baseline!, commit: baseline.commit, entry: baseline.entry };
      else if (baselineEntry) before = { name: opts.baselineEntry!, entry: baselineEntry };
      else if (opts.quick) before = { skipped: `--quick does not build the baseline (${EVENTS_BASELINE}); give --baseline ${EVENTS_BASELINE} to compare` };
      else {
        try {
          eventsBaselineBuild = buildBaseline(EVENTS_BASELINE, log);
          before = { name: EVENTS_BASELINE, commit: eventsBaselineBuild.commit, entry: eventsBaselineBuild.entry };
        } catch (e) {
          before = { skipped: (e as Error).message };
          log(`events-cost: no comparison: ${before.skipped}`);
        }
      }
      eventsCost = await runEventsCost({ opts, dataDir, token, loadgen, database: extraDatabase, baseline: before, log });
      lastCeiling = await sampleCeiling();
    }
    let webhookDelivery: WebhookDeliveryResult | undefined;
    if (wanted('webhook-delivery')) {
      webhookDelivery = await runWebhookDelivery({ opts, dataDir, token, loadgen, database: extraDatabase, log });
      lastCeiling = await sampleCeiling();
    }

    let multiTenant: MultiTenantResult | undefined;
    if (wanted('multi-tenant')) {
      multiTenant = await runMultiTenant({ opts, dataDir, database: extraDatabase, spec: opts.multiTenant, log });
      lastCeiling = await sampleCeiling();
    }

    const overallBeforeReset = procStat(scimd.pid).peakRssKiB;
    const needBig = wanted('lookup-big') || wanted('group-read') || opts.groupSizes.some((s) => wanted(`group-${s}`));
    await new Promise((r) => setTimeout(r, 300)); // let scimd's request log batch land before the bulk load
    if (needBig) await seed(`${(opts.million - opts.users).toLocaleString('en')} more users (${opts.million.toLocaleString('en')} in all)`, opts.million - opts.users, () =>
      seedUsers(store!, tenant.id, opts.users, opts.million, seedOpts),
    );
    if (needBig) stored = opts.million;
    const resetOk = resetPeakRss(scimd.pid);
    const big = shuffled(range(0, opts.million), 11).slice(0, 20_000);
    await phase('lookup-big', `GET /Users?filter=userName eq … (${opts.million.toLocaleString('en')} users)`, { method: 'GET', path: '/scim/v2/Users?filter={0}' }, { values: big.map((i) => [eq(i)]), expect: [200] });

    // Groups: members are the first users; each PATCH adds one user who is not a member yet. On the
    // default groupPatchResponse (auto) a group of up to 1,000 members answers 200 with its body, a
    // larger one 204.
    const biggest = Math.max(...opts.groupSizes);
    const wantPool = Math.ceil(((opts.warmupMs + opts.durationMs) / 1000) * 15_000);
    // A group of (nearly) every stored user, 1,000,000: the members its PATCHes add are users seeded for them.
    const extra = biggest > opts.million - 100 && opts.groupSizes.some((s) => wanted(`group-${s}`)) ? biggest + wantPool - opts.million : 0;
    if (extra > 0) await seed(`${extra.toLocaleString('en')} more users (to add to the ${biggest.toLocaleString('en')}-member group)`, extra, () => seedUsers(store!, tenant.id, opts.million, biggest + wantPool, seedOpts));
    const poolSize = Math.min(opts.million + extra - biggest, wantPool);
    const seededGroups: number[] = [];
    for (const [k, size] of opts.groupSizes.entries()) {
      const name = `group-${size}`;
      if (!wanted(name)) continue;
      seededGroups.push(size);
      const gid = userId(k, 'g');
      await seed(`group of ${size.toLocaleString('en')} members`, size, () => seedGroup(store!, tenant.id, gid, `bench group ${size}`, 0, size));
      const pool = shuffled(range(biggest, biggest + poolSize), 100 + k).map((i) => [userId(i)]);
      const body = JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: 'add', path: 'members', value: [{ value: '{0}' }] }] });
      await phase(name, `PATCH /Groups/{id} add 1 member (${size.toLocaleString('en')} members)`, { method: 'PATCH', path: `/scim/v2/Groups/${gid}`, body }, { values: pool, once: true, expect: [200, 204] });
    }

    const groupRead = wanted('group-read')
      ? await runGroupRead({ store: store!, tenantId: tenant.id, pid: scimd.pid, port: scimd.port, headers, groupSizes: opts.groupSizes, users: stored, seed, log }, seededGroups)
      : undefined;

    const end = procStat(scimd.pid);
    const ceilings = ceilingSamples.map((c) => c.opsPerSec);
    return {
      date,
      elapsedMs: performance.now() - started,
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      options: opts,
      machine,
      loadAverageAfter: (await import('node:os')).loadavg().map((l) => Math.round(l * 100) / 100),
      ceiling: { opsPerSec: meanOf(ceilings), min: Math.min(...ceilings), max: Math.max(...ceilings), samples: ceilingSamples },
      phases,
      ...(beforeBuild ? { before: { name: opts.before!, commit: beforeBuild.commit } } : {}),
      ...(instrumentation ? { instrumentation } : {}),
      ...(eventsCost ? { eventsCost } : {}),
      ...(webhookDelivery ? { webhookDelivery } : {}),
      ...(multiTenant ? { multiTenant } : {}),
      ...(replicas ? { replicas } : {}),
      ...(groupRead ? { groupRead } : {}),
      seeding,
      memory: {
        peakRssKiB: Math.max(overallBeforeReset, end.peakRssKiB, groupRead?.peakBeforeKiB ?? 0),
        // Up to the group-read phase, which resets the peak and reports its own.
        peakRssWithMillionKiB: resetOk ? (groupRead?.peakBeforeKiB ?? end.peakRssKiB) : NaN,
        rssAtEndKiB: end.rssKiB,
      },
    };
  } finally {
    await store?.close();
    for (const c of children.reverse()) await c.stop().catch(() => undefined);
    for (const db of [database, ...extraDatabases]) await db.drop().catch((e: unknown) => log(`could not drop a bench database: ${String(e)}`));
    baseline?.remove();
    eventsBaselineBuild?.remove();
    beforeBuild?.remove();
    if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
    else log(`data kept in ${dataDir}`);
  }
}
