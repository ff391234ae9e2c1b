/**
 * An older build of scimd for the instrumentation phase's "before": a git revision exported from
 * this checkout's history (`git archive`, which leaves the repository as it was) into a temporary
 * directory and compiled there against this checkout's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './processes.ts';

export interface BaselineBuild {
  /** The full commit id the revision names. */
  readonly commit: string;
  /** Its scimd CLI entry (bin/scimd.js). */
  readonly entry: string;
  remove(): void;
}

function git(args: readonly string[], options: { input?: Buffer } = {}): Buffer {
  return execFileSync('git', args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 30, ...options });
}

function stderrOf(e: unknown): string {
  const err = (e as { stderr?: Buffer | string } | null)?.stderr;
  return (err ? err.toString() : e instanceof Error ? e.message : String(e)).trim();
}

/** The commit `rev` names in this checkout's history, or an error that says why there is none. */
export function resolveCommit(rev: string): string {
  try {
    return git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).toString().trim();
  } catch (e) {
    let shallow = false;
    try {
      shallow = git(['rev-parse', '--is-shallow-repository']).toString().trim() === 'true';
    } catch (inner) {
      throw new Error(`--baseline ${rev} needs this checkout's git history, and git cannot read it (${stderrOf(inner) || 'no repository'}); build the older version elsewhere and pass --baseline-entry <its bin/scimd.js>`);
    }
    throw new Error(
      `--baseline ${rev}: no such commit in this checkout's history${shallow ? ' (a shallow clone: git fetch --unshallow)' : ''}${stderrOf(e) ? ` (${stderrOf(e)})` : ''}; ` +
        'or build the older version elsewhere and pass --baseline-entry <its bin/scimd.js>',
    );
  }
}

/** Exports `rev` into a temporary directory and builds it (tsc, as its `npm run build` does). */
export function buildBaseline(rev: string, log: (line: string) => void = () => undefined): BaselineBuild {
  const commit = resolveCommit(rev);
  const dir = mkdtempSync(join(tmpdir(), `scimd-baseline-${commit.slice(0, 7)}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync('tar', ['-x', '-C', dir], { input: git(['archive', '--format=tar', commit]) });
    const modules = join(ROOT, 'node_modules');
    if (!existsSync(modules)) throw new Error(`no node_modules in ${ROOT} to build ${rev} with`);
    symlinkSync(realpathSync(modules), join(dir, 'node_modules'), 'dir');
    const started = performance.now();
    execFileSync(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const entry = join(dir, 'bin', 'scimd.js');
    if (!existsSync(entry)) throw new Error(`${rev} has no bin/scimd.js`);
    log(`built ${rev} (${commit.slice(0, 10)}) in ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return { commit, entry, remove };
  } catch (e) {
    remove();
    const out = (e as { stdout?: Buffer } | null)?.stdout?.toString().trim();
    throw new Error(`could not build --baseline ${rev}: ${out || stderrOf(e)}`);
  }
}
