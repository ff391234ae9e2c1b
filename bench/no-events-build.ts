/**
 * This build with the change recorder switched off, for the events-cost phase: a copy of dist/
 * (with bin/, console/ and package.json beside it, node_modules linked) in which recordChanges
 * returns at once. Measured against this build, it isolates what recording events costs a write
 * — the same code otherwise, in the same sitting. The copy exists only for the bench: scimd itself
 * has no switch that drops events.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './processes.ts';

/** The compiled recorder's first line, as tsc writes it from src/provisioning/resources/changes.ts. */
const RECORDER = /^export async function recordChanges\(tx, changes, options = \{\}\) \{$/m;

/** The recorder's source with its body skipped (a return as its first statement); throws when it is not found once. */
export function withoutRecorder(js: string): string {
  const found = js.match(new RegExp(RECORDER.source, 'gm'))?.length ?? 0;
  if (found !== 1) throw new Error(`recordChanges found ${found} times in the compiled changes.js (expected once): update bench/no-events-build.ts`);
  return js.replace(RECORDER, (line) => `${line}\n    return; // bench: change log off`);
}

export interface NoEventsBuild {
  /** Its scimd CLI entry (bin/scimd.js). */
  readonly entry: string;
  remove(): void;
}

/** Copies this checkout's build (dist/ must be built) and switches its recorder off. */
export function noEventsBuild(): NoEventsBuild {
  const dist = join(ROOT, 'dist');
  if (!existsSync(join(dist, 'provisioning', 'resources', 'changes.js'))) throw new Error('dist/ is not built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'scimd-no-events-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    cpSync(dist, join(dir, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(realpathSync(join(ROOT, 'console')), join(dir, 'console'), 'dir');
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
    const file = join(dir, 'dist', 'provisioning', 'resources', 'changes.js');
    writeFileSync(file, withoutRecorder(readFileSync(file, 'utf8')));
    return { entry: join(dir, 'bin', 'scimd.js'), remove };
  } catch (e) {
    remove();
    throw e;
  }
}
