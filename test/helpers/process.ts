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
  for (const c of running) {
    c.kill('SIGKILL');
    if (c.pid !== undefined) {
      try {
        process.kill(-c.pid, 'SIGKILL'); // the group of a detached launcher (npx) and its scimd
      } catch {
        // not a group leader: killed above
      }
    }
  }
  running.clear();
}

/** How to run `scimd`: by default bin/scimd.js of this checkout; the package test runs `npx scimd` of an installed copy. */
export interface Launcher {
  readonly command: string;
  /** Arguments before `serve …`. */
  readonly argv: readonly string[];
  readonly cwd: string;
}

const CHECKOUT: Launcher = { command: process.execPath, argv: scimdArgv([]), cwd: ROOT };

export async function serveProcess(args: readonly string[], env: Record<string, string> = {}, waitMs = 30_000, launcher: Launcher = CHECKOUT): Promise<Serving> {
  // A launcher other than node itself (npx) runs scimd as its child: signals go to the whole group.
  const group = launcher !== CHECKOUT;
  const child = spawn(launcher.command, [...launcher.argv, 'serve', '--port', '0', '--log-level', 'warn', ...args], {
    cwd: launcher.cwd,
    detached: group,
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
      if (group && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      else child.kill('SIGTERM');
      return exited;
    },
  };
}
