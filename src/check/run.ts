/**
 * `scimd check`: runs the conformance checks against a SCIM 2.0 server (scimd or any other), then
 * deletes what they created unless asked to keep it, and reports each check with its RFC section.
 */
import { randomBytes } from 'node:crypto';
import { CHECKS, CheckFailed, type Check, type Context } from './checks.ts';
import { scimClient } from './client.ts';

export interface CheckOptions {
  /** The SCIM base URL, e.g. https://scim.example.com/scim/v2 */
  readonly baseUrl: string;
  readonly token: string;
  /** Keep what the checks created (default: delete it at the end). */
  readonly keep?: boolean;
  readonly timeoutMs?: number;
  /** Told each result as it comes. */
  readonly onResult?: (r: CheckResult) => void;
}

export interface CheckResult {
  readonly id: string;
  readonly section: string;
  readonly title: string;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly detail?: string;
  readonly ms: number;
}

export interface CheckReport {
  readonly baseUrl: string;
  readonly results: readonly CheckResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** What the run created and could not delete (empty with `keep`: then see `kept`). */
  readonly leftBehind: readonly string[];
  readonly kept: readonly string[];
}

async function runOne(check: Check, ctx: Context, done: ReadonlyMap<string, CheckResult>): Promise<CheckResult> {
  const base = { id: check.id, section: check.section, title: check.title };
  const blocked = (check.needs ?? []).find((n) => done.get(n)?.status !== 'pass');
  if (blocked) return { ...base, status: 'skip', detail: `needs ${blocked}, which did not pass`, ms: 0 };
  const started = performance.now();
  try {
    const out = await check.run(ctx);
    const ms = Math.round(performance.now() - started);
    return out ? { ...base, status: 'skip', detail: out.skip, ms } : { ...base, status: 'pass', ms };
  } catch (e) {
    const ms = Math.round(performance.now() - started);
    const detail = e instanceof CheckFailed ? e.message : `request failed: ${e instanceof Error ? (e.cause instanceof Error ? `${e.message} (${e.cause.message})` : e.message) : String(e)}`;
    return { ...base, status: 'fail', detail, ms };
  }
}

export async function runChecks(opts: CheckOptions): Promise<CheckReport> {
  const client = scimClient(opts.baseUrl, opts.token, opts.timeoutMs ?? 15_000);
  const ctx: Context = { client, prefix: `scimd-check-${randomBytes(4).toString('hex')}`, hasGroups: false, extra: new Map(), created: new Map() };
  const done = new Map<string, CheckResult>();
  for (const check of CHECKS) {
    const r = await runOne(check, ctx, done);
    done.set(check.id, r);
    opts.onResult?.(r);
  }
  const leftBehind: string[] = [];
  const kept: string[] = [];
  // Groups first, so no membership holds a user back.
  const paths = [...ctx.created.keys()].sort((a, b) => Number(b.startsWith('/Groups/')) - Number(a.startsWith('/Groups/')));
  for (const path of paths) {
    if (opts.keep) {
      kept.push(`${ctx.created.get(path)} (${path})`);
      continue;
    }
    const gone = await client.request('DELETE', path).then(
      (a) => a.status === 204 || a.status === 200 || a.status === 404,
      () => false,
    );
    if (!gone) leftBehind.push(`${ctx.created.get(path)} (${path})`);
  }
  const results = [...done.values()];
  const count = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
  return { baseUrl: client.base, results, passed: count('pass'), failed: count('fail'), skipped: count('skip'), leftBehind, kept };
}

/** The report as a table and a summary line, for people. */
export function reportText(report: CheckReport): string {
  const mark = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;
  const w = {
    id: Math.max(5, ...report.results.map((r) => r.id.length)),
    section: Math.max(7, ...report.results.map((r) => r.section.length)),
  };
  const lines = [`SCIM conformance check of ${report.baseUrl}`, '', `${'RESULT'.padEnd(6)}  ${'CHECK'.padEnd(w.id)}  ${'SECTION'.padEnd(w.section)}  WHAT`];
  for (const r of report.results) {
    lines.push(`${mark[r.status].padEnd(6)}  ${r.id.padEnd(w.id)}  ${r.section.padEnd(w.section)}  ${r.title}`);
    if (r.detail) lines.push(`${' '.repeat(8 + w.id + 2 + w.section + 2)}${r.status === 'fail' ? '✗ ' : ''}${r.detail}`);
  }
  lines.push('', `${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped.`);
  if (report.kept.length) lines.push(`Kept (--keep): ${report.kept.join(', ')}`);
  if (report.leftBehind.length) lines.push(`Could not delete: ${report.leftBehind.join(', ')}`);
  else if (!report.kept.length) lines.push('Everything the checks created was deleted.');
  return lines.join('\n');
}
