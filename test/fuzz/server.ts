/**
 * The scimd the fuzzer talks to: a real `scimd serve` child process on a fresh SQLite data
 * directory, so that a crash shows as an exit and the client's timing is not the server's.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { serveProcess, type Serving } from '../helpers/process.ts';
import { tempDir } from '../helpers/server.ts';
import type { Target } from './exchange.ts';

export interface FuzzServer {
  readonly target: Target;
  readonly serving: Serving;
  /** Log lines at level error or above, and background failures (the request log), so far. */
  problems(): string[];
  /** SIGTERM; asserts a clean exit and removes the data directory. */
  stop(): Promise<void>;
  /** For `after` hooks: kills scimd if it still runs and removes the data directory. */
  dispose(): Promise<void>;
}

/** pino levels: 50 error, 60 fatal. */
const PROBLEM = /"level":(5\d|6\d)|request log write failed|unhandled/;

export async function startFuzzServer(): Promise<FuzzServer> {
  const dataDir = tempDir('scimd-fuzz-');
  const token = `fuzz-${randomBytes(24).toString('base64url')}`;
  // serveProcess logs at warn: error lines (an unhandled error) and background failures show; requests do not.
  const serving = await serveProcess(['--data-dir', dataDir], { SCIMD_BOOTSTRAP_TOKEN: token });
  return {
    target: { base: serving.base, token },
    serving,
    problems: () => serving.stdout().split('\n').filter((l) => PROBLEM.test(l)),
    async stop() {
      const exit = await serving.stop();
      rmSync(dataDir, { recursive: true, force: true });
      assert.equal(exit.code, 0, `scimd exits 0 after SIGTERM (${exit.code ?? exit.signal})\n${serving.stderr()}`);
    },
    async dispose() {
      if (serving.child.exitCode === null && serving.child.signalCode === null) await serving.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
