import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { drainBody } from './body-drain.ts';

/** A request body the test writes by hand. */
const body = () => Object.assign(new PassThrough(), { complete: false }) as PassThrough & IncomingMessage;

describe('drainBody', () => {
  it('reads the rest of the body and resolves at its end', async () => {
    const b = body();
    let drained = false;
    const p = drainBody(b, { bytes: 1000, ms: 60_000 }).then(() => (drained = true));
    b.write(Buffer.alloc(600));
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, false, 'still reading');
    b.end(Buffer.alloc(300));
    await p;
    assert.equal(b.readableLength, 0, 'everything was read');
  });

  it('stops past its byte bound without waiting for the end', async () => {
    const b = body();
    const p = drainBody(b, { bytes: 1000, ms: 60_000 });
    b.write(Buffer.alloc(1001));
    await p;
  });

  it('stops at its time bound when the client sends nothing more', async () => {
    await drainBody(body(), { bytes: 1000, ms: 10 });
  });

  it('a body already read, or a request gone, resolves at once', async () => {
    await drainBody(Object.assign(body(), { complete: true }));
    const gone = body();
    gone.destroy();
    await drainBody(gone);
  });
});
