/** Runs the real `scimd serve` as a child process (bin/scimd.js on dist/: test/helpers/scimd-bin.ts). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scimdArgv } from './scimd-bin.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BANNER = /SCIM base URL\s+(https?:\/\/[^\s]+\/scim\/v2)\n/;
const READY = /If the IdP appends \/v2 itself, give \S+\n/;

export interface Serving {
  readonly child: ChildProcess;
  /** …/scim/v2 */
  readonly base: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** Kills every child still running (for `after` hooks). */
export function killAll(): void {
  for (const c of running) c.kill('SIGKILL');
  running.clear();
}

export async function serveProcess(args: readonly string[], env: Record<string, string> = {}, waitMs = 30_000): Promise<Serving> {
  const child = spawn(process.execPath, scimdArgv(['serve', '--port', '0', '--log-level', 'warn', ...args]), {
    cwd: ROOT,
    // Rate limits and the per-client concurrency bound are off unless the test sets them: tests of
    // other features send as fast and as many at once as they like.
    env: { ...process.env, NODE_ENV: 'test', SCIMD_RATE_LIMIT: 'off', SCIMD_UNAUTHENTICATED_RATE_LIMIT: 'off', SCIMD_CLIENT_CONCURRENCY: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`scimd did not start within ${waitMs} ms\n${out}\n${err}`)), waitMs);
    const check = () => {
      if (!READY.test(out)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout!.on('data', check);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`scimd exited (${e.code ?? e.signal}) before listening\n${out}\n${err}`));
    });
  });
  const base = BANNER.exec(out)![1]!;
  return {
    child,
    base,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
