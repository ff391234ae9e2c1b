/**
 * Two scimd builds in one process, measured alternately on GET by id, userName eq and pages of 100
 * (1,000 users each, SQLite, rate limits off as in `npm run bench`), or on POST and a one-attribute PATCH, for a before/after comparison
 * on a machine too busy for two separate bench runs to compare: the builds share the process and
 * the noise, phase after phase, and each phase's CPU µs/op is process.cpuUsage() over it.
 *
 *   node --import tsx bench/ab-inproc.ts <base dist/index.js> <new dist/index.js> [rounds=6] [ms=1500] [get,filter,list,post,patch]
 *
 * With AB_WINDOWS=<file> it writes each phase's window (process.hrtime µs, the clock of a CPU
 * profile's timestamps), so a `node --cpu-prof` run of it can be split by build and phase.
 * scimd's log lines go to stdout; results to stderr.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLoadGenerator } from './processes.ts';
import { PATCH_URN, userBody, userName } from './data.ts';

const [basePath, newPath, roundsArg, msArg, phasesArg] = process.argv.slice(2);
if (!basePath || !newPath) {
  process.stderr.write('usage: node --import tsx bench/ab-inproc.ts <base dist/index.js> <new dist/index.js> [rounds] [ms] [get,filter,list,post,patch]\n');
  process.exit(2);
}
const BUILDS: Record<string, string> = { base: resolve(basePath), new: resolve(newPath) };
const rounds = Number(roundsArg ?? 6);
const durationMs = Number(msArg ?? 1500);
const only = (phasesArg ?? 'get,filter,list').split(',');
const err = (s: string) => process.stderr.write(s + '\n');

interface Srv { name: string; port: number; token: string; ids: string[]; close(): Promise<void> }
async function start(name: string): Promise<Srv> {
  const { createScimd } = (await import(BUILDS[name]!)) as { createScimd: (o: unknown) => Promise<{ bootstrap: { token?: string }; listen(o: unknown): Promise<string>; close(): Promise<void> }> };
  const dataDir = mkdtempSync(join(tmpdir(), `ab-${name}-`));
  const s = await createScimd({ dataDir, config: { rateLimit: 0, clientConcurrency: 0 } });
  const url = await s.listen({ host: '127.0.0.1', port: 0 });
  const token = s.bootstrap.token!;
  const ids: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const r = await fetch(`${url}/scim/v2/Users`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(userBody(userName(i), i)) });
    ids.push(((await r.json()) as { id: string }).id);
  }
  return { name, port: Number(new URL(url).port), token, ids, close: () => s.close() };
}

const servers = [await start('base'), await start('new')];
const loadgen = startLoadGenerator();
interface Phase { path: string; values?: string[][]; method?: 'POST' | 'PATCH'; body?: string; expect?: number }
const patchBody = JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'displayName', value: 'Patched {n}' }] });
let posts = 0;
const phases: Record<string, (s: Srv) => Phase> = {
  get: (s) => ({ path: '/scim/v2/Users/{0}', values: s.ids.map((id) => [id]) }),
  post: (s) => ({ path: '/scim/v2/Users', method: 'POST', body: JSON.stringify(userBody(`p${posts++}-${s.name}-{n}`, 'p{n}')), expect: 201 }),
  patch: (s) => ({ path: '/scim/v2/Users/{0}', method: 'PATCH', body: patchBody, values: s.ids.map((id) => [id]) }),
  filter: () => ({ path: '/scim/v2/Users?filter={0}', values: Array.from({ length: 1000 }, (_, i) => [encodeURIComponent(`userName eq "${userName(i)}"`)]) }),
  list: () => ({ path: '/scim/v2/Users?startIndex={0}&count=100', values: Array.from({ length: 10 }, (_, p) => [String(p * 100 + 1)]) }),
};
const windows: { build: string; phase: string; fromUs: number; toUs: number; requests: number }[] = [];
const results: Record<string, Record<string, { cpu: number[]; ops: number[] }>> = {};
for (let r = 0; r < rounds; r++) {
  for (const phase of only) {
    const order = r % 2 ? [...servers].reverse() : servers;
    for (const s of order) {
      const { path, values, method, body, expect } = phases[phase]!(s);
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      const res = await loadgen.run({ host: '127.0.0.1', port: s.port, connections: 16, warmupMs: 300, durationMs, request: { method: method ?? 'GET', path, headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/scim+json' }, ...(body ? { body } : {}) }, ...(values ? { values } : {}), expect: [expect ?? 200] });
      const c = process.cpuUsage(c0);
      if (res.errors) err(`${s.name} ${phase}: ${res.errors} errors ${res.errorSamples[0]}`);
      const cpu = (c.user + c.system) / (res.ops + res.warmupOps);
      windows.push({ build: s.name, phase, fromUs: Number(t0 / 1000n), toUs: Number(process.hrtime.bigint() / 1000n), requests: res.ops + res.warmupOps });
      ((results[phase] ??= {})[s.name] ??= { cpu: [], ops: [] }).cpu.push(cpu);
      results[phase]![s.name]!.ops.push(res.opsPerSec);
      err(`round ${r} ${phase} ${s.name}: ${res.opsPerSec.toFixed(0)} ops/s ${cpu.toFixed(0)} µs CPU/op`);
    }
  }
}
const med = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
for (const [phase, by] of Object.entries(results)) {
  const b = by.base!, n = by.new!;
  err(`${phase}: base CPU µs/op median ${med(b.cpu).toFixed(0)} min ${Math.min(...b.cpu).toFixed(0)}, ops/s median ${med(b.ops).toFixed(0)} | new CPU µs/op median ${med(n.cpu).toFixed(0)} min ${Math.min(...n.cpu).toFixed(0)}, ops/s median ${med(n.ops).toFixed(0)} | new/base CPU ${(med(n.cpu) / med(b.cpu)).toFixed(2)}, ops ${(med(n.ops) / med(b.ops)).toFixed(2)}`);
}
if (process.env.AB_WINDOWS) writeFileSync(process.env.AB_WINDOWS, JSON.stringify(windows));
await loadgen.stop();
for (const s of servers) await s.close();
process.exit(0);
