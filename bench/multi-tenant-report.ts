/** The multi-tenant phase (multi-tenant.ts) as report rows, targets and a Markdown section. */
import type { MultiTenantResult, RunSummary } from './multi-tenant.ts';

/** The cold window: what a replica that just started answers. */
export const COLD_MS = 15_000;
/** The target: the others' p99 while one tenant floods, against their quiet p99. */
export const MAX_FLOOD_SLOWDOWN = 1.2;

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');

/** The phase's rows for the report: run, requests, errors, 429s, p50, p99, first-15-s p50 and p99. */
export function multiTenantRows(m: MultiTenantResult): string[][] {
  const row = (label: string, r: RunSummary) => [label, String(r.requests), String(r.errors), String(r.refused), f1(r.all.p50), f1(r.all.p99), f1(r.first.p50), f1(r.first.p99)];
  return [
    row(`${m.spec.tenants} tenants × ${m.spec.ratePerTenant}/s, fresh ${(m.replicas ?? 1) > 1 ? `${m.replicas} replicas` : 'server'}`, m.quiet),
    row(`the other ${m.spec.tenants - 1} while tenant 0 floods`, m.floodOthers),
    row(`tenant 0 at ${m.spec.flood}× (${m.spec.ratePerTenant * m.spec.flood}/s)`, m.flooder),
  ];
}

export const MULTI_TENANT_HEADER = ['Multi-tenant run', 'requests', 'errors', '429', 'p50 ms', 'p99 ms', `p50 first ${COLD_MS / 1000} s`, `p99 first ${COLD_MS / 1000} s`] as const;

/** The phase's targets: a fresh server's p99 under 1 s from the start, and the flood's effect on the others. */
export function multiTenantTargets(m: MultiTenantResult | undefined): { target: string; measured: string; met: boolean | undefined }[] {
  if (!m) return [];
  const on = (m.replicas ?? 1) > 1 ? ` (${m.replicas} replicas, one database)` : '';
  return [
    { target: `multi-tenant${on}: p99 of a fresh ${on ? 'replica pair' : 'server'}'s first ${COLD_MS / 1000} s < 1 s`, measured: `${f1(m.quiet.first.p99)} ms`, met: Number.isFinite(m.quiet.first.p99) ? m.quiet.first.p99 < 1000 : undefined },
    { target: `multi-tenant${on}: others' p99 while one floods ≤ ${MAX_FLOOD_SLOWDOWN}× quiet`, measured: `${Number.isFinite(m.slowdown) ? m.slowdown.toFixed(2) : '–'}×`, met: Number.isFinite(m.slowdown) ? m.slowdown <= MAX_FLOOD_SLOWDOWN : undefined },
  ];
}

/** Who served the run: one fresh process, or fresh replicas on one database. */
export function servedBy(m: MultiTenantResult): string {
  const n = m.replicas ?? 1;
  return n > 1
    ? `${n} fresh scimd replicas start on one database (each tenant's connections go to them in turn, as a TCP load balancer spreads them)`
    : 'A fresh scimd process starts';
}

/** The section of BENCHMARKS.md. */
export function multiTenantMarkdown(m: MultiTenantResult): string {
  const rows = multiTenantRows(m);
  const header = `| ${MULTI_TENANT_HEADER.join(' | ')} |\n| ${MULTI_TENANT_HEADER.map(() => '---').join(' | ')} |\n`;
  const timeline = m.quiet.timeline.map((w) => `${w.fromMs / 1000}–${w.toMs / 1000} s: ${f1(w.latency.p50)} / ${f1(w.latency.p99)} ms`).join('; ');
  return `
## Many tenants at an IdP's rate

${m.spec.tenants} tenants, each sending ${m.spec.ratePerTenant} requests per second (Entra ID's documented rate) as an open
loop (a request's latency counts from its scheduled time): half \`userName eq\` lookups, 15 % creates, 25 %
user PATCHes, 10 % group member adds and removes. ${servedBy(m)} on the seeded tenants and
the load begins when ${(m.replicas ?? 1) > 1 ? 'they are' : 'it is'} ready, for ${m.spec.durationMs / 1000} s; then, on the same ${(m.replicas ?? 1) > 1 ? 'servers' : 'server'}, tenant 0 sends ${m.spec.flood}× its
rate for ${m.spec.durationMs / 1000} s. scimd runs with its default per-client limits (\`${m.serveFlags.join(' ')}\`): they keep
one tenant's flood from the others, so they are part of what is measured; the flooder's 429s are not errors.${(m.replicas ?? 1) > 1 ? ' The limits are each process\'s own, so the flooder gets up to twice its limit through.' : ''}

${header}${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

p50 / p99 of the fresh server by 5-second window: ${timeline}. The others' p99 during the flood is
${Number.isFinite(m.slowdown) ? m.slowdown.toFixed(2) : '–'}× their p99 of the quiet run past its first ${COLD_MS / 1000} s. Load generator event-loop delay p99: ${f1(m.clientLagP99Ms)} ms.
`;
}
