/** The processes of a bench run: scimd, the bare-Node ceiling and the load generator, plus what /proc says about them. */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BANNER = /SCIM base URL\s+http:\/\/[^\s/]+:(\d+)\/scim\/v2\n/;
const READY = /If the IdP appends \/v2 itself/;

export interface Child {
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

async function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

async function waitFor<T>(what: string, probe: () => T | undefined, child: ChildProcess, timeoutMs: number, detail: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready\n${detail()}`);
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs} ms\n${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ScimdOptions {
  readonly dataDir: string;
  /** Its log (default scimd.log in the data directory): two servers on one data directory need one each. */
  readonly logFile?: string;
  readonly token: string;
  readonly databaseUrl?: string;
  /** Run the TypeScript sources through tsx instead of the build in dist/. */
  readonly fromSource: boolean;
  /** A scimd CLI entry to run instead of bin/scimd.js. */
  readonly entry?: string;
  /** Node flags for scimd, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
  /** `scimd serve` flags after the bench's own (e.g. --metrics off). */
  readonly serveFlags?: readonly string[];
  /** More environment variables for scimd (e.g. SCIMD_BOOTSTRAP_ADMIN_KEY). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Starts `scimd serve` with its default settings (durable SQLite, info logging to a file in the
 * data directory), except the per-client rate limit and concurrency bound: they are policies that
 * would refuse or queue the load generator's one client, not costs to measure.
 */
export const BENCH_SERVE_FLAGS = ['--rate-limit', 'off', '--client-concurrency', 'off'] as const;

export async function startScimd(opts: ScimdOptions): Promise<Child & { logFile: string }> {
  const logFile = opts.logFile ?? join(opts.dataDir, 'scimd.log');
  const out = openSync(logFile, 'a');
  const entry = opts.fromSource ? ['--import', 'tsx', 'src/cli/entry.ts'] : [opts.entry ?? 'bin/scimd.js'];
  const args = [...(opts.nodeFlags ?? []), ...entry, 'serve', '--port', '0', '--data-dir', opts.dataDir, ...BENCH_SERVE_FLAGS, ...(opts.serveFlags ?? []), ...(opts.databaseUrl ? ['--database-url', opts.databaseUrl] : [])];
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, SCIMD_BOOTSTRAP_TOKEN: opts.token };
  delete env.NODE_ENV;
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', out, out] });
  closeSync(out);
  const log = () => readFileSync(logFile, 'utf8');
  const port = await waitFor('scimd', () => {
    const text = log();
    const m = READY.test(text) ? BANNER.exec(text) : null;
    return m ? Number(m[1]) : undefined;
  }, child, 60_000, () => log().slice(-4000));
  return { pid: child.pid!, port, logFile, stop: () => stopChild(child) };
}

/** Starts the bare node:http ceiling server. */
export function startCeiling(): Promise<Child> {
  return startListening('the ceiling server', [join(ROOT, 'bench', 'ceiling-server.mjs')]);
}

/** Starts the Fastify reference server (reference-server.mjs); with a database file it also reads users from it. */
export function startReference(dbFile?: string, tenantId?: string): Promise<Child> {
  return startListening('the reference server', [join(ROOT, 'bench', 'reference-server.mjs'), ...(dbFile && tenantId ? [dbFile, tenantId] : [])]);
}

async function startListening(what: string, args: readonly string[]): Promise<Child> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const port = await waitFor(what, () => {
    const m = /listening (\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  }, child, 20_000, () => out);
  return { pid: child.pid!, port, stop: () => stopChild(child) };
}

export interface LoadGenerator {
  readonly pid: number;
  run(spec: LoadSpec): Promise<LoadResult>;
  stop(): Promise<void>;
}

/** Forks the load generator: a separate process, so the client never shares a core's event loop with a server. */
export function startLoadGenerator(): LoadGenerator {
  const child = fork(join(ROOT, 'bench', 'loadgen.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 0;
  const waiting = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();
  child.on('message', (msg: { id: number; result?: LoadResult; error?: string }) => {
    const w = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.error !== undefined) w?.reject(new Error(`load generator: ${msg.error}`));
    else w?.resolve(msg.result!);
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`the load generator exited (${code})`));
    waiting.clear();
  });
  return {
    pid: child.pid!,
    run(spec) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, spec });
      });
    },
    async stop() {
      if (child.connected) child.disconnect();
      await stopChild(child, 5000);
    },
  };
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface ProcStat {
  /** Peak resident set size since start (or the last reset), KiB. */
  readonly peakRssKiB: number;
  readonly rssKiB: number;
  /** User + system CPU time so far, milliseconds. */
  readonly cpuMs: number;
}

/** Memory and CPU of a process from /proc (Linux). */
export function procStat(pid: number): ProcStat {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { peakRssKiB: kib('VmHWM'), rssKiB: kib('VmRSS'), cpuMs: (ticks * 1000) / ticksPerSecond() };
}

/** Resets the peak RSS (VmHWM) to the current RSS (Linux ≥ 4.0, /proc/<pid>/clear_refs). */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
