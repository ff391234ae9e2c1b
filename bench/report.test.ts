/** The instrumentation tables of the report. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstrumentationResult } from './instrumentation.ts';
import { summarizeInstrumentation } from './instrumentation-summary.ts';
import { instrumentationTables } from './report.ts';

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
