// Regenerates the README's console screenshots (docs/console/*.png): the browser tests of the
// console take them as they go when SCIMD_SCREENSHOTS names a folder.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = fileURLToPath(new URL('../docs/console', import.meta.url));
mkdirSync(dir, { recursive: true });
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', 'test/console.test.ts', 'test/console-pages.test.ts'], { cwd: root, stdio: 'inherit', env: { ...process.env, SCIMD_SCREENSHOTS: dir } });
process.exit(run.status ?? 1);
