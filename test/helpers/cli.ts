/**
 * Runs the real `scimd` admin CLI as a child process (bin/scimd.js on dist/) against a data
 * directory, as an operator would while a server runs on it.
 */
import { exitWithin, scimdFreeEnvironment, startChild, type Proc } from './children.ts';
import { ROOT, scimdArgv } from './scimd-bin.ts';

/** Generous: a CLI command that has not exited by then is hung. */
const WAIT_MS = 30_000;

export interface CliExit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `scimd <args…>` (killed when the test file ends); `env` adds SCIMD_* variables to an environment without any. */
export function spawnScimd(args: readonly string[], env: Record<string, string> = {}): Proc {
  return startChild(process.execPath, scimdArgv(args), { cwd: ROOT, env: scimdFreeEnvironment(env) });
}

/** `scimd <args…>`; `--data-dir` is appended when `dataDir` is given; `env` adds SCIMD_* variables. */
export async function scimdCli(args: readonly string[], dataDir?: string, env: Record<string, string> = {}): Promise<CliExit> {
  const argv = dataDir === undefined ? args : [...args, '--data-dir', dataDir];
  const { code, stdout, stderr } = await exitWithin(spawnScimd(argv, env), WAIT_MS, `scimd ${argv.join(' ')}`);
  return { code, stdout, stderr };
}

/** A command that must succeed, with --json: its parsed output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function scimdJson(args: readonly string[], dataDir: string): Promise<any> {
  const r = await scimdCli([...args, '--json'], dataDir);
  if (r.code !== 0) throw new Error(`scimd ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
