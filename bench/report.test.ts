/** The instrumentation tables of the report. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstrumentationResult } from './instrumentation.ts';
import { withoutRecorder } from './no-events-build.ts';
import { summarizeInstrumentation } from './instrumentation-summary.ts';
import type { EventsCostResult } from './events-cost.ts';
import { eventsCostTables, eventsTargets, instrumentationTables } from './report.ts';

describe('instrumentationTables', () => {
  it('names paths and servers by their labels and flags a cost of 5 % or more', () => {
    const samples = [
      { server: 'off', path: 'get', round: 0, opsPerSec: 4000, serverCpuUsPerOp: 100, p50Ms: 3, errors: 0 },
      { server: 'on', path: 'get', round: 0, opsPerSec: 3900, serverCpuUsPerOp: 102, p50Ms: 3.1, errors: 0 },
      { server: 'off', path: 'patch', round: 0, opsPerSec: 2000, serverCpuUsPerOp: 400, p50Ms: 7, errors: 0 },
      { server: 'on', path: 'patch', round: 0, opsPerSec: 1800, serverCpuUsPerOp: 440, p50Ms: 8, errors: 1 },
    ];
    const result: InstrumentationResult = {
      servers: [
        { key: 'off', label: 'metrics off', command: 'bin/scimd.js serve --metrics off' },
        { key: 'on', label: 'metrics on', command: 'bin/scimd.js serve' },
      ],
      paths: [
        { key: 'get', label: 'GET /Users/{id}' },
        { key: 'patch', label: 'PATCH /Users/{id}' },
      ],
      rounds: 1,
      users: 1000,
      loadAverageBefore: [1, 1, 1],
      loadAverageAfter: [1, 1, 1],
      samples,
      summary: summarizeInstrumentation(samples, [{ what: 'metrics', without: 'off', with: 'on' }]),
    };
    const t = instrumentationTables(result);
    assert.deepEqual(t.servers, [
      ['GET /Users/{id}', 'metrics off', '100', '4,000', '3.00', '0'],
      ['GET /Users/{id}', 'metrics on', '102', '3,900', '3.10', '0'],
      ['PATCH /Users/{id}', 'metrics off', '400', '2,000', '7.00', '0'],
      ['PATCH /Users/{id}', 'metrics on', '440', '1,800', '8.00', '1'],
    ]);
    assert.deepEqual(t.costs, [
      ['GET /Users/{id}', 'metrics', '+2.0 %', '+2.0 % … +2.0 %', '+2.6 %', 'yes'],
      ['PATCH /Users/{id}', 'metrics', '+10.0 %', '+10.0 % … +10.0 %', '+11.1 %', 'no'],
    ]);
  });
});

describe('eventsCostTables and eventsTargets', () => {
  const samples = [
    { server: 'before', path: 'post', round: 0, opsPerSec: 1200, serverCpuUsPerOp: 800, p50Ms: 9, errors: 0 },
    { server: 'off', path: 'post', round: 0, opsPerSec: 1000, serverCpuUsPerOp: 1000, p50Ms: 10, errors: 0 },
    { server: 'now', path: 'post', round: 0, opsPerSec: 950, serverCpuUsPerOp: 1100, p50Ms: 11, errors: 0 },
    { server: 'before', path: 'patch', round: 0, opsPerSec: 1000, serverCpuUsPerOp: 1000, p50Ms: 10, errors: 0 },
    { server: 'off', path: 'patch', round: 0, opsPerSec: 1000, serverCpuUsPerOp: 1000, p50Ms: 10, errors: 0 },
    { server: 'now', path: 'patch', round: 0, opsPerSec: 800, serverCpuUsPerOp: 1100, p50Ms: 12, errors: 0 },
  ];
  const comparisons = [
    { what: 'recording events', without: 'off', with: 'now' },
    { what: 'everything since 67ed1d7', without: 'before', with: 'now' },
  ];
  const result: EventsCostResult = {
    baseline: { name: '67ed1d7', commit: '67ed1d7aaaaaaaaaa' },
    eventsRecorded: { before: 0, off: 0, now: 2000 },
    servers: [
      { key: 'before', label: 'before' },
      { key: 'off', label: 'change log off' },
      { key: 'now', label: 'now' },
    ],
    paths: [
      { key: 'post', label: 'POST /Users' },
      { key: 'patch', label: 'PATCH /Users/{id}' },
    ],
    rounds: 1,
    durationMs: 1000,
    users: 100,
    loadAverageBefore: [1, 1, 1],
    loadAverageAfter: [1, 1, 1],
    samples,
    summary: summarizeInstrumentation(samples, comparisons),
  };

  it('holds the recorder on vs off to 15 % of both server CPU/op and ops/s; the old build is context only', () => {
    assert.deepEqual(eventsCostTables(result).costs, [
      ['POST /Users', 'recording events', '+10.0 %', '+10.0 % … +10.0 %', '+5.3 %', 'yes'],
      ['POST /Users', 'everything since 67ed1d7', '+37.5 %', '+37.5 % … +37.5 %', '+26.3 %', 'context'],
      ['PATCH /Users/{id}', 'recording events', '+10.0 %', '+10.0 % … +10.0 %', '+25.0 %', 'no'],
      ['PATCH /Users/{id}', 'everything since 67ed1d7', '+10.0 %', '+10.0 % … +10.0 %', '+25.0 %', 'context'],
    ]);
    assert.deepEqual(eventsTargets(result, undefined).map((t) => t.met), [true, false]);
  });

  it('says when the recorder-off build was not measured, and whether delivery kept up', () => {
    const alone = summarizeInstrumentation(samples.filter((x) => x.server === 'now'), []);
    const notMeasured: EventsCostResult = { ...result, servers: [{ key: 'now', label: 'now' }], eventsRecorded: { now: 2000 }, summary: alone };
    const targets = eventsTargets(notMeasured, {
      durationMs: 1000, writes: 500, writesPerSec: 500, loadErrors: 0, events: 500, deliveredDuringLoad: 100, deliveredPerSec: 100,
      deliveredAfterLoad: 400, drainMs: 3000, waitedMs: 3000, delivered: 500, duplicates: 0, share: 0.2, keepsUp: false,
    });
    assert.deepEqual(targets.map((t) => [t.measured, t.met]), [
      ['not measured (--source or --entry: no copy of this build with the recorder off)', undefined],
      ['not measured (--source or --entry: no copy of this build with the recorder off)', undefined],
      ['100/s of 500/s (20.0 %); drained in 3.00 s', false],
    ]);
  });
});

describe('withoutRecorder', () => {
  it('skips the compiled recorder body once, and refuses a file where it is not found exactly once', () => {
    const js = 'x;\nexport async function recordChanges(tx, changes, options = {}) {\n    const withState = 1;\n}\n';
    assert.equal(withoutRecorder(js), 'x;\nexport async function recordChanges(tx, changes, options = {}) {\n    return; // bench: change log off\n    const withState = 1;\n}\n');
    assert.throws(() => withoutRecorder('nothing here'), /found 0 times/);
    assert.throws(() => withoutRecorder(js + js), /found 2 times/);
  });
});
