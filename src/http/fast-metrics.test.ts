import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics.ts';

describe('fast metrics', () => {
  it('a histogram counts each observation in the first bucket it fits, and the registry prints cumulative buckets, sum and count', async () => {
    const registry = new Registry();
    const h = new FastHistogram('t_seconds', 'help', ['m'], [0.1, 1], registry);
    for (const v of [0.05, 0.1, 0.5, 3]) h.child(['GET']).observe(v);
    h.child(['PUT']).observe(0.2);
    const text = await registry.metrics();
    assert.match(text, /^t_seconds_bucket\{m="GET",le="0.1"\} 2$/m, 'a value on a bound counts in it');
    assert.match(text, /^t_seconds_bucket\{m="GET",le="1"\} 3$/m);
    assert.match(text, /^t_seconds_bucket\{m="GET",le="\+Inf"\} 4$/m);
    assert.match(text, /^t_seconds_sum\{m="GET"\} 3.65$/m);
    assert.match(text, /^t_seconds_count\{m="GET"\} 4$/m);
    assert.match(text, /^t_seconds_bucket\{m="PUT",le="0.1"\} 0$/m);
    assert.match(text, /^# TYPE t_seconds histogram$/m);
  });

  it('a counter keeps one child per label values, found again without allocating', async () => {
    const registry = new Registry();
    const c = new FastCounter('t_total', 'help', ['a', 'b'], registry);
    const key = ['x', 'y'];
    c.child(key).inc();
    c.child(['x', 'y']).inc(2);
    c.child(['x', 'z']).inc();
    assert.equal(c.child(key), c.child(['x', 'y']));
    const text = await registry.metrics();
    assert.match(text, /^t_total\{a="x",b="y"\} 3$/m);
    assert.match(text, /^t_total\{a="x",b="z"\} 1$/m);
    const bare = new FastCounter('u_total', 'help', [], registry);
    bare.child([]).inc();
    assert.match(await registry.metrics(), /^u_total 1$/m);
  });
});
