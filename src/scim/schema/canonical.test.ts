import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonical, sameJson } from './canonical.ts';

/** A small random JSON value (seeded, so a failure repeats). */
function value(rand: () => number, depth = 0): unknown {
  const r = rand();
  if (depth > 2 || r < 0.35) return [null, true, false, 0, 1, 'a', 'b', '', 1.5][Math.floor(rand() * 9)];
  if (r < 0.6) return Array.from({ length: Math.floor(rand() * 3) }, () => value(rand, depth + 1));
  const o: Record<string, unknown> = {};
  for (const k of ['x', 'y', 'z'].filter(() => rand() < 0.6)) o[k] = value(rand, depth + 1);
  return o;
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('sameJson', () => {
  it('agrees with comparing canonical strings, on random values and their key-reordered copies', () => {
    const rand = seeded(7);
    for (let i = 0; i < 5000; i++) {
      const a = value(rand);
      const b = rand() < 0.3 ? JSON.parse(JSON.stringify(a)) : value(rand);
      assert.equal(sameJson(a, b), canonical(a) === canonical(b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
    assert.equal(sameJson({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 }), true);
    assert.equal(sameJson({ a: 1, b: undefined }, { a: 1 }), true, 'an undefined key is an absent one');
    assert.equal(sameJson([1, 2], [2, 1]), false);
    assert.equal(sameJson({}, []), false);
    assert.equal(sameJson(undefined, null), true);
  });
});
