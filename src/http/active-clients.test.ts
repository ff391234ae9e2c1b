import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActiveClients } from './active-clients.ts';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('ActiveClients', () => {
  it('nobody else: a client is alone, however many of its own requests are in progress', () => {
    const a = new ActiveClients(clock().now, 1000);
    assert.equal(a.othersThan('x'), false);
    const ends = [a.begin('x'), a.begin('x')];
    assert.equal(a.othersThan('x'), false);
    for (const end of ends) end();
    assert.equal(a.requests, 0);
  });

  it('another client with a request in progress is active, however long it takes', () => {
    const c = clock();
    const a = new ActiveClients(c.now, 1000);
    const end = a.begin('y');
    c.advance(60_000);
    assert.equal(a.othersThan('x'), true);
    assert.equal(a.othersThan('y'), false);
    end();
    end(); // a second call does nothing
    assert.equal(a.requests, 0);
  });

  it('a client stays active for the window after its last request ended', () => {
    const c = clock();
    const a = new ActiveClients(c.now, 1000);
    a.begin('y')();
    c.advance(999);
    assert.equal(a.othersThan('x'), true);
    c.advance(1);
    assert.equal(a.othersThan('x'), false);
  });

  it("the client's own later requests do not hide another client seen before them", () => {
    const c = clock();
    const a = new ActiveClients(c.now, 1000);
    a.begin('y')();
    c.advance(500);
    for (let i = 0; i < 5; i++) a.begin('x')();
    assert.equal(a.othersThan('x'), true, 'y was seen 500 ms ago');
    assert.equal(a.othersThan('y'), true, 'x was seen just now');
    c.advance(500);
    assert.equal(a.othersThan('x'), false);
    assert.equal(a.othersThan('z'), true, 'for anyone else, x still is');
  });
});
