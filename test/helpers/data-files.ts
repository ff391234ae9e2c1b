/**
 * Looks for secrets in the bytes of a data directory (the SQLite database, its WAL and shared
 * memory) while a server still runs on it.
 *
 * The files are read by a child process, never by the test process: POSIX record locks belong to
 * a process and are all released when it closes *any* descriptor of the file, so a readFileSync
 * of scimd.db in the server's process silently drops the server's SQLite locks — after which
 * another process (a CLI command) may reset the WAL under it and read stale data.
 */
import { spawnSync } from 'node:child_process';

const SCAN = `
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const [dir, text] = process.argv.slice(1);
const walk = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
const needles = [Buffer.from(text, 'utf8'), Buffer.from(text, 'utf16le')];
const files = walk(dir);
const hits = files.filter((f) => { const b = readFileSync(f); return needles.some((n) => b.includes(n)); });
process.stdout.write(JSON.stringify({ files, hits }));
`;

/** The files under `dir` whose bytes contain `text` (as UTF-8 or UTF-16), and all files looked at. */
export function scanDataFiles(dir: string, text: string): { files: string[]; hits: string[] } {
  const r = spawnSync(process.execPath, ['-e', SCAN, dir, text], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scanning ${dir} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { files: string[]; hits: string[] };
}

/** The files under `dir` whose bytes contain `text`; throws when there is no database file to look at. */
export function filesHolding(dir: string, text: string): string[] {
  const { files, hits } = scanDataFiles(dir, text);
  if (!files.some((f) => f.endsWith('scimd.db'))) throw new Error(`no scimd.db in ${dir}`);
  return hits;
}
