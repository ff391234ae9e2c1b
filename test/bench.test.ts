/**
 * `npm run bench -- --quick` at its smallest: the real harness (scimd, the ceiling and the load
 * generator as processes, seeding through the store) produces a well-formed result and report.
 * Nothing here asserts a speed: that is what the bench itself is for.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../bench/bench.ts';
import { REPORT_FRAME } from '../bench/report-markdown.ts';
import { extractParts, mergeReport } from '../bench/report-merge.ts';
import { tempDir } from './helpers/server.ts';
import { track } from './helpers/children.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = tempDir('scimd-bench-test-');
after(() => rmSync(dir, { recursive: true, force: true }));

function runBench(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = track(spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('npm run bench -- --quick', () => {
  it('runs every phase without an error and writes a well-formed JSON result and Markdown report', { timeout: 90_000 }, async () => {
    const json = join(dir, 'result.json');
    const md = join(dir, 'BENCHMARKS.md');
    const sizes = ['--users', '100', '--million', '400', '--group-sizes', '10,100'];
    const times = ['--duration', '0.05', '--warmup', '0.01', '--ceiling', '0.03', '--connections', '4'];
    const { code, out } = await runBench(['--quick', '--source', ...sizes, ...times, '--json', json, '--out', md]);
    assert.equal(code, 0, out);

    const result = JSON.parse(readFileSync(json, 'utf8')) as BenchResult;
    assert.deepEqual(
      result.phases.map((p) => p.name),
      ['ref-fastify', 'ref-sqlite', 'get', 'filter', 'list', 'post', 'patch', 'put', 'delete', 'lookup-big', 'group-10', 'group-100'],
    );
    for (const p of result.phases) {
      assert.equal(p.errors, 0, `${p.label}: ${p.errorSamples.join('; ')}`);
      assert.ok(p.ops > 0, `${p.label} ran operations`);
      for (const k of ['opsPerSec', 'p50Ms', 'p99Ms', 'ceilingOpsPerSec', 'ratio', 'serverCpuUsPerOp'] as const) {
        assert.ok(Number.isFinite(p[k]) && p[k] >= 0, `${p.label}: ${k} = ${p[k]}`);
      }
      assert.ok(p.p50Ms <= p.p99Ms && p.p99Ms <= p.maxMs, `${p.label}: p50 ≤ p99 ≤ max`);
      assert.ok(Math.abs(p.ratio - p.opsPerSec / p.ceilingOpsPerSec) < 1e-9, `${p.label}: ratio is ops/s over the ceiling`);
    }
    assert.deepEqual(
      result.phases.filter((p) => p.reference).map((p) => p.name),
      ['ref-fastify', 'ref-sqlite'],
    );
    assert.equal(result.phases.find((p) => p.name === 'filter')!.usersStored, 100);
    assert.equal(result.phases.find((p) => p.name === 'lookup-big')!.usersStored, 400);
    // The DELETE phase removes users the POST phase created, each at most once, and all answer 204.
    const post = result.phases.find((p) => p.name === 'post')!;
    const del = result.phases.find((p) => p.name === 'delete')!;
    assert.ok(del.ops + del.warmupOps <= post.ops + post.warmupOps);
    assert.ok(result.ceiling.samples.length === result.phases.length + 5, 'one ceiling sample before the first phase, one after each and one after each of the instrumentation, events-cost, webhook-delivery and multi-tenant phases');
    assert.ok(result.ceiling.opsPerSec > 0);
    assert.ok(result.memory.peakRssKiB > 0 && result.memory.peakRssWithMillionKiB > 0 && result.memory.peakRssWithMillionKiB <= result.memory.peakRssKiB);
    assert.deepEqual(
      result.seeding.map((s) => s.count),
      [100, 300, 10, 100],
    );
    assert.match(result.machine.cpu, /\S/);
    assert.ok(result.machine.cores >= 1);
    assert.match(result.machine.sqlite, /^3\.\d+/);
    assert.match(result.machine.node, /^v\d+/);

    const report = readFileSync(md, 'utf8');
    assert.match(report, /^# Benchmarks/);
    assert.match(report, /\| Phase \| ops\/s \| p50 ms \| p99 ms \| of ceiling \|/);
    assert.match(report, /\*\*Machine\*\*: .+, \d+ cores, [\d.]+ GiB RAM; .+; Node v\d+.+; SQLite 3\./);
    assert.match(report, /\*\*Command\*\*: `npm run bench -- --quick/);
    for (const p of result.phases) assert.ok(report.includes(`| ${p.label} |`), `the report has a row for ${p.label}`);
    assert.match(out, /Target\s+Measured\s+Met/);

    // The instrumentation phase: scimd with --metrics off and on, GET and PATCH, two rounds each.
    const instr = result.instrumentation!;
    assert.deepEqual(instr.servers.map((s) => s.key), ['off', 'on']);
    assert.equal(instr.samples.length, 2 * 2 * 2);
    for (const s of instr.samples) {
      assert.equal(s.errors, 0, `${s.server} ${s.path}`);
      assert.ok(Number.isFinite(s.serverCpuUsPerOp) && s.opsPerSec > 0, `${s.server} ${s.path} ran operations`);
    }
    assert.deepEqual(instr.summary.map((p) => [p.path, p.costs.map((c) => [c.without, c.with, c.rounds])]), [
      ['get', [['off', 'on', 2]]],
      ['patch', [['off', 'on', 2]]],
    ]);
    assert.match(report, /### Cost of metrics and request correlation/);

    // events-cost under --quick --source: no old build, and no recorder-off copy of dist/ to set
    // against a server running from source; the current build measured once on POST and PATCH,
    // and the events it recorded counted.
    const ev = result.eventsCost!;
    assert.match(ev.skipped ?? '', /--quick does not build the baseline/);
    assert.deepEqual(ev.servers.map((s) => s.key), ['now']);
    assert.deepEqual(ev.samples.map((s) => [s.path, s.errors]), [['post', 0], ['patch', 0]]);
    assert.ok((ev.eventsRecorded.now ?? 0) > ev.samples.length, `events recorded: ${JSON.stringify(ev.eventsRecorded)}`);
    assert.match(report, /### Cost of recording events/);
    assert.match(out, /cost of recording events on POST \/Users .+not measured \(--source or --entry/);
    // webhook-delivery: every event the change log recorded reached the receiver.
    const wh = result.webhookDelivery!;
    assert.equal(wh.loadErrors, 0);
    assert.ok(wh.writes > 0 && wh.events >= wh.writes, `${wh.events} events for ${wh.writes} writes`);
    assert.equal(wh.delivered, wh.events);
    assert.ok(Number.isFinite(wh.drainMs));
    assert.match(report, /### Webhook delivery/);
    assert.match(out, /webhook delivery keeps up with POST \/Users/);
    assert.match(report, /\| GET \/Users\/\{id\} \| metrics \(on vs off\) \| [+−]\d/);
    // multi-tenant under --quick: 3 tenants, a quiet run from a fresh server, then one flooding.
    const mt = result.multiTenant!;
    assert.equal(mt.spec.tenants, 3);
    for (const [name, run] of [['quiet', mt.quiet], ['others while one floods', mt.floodOthers]] as const) {
      assert.equal(run.errors, 0, `${name}: ${run.errorSamples.join('; ')}`);
      assert.ok(run.requests > 0 && Number.isFinite(run.all.p99), `${name} ran requests`);
    }
    assert.ok(mt.flooder.requests > mt.quiet.requests / 3, 'the flooder sent more than a quiet tenant');
    assert.deepEqual(mt.serveFlags, ['--rate-limit', '50', '--client-concurrency', '4']);
    assert.match(report, /### Many tenants at an IdP's rate/);
    // One database's run: its parts between markers, the other database's part says how to fill it.
    assert.match(report, /<!-- bench:sqlite:results -->\n### SQLite\n/);
    assert.match(report, /### PostgreSQL\n\nNot measured yet: `npm run bench -- --db postgres`/);
    assert.match(out, /multi-tenant: others' p99 while one floods/);
  });
});

describe('npm run bench -- --quick --db postgres', () => {
  it('runs the phases on a throw-away database, PATCH on one replica and on two, the multi-tenant phase on two replicas, and writes the PostgreSQL parts beside the SQLite ones', { timeout: 120_000 }, async () => {
    const url = process.env.SCIMD_TEST_DATABASE_URL;
    assert.ok(url, 'scripts/run-tests.mjs hands every test file a PostgreSQL server');
    const json = join(dir, 'pg-result.json');
    const md = join(dir, 'PG-BENCHMARKS.md');
    // A file already holding SQLite's parts: the PostgreSQL run must keep them.
    const sqliteParts = { results: '### SQLite\n\n| Phase | ops/s |\n| --- | ---: |\n| PATCH | 1,852 |', targets: '### SQLite\n\n| Target | Measured | Met |', details: '### Seeding\n\nsqlite seeded' };
    writeFileSync(md, mergeReport(undefined, 'sqlite', sqliteParts, REPORT_FRAME));
    const sizes = ['--users', '100', '--million', '400', '--group-sizes', '10'];
    const times = ['--duration', '0.05', '--warmup', '0.01', '--ceiling', '0.03', '--connections', '4', '--tenant-duration', '1'];
    const { code, out } = await runBench(['--quick', '--source', '--db', 'postgres', '--postgres-url', url, ...sizes, ...times, '--json', json, '--out', md]);
    assert.equal(code, 0, out);

    const result = JSON.parse(readFileSync(json, 'utf8')) as BenchResult;
    assert.equal(result.options.db, 'postgres');
    assert.deepEqual(
      result.phases.map((p) => p.name),
      ['ref-fastify', 'get', 'filter', 'list', 'post', 'patch', 'put', 'delete', 'lookup-big', 'group-10'],
    );
    for (const p of result.phases) assert.equal(p.errors, 0, `${p.label}: ${p.errorSamples.join('; ')}`);
    const r = result.replicas!;
    assert.deepEqual([r.one.replicas, r.two.replicas, r.one.rounds.length, r.two.rounds.length, r.one.errors, r.two.errors], [1, 2, 2, 2, 0, 0]);
    assert.ok(r.one.opsPerSec > 0 && r.two.opsPerSec > 0 && Math.abs(r.scaling - r.two.opsPerSec / r.one.opsPerSec) < 1e-9);
    const mt = result.multiTenant!;
    assert.equal(mt.replicas, 2);
    assert.equal(mt.quiet.errors, 0, mt.quiet.errorSamples.join('; '));
    assert.equal(mt.floodOthers.errors, 0, mt.floodOthers.errorSamples.join('; '));

    const report = readFileSync(md, 'utf8');
    assert.deepEqual(extractParts(report, 'sqlite'), sqliteParts);
    const pgParts = extractParts(report, 'postgres')!;
    assert.match(pgParts.results, /^### PostgreSQL\n\n- \*\*Date\*\*/);
    assert.match(pgParts.results, /\| one replica \| [\d,]+ \|[\s\S]+\| two replicas, one database \| [\d,]+ \|/);
    assert.match(pgParts.results, /Many tenants \(details below\): 3 tenants × 25\/s on 2 fresh replicas: p50 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.doesNotMatch(pgParts.results, /tx\/commit/);
    assert.match(pgParts.targets, /\| PostgreSQL: PATCH \/Users\/\{id\} ≥ 1,500 ops\/s \|/);
    assert.match(pgParts.targets, /\| PostgreSQL: two replicas on one database ≥ 1.6× one replica's write throughput \(PATCH\) \| [\d.]+× /);
    assert.match(pgParts.targets, /\| multi-tenant \(2 replicas, one database\): p99 of a fresh replica pair's first 15 s < 1 s \|/);
    assert.doesNotMatch(pgParts.targets, /SQLite read by id|\(durable\)/);
    assert.match(pgParts.details, /### Many tenants at an IdP's rate\n\n3 tenants[\s\S]+2 fresh scimd replicas start on one database/);
  });
});
