/**
 * Tenant isolation under a flood (issue 6, item 2): does one SCIM client's flood raise another
 * tenant's p99 latency? A SPEED claim, so it is measured here, not asserted in tests.
 *
 *   node --import tsx scripts/bench-isolation.ts [--seconds 10] [--rounds 3] [--concurrency 16] [--json out.json] [-- <scimd serve flags>]
 *
 * Three processes: scimd (default settings: durable SQLite, info logging, rate limit 50/s with a
 * burst of 100), a flooder (this script with `flood`, many keep-alive connections as fast as they
 * go, on tenant `default`), and the victim (this process: one keep-alive connection at a steady
 * 40 requests/s — under its limit — alternating GET by id and `userName eq`, on tenant `victim`).
 * Phases, repeated for --rounds and interleaved so that drift of a shared machine hits all alike:
 *   quiet      the victim alone
 *   limited    the victim while the flooder floods under the default rate limit (mostly 429s)
 *   unlimited  the same flood with the flooder's client set to `rateLimit off` (for contrast)
 * The figure the issue asks for is p99(limited) / p99(quiet); target ≤ 1.20.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
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
  let stopping = false;
  process.on('SIGTERM', () => (stopping = true));
  const worker = async (w: number) => {
    for (let i = 0; !stopping; i++) {
      const path = `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "flood-${(w * 7919 + i) % USERS}"`)}`;
      const r = await call(agent, port, 'GET', path, FLOOD_TOKEN).catch(() => ({ status: 0, body: '' }));
      counts[r.status] = (counts[r.status] ?? 0) + 1;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  process.stdout.write(`${JSON.stringify({ counts, seconds: (Date.now() - started) / 1000 })}\n`);
  agent.destroy();
}

// ---------------------------------------------------------------------------------------------
// The run.

interface Options {
  readonly seconds: number;
  readonly rounds: number;
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
    seconds: Number(get('seconds') ?? 10),
    rounds: Number(get('rounds') ?? 3),
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

/** The victim: VICTIM_RATE requests/s on one keep-alive connection for `seconds`; latencies in ms. */
async function victim(port: number, token: string, ids: readonly string[], seconds: number): Promise<{ latencies: number[]; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const interval = 1000 / VICTIM_RATE;
  const start = performance.now();
  for (let i = 0; performance.now() - start < seconds * 1000; i++) {
    // Open loop: each request is due at its slot, so a slow answer cannot hide later ones.
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const path = i % 2 ? `/scim/v2/Users/${ids[i % ids.length]}` : `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "victim-${i % USERS}"`)}`;
    const t = performance.now();
    const r = await call(agent, port, 'GET', path, token).catch(() => ({ status: 0, body: '' }));
    // Latency from when the request was due, so that queueing behind a stall counts.
    latencies.push(performance.now() - Math.min(t, Math.max(due, start)));
    if (r.status !== 200) errors++;
  }
  agent.destroy();
  return { latencies, errors };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

interface Phase {
  latencies: number[];
  errors: number;
  flood: Record<string, number>;
  floodSeconds: number;
}

export interface IsolationResult {
  readonly machine: string;
  readonly options: Options;
  readonly phases: Record<'quiet' | 'limited' | 'unlimited', { n: number; errors: number; p50: number; p99: number; max: number; floodPerSecond: number; flood429Share: number }>;
  /** p99 of the victim under the rate-limited flood over its p99 alone. */
  readonly ratio: number;
  readonly ratioUnlimited: number;
}

export async function runIsolation(o: Options): Promise<IsolationResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scimd-bench-isolation-'));
  const port = await freePort();
  const scimd = await startScimd(dataDir, port, o.serve);
  const phases: Record<'quiet' | 'limited' | 'unlimited', Phase> = {
    quiet: { latencies: [], errors: 0, flood: {}, floodSeconds: 0 },
    limited: { latencies: [], errors: 0, flood: {}, floodSeconds: 0 },
    unlimited: { latencies: [], errors: 0, flood: {}, floodSeconds: 0 },
  };
  try {
    scimdCli(dataDir, ['tenant', 'create', 'victim']);
    const victimToken = (JSON.parse(scimdCli(dataDir, ['client', 'create', 'victim', 'idp', '--json'])) as { token: string }).token;
    await seed(port, FLOOD_TOKEN, 'flood');
    const ids = await seed(port, victimToken, 'victim');
    await victim(port, victimToken, ids, 2); // warm-up
    for (let round = 0; round < o.rounds; round++) {
      for (const phase of ['quiet', 'limited', 'unlimited'] as const) {
        scimdCli(dataDir, ['client', 'set', 'default', 'default', 'rateLimit', phase === 'unlimited' ? 'off' : 'default']);
        const flooder = phase === 'quiet' ? undefined : spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'flood', String(port), String(o.concurrency)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        flooder?.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        if (flooder) await new Promise((r) => setTimeout(r, 1500)); // the flood is under way (and past the burst)
        const v = await victim(port, victimToken, ids, o.seconds);
        const p = phases[phase];
        p.latencies.push(...v.latencies);
        p.errors += v.errors;
        if (flooder) {
          flooder.kill('SIGTERM');
          await new Promise((r) => flooder.once('exit', r));
          const f = JSON.parse(out) as { counts: Record<string, number>; seconds: number };
          for (const [k, n] of Object.entries(f.counts)) p.flood[k] = (p.flood[k] ?? 0) + n;
          p.floodSeconds += f.seconds;
        }
        process.stderr.write(`round ${round + 1} ${phase}: victim p99 ${quantile([...v.latencies].sort((a, b) => a - b), 0.99).toFixed(1)} ms\n`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    scimd.kill('SIGTERM');
    await new Promise((r) => scimd.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  const summary = (p: Phase) => {
    const sorted = [...p.latencies].sort((a, b) => a - b);
    const total = Object.values(p.flood).reduce((a, b) => a + b, 0);
    return {
      n: sorted.length,
      errors: p.errors,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted.at(-1) ?? NaN,
      floodPerSecond: p.floodSeconds ? total / p.floodSeconds : 0,
      flood429Share: total ? (p.flood['429'] ?? 0) / total : 0,
    };
  };
  const result = {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    options: o,
    phases: { quiet: summary(phases.quiet), limited: summary(phases.limited), unlimited: summary(phases.unlimited) },
    ratio: 0,
    ratioUnlimited: 0,
  };
  result.ratio = result.phases.limited.p99 / result.phases.quiet.p99;
  result.ratioUnlimited = result.phases.unlimited.p99 / result.phases.quiet.p99;
  return result;
}

function report(r: IsolationResult): string {
  const row = (name: string, p: IsolationResult['phases']['quiet']) =>
    `| ${name} | ${p.n} | ${p.errors} | ${p.p50.toFixed(1)} | ${p.p99.toFixed(1)} | ${p.max.toFixed(1)} | ${p.floodPerSecond ? Math.round(p.floodPerSecond) : '—'} | ${p.floodPerSecond ? `${(p.flood429Share * 100).toFixed(1)} %` : '—'} |`;
  return [
    `Tenant isolation under a flood (${r.machine}; ${r.options.rounds} rounds × ${r.options.seconds} s per phase, flooder concurrency ${r.options.concurrency}, victim ${VICTIM_RATE} req/s${r.options.serve.length ? `, scimd serve ${r.options.serve.join(' ')}` : ''})`,
    '',
    '| phase | victim requests | victim errors | p50 ms | p99 ms | max ms | flood req/s | flood 429 share |',
    '|---|---|---|---|---|---|---|---|',
    row('quiet (victim alone)', r.phases.quiet),
    row('flood, rate-limited (default 50/s)', r.phases.limited),
    row('flood, flooder unlimited', r.phases.unlimited),
    '',
    `victim p99 under the rate-limited flood: ${r.ratio.toFixed(2)}× its p99 alone (target ≤ 1.20); unlimited flood: ${r.ratioUnlimited.toFixed(2)}×`,
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
