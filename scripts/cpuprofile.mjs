#!/usr/bin/env node
// Self and total time per function (or per file) of a V8 CPU profile, as `npm run bench -- --profile
// <dir>` writes them (node --cpu-prof), optionally within a window of seconds since the profile
// began (the bench's phases follow one another: `--timeline` shows the busy milliseconds of each
// second, to find them).
//
//   node scripts/cpuprofile.mjs <file.cpuprofile> [--by file] [--from s] [--to s] [--top n] [--timeline]
//
// Total time counts a function once per sample however often it recurs on the stack. Times are the
// profiler's samples of the main thread: wall time, so a syscall that waits (writev, fsync) counts.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { by: { type: 'string', default: 'function' }, from: { type: 'string' }, to: { type: 'string' }, top: { type: 'string', default: '40' }, timeline: { type: 'boolean' } },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: node scripts/cpuprofile.mjs <file.cpuprofile> [--by function|file] [--from s] [--to s] [--top n] [--timeline]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const from = values.from === undefined ? -Infinity : Number(values.from) * 1e6;
const to = values.to === undefined ? Infinity : Number(values.to) * 1e6;
const short = (url) => url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '~/').replace(/.*\/(dist|src|bench)\//, '$1/');
const keyOf = (n) => {
  const f = n.callFrame;
  if (values.by === 'file') return short(f.url) || `(${f.functionName || 'native'})`;
  return `${f.functionName || '(anonymous)'} ${short(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
};
const IDLE = new Set(['(idle)', '(program)', '(garbage collector)']);

const sampled = new Map();
const perSecond = new Map();
let t = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  t += dt;
  if (nodes.get(id).callFrame.functionName !== '(idle)') perSecond.set(Math.floor(t / 1e6), (perSecond.get(Math.floor(t / 1e6)) ?? 0) + dt);
  if (t >= from && t <= to) sampled.set(id, (sampled.get(id) ?? 0) + dt);
});

const self = new Map();
const total = new Map();
let busy = 0;
for (const [id, dt] of sampled) {
  const n = nodes.get(id);
  if (n.callFrame.functionName !== '(idle)') busy += dt;
  self.set(keyOf(n), (self.get(keyOf(n)) ?? 0) + dt);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = keyOf(nodes.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    total.set(k, (total.get(k) ?? 0) + dt);
  }
}

if (values.timeline) console.log(`busy ms per second: ${[...perSecond].map(([s, us]) => `${s}:${Math.round(us / 1000)}`).join(' ')}`);
console.log(`busy ${(busy / 1000).toFixed(0)} ms (samples other than (idle))`);
const show = (title, m) => {
  console.log(`\n${title}: ms, % of busy`);
  const rows = [...m].filter(([k]) => !IDLE.has(k.split(' ')[0]) || title === 'self').sort((a, b) => b[1] - a[1]);
  for (const [k, us] of rows.slice(0, Number(values.top))) console.log(`${(us / 1000).toFixed(0).padStart(7)} ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`);
};
show('self', self);
show('total', total);
