/**
 * Slow clients on a real server with short timeouts: connections that dribble their headers or
 * their body, or send nothing at all, are answered 408 (or closed) once their timeout passes,
 * while normal requests on other connections keep succeeding; idle keep-alive connections close
 * after the keep-alive timeout. Bounds below are generous liveness limits, not speed claims.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startTestServer, user, type TestServer } from './helpers/server.ts';

const HEADERS_MS = 600;
const REQUEST_MS = 1200;
const KEEP_ALIVE_MS = 500;
/** Generous: a slow connection must be gone this long after it was opened. */
const GONE_WITHIN_MS = 8000;

interface Slow {
  readonly socket: Socket;
  /** What the server sent before closing, and how long after the connection opened it closed. */
  readonly closed: Promise<{ received: string; afterMs: number }>;
  stop(): void;
}

/** Opens a connection, sends `start`, then one byte of `drip` every `everyMs`. */
function slowClient(port: number, start: string, drip: string, everyMs: number): Slow {
  const opened = Date.now();
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('data', (d: Buffer) => (received += d.toString()));
  socket.on('error', () => undefined);
  socket.on('connect', () => {
    if (start) socket.write(start);
    let i = 0;
    if (drip) timer = setInterval(() => socket.writable && socket.write(drip[i++ % drip.length]!), everyMs);
  });
  const closed = new Promise<{ received: string; afterMs: number }>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ received, afterMs: Date.now() - opened });
    }),
  );
  return { socket, closed, stop: () => (clearInterval(timer), socket.destroy()) };
}

describe('slow clients are cut off by timeouts, without affecting others', () => {
  let s: TestServer;
  let port: number;
  const slow: Slow[] = [];

  before(async () => {
    s = await startTestServer({ headersTimeout: HEADERS_MS, requestTimeout: REQUEST_MS, keepAliveTimeout: KEEP_ALIVE_MS, socketTimeout: 10_000 });
    port = Number(new URL(s.origin).port);
  });
  after(async () => {
    for (const c of slow) c.stop();
    await s.close();
  });

  it('header dribblers, body dribblers and silent connections get 408 or are closed; normal requests succeed meanwhile', async () => {
    const header = `GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${s.token}\r\nX-Padding: ${'a'.repeat(400)}\r\n\r\n`;
    const body = `POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${s.token}\r\nContent-Type: application/scim+json\r\nContent-Length: 5000\r\n\r\n`;
    const headerDribblers = Array.from({ length: 6 }, () => slowClient(port, 'G', header.slice(1), 100));
    const bodyDribblers = Array.from({ length: 4 }, () => slowClient(port, body, '{"schemas":["x"], ', 100));
    const silent = Array.from({ length: 4 }, () => slowClient(port, '', '', 0));
    slow.push(...headerDribblers, ...bodyDribblers, ...silent);

    // While they dribble, a steady stream of normal requests on their own connections.
    let ok = 0;
    const deadline = Date.now() + REQUEST_MS + 500;
    for (let i = 0; Date.now() < deadline; i++) {
      const r = i % 5 === 0 ? await s.request('POST', '/Users', user(`steady-${i}`)) : await s.request('GET', '/Users?count=1');
      assert.ok(r.status === 200 || r.status === 201, `normal request ${i}: ${r.status} ${r.text}`);
      ok++;
      await delay(20);
    }
    assert.ok(ok >= 5, `normal requests were served while slow clients dribbled (${ok})`);

    for (const [kind, group] of [
      ['header dribbler', headerDribblers],
      ['body dribbler', bodyDribblers],
      ['silent connection', silent],
    ] as const) {
      for (const c of group) {
        const { received, afterMs } = await c.closed;
        assert.ok(afterMs < GONE_WITHIN_MS, `${kind} closed after ${afterMs} ms`);
        assert.ok(received === '' || received.startsWith('HTTP/1.1 408'), `${kind} got nothing or a 408, not ${received.slice(0, 40)}`);
      }
    }
    // Node answers a request cut off by headersTimeout or requestTimeout with 408 Request Timeout.
    for (const c of [...headerDribblers, ...bodyDribblers]) assert.match((await c.closed).received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    // No dribbled request reached the application.
    const list = await s.request('GET', '/Users?count=0');
    assert.equal(list.body.totalResults, Math.ceil(ok / 5));
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const c = slowClient(port, `GET /scim/v2/ServiceProviderConfig HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${s.token}\r\n\r\n`, '', 0);
    slow.push(c);
    const { received, afterMs } = await c.closed;
    assert.match(received, /^HTTP\/1\.1 200 /, 'the request was answered');
    assert.match(received, /keep-alive/i, 'and the connection kept alive');
    assert.ok(afterMs < GONE_WITHIN_MS, `closed after ${afterMs} ms`);
  });
});
