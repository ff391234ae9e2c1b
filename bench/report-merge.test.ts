/** BENCHMARKS.md with one part per database: a run on one keeps the other's parts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractParts, legacyParts, mergeReport, wrapPart, type Frame, type Parts } from './report-merge.ts';

const frame: Frame = { intro: 'How the bench runs.', targetsNote: 'What a cost ratio is.' };
const parts = (name: string, figure: string): Parts => ({
  results: `### ${name}\n\n- **Date**: today\n\n| Phase | ops/s |\n| --- | ---: |\n| PATCH | ${figure} |`,
  targets: `### ${name}\n\n| Target | Measured | Met |\n| --- | ---: | ---: |\n| PATCH | ${figure} | yes |`,
  details: `### Seeding\n\n${name} seeded ${figure}.`,
});

describe('mergeReport', () => {
  it('writes a run on one database with a line for the other database saying which command fills it', () => {
    const md = mergeReport(undefined, 'postgres', parts('PostgreSQL', '1,600'), frame);
    assert.match(md, /^# Benchmarks\n\nHow the bench runs\.\n\n## Results\n\n### SQLite\n\nNot measured yet: `npm run bench` writes this part\.\n\n<!-- bench:postgres:results -->\n### PostgreSQL/);
    assert.match(md, /## Targets\n\n### SQLite\n\nNot measured yet/);
    assert.match(md, /## PostgreSQL: details\n\n<!-- bench:postgres:details -->\n### Seeding\n\nPostgreSQL seeded 1,600\.\n<!-- \/bench:postgres:details -->/);
    assert.doesNotMatch(md, /## SQLite: details/);
  });

  it("keeps the other database's parts as the file has them and replaces only the measured database's", () => {
    const first = mergeReport(undefined, 'sqlite', parts('SQLite', '1,852'), frame);
    const both = mergeReport(first, 'postgres', parts('PostgreSQL', '409'), frame);
    assert.deepEqual(extractParts(both, 'sqlite'), parts('SQLite', '1,852'));
    assert.deepEqual(extractParts(both, 'postgres'), parts('PostgreSQL', '409'));
    // Results side by side under one heading, SQLite first; targets likewise; details one section each.
    assert.ok(both.indexOf('| PATCH | 1,852 |') < both.indexOf('| PATCH | 409 |'));
    assert.ok(both.indexOf('| PATCH | 409 |') < both.indexOf('## Targets'));
    assert.equal(both.match(/^## Results$/gm)?.length, 1);
    assert.equal(both.match(/^## Targets$/gm)?.length, 1);
    assert.match(both, /## SQLite: details[\s\S]+## PostgreSQL: details/);

    // A second PostgreSQL run replaces the PostgreSQL parts; SQLite's stay byte for byte.
    const again = mergeReport(both, 'postgres', parts('PostgreSQL', '1,512'), frame);
    assert.deepEqual(extractParts(again, 'sqlite'), parts('SQLite', '1,852'));
    assert.deepEqual(extractParts(again, 'postgres'), parts('PostgreSQL', '1,512'));
    assert.doesNotMatch(again, /\| 409 \|/);
    // …and a SQLite run after it keeps PostgreSQL's.
    const back = mergeReport(again, 'sqlite', parts('SQLite', '2,000'), frame);
    assert.deepEqual(extractParts(back, 'postgres'), parts('PostgreSQL', '1,512'));
    assert.equal(mergeReport(back, 'sqlite', parts('SQLite', '2,000'), frame), back, 'merging is stable');
  });

  it('takes a part without its markers as missing, and a file holding only the other database as none of this one', () => {
    const md = `# Benchmarks\n\n${wrapPart('sqlite', 'results', '### SQLite\n\nx')}\n`;
    assert.deepEqual(extractParts(md, 'sqlite'), { results: '### SQLite\n\nx', targets: '', details: '' });
    assert.equal(extractParts(md, 'postgres'), undefined);
  });
});

describe('legacyParts: a single-database BENCHMARKS.md from before the parts', () => {
  const legacy = `# Benchmarks

Measured by \`npm run bench\`.

- **Date**: 2026-12-07T00:41:52.755Z
- **Command**: \`npm run bench\`
- **Database**: SQLite in a temporary data directory
- **Load**: 16 keep-alive connections

scimd runs as its own process.

## Results

The "before" columns are 3f3063e.

| Phase | ops/s |
| --- | ---: |
| PATCH | 1,852 |

## Cost of metrics

Metrics text.

## Targets

| Target | Measured | Met |
| --- | ---: | ---: |
| PATCH | 0.99× | **no** |

A cost ratio is the small case's share.

## Seeding

| What | Time |
| --- | ---: |
| 1,000 users | 0.1 s |
`;

  it("cuts its header list and Results into the results part, the Targets table into the targets part, the other sections into details", () => {
    const p = legacyParts(legacy, 'sqlite')!;
    assert.equal(
      p.results,
      '### SQLite\n\n- **Date**: 2026-12-07T00:41:52.755Z\n- **Command**: `npm run bench`\n- **Database**: SQLite in a temporary data directory\n- **Load**: 16 keep-alive connections\n\nThe "before" columns are 3f3063e.\n\n| Phase | ops/s |\n| --- | ---: |\n| PATCH | 1,852 |',
    );
    assert.equal(p.targets, '### SQLite (2026-12-07)\n\n| Target | Measured | Met |\n| --- | ---: | ---: |\n| PATCH | 0.99× | **no** |');
    assert.equal(p.details, '### Cost of metrics\n\nMetrics text.\n\n### Seeding\n\n| What | Time |\n| --- | ---: |\n| 1,000 users | 0.1 s |');
    assert.equal(legacyParts(legacy, 'postgres'), undefined);
  });

  it('keeps the old SQLite figures when a PostgreSQL run is merged into the old file', () => {
    const merged = mergeReport(legacy, 'postgres', parts('PostgreSQL', '409'), frame);
    assert.deepEqual(extractParts(merged, 'sqlite'), legacyParts(legacy, 'sqlite'));
    assert.match(merged, /\| PATCH \| 1,852 \|[\s\S]+\| PATCH \| 409 \|/);
  });
});
