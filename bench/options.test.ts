/** The bench's command line: the instrumentation phase's options. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions, SPEED_BASELINE, type BenchOptions } from './options.ts';

const parse = (...argv: string[]) => parseOptions(argv) as BenchOptions;

describe('parseOptions: instrumentation', () => {
  it('runs five rounds by default, two with --quick, and takes --rounds', () => {
    assert.equal(parse().rounds, 5);
    assert.equal(parse('--quick').rounds, 2);
    assert.equal(parse('--rounds', '8').rounds, 8);
    assert.throws(() => parse('--rounds', '0'), /--rounds must be a number ≥ 1/);
  });

  it('takes a git revision or an older build as the baseline, not both', () => {
    assert.equal(parse('--baseline', '4a3268c').baseline, '4a3268c');
    assert.equal(parse('--baseline', 'v1.2^').baseline, 'v1.2^');
    assert.equal(parse('--baseline-entry', '/tmp/old/bin/scimd.js').baselineEntry, '/tmp/old/bin/scimd.js');
    assert.equal(parse().baseline, undefined);
    assert.throws(() => parse('--baseline', 'a', '--baseline-entry', 'b.js'), /give one/);
    assert.throws(() => parse('--baseline=--upload-pack=x'), /must be a git revision/);
    assert.throws(() => parse('--baseline=-all'), /must be a git revision/);
  });
});

describe('parseOptions: the before columns', () => {
  it('builds the last commit before speed round two by default; none with --quick, --source or --entry unless given; none on request', () => {
    assert.equal(parse().before, SPEED_BASELINE);
    assert.equal(parse('--quick').before, undefined);
    assert.equal(parse('--source').before, undefined);
    assert.equal(parse('--entry', '/tmp/x/bin/scimd.js').before, undefined);
    assert.equal(parse('--quick', '--before', 'abc123').before, 'abc123');
    assert.equal(parse('--before', 'none').before, undefined);
    assert.throws(() => parse('--before=--upload-pack=x'), /--before must be a git revision/);
  });
});
