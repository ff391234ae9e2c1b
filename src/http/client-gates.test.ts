import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { ClientGates } from './client-gates.ts';

describe('ClientGates', () => {
  it('lets `limit` requests of a key in; the next waits for a turn, in arrival order', async () => {
    const g = new ClientGates(2);
    const a = await g.enter('k');
    await g.enter('k');
    const order: string[] = [];
    const third = g.enter('k').then((leave) => (order.push('third'), leave));
    const fourth = g.enter('k').then((leave) => (order.push('fourth'), leave));
    await tick();
    assert.deepEqual(g.state('k'), { active: 2, waiting: 2 });
    assert.deepEqual(order, []);
    a();
    a(); // a second call gives back nothing more
    await tick();
    await tick();
    assert.deepEqual(order, ['third']);
    assert.deepEqual(g.state('k'), { active: 2, waiting: 1 });
    (await third)();
    await tick();
    await tick();
    assert.deepEqual(order, ['third', 'fourth']);
    (await fourth)();
  });

  it('keys are independent: one key full does not hold another', async () => {
    const g = new ClientGates(1);
    await g.enter('flood');
    let waiting = true;
    void g.enter('flood').then(() => (waiting = false));
    const other = await g.enter('calm');
    assert.equal(typeof other, 'function');
    await tick();
    assert.equal(waiting, true, 'the flood waits');
  });

  it('forgets a key once nothing of it is in progress', async () => {
    const g = new ClientGates(3);
    const leaves = await Promise.all([g.enter('k'), g.enter('k')]);
    for (const l of leaves) l();
    assert.deepEqual(g.state('k'), { active: 0, waiting: 0 });
  });

  it('limit 0: no bound', async () => {
    const g = new ClientGates(0);
    const all = await Promise.all(Array.from({ length: 100 }, () => g.enter('k')));
    assert.equal(all.length, 100);
    assert.deepEqual(g.state('k'), { active: 0, waiting: 0 });
  });
});
