/**
 * Two builds (or one build as one and as two replicas) on PostgreSQL, measured in alternating short
 * rounds, so a shared machine whose load swings during the sitting moves both sides alike; the
 * medians of the rounds are compared. Not part of `npm run bench`:
 *
 *   node --import tsx bench/pg-ab.ts --a /tmp/base/bin/scimd.js --b bin/scimd.js [--rounds 5] [--round 2] [--only patch,post]
 *   node --import tsx bench/pg-ab.ts --replicas --b bin/scimd.js    one replica against two on one database
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPostgresStore } from '../src/store/postgres/pg-store.ts';
import { PATCH_URN, userBody, userId } from './data.ts';
import type { LoadResult, LoadSpec } from './load.ts';
import { procStat, startLoadGenerator, startScimd, type LoadGenerator } from './processes.ts';
import { seedUsers } from './seed.ts';
import { median } from './stats.ts';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    replicas: { type: 'boolean' },
    rounds: { type: 'string' },
    round: { type: 'string' },
    only: { type: 'string' },
    connections: { type: 'string' },
    url: { type: 'string' },
  },
});
const base = values.url ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const rounds = Number(values.rounds ?? 5);
const roundMs = Number(values.round ?? 2) * 1000;
const connections = Number(values.connections ?? 16);
const only = (values.only ?? 'patch,post').split(',');
const USERS = 1000;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

interface Side {
  readonly name: string;
  /** The ports of its replicas (load is split evenly across them). */
  readonly ports: number[];
  readonly pids: number[];
  readonly token: string;
}

const dirs: string[] = [];
const dbs: string[] = [];
const stops: (() => Promise<void>)[] = [];

async function side(name: string, entry: string, replicas: number, dbName?: string): Promise<Side> {
  const db = dbName ?? `scimd_ab_${randomBytes(4).toString('hex')}`;
  if (!dbName) {
    await admin(`CREATE DATABASE ${db}`);
    dbs.push(db);
  }
  const u = new URL(base);
  u.pathname = `/${db}`;
  const token = `ab_${randomBytes(24).toString('base64url')}`;
  const ports: number[] = [];
  const pids: number[] = [];
  for (let r = 0; r < replicas; r++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'scimd-ab-'));
    dirs.push(dataDir);
    const s = await startScimd({ dataDir, token, fromSource: false, entry, databaseUrl: u.toString() });
    stops.push(() => s.stop());
    ports.push(s.port);
    pids.push(s.pid);
  }
  if (!dbName) {
    const store = await openPostgresStore(u.toString(), { poolSize: 4, watchAuth: false });
    try {
      const t = await store.tenantByName('default');
      await seedUsers(store, t!.id, 0, USERS, { batch: 5000 });
    } finally {
      await store.close();
    }
  }
  return { name, ports, pids, token };
}

function spec(s: Side, port: number, phase: string, conns: number): LoadSpec {
  const headers = { authorization: `Bearer ${s.token}`, 'user-agent': 'scimd-ab', 'content-type': 'application/scim+json' };
  const nonce = randomBytes(3).toString('hex');
  const common = { host: '127.0.0.1', port, connections: conns, warmupMs: 300, durationMs: roundMs };
  const users = Array.from({ length: USERS }, (_, i) => [userId(i)]);
  if (phase === 'patch') {
    const body = JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'displayName', value: 'Patched {n}' }] });
    return { ...common, request: { method: 'PATCH', path: '/scim/v2/Users/{0}', body, headers }, values: users, expect: [200] };
  }
  if (phase === 'post') return { ...common, request: { method: 'POST', path: '/scim/v2/Users', body: JSON.stringify(userBody(`ab{n}-${nonce}-${port}@bench.example.com`, 'p{n}')), headers }, expect: [201] };
  if (phase === 'get') return { ...common, request: { method: 'GET', path: '/scim/v2/Users/{0}', headers }, values: users, expect: [200] };
  throw new Error(`unknown phase ${phase}`);
}

/** One round on one side: `connections` in all, split over its replicas, one load generator per replica. */
async function round(s: Side, phase: string, gens: LoadGenerator[]): Promise<{ ops: number; p50: number; p99: number; cpuUs: number; errors: number }> {
  const cpu0 = s.pids.map((p) => procStat(p).cpuMs);
  const per = Math.max(1, Math.round(connections / s.ports.length));
  const results: LoadResult[] = await Promise.all(s.ports.map((port, i) => gens[i]!.run(spec(s, port, phase, per))));
  const cpu = s.pids.reduce((sum, p, i) => sum + procStat(p).cpuMs - cpu0[i]!, 0);
  const ops = results.reduce((a, r) => a + r.opsPerSec, 0);
  const done = results.reduce((a, r) => a + r.ops + r.warmupOps, 0);
  return { ops, p50: median(results.map((r) => r.latency.p50)), p99: Math.max(...results.map((r) => r.latency.p99)), cpuUs: (cpu * 1000) / done, errors: results.reduce((a, r) => a + r.errors, 0) };
}

async function main(): Promise<void> {
  const sides: Side[] = [];
  if (values.replicas) {
    const entry = values.b ?? 'bin/scimd.js';
    const one = await side('1 replica', entry, 1);
    sides.push(one);
    // The second side: two more replicas on one fresh database.
    const two = await side('2 replicas', entry, 2);
    sides.push(two);
  } else {
    sides.push(await side(`a ${values.a}`, values.a!, 1));
    sides.push(await side(`b ${values.b}`, values.b!, 1));
  }
  const gens = [startLoadGenerator(), startLoadGenerator()];
  stops.push(...gens.map((g) => () => g.stop()));
  const load0 = loadavg()[0]!;
  for (const phase of only) {
    const got = new Map<string, { ops: number; p50: number; p99: number; cpuUs: number; errors: number }[]>();
    for (let r = 0; r < rounds; r++) {
      // Alternate which side goes first.
      const order = r % 2 ? [...sides].reverse() : sides;
      for (const s of order) {
        const x = await round(s, phase, gens);
        got.set(s.name, [...(got.get(s.name) ?? []), x]);
      }
    }
    const med = (name: string, f: (x: { ops: number; p50: number; p99: number; cpuUs: number }) => number) => median(got.get(name)!.map(f));
    for (const s of sides) {
      const all = got.get(s.name)!;
      process.stdout.write(
        `${phase.padEnd(6)} ${s.name.padEnd(40)} ops/s median ${med(s.name, (x) => x.ops).toFixed(0).padStart(5)} (rounds ${all.map((x) => x.ops.toFixed(0)).join(' ')})  p50 ${med(s.name, (x) => x.p50).toFixed(1)} ms  p99 ${med(s.name, (x) => x.p99).toFixed(1)} ms  CPU/op ${med(s.name, (x) => x.cpuUs).toFixed(0)} µs  errors ${all.reduce((a, x) => a + x.errors, 0)}\n`,
      );
    }
    const [a, b] = sides;
    process.stdout.write(`${phase.padEnd(6)} ratio b/a of the median ops/s: ${(med(b!.name, (x) => x.ops) / med(a!.name, (x) => x.ops)).toFixed(2)}\n`);
  }
  process.stdout.write(`load average ${load0.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    for (const db of dbs) await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
