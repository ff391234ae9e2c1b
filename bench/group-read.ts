/**
 * The group-read phase: full GETs of a big group (100,000 members by default), one at a time and
 * then 10 at once, as Authentik and Okta read whole groups to diff membership. It reports the time
 * of a read and scimd's peak RSS during each part (VmHWM, reset through /proc/<pid>/clear_refs
 * before it; the peak before the reset is kept, so the run's own memory figures stay whole).
 */
import http from 'node:http';
import type { Store } from '../src/store/types.ts';
import { procStat, resetPeakRss } from './processes.ts';
import { seedGroup } from './seed.ts';
import { userId } from './data.ts';
import { meanOf } from './stats.ts';

/** Members of the group read (or the largest --group-sizes group below it, with --quick). */
export const GROUP_READ_SIZE = 100_000;
export const GROUP_READ_CLIENTS = 10;
/** Reads one at a time (the median is reported). */
const SINGLE_READS = 3;
/** Peak RSS of scimd while 10 clients read the group at once: the bound of issue 15. */
export const GROUP_READ_MAX_RSS_MB = 400;

export interface GroupReadPart {
  /** Time of each read, from the request to the last byte, ms. */
  readonly readsMs: readonly number[];
  /** From the first request to the last byte of the last answer, ms. */
  readonly wallMs: number;
  readonly rssBeforeKiB: number;
  readonly peakRssKiB: number;
}

export interface GroupReadResult {
  readonly members: number;
  /** Bytes of one answer. */
  readonly bytes: number;
  /** Whether the answers came in chunks (streamed, no Content-Length). */
  readonly streamed: boolean;
  readonly errors: number;
  readonly errorSamples: readonly string[];
  readonly single: GroupReadPart;
  readonly concurrent: GroupReadPart & { readonly clients: number };
  /** scimd's peak RSS before this phase reset it. */
  readonly peakBeforeKiB: number;
}

interface Read {
  readonly ms: number;
  readonly bytes: number;
  readonly chunked: boolean;
  readonly error?: string;
}

/** One GET, its body counted and dropped as it comes. */
function read(port: number, path: string, headers: Record<string, string>): Promise<Read> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.once('end', () => {
        const ms = performance.now() - t0;
        const chunked = res.headers['transfer-encoding'] === 'chunked';
        resolve(res.statusCode === 200 ? { ms, bytes, chunked } : { ms, bytes, chunked, error: `status ${res.statusCode}` });
      });
      res.once('error', (e) => resolve({ ms: performance.now() - t0, bytes, chunked: false, error: e.message }));
    });
    req.once('error', (e) => resolve({ ms: performance.now() - t0, bytes: 0, chunked: false, error: e.message }));
  });
}

async function part(pid: number, clients: number, rounds: number, go: () => Promise<Read>): Promise<{ part: GroupReadPart; reads: Read[] }> {
  resetPeakRss(pid);
  const rssBeforeKiB = procStat(pid).rssKiB;
  const t0 = performance.now();
  const reads: Read[] = [];
  for (let r = 0; r < rounds; r++) reads.push(...(await Promise.all(Array.from({ length: clients }, go))));
  const wallMs = performance.now() - t0;
  return { part: { readsMs: reads.map((x) => x.ms), wallMs, rssBeforeKiB, peakRssKiB: procStat(pid).peakRssKiB }, reads };
}

export interface GroupReadContext {
  readonly store: Store;
  readonly tenantId: string;
  readonly pid: number;
  readonly port: number;
  readonly headers: Record<string, string>;
  readonly groupSizes: readonly number[];
  /** Users stored (the group's members are the first ones). */
  readonly users: number;
  /** Seeds and records (the seeding table) unless the group PATCH phases seeded the group already. */
  seed(what: string, count: number, fn: () => Promise<void>): Promise<void>;
  readonly log: (line: string) => void;
}

/** The group of a group-NNN phase is reused when one ran (the largest up to 100,000 members); else one is seeded. */
export async function runGroupRead(c: GroupReadContext, seededSizes: readonly number[]): Promise<GroupReadResult> {
  const peakBeforeKiB = procStat(c.pid).peakRssKiB;
  // The largest group the PATCH phases seeded, up to 100,000 members; else one of its own.
  const reused = Math.max(0, ...seededSizes.filter((s) => s <= GROUP_READ_SIZE));
  let gid: string;
  if (reused > 0) gid = userId(c.groupSizes.indexOf(reused), 'g');
  else {
    const size = Math.min(GROUP_READ_SIZE, c.users);
    gid = userId(0, 'r');
    await c.seed(`group of ${size.toLocaleString('en')} members (group-read)`, size, () => seedGroup(c.store, c.tenantId, gid, 'bench group read', 0, size));
  }
  const members = await c.store.memberCountUpTo(c.tenantId, gid, Number.MAX_SAFE_INTEGER);
  const go = () => read(c.port, `/scim/v2/Groups/${gid}`, c.headers);
  const single = await part(c.pid, 1, SINGLE_READS, go);
  const concurrent = await part(c.pid, GROUP_READ_CLIENTS, 1, go);
  const all = [...single.reads, ...concurrent.reads];
  const failed = all.filter((r) => r.error !== undefined);
  const result: GroupReadResult = {
    members,
    bytes: single.reads[0]?.bytes ?? 0,
    streamed: all.every((r) => r.chunked),
    errors: failed.length,
    errorSamples: [...new Set(failed.map((r) => r.error!))].slice(0, 3),
    single: single.part,
    concurrent: { ...concurrent.part, clients: GROUP_READ_CLIENTS },
    peakBeforeKiB,
  };
  c.log(groupReadText(result).join('\n'));
  return result;
}

const mb = (kib: number) => (Number.isFinite(kib) ? `${((kib * 1024) / 1e6).toFixed(0)} MB` : '–');
const median = (xs: readonly number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);
const secs = (v: number) => (Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : '–');

/** The phase's lines for the console. */
export function groupReadText(g: GroupReadResult): string[] {
  const what = `GET /Groups/{id} of ${g.members.toLocaleString('en')} members (${(g.bytes / 1e6).toFixed(1)} MB, ${g.streamed ? 'streamed' : 'in one piece'})`;
  return [
    `${what}: one at a time ${secs(median(g.single.readsMs))} (median of ${g.single.readsMs.length}), peak RSS ${mb(g.single.peakRssKiB)};` +
      ` ${g.concurrent.clients} at once ${secs(meanOf(g.concurrent.readsMs))} per read (mean; all done in ${secs(g.concurrent.wallMs)}),` +
      ` peak RSS ${mb(g.concurrent.peakRssKiB)} (from ${mb(g.concurrent.rssBeforeKiB)})${g.errors ? `  ${g.errors} ERRORS: ${g.errorSamples.join('; ')}` : ''}`,
  ];
}

/** The phase's section of BENCHMARKS.md. */
export function groupReadMarkdown(g: GroupReadResult): string {
  return `
## Reading a big group

Full \`GET /Groups/{id}\` of a group of ${g.members.toLocaleString('en')} members (${(g.bytes / 1e6).toFixed(1)} MB of JSON, ${g.streamed ? 'streamed: the members are read page by page in one read snapshot and written as they come' : 'sent in one piece'}),
read by the bench process itself (bodies counted and dropped). scimd's peak RSS is its \`VmHWM\`, reset before each part.

| Part | Time per read | All done in | RSS before | Peak RSS | Errors |
|---|---|---|---|---|---|
| one at a time (${g.single.readsMs.length} reads, median) | ${secs(median(g.single.readsMs))} | ${secs(g.single.wallMs)} | ${mb(g.single.rssBeforeKiB)} | ${mb(g.single.peakRssKiB)} | ${g.errors} |
| ${g.concurrent.clients} at once (mean) | ${secs(meanOf(g.concurrent.readsMs))} | ${secs(g.concurrent.wallMs)} | ${mb(g.concurrent.rssBeforeKiB)} | ${mb(g.concurrent.peakRssKiB)} | ${g.errors} |
`;
}

/** The phase's target: memory stays bounded while 10 clients read the group whole at once. */
export function groupReadTargets(g: GroupReadResult | undefined): { target: string; measured: string; met: boolean | undefined }[] {
  const target = `peak RSS with ${GROUP_READ_CLIENTS} concurrent full reads of a ${GROUP_READ_SIZE.toLocaleString('en')}-member group ≤ ${GROUP_READ_MAX_RSS_MB} MB`;
  if (!g) return [{ target, measured: 'not run', met: undefined }];
  const kib = g.concurrent.peakRssKiB;
  return [{ target, measured: `${mb(kib)} (${g.members.toLocaleString('en')} members)`, met: Number.isFinite(kib) && g.errors === 0 ? (kib * 1024) / 1e6 <= GROUP_READ_MAX_RSS_MB : undefined }];
}
