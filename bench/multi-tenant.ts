/**
 * The multi-tenant phase: many tenants at the rate an IdP really sends (Entra documents 25
 * requests per second per application), as an open loop — each request goes out at its scheduled
 * time whether or not the earlier ones were answered, and its latency counts from that time, so a
 * slow server shows as latency, not as a politely slower client.
 *
 * Each tenant sends a mix of lookups (userName eq), creates, PATCHes of users and group member
 * changes. A fresh scimd process (on PostgreSQL two, replicas on the one database, each tenant's
 * connections spread over them in turn) starts on the seeded data and the load begins the moment it is
 * ready: the first 15 s are what a replica added during an incident answers. Then, on the same
 * (now warm) server, one tenant floods at `flood`× its rate, and the others' p99 is compared with
 * their p99 of the quiet run past its first 15 s (target ≤ 1.2×).
 *
 * The server runs with its default per-client limits (--rate-limit 50/s fair, --client-concurrency
 * 4), unlike the other phases: they are what keeps one tenant's flood from slowing the others, so
 * they are part of what is measured. The flooder's 429s are counted, not errors. The limits are
 * each process's own: on two replicas a flooder gets up to twice the limit through.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { AdminService } from '../src/provisioning/tenants/directory-admin.ts';
import { openPostgresStore } from '../src/store/postgres/pg-store.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/types.ts';
import { SETTINGS } from '../src/config.ts';
import { Connection, type ParsedResponse, type Request } from './http-client.ts';
import { PATCH_URN, userBody, userId, userName } from './data.ts';
import type { BenchOptions } from './options.ts';
import { startScimd } from './processes.ts';
import { seedGroup, seedUsers } from './seed.ts';
import { summarize, type LatencySummary } from './stats.ts';
import { COLD_MS } from './multi-tenant-report.ts';

/** Entra ID's documented request rate per application (and so per tenant here). */
export const ENTRA_RATE = 25;
const USERS_PER_TENANT = 200;
const GROUP_MEMBERS = 10;
/** Keep-alive connections a tenant may open (an IdP's several workers). */
const MAX_CONNECTIONS = 8;

export type RequestKind = 'lookup' | 'create' | 'patch-user' | 'group-member';
const KINDS: readonly RequestKind[] = ['lookup', 'create', 'patch-user', 'group-member'];
/** The mix, cumulative: half lookups, then creates, user PATCHes, member changes. */
const MIX: readonly [number, RequestKind][] = [
  [0.5, 'lookup'],
  [0.65, 'create'],
  [0.9, 'patch-user'],
  [1, 'group-member'],
];

export interface MultiTenantSpec {
  readonly tenants: number;
  readonly ratePerTenant: number;
  readonly durationMs: number;
  /** The flooding tenant's rate, as a multiple of the others'. */
  readonly flood: number;
}

export interface WindowSummary {
  readonly fromMs: number;
  readonly toMs: number;
  readonly latency: LatencySummary;
}

export interface RunSummary {
  readonly requests: number;
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** 429 answers (the flooder's, normally). */
  readonly refused: number;
  readonly all: LatencySummary;
  readonly first: LatencySummary;
  readonly after: LatencySummary;
  readonly byKind: Readonly<Record<RequestKind, LatencySummary>>;
  /** 5-second windows of the run. */
  readonly timeline: readonly WindowSummary[];
}

export interface MultiTenantResult {
  readonly spec: MultiTenantSpec;
  readonly serveFlags: readonly string[];
  /** scimd processes serving the load (two on PostgreSQL, on one database; one on SQLite). */
  readonly replicas?: number;
  /** Every tenant at its rate, from the moment a fresh scimd is ready. */
  readonly quiet: RunSummary;
  /** The tenants other than the flooder, while it floods. */
  readonly floodOthers: RunSummary;
  readonly flooder: RunSummary;
  /** floodOthers.all.p99 / quiet.after.p99 (the same tenants, the quiet run past its cold window). */
  readonly slowdown: number;
  /** The load generator's event-loop delay p99 (ms): above a few ms, the client itself was late. */
  readonly clientLagP99Ms: number;
}

interface Tenant {
  readonly index: number;
  readonly headers: string;
  readonly groupId: string;
  readonly firstUser: number;
  /** The group's members as this client made them (requests are built in order, sent concurrently). */
  readonly members: Set<string>;
}

interface Job {
  readonly at: number;
  readonly kind: RequestKind;
  readonly req: Request;
}

interface Sample {
  readonly tenant: number;
  readonly kind: RequestKind;
  /** Scheduled send time from the start of the run (ms). */
  readonly at: number;
  readonly ms: number;
  readonly status: number;
}

/** A reproducible PRNG (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OK: Readonly<Record<RequestKind, readonly number[]>> = { lookup: [200], create: [201], 'patch-user': [200], 'group-member': [200, 204] };

/** The request of kind `kind` for tenant `t` (its n-th). */
function requestOf(t: Tenant, kind: RequestKind, n: number, pick: () => number, nonce: string): Request {
  const user = t.firstUser + Math.floor(pick() * USERS_PER_TENANT);
  switch (kind) {
    case 'lookup':
      return { method: 'GET', path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName(user)}"`)}`, headers: t.headers };
    case 'create':
      return { method: 'POST', path: '/scim/v2/Users', headers: t.headers, body: JSON.stringify(userBody(`mt${t.index}-${nonce}-${n}@bench.example.com`, n)) };
    case 'patch-user': {
      const op = pick() < 0.8 ? { op: 'replace', path: 'displayName', value: `Patched ${n}` } : { op: 'replace', path: 'active', value: pick() < 0.5 };
      return { method: 'PATCH', path: `/scim/v2/Users/${userId(user)}`, headers: t.headers, body: JSON.stringify({ schemas: [PATCH_URN], Operations: [op] }) };
    }
    case 'group-member': {
      // Entra's forms (Add / Remove with a value list). A member is removed, a non-member added, as
      // the client knows them (a remove of a non-member is a 400): the group keeps about its size.
      const members = [...t.members];
      const removing = members.length > 0 && (members.length >= GROUP_MEMBERS || pick() < 0.5);
      let id: string;
      if (removing) {
        id = members[Math.floor(pick() * members.length)]!;
        t.members.delete(id);
      } else {
        do id = userId(t.firstUser + Math.floor(pick() * USERS_PER_TENANT));
        while (t.members.has(id));
        t.members.add(id);
      }
      const op = { op: removing ? 'Remove' : 'Add', path: 'members', value: [{ value: id }] };
      return { method: 'PATCH', path: `/scim/v2/Groups/${t.groupId}`, headers: t.headers, body: JSON.stringify({ schemas: [PATCH_URN], Operations: [op] }) };
    }
  }
}

/**
 * Sends each tenant's requests at `rates[i]` per second for `durationMs`, open loop: a request
 * waits for a free connection of its tenant (at most MAX_CONNECTIONS), and its latency counts from
 * its scheduled time.
 */
async function openLoop(host: string, ports: readonly number[], tenants: readonly Tenant[], rates: readonly number[], durationMs: number, seed: number): Promise<{ samples: Sample[]; errorSamples: string[] }> {
  const samples: Sample[] = [];
  const errorSamples: string[] = [];
  const nonce = randomBytes(3).toString('hex');
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  const lanes = tenants.map((t, i) => ({
    t,
    rate: rates[i]!,
    // Spread the tenants' first requests over one interval, so they do not all fire at once.
    next: (i / tenants.length) * (1000 / rates[i]!),
    sent: 0,
    idle: [] as Connection[],
    open: 0,
    queue: [] as Job[],
    // A group's member changes go one at a time, in order (a remove must not overtake the add it undoes).
    groupConn: new Connection(host, ports[i % ports.length]!),
    groupBusy: false,
    groupQueue: [] as Job[],
    pick: rng(seed * 7919 + i),
  }));
  type Lane = (typeof lanes)[number];
  const send = (lane: Lane, c: Connection, job: Job, after: () => void) => {
    inFlight.push(
      c.send(job.req).then(
        (res: ParsedResponse) => done(lane, job, res.status, res, after),
        (e: Error) => done(lane, job, 0, e, after),
      ),
    );
  };
  const pump = (lane: Lane) => {
    while (lane.queue.length && (lane.idle.length || lane.open < MAX_CONNECTIONS)) {
      const job = lane.queue.shift()!;
      let conn = lane.idle.pop();
      if (!conn) {
        // Connections go to the replicas in turn, as a TCP load balancer would spread them.
        conn = new Connection(host, ports[(lane.t.index + lane.open) % ports.length]!);
        lane.open++;
      }
      const c = conn;
      send(lane, c, job, () => {
        lane.idle.push(c);
        pump(lane);
      });
    }
    if (!lane.groupBusy && lane.groupQueue.length) {
      lane.groupBusy = true;
      send(lane, lane.groupConn, lane.groupQueue.shift()!, () => {
        lane.groupBusy = false;
        pump(lane);
      });
    }
  };
  const done = (lane: Lane, job: Job, status: number, res: ParsedResponse | Error, after: () => void) => {
    const ms = performance.now() - start - job.at;
    samples.push({ tenant: lane.t.index, kind: job.kind, at: job.at, ms, status });
    if (status !== 429 && !OK[job.kind].includes(status) && errorSamples.length < 5) {
      errorSamples.push(res instanceof Error ? `${job.kind}: ${res.message}` : `${job.kind}: ${status} ${res.body.toString('utf8', 0, Math.min(res.body.length, 200))}`);
    }
    after();
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now() - start;
      for (const lane of lanes) {
        while (lane.next <= now && lane.next < durationMs) {
          const r = lane.pick();
          const kind = MIX.find(([p]) => r < p)![1];
          (kind === 'group-member' ? lane.groupQueue : lane.queue).push({ at: lane.next, kind, req: requestOf(lane.t, kind, lane.sent++, lane.pick, nonce) });
          lane.next += 1000 / lane.rate;
        }
        pump(lane);
      }
      if (now >= durationMs) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  // Requests still queued were scheduled in the window: wait for them too.
  while (lanes.some((l) => l.queue.length || l.groupQueue.length) || inFlight.length) {
    const batch = inFlight.splice(0);
    await Promise.all(batch);
    if (!batch.length) await new Promise((r) => setTimeout(r, 5));
  }
  for (const lane of lanes) for (const c of [...lane.idle, lane.groupConn]) c.close();
  return { samples, errorSamples };
}

function summarizeRun(samples: readonly Sample[], errorSamples: readonly string[], durationMs: number): RunSummary {
  const ok = samples.filter((s) => s.status !== 0);
  const lat = (pred: (s: Sample) => boolean) => summarize(ok.filter(pred).map((s) => s.ms));
  const timeline: WindowSummary[] = [];
  for (let from = 0; from < durationMs; from += 5000) timeline.push({ fromMs: from, toMs: Math.min(durationMs, from + 5000), latency: lat((s) => s.at >= from && s.at < from + 5000) });
  return {
    requests: samples.length,
    errors: samples.filter((s) => s.status !== 429 && !OK[s.kind].includes(s.status)).length,
    errorSamples,
    refused: samples.filter((s) => s.status === 429).length,
    all: lat(() => true),
    first: lat((s) => s.at < COLD_MS),
    after: lat((s) => s.at >= COLD_MS),
    byKind: Object.fromEntries(KINDS.map((k) => [k, lat((s) => s.kind === k)])) as Record<RequestKind, LatencySummary>,
    timeline,
  };
}

export interface MultiTenantInput {
  readonly opts: BenchOptions;
  readonly dataDir: string;
  /** A fresh PostgreSQL database (undefined: SQLite in a directory of its own). */
  readonly database: () => Promise<string | undefined>;
  readonly spec: MultiTenantSpec;
  readonly log: (line: string) => void;
}

/** scimd replicas of the phase on PostgreSQL (issue 15: the run an operator tried, on two replicas over one database). */
export const MULTI_TENANT_REPLICAS = 2;

/** The server's own per-client limits, restored over the bench's `off` (BENCH_SERVE_FLAGS). */
export const MULTI_TENANT_SERVE_FLAGS = ['--rate-limit', String(SETTINGS.rateLimit.fallback), '--client-concurrency', String(SETTINGS.clientConcurrency.fallback)] as const;

async function seedTenants(store: Store, spec: MultiTenantSpec): Promise<Tenant[]> {
  const admin = new AdminService(store);
  const out: Tenant[] = [];
  for (let i = 0; i < spec.tenants; i++) {
    const tenant = await admin.createTenant(`mt${i}`);
    const token = `mt_${randomBytes(24).toString('base64url')}`;
    await admin.createClient(tenant.name, 'idp', { token });
    const firstUser = 10_000_000 + i * USERS_PER_TENANT;
    await seedUsers(store, tenant.id, firstUser, firstUser + USERS_PER_TENANT);
    const groupId = userId(i, 'mtg');
    await seedGroup(store, tenant.id, groupId, `mt group ${i}`, firstUser, GROUP_MEMBERS);
    const headers = `host: 127.0.0.1\r\nauthorization: Bearer ${token}\r\nuser-agent: scimd-bench-mt\r\ncontent-type: application/scim+json\r\n`;
    const members = new Set(Array.from({ length: GROUP_MEMBERS }, (_, k) => userId(firstUser + k)));
    out.push({ index: i, headers, groupId, firstUser, members });
  }
  return out;
}

export async function runMultiTenant(input: MultiTenantInput): Promise<MultiTenantResult> {
  const { opts, spec, log } = input;
  const dataDir = join(input.dataDir, `multi-tenant-${randomBytes(3).toString('hex')}`);
  mkdirSync(dataDir, { recursive: true });
  const url = await input.database();
  const store = url ? await openPostgresStore(url, { poolSize: 4, watchAuth: false }) : openSqliteStore(join(dataDir, 'scimd.db'));
  let tenants: Tenant[];
  try {
    const t0 = performance.now();
    tenants = await seedTenants(store, spec);
    log(`multi-tenant: seeded ${spec.tenants} tenants (${USERS_PER_TENANT} users, a group of ${GROUP_MEMBERS} each) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await store.close();
  }
  // PostgreSQL: two replicas on the one database, as an operator runs it; SQLite: one process.
  const replicas = url ? MULTI_TENANT_REPLICAS : 1;
  const token = `bench_${randomBytes(24).toString('base64url')}`;
  const settled = await Promise.allSettled(
    Array.from({ length: replicas }, (_, r) =>
      startScimd({
        dataDir,
        ...(r > 0 ? { logFile: join(dataDir, `scimd-replica-${r + 1}.log`) } : {}),
        token,
        fromSource: opts.fromSource,
        ...(opts.entry ? { entry: opts.entry } : {}),
        ...(url ? { databaseUrl: url } : {}),
        ...(opts.profile ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', opts.profile] } : {}),
        serveFlags: MULTI_TENANT_SERVE_FLAGS,
      }),
    ),
  );
  const servers = settled.flatMap((x) => (x.status === 'fulfilled' ? [x.value] : []));
  const failed = settled.find((x) => x.status === 'rejected');
  if (failed) {
    for (const s of servers) await s.stop();
    throw failed.reason;
  }
  const ports = servers.map((s) => s.port);
  if (replicas > 1) log(`multi-tenant: ${replicas} replicas on one database, ports ${ports.join(', ')}`);
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  try {
    const rates = tenants.map(() => spec.ratePerTenant);
    const q = await openLoop('127.0.0.1', ports, tenants, rates, spec.durationMs, 1);
    const quiet = summarizeRun(q.samples, q.errorSamples, spec.durationMs);
    log(`multi-tenant quiet: ${spec.tenants} tenants × ${spec.ratePerTenant}/s from a cold start: p50 ${quiet.all.p50.toFixed(1)} ms, p99 ${quiet.all.p99.toFixed(1)} ms; first ${COLD_MS / 1000} s p50 ${quiet.first.p50.toFixed(1)} ms, p99 ${quiet.first.p99.toFixed(1)} ms${quiet.errors ? `; ${quiet.errors} ERRORS: ${quiet.errorSamples[0]}` : ''}`);
    log(`  timeline p50/p99 ms: ${quiet.timeline.map((w) => `${w.fromMs / 1000}s ${w.latency.p50.toFixed(0)}/${w.latency.p99.toFixed(0)}`).join(', ')}`);
    const floodRates = tenants.map((_, i) => (i === 0 ? spec.ratePerTenant * spec.flood : spec.ratePerTenant));
    const f = await openLoop('127.0.0.1', ports, tenants, floodRates, spec.durationMs, 2);
    const floodOthers = summarizeRun(f.samples.filter((s) => s.tenant !== 0), f.errorSamples, spec.durationMs);
    const flooder = summarizeRun(f.samples.filter((s) => s.tenant === 0), [], spec.durationMs);
    const quietOthers = summarizeRun(q.samples.filter((s) => s.tenant !== 0), [], spec.durationMs);
    const reference = spec.durationMs > COLD_MS ? quietOthers.after.p99 : quietOthers.all.p99;
    const slowdown = floodOthers.all.p99 / reference;
    log(
      `multi-tenant flood: tenant 0 at ${spec.flood}× (${spec.ratePerTenant * spec.flood}/s, ${flooder.refused} refused with 429): the others' p50 ${floodOthers.all.p50.toFixed(1)} ms, p99 ${floodOthers.all.p99.toFixed(1)} ms = ${slowdown.toFixed(2)}× their quiet p99 ${reference.toFixed(1)} ms${floodOthers.errors ? `; ${floodOthers.errors} ERRORS: ${floodOthers.errorSamples[0]}` : ''}`,
    );
    return { spec, serveFlags: MULTI_TENANT_SERVE_FLAGS, replicas, quiet, floodOthers, flooder, slowdown, clientLagP99Ms: lag.percentile(99) / 1e6 };
  } finally {
    lag.disable();
    for (const s of servers) await s.stop();
  }
}
