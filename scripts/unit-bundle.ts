/**
 * Every unit test file under src/ and bench/ in one process: they need no server of their own, and
 * a process per file cost more than the tests (62 files: 52 s wall and 29 s CPU one by one, 5 s and
 * 4 s CPU together, measured on a loaded 2-core machine). scripts/run-tests.mjs passes this file
 * to the runner in their stead when no filter is given.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const files = [...walk(join(root, 'src'), []), ...walk(join(root, 'bench'), [])].sort();
// One after another, in name order; a file that fails to load fails this one (the rest are not run).
for (const file of files) await import(pathToFileURL(file).href);
