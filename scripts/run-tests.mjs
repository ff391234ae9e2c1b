#!/usr/bin/env node
// Runs every *.test.ts under src/, bench/ and test/ on Node's built-in runner (TypeScript via tsx);
// those of src/ and bench/ in one process (scripts/unit-bundle.ts) unless a filter is given.
// Node 20 has no glob support in `node --test`, so the files are listed here.
// Extra arguments are passed through as file filters: `npm run test:unit -- filter`.
//
// Before the tests: dist/ is built if a source file is newer (tests run the real `scimd` from
// bin/scimd.js, as users do), and one PostgreSQL server is chosen for the whole run
// (test/helpers/test-postgres.ts: SCIMD_TEST_POSTGRES=auto|embedded|external); a server started
// for the run is stopped and removed when it ends, also on Ctrl-C or SIGTERM.
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { tsImport } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, full));
  }
  return out;
}

// The longest files start first (measured in CI, longest first), so no long one is left running
// alone at the end while the others have finished; the rest in name order.
const LONGEST = [
  'test/replay.test.ts',
  'test/cli.test.ts',
  'test/cache-coherence.test.ts',
  'test/webhooks-processes.test.ts',
  'test/bench.test.ts',
  'test/console.test.ts',
  'test/package.test.ts',
  'test/revocation.test.ts',
  'test/console-pages.test.ts',
  'test/admin-cli.test.ts',
  'test/mail.test.ts',
];
const rank = (f) => (LONGEST.includes(f) ? LONGEST.indexOf(f) : LONGEST.length);
// Without a filter, the unit tests of src/ and bench/ run in one process (scripts/unit-bundle.ts);
// a filter runs the files it matches one by one.
const units = filters.length === 0 ? ['scripts/unit-bundle.ts'] : [...walk(join(root, 'src'), []), ...walk(join(root, 'bench'), [])];
const files = [...units, ...walk(join(root, 'test'), [])]
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

/** Newest modification time of the sources dist/ is built from. */
function newestSource(dir, newest = 0) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const s = statSync(full);
    if (s.isDirectory()) newest = newestSource(full, newest);
    else if (!name.endsWith('.test.ts')) newest = Math.max(newest, s.mtimeMs);
  }
  return newest;
}

function buildIfStale() {
  const stamp = join(root, 'dist', '.tsbuildinfo');
  const built = (() => {
    try {
      return statSync(stamp).mtimeMs;
    } catch {
      return 0;
    }
  })();
  const inputs = ['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(join(root, f)).mtimeMs);
  if (Math.max(newestSource(join(root, 'src')), ...inputs) <= built) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // tsc leaves its build info alone when nothing changed: mark dist/ as built from what is there now.
  const now = new Date();
  utimesSync(stamp, now, now);
}

buildIfStale();

let postgres;
let child;
let ending = false;

async function end(code) {
  if (ending) return;
  ending = true;
  try {
    await postgres?.close();
  } catch (e) {
    console.error(`could not stop the test PostgreSQL: ${e.message}`);
  }
  process.exit(code);
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };
let interrupted;
for (const [signal, n] of Object.entries(SIGNALS)) {
  process.on(signal, () => {
    interrupted = 128 + n;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      if (postgres) void end(interrupted);
      return; // still starting PostgreSQL: stopped as soon as it is up
    }
    child.kill(signal); // its exit ends the run
  });
}

const { testPostgres } = await tsImport('../test/helpers/test-postgres.ts', import.meta.url);
try {
  postgres = await testPostgres(process.env);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
if (interrupted) await end(interrupted);
console.log(postgres.line);

// Tests are mostly I/O bound (HTTP, SQLite files), so run more files than cores.
const concurrency = Math.max(2, availableParallelism() * 2);
child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...files],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'test', SCIMD_TEST_DATABASE_URL: postgres.url, SCIMD_TEST_RUN: process.env.SCIMD_TEST_RUN || randomBytes(3).toString('hex') },
  },
);
child.on('exit', (code, signal) => void end(interrupted ?? (signal ? 1 : (code ?? 1))));
