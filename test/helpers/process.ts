/** Runs the real `scimd serve` as a child process (bin/scimd.js on dist/: test/helpers/scimd-bin.ts). */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killChildren, outputMatch, startChild } from './children.ts';
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

/** Kills every child this test file started (for `after` hooks; helpers/children.ts does it anyway when the file ends). */
export const killAll = (): Promise<void> => killChildren();

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
  const p = startChild(launcher.command, [...launcher.argv, 'serve', '--port', '0', '--log-level', 'warn', ...args], {
    cwd: launcher.cwd,
    group,
    // Rate limits and the per-client concurrency bound are off unless the test sets them: tests of
    // other features send as fast and as many at once as they like.
    env: { ...process.env, NODE_ENV: 'test', SCIMD_RATE_LIMIT: 'off', SCIMD_UNAUTHENTICATED_RATE_LIMIT: 'off', SCIMD_CLIENT_CONCURRENCY: 'off', ...env },
  });
  const { child } = p;
  const exited = p.exited.then(({ code, signal }) => ({ code, signal }));
  exited.catch(() => undefined); // a spawn error fails the start below
  await outputMatch(p, READY, waitMs, 'scimd serve');
  const base = BANNER.exec(p.stdout())![1]!;
  return {
    child,
    base,
    stdout: p.stdout,
    stderr: p.stderr,
    async stop() {
      if (group && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      else child.kill('SIGTERM');
      return exited;
    },
  };
}
