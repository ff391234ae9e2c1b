/**
 * The real `scimd` as users run it: bin/scimd.js on the compiled dist/, which scripts/run-tests.mjs
 * builds before the tests when a source file is newer (a test file run on its own needs
 * `npm run build` first). Spawning the build, not the TypeScript through tsx, starts each process
 * several times faster.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCIMD_BIN = join(ROOT, 'bin', 'scimd.js');

/** The arguments of `spawn(process.execPath, …)` for `scimd <args…>`. */
export function scimdArgv(args: readonly string[]): string[] {
  return [SCIMD_BIN, ...args];
}
