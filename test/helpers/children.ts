/**
 * The child processes a test file starts (servers, CLI runs, helper processes): each one started
 * or registered here is killed when the test file ends, also when a test failed or hung. Node's
 * runner gives every test file a process of its own, so this list is one file's children.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { after } from 'node:test';

/** Children still to kill; `group`: a detached launcher whose whole process group goes with it. */
const children = new Map<ChildProcess, { group: boolean }>();

function kill(child: ChildProcess, group: boolean): void {
  child.kill('SIGKILL');
  if (group && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
}

/** Registers `child` to be killed when the file ends (`group`: with its process group). */
export function track<C extends ChildProcess>(child: C, opts: { group?: boolean } = {}): C {
  const group = opts.group ?? false;
  children.set(child, { group });
  // A group outlives its leader (npx exits, its scimd runs on): it stays listed until killed.
  if (!group) child.once('exit', () => children.delete(child));
  return child;
}

/** Kills every child still listed and waits for each to exit. */
export async function killChildren(): Promise<void> {
  const all = [...children];
  children.clear();
  await Promise.all(
    all.map(
      ([c, { group }]) =>
        new Promise<void>((resolve) => {
          const done = c.exitCode !== null || c.signalCode !== null;
          if (!done) c.once('exit', () => resolve());
          kill(c, group);
          if (done) resolve();
        }),
    ),
  );
}

// Only under the test runner (which sets NODE_TEST_CONTEXT in each file's process): a plain script
// that starts a server through these helpers (`npm run fuzz`) must not become a test run.
if (process.env.NODE_TEST_CONTEXT !== undefined) after(killChildren);
// Should the file end without its `after` hooks (a crash, process.exit), no child outlives it.
process.once('exit', () => {
  for (const [c, { group }] of children) kill(c, group);
});

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A started child with its output so far and its exit (once its output is closed). */
export interface Proc {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<Exit>;
}

/** Spawns a tracked child with stdout and stderr piped and collected (stdin ignored unless `stdio` says). */
export function startChild(command: string, args: readonly string[], options: SpawnOptions & { group?: boolean } = {}): Proc {
  const { group, ...spawnOptions } = options;
  const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions, ...(group ? { detached: true } : {}) }), { group: group ?? false });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  // A test that never awaits `exited` must not see an unhandled rejection of a spawn error.
  exited.catch(() => undefined);
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** `p`'s exit; after `waitMs` the child is killed and this fails, naming `what`. */
export async function exitWithin(p: Proc, waitMs: number, what: string): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      p.child.kill('SIGKILL');
      reject(new Error(`${what} did not exit within ${waitMs} ms\nstdout: ${p.stdout()}\nstderr: ${p.stderr()}`));
    }, waitMs);
  });
  try {
    return await Promise.race([p.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves with the match once `pattern` shows in `p`'s stdout (a banner, a "listening" line);
 * fails when the child exits first or after `waitMs`, naming `what` and showing the output.
 */
export function outputMatch(p: Proc, pattern: RegExp, waitMs: number, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const stdout = p.child.stdout!;
    const finish = (f: () => void) => {
      clearTimeout(timer);
      stdout.off('data', check);
      f();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`${what}: nothing like ${pattern} within ${waitMs} ms\nstdout: ${p.stdout()}\nstderr: ${p.stderr()}`))), waitMs);
    const check = () => {
      const m = pattern.exec(p.stdout());
      if (m) finish(() => resolve(m));
    };
    stdout.on('data', check);
    p.exited.then(
      (e) => finish(() => reject(new Error(`${what}: exited (${e.code ?? e.signal}) first\nstdout: ${e.stdout}\nstderr: ${e.stderr}`))),
      (e: unknown) => finish(() => reject(e)),
    );
    check();
  });
}

/** The test runner's environment without any SCIMD_* variable, plus `extra`: the child sees only what the test gives it. */
export function scimdFreeEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SCIMD_')) env[k] = v;
  return { ...env, ...extra };
}
