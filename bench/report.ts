/** The bench result as tables: on the console and in BENCHMARKS.md. */
import type { BenchResult, PhaseResult } from './bench.ts';
import { EVENTS_BASELINE_LACKS, type EventsCostResult } from './events-cost.ts';
import { KEEP_UP_SHARE, MAX_DRAIN_MS } from './events-summary.ts';
import type { InstrumentationResult } from './instrumentation.ts';
import { groupReadTargets, groupReadText } from './group-read.ts';
import type { WebhookDeliveryResult } from './webhook-delivery.ts';
import { MULTI_TENANT_HEADER, multiTenantRows, multiTenantTargets } from './multi-tenant-report.ts';
import type { Cost } from './instrumentation-summary.ts';
import { ratio } from './stats.ts';
import { postgresTargets, REPLICAS_HEADER, replicasRows } from './postgres-targets.ts';

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** undefined when the phases it needs did not run. */
  readonly met: boolean | undefined;
}

export const pct = (r: number) => (Number.isFinite(r) ? `${(r * 100).toFixed(1)} %` : '–');
export const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '–');
export const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en') : '–');
export const times = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');
const signedPct = (r: number) => (Number.isFinite(r) ? `${r >= 0 ? '+' : '−'}${Math.abs(r * 100).toFixed(1)} %` : '–');
export const mb = (kib: number) => (Number.isFinite(kib) ? `${((kib * 1024) / 1e6).toFixed(0)} MB` : '–');

function find(result: BenchResult, name: string): PhaseResult | undefined {
  return result.phases.find((p) => p.name === name);
}

/**
 * How much more an operation costs in the big case than in the small one: the small case's share
 * of the ceiling over the big case's, so that the machine getting busier between the two phases
 * (each is measured against the ceiling samples around it) does not count as cost.
 */
export function costRatio(small: PhaseResult, big: PhaseResult): number {
  return ratio(small.ratio, big.ratio);
}

function costText(small: PhaseResult, big: PhaseResult): string {
  return `${times(costRatio(small, big))} (p50 ${times(ratio(big.p50Ms, small.p50Ms))}, scimd CPU/op ${times(ratio(big.serverCpuUsPerOp, small.serverCpuUsPerOp))})`;
}

/**
 * The speed targets (issue 15), against this run: reads against the "Fastify + one SQLite read by id"
 * reference row, writes and lists against the --before build measured in the same sitting.
 */
export function speedTargets(result: BenchResult): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ref = find(result, 'ref-sqlite');
  const ofReference = (name: string, what: string, min: number) => {
    const p = find(result, name);
    const before = p?.before && ref ? ` (before: ${pct(ratio(p.before.opsPerSec, ref.opsPerSec))})` : '';
    out.push({
      target: `${what} ≥ ${min * 100} % of the "Fastify + one SQLite read by id" reference`,
      measured: p && ref ? `${pct(ratio(p.opsPerSec, ref.opsPerSec))}${before}` : 'not run',
      met: p && ref ? ratio(p.opsPerSec, ref.opsPerSec) >= min : undefined,
    });
  };
  const postgres = result.options.db === 'postgres';
  // The reference row reads SQLite, and the durable-write targets are SQLite's (synchronous=FULL):
  // on PostgreSQL the targets are issue 15's PostgreSQL ones.
  if (postgres) out.push(...postgresTargets(result));
  if (!postgres) ofReference('get', 'GET /Users/{id}', 0.6);
  if (!postgres) ofReference('filter', `\`userName eq\` at ${int(result.options.users)} users`, 0.5);
  if (!postgres) ofReference('lookup-big', `\`userName eq\` at ${int(result.options.million)} users`, 0.5);
  const faster = (name: string, what: string, factor: number, p99Too: boolean) => {
    const p = find(result, name);
    const b = p?.before;
    const x = p && b ? ratio(p.opsPerSec, b.opsPerSec) : NaN;
    out.push({
      target: `${what} ≥ ${factor}× the ops/s of ${result.before?.name ?? 'the --before build'}${p99Too ? ' at ≤ its p99' : ''}`,
      measured: p && b ? `${times(x)} (${int(p.opsPerSec)} vs ${int(b.opsPerSec)} ops/s; p99 ${ms(p.p99Ms)} vs ${ms(b.p99Ms)} ms)` : p ? 'no --before build' : 'not run',
      met: p && b ? x >= factor && (!p99Too || p.p99Ms <= b.p99Ms) : undefined,
    });
  };
  if (!postgres) {
    faster('post', 'POST /Users (durable)', 2, true);
    faster('put', 'PUT /Users/{id} (durable)', 2, true);
    faster('patch', 'PATCH /Users/{id} (durable)', 2, true);
  }
  faster('list', 'GET /Users, pages of 100,', 3, false);
  return out;
}

/** Every target, against this run. */
export function checkTargets(result: BenchResult): TargetCheck[] {
  const out: TargetCheck[] = [...speedTargets(result)];
  const sizes = [...result.options.groupSizes].sort((a, b) => a - b);
  const smallG = find(result, `group-${sizes[0]}`);
  const bigG = find(result, `group-${sizes.at(-1)}`);
  const gCost = smallG && bigG ? costRatio(smallG, bigG) : NaN;
  out.push({
    target: `PATCH add on a ${int(sizes.at(-1)!)}-member group ≤ 1.2× the cost on a ${int(sizes[0]!)}-member group`,
    measured: smallG && bigG ? costText(smallG, bigG) : 'not run',
    met: smallG && bigG ? gCost <= 1.2 : undefined,
  });
  const lookSmall = find(result, 'filter');
  const lookBig = find(result, 'lookup-big');
  const lCost = lookSmall && lookBig ? costRatio(lookSmall, lookBig) : NaN;
  out.push({
    target: `\`userName eq\` at ${int(result.options.million)} users ≤ 1.5× the cost at ${int(result.options.users)}`,
    measured: lookSmall && lookBig ? costText(lookSmall, lookBig) : 'not run',
    met: lookSmall && lookBig ? lCost <= 1.5 : undefined,
  });
  for (const path of result.instrumentation?.summary ?? []) {
    const label = result.instrumentation!.paths.find((p) => p.key === path.path)?.label ?? path.path;
    for (const c of path.costs) {
      // Metrics alone, and everything against the older build.
      if (!(c.with === 'on' && (c.without === 'off' || c.without === 'before'))) continue;
      out.push({ target: `cost of ${c.what} on ${label} < ${MAX_INSTRUMENTATION_COST * 100} % (server CPU/op)`, measured: signedPct(c.cpu), met: Number.isFinite(c.cpu) ? c.cpu < MAX_INSTRUMENTATION_COST : undefined });
    }
  }
  out.push(...eventsTargets(result.eventsCost, result.webhookDelivery));
  out.push(...multiTenantTargets(result.multiTenant));
  out.push(...groupReadTargets(result.groupRead));
  const rss = result.memory.peakRssWithMillionKiB;
  out.push({ target: `peak RSS with ${int(result.options.million)} users stored ≤ 250 MB`, measured: mb(rss), met: Number.isFinite(rss) ? (rss * 1024) / 1e6 <= 250 : undefined });
  return out;
}

/** What metrics and request correlation may cost GET and PATCH (issue acceptance), as a fraction of server CPU per operation. */
export const MAX_INSTRUMENTATION_COST = 0.05;

const INSTRUMENTATION_SERVER_HEADER = ['Path', 'Server', 'server CPU µs/op', 'ops/s', 'p50 ms', 'errors'];
const INSTRUMENTATION_COST_HEADER = ['Path', 'Cost of', 'server CPU/op', 'rounds: lowest … highest', 'ops/s lost', `under ${MAX_INSTRUMENTATION_COST * 100} %`];

/** The instrumentation phase's two tables: each server's medians, and each difference's cost. */
export function instrumentationTables(i: InstrumentationResult): { servers: string[][]; costs: string[][] } {
  const pathLabel = (key: string) => i.paths.find((p) => p.key === key)?.label ?? key;
  const serverLabel = (key: string) => i.servers.find((s) => s.key === key)?.label ?? key;
  const servers = i.summary.flatMap((p) => p.servers.map((s) => [pathLabel(p.path), serverLabel(s.server), int(s.serverCpuUsPerOp), int(s.opsPerSec), ms(s.p50Ms), String(s.errors)]));
  const met = (c: Cost) => (Number.isFinite(c.cpu) ? (c.cpu < MAX_INSTRUMENTATION_COST ? 'yes' : 'no') : '–');
  const costs = i.summary.flatMap((p) => p.costs.map((c) => [pathLabel(p.path), c.what, signedPct(c.cpu), `${signedPct(c.cpuMin)} … ${signedPct(c.cpuMax)}`, signedPct(c.throughput), met(c)]));
  return { servers, costs };
}

function instrumentationText(i: InstrumentationResult): string {
  const t = instrumentationTables(i);
  return [
    `Instrumentation: medians of ${i.rounds} rounds (servers in alternating order); load average ${i.loadAverageBefore.join(', ')} before, ${i.loadAverageAfter.join(', ')} after`,
    textTable(INSTRUMENTATION_SERVER_HEADER, t.servers),
    '',
    textTable(INSTRUMENTATION_COST_HEADER, t.costs.map((r) => r.map((c, k) => (k === 5 && c === 'no' ? 'NO' : c)))),
    '',
  ].join('\n');
}

export function instrumentationMarkdown(i: InstrumentationResult, o: BenchResult['options']): string {
  const t = instrumentationTables(i);
  const before = i.baseline ? i.servers.find((s) => s.key === 'before') : undefined;
  return `
## Cost of metrics and request correlation

GET /Users/{id} and a PATCH replacing one attribute, sent to scimd servers that differ in one
respect: \`--metrics off\` against the default (metrics on: every answer counted and timed, every
transaction timed)${before ? `, and a build of ${i.baseline!.commit ? `\`${i.baseline!.name}\` (commit ${i.baseline!.commit.slice(0, 10)})` : `\`${i.baseline!.name}\``}, from before request ids, log correlation and metrics existed (it differs by every other change since, too)` : ''}.
Each server runs beside the others with its own ${o.db === 'sqlite' ? 'SQLite data directory' : 'PostgreSQL database'} holding the same ${int(i.users)} users, created over
POST /Users; they are measured ${i.rounds} times per path, in alternating order (A B C, then C B A …),
${o.warmupMs / 1000} s warm-up and ${o.durationMs / 1000} s measured each. A cost is worked out round by round — with ÷ without − 1, of
the server's CPU time per operation, and of ops/s — and the median of the rounds given, with the
lowest and highest round beside it: the machine's speed drifts over minutes, a pair measured
seconds apart much less. Load average ${i.loadAverageBefore.join(', ')} before, ${i.loadAverageAfter.join(', ')} after.

${markdownTable(INSTRUMENTATION_SERVER_HEADER, t.servers)}

${markdownTable(INSTRUMENTATION_COST_HEADER, t.costs.map((r) => r.map((c, k) => (k === 5 && c === 'no' ? '**no**' : c))))}
`;
}

/** What recording events may cost POST and PATCH (issue 13), as a fraction of server CPU per operation and of ops/s. */
export const MAX_EVENTS_COST = 0.15;

const EVENTS_COST_HEADER = ['Path', 'Cost of', 'server CPU/op', 'rounds: lowest … highest', 'ops/s lost', `≤ ${MAX_EVENTS_COST * 100} %`];

/** The comparison the target is about: this build with its recorder on against off (the other, against an old build, is context). */
const isRecordingCost = (c: Cost) => c.without === 'off';

const eventsCostMet = (c: Cost): boolean | undefined => (Number.isFinite(c.cpu) && Number.isFinite(c.throughput) ? c.cpu <= MAX_EVENTS_COST && c.throughput <= MAX_EVENTS_COST : undefined);

/** The events-cost phase's two tables: each server's medians, and the change log's cost per path. */
export function eventsCostTables(e: EventsCostResult): { servers: string[][]; costs: string[][] } {
  const pathLabel = (key: string) => e.paths.find((p) => p.key === key)?.label ?? key;
  const serverLabel = (key: string) => e.servers.find((s) => s.key === key)?.label ?? key;
  const servers = e.summary.flatMap((p) => p.servers.map((s) => [pathLabel(p.path), serverLabel(s.server), int(s.serverCpuUsPerOp), int(s.opsPerSec), ms(s.p50Ms), String(s.errors)]));
  const costs = e.summary.flatMap((p) =>
    p.costs.map((c) => {
      const met = isRecordingCost(c) ? eventsCostMet(c) : undefined;
      return [pathLabel(p.path), c.what, signedPct(c.cpu), `${signedPct(c.cpuMin)} … ${signedPct(c.cpuMax)}`, signedPct(c.throughput), !isRecordingCost(c) ? 'context' : met === undefined ? '–' : met ? 'yes' : 'no'];
    }),
  );
  return { servers, costs };
}

const WEBHOOK_HEADER = ['What', 'Measured'];

/** The webhook-delivery phase as rows. */
export function webhookRows(w: WebhookDeliveryResult): string[][] {
  return [
    ['POST /Users (the load)', `${int(w.writesPerSec)} writes/s over ${(w.durationMs / 1000).toFixed(1)} s (${int(w.writes)} created, ${w.loadErrors} errors)`],
    ['events delivered during the load', `${int(w.deliveredPerSec)}/s (${int(w.deliveredDuringLoad)} events, ${pct(w.share)} of the write rate)`],
    ['events in the change log / received', `${int(w.events)} / ${int(w.delivered)} (${int(w.duplicates)} repeated)`],
    ['after the load, until the receiver had every event', Number.isFinite(w.drainMs) ? `${(w.drainMs / 1000).toFixed(2)} s (${int(w.deliveredAfterLoad)} events, ${int(w.drainMs > 0 ? (w.deliveredAfterLoad * 1000) / w.drainMs : NaN)}/s once the writes stopped)` : `not all within ${(w.waitedMs / 1000).toFixed(0)} s (${int(w.events - w.delivered)} missing)`],
  ];
}

/** The targets of issue 13 item 6. */
export function eventsTargets(e: EventsCostResult | undefined, w: WebhookDeliveryResult | undefined): TargetCheck[] {
  const out: TargetCheck[] = [];
  if (e) {
    const target = (label: string) => `cost of recording events on ${label} ≤ ${MAX_EVENTS_COST * 100} % (server CPU/op and ops/s, this build with the change log on vs off)`;
    for (const p of e.summary) {
      const label = e.paths.find((x) => x.key === p.path)?.label ?? p.path;
      const c = p.costs.find(isRecordingCost);
      out.push(c ? { target: target(label), measured: `CPU/op ${signedPct(c.cpu)}, ops/s lost ${signedPct(c.throughput)}`, met: eventsCostMet(c) } : { target: target(label), measured: 'not measured (--source or --entry: no copy of this build with the recorder off)', met: undefined });
    }
  }
  if (w) {
    out.push({
      target: `webhook delivery keeps up with POST /Users (delivered/s ≥ ${KEEP_UP_SHARE * 100} % of writes/s, or all delivered ≤ ${MAX_DRAIN_MS / 1000} s after the load)`,
      measured: `${int(w.deliveredPerSec)}/s of ${int(w.writesPerSec)}/s (${pct(w.share)}); ${Number.isFinite(w.drainMs) ? `drained in ${(w.drainMs / 1000).toFixed(2)} s` : `not drained within ${(w.waitedMs / 1000).toFixed(0)} s`}`,
      met: w.keepsUp,
    });
  }
  return out;
}

function eventsIntro(e: EventsCostResult): string {
  const before = e.baseline ? `${e.baseline.name}${e.baseline.commit ? ` (commit ${e.baseline.commit.slice(0, 10)})` : ''}` : undefined;
  const off = e.servers.some((s) => s.key === 'off');
  const recorded = Object.entries(e.eventsRecorded)
    .map(([k, n]) => `${e.servers.find((s) => s.key === k)?.label ?? k}: ${int(n)}`)
    .join('; ');
  return [
    off ? 'this build with its change recorder on against the same build with it switched off (a copy of dist/ in which recordChanges returns at once): the difference is what recording events costs' : 'this build alone (--source or --entry: no copy with the recorder off)',
    before ? `For context, ${before}, from before the change log existed, which also lacks ${EVENTS_BASELINE_LACKS}: against it the figure is an upper bound` : e.skipped ? `no older build (${e.skipped})` : '',
    `Events in each server's database at the end: ${recorded}`,
  ]
    .filter(Boolean)
    .join('. ');
}

function eventsText(e: EventsCostResult | undefined, w: WebhookDeliveryResult | undefined): string[] {
  const out: string[] = [];
  if (e) {
    const t = eventsCostTables(e);
    out.push(`Events cost: ${eventsIntro(e)}. Medians of ${e.rounds} round(s) of ${(e.durationMs / 1000).toFixed(1)} s (servers in alternating order); load average ${e.loadAverageBefore.join(', ')} before, ${e.loadAverageAfter.join(', ')} after`);
    out.push(textTable(INSTRUMENTATION_SERVER_HEADER, t.servers), '');
    if (t.costs.length) out.push(textTable(EVENTS_COST_HEADER, t.costs.map((r) => r.map((c, k) => (k === 5 && c === 'no' ? 'NO' : c)))), '');
  }
  if (w) out.push('Webhook delivery (one endpoint, a receiver answering 204 at once):', textTable(WEBHOOK_HEADER, webhookRows(w)), '');
  return out;
}

export function eventsMarkdown(e: EventsCostResult | undefined, w: WebhookDeliveryResult | undefined, o: BenchResult['options']): string {
  let md = '';
  if (e) {
    const t = eventsCostTables(e);
    md += `
## Cost of recording events

POST /Users and a PATCH replacing one attribute (durable ${o.db === 'sqlite' ? 'SQLite, `synchronous=FULL`' : 'PostgreSQL'}): ${eventsIntro(e)}.
Each server has its own ${o.db === 'sqlite' ? 'data directory' : 'database'} holding ${int(e.users)} users created over POST /Users; the POST runs create
users whose names are unique per server and round. ${e.rounds} round(s), servers in alternating order,
${(e.durationMs / 1000).toFixed(1)} s measured each; a cost is the median over the rounds of with ÷ without − 1. Load average
${e.loadAverageBefore.join(', ')} before, ${e.loadAverageAfter.join(', ')} after.

${markdownTable(INSTRUMENTATION_SERVER_HEADER, t.servers)}
${t.costs.length ? `
${markdownTable(EVENTS_COST_HEADER, t.costs.map((r) => r.map((c, k) => (k === 5 && c === 'no' ? '**no**' : c))))}
` : ''}`;
  }
  if (w) {
    md += `
## Webhook delivery

scimd (\`--webhook-allow-private true\`) with one webhook endpoint pointing at a receiver in the bench
process that answers 204 at once and counts distinct \`webhook-id\`s, while POST /Users runs on
${o.connections} connections. Delivery is one event at a time per endpoint, in order: each event is a
round trip to the receiver plus a delivery-log row and a cursor update (durable writes), so one
endpoint's rate is bounded by that sequence, not by the write load.

${markdownTable(WEBHOOK_HEADER, webhookRows(w))}
`;
  }
  return md;
}

const PHASE_HEADER = ['Phase', 'ops/s', 'p50 ms', 'p99 ms', 'of ceiling', 'server CPU µs/op', 'tx/commit', 'errors'];
const BEFORE_HEADER = ['before: ops/s', 'before: p99 ms', 'before: CPU µs/op', 'before: tx/commit', 'ops/s ÷ before'];

const perCommit = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(1) : '–');

/** The main table: one row per phase, with the --before build's figures beside each when it ran; tx/commit only when measured (SQLite). */
export function phaseTable(result: BenchResult): { header: string[]; rows: string[][] } {
  const withBefore = result.before !== undefined;
  const withCommits = result.phases.some((p) => p.transactionsPerCommit !== undefined || p.before?.transactionsPerCommit !== undefined);
  const keep = (header: readonly string[]) => header.map((h, i) => ({ h, i })).filter(({ h }) => withCommits || !h.includes('tx/commit')).map(({ i }) => i);
  const mainCols = keep(PHASE_HEADER);
  const beforeCols = keep(BEFORE_HEADER);
  const pick = (cells: readonly string[], cols: readonly number[]) => cols.map((i) => cells[i]!);
  const header = [...pick(PHASE_HEADER, mainCols), ...(withBefore ? pick(BEFORE_HEADER, beforeCols) : [])];
  const ceiling = ceilingRow(result);
  const dashes = beforeCols.map(() => '–');
  const rows = [
    [...pick([...ceiling.slice(0, 6), '–', ceiling[6]!], mainCols), ...(withBefore ? dashes : [])],
    ...result.phases.map((p) => {
      const row = pick([p.label, int(p.opsPerSec), ms(p.p50Ms), ms(p.p99Ms), pct(p.ratio), int(p.serverCpuUsPerOp), perCommit(p.transactionsPerCommit), String(p.errors)], mainCols);
      if (!withBefore) return row;
      const b = p.before;
      return [...row, ...(b ? pick([int(b.opsPerSec), ms(b.p99Ms), int(b.serverCpuUsPerOp), perCommit(b.transactionsPerCommit), times(ratio(p.opsPerSec, b.opsPerSec))], beforeCols) : dashes)];
    }),
  ];
  return { header, rows };
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function ceilingRow(result: BenchResult): string[] {
  const s = result.ceiling.samples;
  const mid = (f: (x: (typeof s)[number]) => number) => (s.length ? [...s.map(f)].sort((a, b) => a - b)[Math.floor(s.length / 2)]! : NaN);
  return ['bare node:http ceiling (mean of samples)', int(result.ceiling.opsPerSec), ms(mid((x) => x.p50Ms)), ms(mid((x) => x.p99Ms)), '100 %', '–', '0'];
}

export function consoleReport(result: BenchResult): string {
  const targets = checkTargets(result);
  return [
    '',
    textTable(phaseTable(result).header, phaseTable(result).rows),
    '',
    ...(result.instrumentation ? [instrumentationText(result.instrumentation)] : []),
    ...eventsText(result.eventsCost, result.webhookDelivery),
    ...(result.replicas ? [textTable(REPLICAS_HEADER, replicasRows(result.replicas)), `two replicas: ${times(result.replicas.scaling)} one replica's ops/s`, ''] : []),
    ...(result.multiTenant ? [textTable(MULTI_TENANT_HEADER, multiTenantRows(result.multiTenant)), ''] : []),
    ...(result.groupRead ? [...groupReadText(result.groupRead), ''] : []),
    textTable(['Target', 'Measured', 'Met'], targets.map((t) => [t.target.replace(/`/g, ''), t.measured, t.met === undefined ? '–' : t.met ? 'yes' : 'NO'])),
    '',
    `peak RSS of scimd: ${mb(result.memory.peakRssKiB)} overall, ${mb(result.memory.peakRssWithMillionKiB)} with ${int(result.options.million)} users stored`,
    ...result.seeding.map((s) => `seeded ${s.what} in ${(s.ms / 1000).toFixed(1)} s (${int((s.count * 1000) / s.ms)}/s)`),
    '',
  ].join('\n');
}
