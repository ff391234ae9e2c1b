/**
 * Tenant isolation under a flood (issue 6, item 2): does one SCIM client's flood raise another
 * tenant's p99 latency? A SPEED claim, so it is measured here, not asserted in tests.
 *
 *   node --import tsx scripts/bench-isolation.ts [--seconds 60] [--slice 3] [--concurrency 16] [--json out.json] [-- <scimd serve flags>]
 *
 * Three processes: scimd (default settings: durable SQLite, info logging, a share of 50/s with a
 * burst of 100 per client while other clients are active — the victim always is), a flooder (this script with `flood`: many keep-alive connections as fast as they
 * go, on tenant `default`), and the victim (this process: one keep-alive connection at a steady
 * 40 requests/s, under its limit, alternating GET by id and `userName eq`, on tenant `victim`).
 * The victim runs throughout; the flood is switched on and off every --slice seconds, and each
 * victim request counts for the state the flood was in (a second after each switch is left out,
 * while held refusals drain), so that the noise of a shared machine falls on both alike.
 *   quiet vs limited    the flooder under the default rate limit (mostly 429s), --seconds of each
 *   quiet vs unlimited  the same flood with the flooder's client set to `rateLimit off`, for contrast
 * The figure the issue asks for is p99(limited) / p99(quiet); target ≤ 1.20.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const FLOOD_TOKEN = 'bench-isolation-flooder';
const VICTIM_RATE = 40;
const USERS = 1000;

interface Answer {
  readonly status: number;
  readonly body: string;
}

function call(agent: Agent, port: number, method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { authorization: `Bearer ${token}`, ...(data ? { 'content-type': 'application/scim+json' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

// ---------------------------------------------------------------------------------------------
// The flooder: `bench-isolation.ts flood <port> <concurrency>`; counts statuses until SIGTERM.

async function flood(port: number, concurrency: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const counts: Record<string, number> = {};
  let on = false;
  let stopping = false;
  let onSince = 0;
  let onMs = 0;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    for (const cmd of d.split('\n')) {
      if (cmd === 'on' && !on) [on, onSince] = [true, Date.now()];
      if (cmd === 'off' && on) [on, onMs] = [false, onMs + Date.now() - onSince];
      if (cmd === 'report') process.stdout.write(`${JSON.stringify({ counts, seconds: (onMs + (on ? Date.now() - onSince : 0)) / 1000 })}\n`);
      if (cmd === 'exit') stopping = true;
    }
  });
  const worker = async (w: number) => {
    for (let i = 0; !stopping; i++) {
      if (!on) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const path = `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "flood-${(w * 7919 + i) % USERS}"`)}`;
      const r = await call(agent, port, 'GET', path, FLOOD_TOKEN).catch(() => ({ status: 0, body: '' }));
      counts[r.status] = (counts[r.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  agent.destroy();
  process.stdin.destroy();
}

// ---------------------------------------------------------------------------------------------
// The run.

interface Options {
  /** Seconds of each state (quiet, flooded) per comparison. */
  readonly seconds: number;
  /** Seconds between switching the flood on and off. */
  readonly slice: number;
  readonly concurrency: number;
  readonly json?: string;
  /** Extra `scimd serve` flags, e.g. --client-concurrency 1. */
  readonly serve: readonly string[];
}

function options(argv: readonly string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const json = get('json');
  const dash = argv.indexOf('--');
  return {
    seconds: Number(get('seconds') ?? 60),
    slice: Number(get('slice') ?? 3),
    concurrency: Number(get('concurrency') ?? 16),
    ...(json ? { json } : {}),
    serve: dash >= 0 ? argv.slice(dash + 1) : [],
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function scimdCli(dataDir: string, args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args, '--data-dir', dataDir], { cwd: ROOT, encoding: 'utf8' });
}

async function startScimd(dataDir: string, port: number, extra: readonly string[]): Promise<ChildProcess> {
  const log = openSync(join(dataDir, 'scimd.log'), 'a');
  const env: NodeJS.ProcessEnv = { ...process.env, SCIMD_BOOTSTRAP_TOKEN: FLOOD_TOKEN };
  for (const k of Object.keys(env)) if (k.startsWith('SCIMD_') && k !== 'SCIMD_BOOTSTRAP_TOKEN') delete env[k];
  delete env.NODE_ENV;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'serve', '--port', String(port), '--data-dir', dataDir, ...extra], { cwd: ROOT, env, stdio: ['ignore', log, log] });
  closeSync(log);
  const agent = new Agent({ keepAlive: false });
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`scimd exited: ${readFileSync(join(dataDir, 'scimd.log'), 'utf8')}`);
    const ok = await call(agent, port, 'GET', '/scim/v2/ServiceProviderConfig', FLOOD_TOKEN).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('scimd did not start');
}

async function seed(port: number, token: string, prefix: string): Promise<string[]> {
  const agent = new Agent({ keepAlive: true });
  const ids: string[] = [];
  for (let start = 0; start < USERS; start += 500) {
    const Operations = Array.from({ length: Math.min(500, USERS - start) }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `u${start + i}`, data: { schemas: [USER], userName: `${prefix}-${start + i}` } }));
    const r = await call(agent, port, 'POST', '/scim/v2/Bulk', token, { schemas: [BULK], Operations });
    if (r.status !== 200) throw new Error(`seeding failed: ${r.status} ${r.body.slice(0, 200)}`);
    for (const op of (JSON.parse(r.body) as { Operations: { location: string }[] }).Operations) ids.push(op.location.split('/').pop()!);
  }
  agent.destroy();
  return ids;
}

const SETTLE_MS = 1000;

/**
 * The victim, VICTIM_RATE requests/s on one keep-alive connection, for as long as the flood takes
 * `slices` switches of `sliceMs`; each latency (ms) is filed under the flood's state.
 */
async function comparison(port: number, token: string, ids: readonly string[], flooder: ChildProcess, sliceMs: number, slices: number): Promise<{ quiet: Phase; flooded: Phase }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out = { quiet: { latencies: [] as number[], errors: 0 }, flooded: { latencies: [] as number[], errors: 0 } };
  let flooded = false;
  let switched = performance.now();
  let done = false;
  const toggles = (async () => {
    for (let i = 0; i < slices; i++) {
      await new Promise((r) => setTimeout(r, sliceMs));
      flooded = !flooded;
      switched = performance.now();
      flooder.stdin!.write(flooded ? 'on\n' : 'off\n');
    }
    done = true;
  })();
  const interval = 1000 / VICTIM_RATE;
  const start = performance.now();
  for (let i = 0; !done; i++) {
    // Open loop: each request is due at its slot, and its latency counts from then, so a stall
    // counts for every request it delays.
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const state: boolean = flooded;
    const settled = performance.now() - switched > SETTLE_MS;
    const path = i % 2 ? `/scim/v2/Users/${ids[i % ids.length]}` : `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "victim-${i % USERS}"`)}`;
    const r = await call(agent, port, 'GET', path, token).catch(() => ({ status: 0, body: '' }));
    const ms = performance.now() - due;
    // Filed only when the flood stayed in one state for the whole request.
    if (!settled || state !== flooded) continue;
    const p = state ? out.flooded : out.quiet;
    p.latencies.push(ms);
    if (r.status !== 200) p.errors++;
  }
  await toggles;
  agent.destroy();
  return out;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

interface Phase {
  latencies: number[];
  errors: number;
}

interface Summary {
  readonly n: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface IsolationResult {
  readonly machine: string;
  readonly options: Options;
  readonly limited: { readonly quiet: Summary; readonly flooded: Summary; readonly flood: Record<string, number>; readonly floodPerSecond: number };
  readonly unlimited: { readonly quiet: Summary; readonly flooded: Summary; readonly flood: Record<string, number>; readonly floodPerSecond: number };
}

function summary(p: Phase): Summary {
  const sorted = [...p.latencies].sort((a, b) => a - b);
  return { n: sorted.length, errors: p.errors, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? NaN };
}

async function floodReport(flooder: ChildProcess): Promise<{ counts: Record<string, number>; seconds: number }> {
  return new Promise((resolve) => {
    flooder.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()) as { counts: Record<string, number>; seconds: number }));
    flooder.stdin!.write('report\n');
  });
}

export async function runIsolation(o: Options): Promise<IsolationResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scimd-bench-isolation-'));
  const port = await freePort();
  const scimd = await startScimd(dataDir, port, o.serve);
  const slices = 2 * Math.max(1, Math.round(o.seconds / o.slice));
  const results: Partial<Record<'limited' | 'unlimited', IsolationResult['limited']>> = {};
  try {
    scimdCli(dataDir, ['tenant', 'create', 'victim']);
    const victimToken = (JSON.parse(scimdCli(dataDir, ['client', 'create', 'victim', 'idp', '--json'])) as { token: string }).token;
    await seed(port, FLOOD_TOKEN, 'flood');
    const ids = await seed(port, victimToken, 'victim');
    for (const mode of ['limited', 'unlimited'] as const) {
      scimdCli(dataDir, ['client', 'set', 'default', 'default', 'rateLimit', mode === 'unlimited' ? 'off' : 'default']);
      const flooder = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'flood', String(port), String(o.concurrency)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
      await new Promise((r) => setTimeout(r, 1000)); // the flooder is up
      const c = await comparison(port, victimToken, ids, flooder, o.slice * 1000, mode === 'limited' ? slices : Math.max(2, Math.round(slices / 3)));
      const f = await floodReport(flooder);
      flooder.stdin!.write('exit\n');
      await new Promise((r) => flooder.once('exit', r));
      const total = Object.values(f.counts).reduce((a, b) => a + b, 0);
      results[mode] = { quiet: summary(c.quiet), flooded: summary(c.flooded), flood: f.counts, floodPerSecond: f.seconds ? total / f.seconds : 0 };
      process.stderr.write(`${mode}: victim p99 quiet ${results[mode]!.quiet.p99.toFixed(1)} ms, flooded ${results[mode]!.flooded.p99.toFixed(1)} ms\n`);
    }
  } finally {
    scimd.kill('SIGTERM');
    await new Promise((r) => scimd.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} at the end`,
    options: o,
    limited: results.limited!,
    unlimited: results.unlimited!,
  };
}

function report(r: IsolationResult): string {
  const row = (name: string, p: Summary) => `| ${name} | ${p.n} | ${p.errors} | ${p.p50.toFixed(1)} | ${p.p99.toFixed(1)} | ${p.max.toFixed(1)} |`;
  const share = (c: Record<string, number>) => {
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    return total ? `${(((c['429'] ?? 0) / total) * 100).toFixed(1)} %` : '—';
  };
  return [
    `Tenant isolation under a flood (${r.machine}; victim ${VICTIM_RATE} req/s, flood switched every ${r.options.slice} s, flooder concurrency ${r.options.concurrency}${r.options.serve.length ? `, scimd serve ${r.options.serve.join(' ')}` : ''})`,
    '',
    '| victim, while | requests | errors | p50 ms | p99 ms | max ms |',
    '|---|---|---|---|---|---|',
    row('no flood', r.limited.quiet),
    row(`another tenant floods, rate-limited (${Math.round(r.limited.floodPerSecond)} req/s, ${share(r.limited.flood)} 429)`, r.limited.flooded),
    row('no flood', r.unlimited.quiet),
    row(`another tenant floods, unlimited (${Math.round(r.unlimited.floodPerSecond)} req/s)`, r.unlimited.flooded),
    '',
    `victim p99 under the rate-limited flood: ${(r.limited.flooded.p99 / r.limited.quiet.p99).toFixed(2)}× its p99 without (target ≤ 1.20); under the unlimited flood: ${(r.unlimited.flooded.p99 / r.unlimited.quiet.p99).toFixed(2)}×`,
  ].join('\n');
}

const [mode, ...rest] = process.argv.slice(2);
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (mode === 'flood') {
    await flood(Number(rest[0]), Number(rest[1]));
  } else {
    const o = options(process.argv.slice(2));
    const r = await runIsolation(o);
    process.stdout.write(`${report(r)}\n`);
    if (o.json) writeFileSync(o.json, `${JSON.stringify(r, null, 2)}\n`);
  }
}
