/** BENCHMARKS.md from a run: this database's parts (results, targets, details), merged into the file by report-merge.ts. */
import type { BenchResult } from './bench.ts';
import { groupReadMarkdown } from './group-read.ts';
import { COLD_MS, multiTenantMarkdown } from './multi-tenant-report.ts';
import type { MultiTenantResult } from './multi-tenant.ts';
import { REPLICAS_HEADER, replicasRows } from './postgres-targets.ts';
import type { ReplicasResult } from './replicas.ts';
import { checkTargets, eventsMarkdown, instrumentationMarkdown, int, markdownTable, mb, ms, phaseTable, times } from './report.ts';
import { commandFor, DB_NAME, demoteHeadings, mergeReport, type Frame, type Parts } from './report-merge.ts';

/** The text around the databases' parts (report-merge.ts), the same for every run. */
export const REPORT_FRAME: Frame = {
  intro: `Measured by \`npm run bench\` (the harness is in [bench/](bench/)); this file is its output. It holds
one part per database — SQLite (\`${commandFor('sqlite')}\`) and PostgreSQL (\`${commandFor('postgres')}\`) — and every figure
of a part comes from one run of that database, on the machine described in it; a run on one database
rewrites that database's parts and keeps the other's.

scimd runs as its own process (\`scimd serve --rate-limit off --client-concurrency off\`: the load
generator is one SCIM client, which the default per-client limits would refuse or queue; log level
\`info\`), the load generator as another, and
the ceiling — a bare \`node:http\` server answering a fixed ${'~'}170-byte JSON document — as a third, all on
this machine (on PostgreSQL the database server is a fourth). A phase's share of the ceiling is its ops/s
over the mean of the ceiling samples taken right before and right after it, so a machine that gets
busier or quieter during the run moves both.
"server CPU µs/op" is the server process's user + system CPU time over the phase divided by its
operations (the database server's CPU is not in it). Two reference rows sit between the ceiling and scimd: Fastify (scimd's framework)
answering a fixed document, and (SQLite only) Fastify answering with one user read by id from scimd's SQLite file
(one indexed SELECT, JSON parse and serialise; no authentication, request log or SCIM rules) —
what the framework and a single database read cost on this machine before scimd does anything.`,
  targetsNote: `A cost ratio is the small case's share of the ceiling over the big case's (each phase against the
ceiling samples around it, so a machine getting busier in between does not count as cost); the
ratios of p50 latency and of scimd's CPU time per operation are given beside it.`,
};

function multiTenantLine(m: MultiTenantResult): string {
  const n = m.replicas ?? 1;
  return `Many tenants (details below): ${m.spec.tenants} tenants × ${m.spec.ratePerTenant}/s on ${n > 1 ? `${n} fresh replicas` : 'a fresh server'}: p50 ${ms(m.quiet.all.p50)} ms, p99 ${ms(m.quiet.all.p99)} ms (first ${COLD_MS / 1000} s: p50 ${ms(m.quiet.first.p50)} ms, p99 ${ms(m.quiet.first.p99)} ms); the other ${m.spec.tenants - 1} while tenant 0 floods at ${m.spec.flood}×: p50 ${ms(m.floodOthers.all.p50)} ms, p99 ${ms(m.floodOthers.all.p99)} ms (${times(m.slowdown)} quiet).`;
}

function replicasMarkdown(r: ReplicasResult, o: BenchResult['options']): string {
  return `
${r.label} on this scimd alone, then on it and a second replica of the same build on the same database,
${o.connections} connections in all (split evenly, one load generator per replica, each replica starting at
another place in the users); ${r.one.rounds.length} rounds per side in alternating order, medians given.

${markdownTable(REPLICAS_HEADER, replicasRows(r))}

Two replicas give ${times(r.scaling)} one replica's ops/s.
`;
}

/** One database's parts of BENCHMARKS.md (report-merge.ts): its results, its targets, its details. */
export function markdownParts(result: BenchResult): Parts {
  const m = result.machine;
  const o = result.options;
  const targets = checkTargets(result);
  const errors = result.phases.filter((p) => p.errors > 0);
  const name = DB_NAME[o.db];
  const results = `### ${name}

- **Date**: ${result.date}
- **Command**: \`${result.command}\`${result.elapsedMs !== undefined ? ` (the whole run took ${(result.elapsedMs / 60_000).toFixed(1)} min)` : ''}
- **Database**: ${o.db === 'sqlite' ? 'SQLite in a temporary data directory, scimd\'s default settings (WAL, `synchronous=FULL`: every acknowledged write is fsynced)' : `PostgreSQL${m.postgres ? ` ${m.postgres}` : ''} on this machine, a fresh database dropped afterwards (the before build and the second replica share it)`}
- **Load**: ${o.connections} keep-alive connections, each sending its next request when the previous answer arrives; ${o.warmupMs / 1000} s warm-up, then ${o.durationMs / 1000} s measured per phase
- **Machine**: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; ${m.os}; Node ${m.node}; SQLite ${m.sqlite}${m.postgres ? `; PostgreSQL ${m.postgres}` : ''}
- **Load average** (1, 5, 15 min): ${m.loadAverage.join(', ')} before, ${result.loadAverageAfter.join(', ')} after
${result.before ? `
The "before" columns are the same phases on ${result.before.name} (commit ${result.before.commit.slice(0, 10)}), built from git history and run as a
second scimd process on the same database, right before or after this build in each phase (the order
alternates from phase to phase); a phase that uses each value once deals them out between the two.${o.db === 'sqlite' ? `
"tx/commit" is the mean number of transactions per SQLite COMMIT during the phase (group commit, from
scimd's \`scimd_sqlite_group_commit_batch_size\` metric).` : ''}
` : ''}
${markdownTable(phaseTable(result).header, phaseTable(result).rows)}
${errors.length ? `\nErrors: ${errors.map((p) => `${p.label}: ${p.errorSamples.join('; ')}`).join(' — ')}\n` : ''}${result.replicas ? replicasMarkdown(result.replicas, o) : ''}${result.multiTenant ? `\n${multiTenantLine(result.multiTenant)}\n` : ''}`;
  const details = `${result.instrumentation ? instrumentationMarkdown(result.instrumentation, o) : ''}${eventsMarkdown(result.eventsCost, result.webhookDelivery, o)}${result.multiTenant ? multiTenantMarkdown(result.multiTenant) : ''}${result.groupRead ? groupReadMarkdown(result.groupRead) : ''}
## Memory

Peak resident set size of the scimd process (\`VmHWM\` in \`/proc/<pid>/status\`): ${mb(result.memory.peakRssKiB)} over the
whole run; ${mb(result.memory.peakRssWithMillionKiB)} from the moment ${int(o.million)} users were stored to the end${result.groupRead ? ' (to the group-read phase, which has its figures above)' : ''} (the peak is
reset through \`/proc/<pid>/clear_refs\` after the bulk load); ${mb(result.memory.rssAtEndKiB)} at the end.

## Seeding

Users and group memberships are written straight through the store (\`src/store\`) in big
transactions, not over HTTP; each user is normalised as a POST would be and stored with its search form.

${markdownTable(['What', 'Time', 'Rate'], result.seeding.map((s) => [s.what, `${(s.ms / 1000).toFixed(1)} s`, `${int((s.count * 1000) / s.ms)}/s`]))}
`;
  return {
    results,
    targets: `### ${name} (${result.date.slice(0, 10)})\n\n${markdownTable(['Target', 'Measured', 'Met'], targets.map((t) => [t.target, t.measured, t.met === undefined ? '–' : t.met ? 'yes' : '**no**']))}`,
    details: demoteHeadings(details),
  };
}

/** BENCHMARKS.md after this run: its database's parts from `result`, the other database's kept from `existing`. */
export function markdownReport(result: BenchResult, existing?: string): string {
  return mergeReport(existing, result.options.db, markdownParts(result), REPORT_FRAME);
}
