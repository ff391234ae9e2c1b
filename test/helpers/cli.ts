/**
 * Runs the real `scimd` admin CLI as a child process (bin/scimd.js on dist/) against a data
 * directory, as an operator would while a server runs on it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scimdArgv } from './scimd-bin.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Generous: a CLI command that has not exited by then is hung. */
const WAIT_MS = 30_000;

export interface CliExit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The test runner's environment without any SCIMD_* variable but those of `extra`, so the command sees only what the test gives it. */
function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SCIMD_')) env[k] = v;
  return { ...env, ...extra };
}

/** `scimd <args…>`; `--data-dir` is appended when `dataDir` is given; `env` adds SCIMD_* variables. */
export function scimdCli(args: readonly string[], dataDir?: string, env: Record<string, string> = {}): Promise<CliExit> {
  const argv = dataDir === undefined ? args : [...args, '--data-dir', dataDir];
  const child = spawn(process.execPath, scimdArgv(argv), { cwd: ROOT, env: environment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scimd ${argv.join(' ')} did not exit within ${WAIT_MS} ms\n${stdout}\n${stderr}`));
    }, WAIT_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A command that must succeed, with --json: its parsed output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function scimdJson(args: readonly string[], dataDir: string): Promise<any> {
  const r = await scimdCli([...args, '--json'], dataDir);
  if (r.code !== 0) throw new Error(`scimd ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
