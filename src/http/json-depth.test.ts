import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nestedDeeperThan } from './json-depth.ts';

const nest = (depth: number, open: (inner: unknown) => unknown): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = open(v);
  return v;
};

describe('nestedDeeperThan', () => {
  it('counts arrays and objects alike, scalars as no level', () => {
    assert.equal(nestedDeeperThan(1, 0), false);
    assert.equal(nestedDeeperThan('x', 0), false);
    assert.equal(nestedDeeperThan(null, 0), false);
    assert.equal(nestedDeeperThan({}, 0), true);
    assert.equal(nestedDeeperThan({}, 1), false);
    assert.equal(nestedDeeperThan({ a: [{ b: [] }] }, 4), false);
    assert.equal(nestedDeeperThan({ a: [{ b: [] }] }, 3), true);
  });

  it('finds the deepest branch, not only the first', () => {
    const v = { a: 1, b: [1, 2, 3], c: { d: { e: { f: [] } } } };
    assert.equal(nestedDeeperThan(v, 5), false);
    assert.equal(nestedDeeperThan(v, 4), true);
  });

  it('at the limit accepted, one over refused; a million levels without overflowing the stack', () => {
    assert.equal(nestedDeeperThan(nest(64, (x) => [x]), 64), false);
    assert.equal(nestedDeeperThan(nest(65, (x) => ({ a: x })), 64), true);
    assert.equal(nestedDeeperThan(JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`), 64), true);
  });
});
