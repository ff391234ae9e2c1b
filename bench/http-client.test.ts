/** The load generator's HTTP/1.1 response parser and request templates. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ResponseParser } from './http-client.ts';
import { compileTemplate, fillTemplate, runLoad } from './load.ts';
import { shuffled } from './bench.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('ResponseParser', () => {
  it('parses a Content-Length response fed byte by byte', () => {
    const p = new ResponseParser();
    const text = 'HTTP/1.1 201 Created\r\nLocation: http://h/scim/v2/Users/abc\r\nContent-Length: 5\r\n\r\nhello';
    const got = [...text].flatMap((c) => p.feed(bytes(c)));
    assert.equal(got.length, 1);
    assert.equal(got[0]!.status, 201);
    assert.equal(got[0]!.headers.get('location'), 'http://h/scim/v2/Users/abc');
    assert.equal(got[0]!.body.toString(), 'hello');
    assert.equal(got[0]!.close, false);
  });

  it('splits two responses in one chunk, and 204 has no body', () => {
    const p = new ResponseParser();
    const got = p.feed(bytes('HTTP/1.1 204 No Content\r\nETag: W/"2"\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}'));
    assert.deepEqual(got.map((r) => [r.status, r.body.toString(), r.close]), [
      [204, '', false],
      [200, '{}', true],
    ]);
  });

  it('joins a chunked body, also when the chunks arrive split', () => {
    const p = new ResponseParser();
    const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\n\r\n';
    assert.deepEqual(p.feed(bytes(wire.slice(0, 60))), []);
    const got = p.feed(bytes(wire.slice(60)));
    assert.equal(got.length, 1);
    assert.equal(got[0]!.body.toString(), 'hello, world');
  });

  it('refuses what is not HTTP', () => {
    assert.throws(() => new ResponseParser().feed(bytes('SSH-2.0-OpenSSH\r\n\r\n')), /status line/);
    assert.throws(() => new ResponseParser().feed(bytes('HTTP/1.1 200 OK\r\n\r\n')), /Content-Length/);
  });
});

describe('request templates', () => {
  it('fills {n} with the operation number and {k} with the k-th value', () => {
    const t = compileTemplate('/Users/{0}?x={n}&u={1}{n}');
    assert.equal(fillTemplate(t, 7, ['id7', 'bob']), '/Users/id7?x=7&u=bob7');
    assert.equal(fillTemplate(compileTemplate('plain'), 1, undefined), 'plain');
    assert.throws(() => fillTemplate(compileTemplate('{2}'), 0, ['a']), /\{2\} has no value/);
  });

  it('shuffles reproducibly', () => {
    const a = shuffled([1, 2, 3, 4, 5, 6, 7, 8], 3);
    assert.deepEqual(a, shuffled([1, 2, 3, 4, 5, 6, 7, 8], 3));
    assert.deepEqual([...a].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('runLoad', () => {
  it('uses each value once, counts unexpected statuses and collects Location ids', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url!);
      if (req.url === '/x/bad') {
        res.writeHead(500, { 'content-length': '4' }).end('oops');
        return;
      }
      res.writeHead(201, { location: `http://h${req.url}`, 'content-length': '0' }).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const values = ['a', 'b', 'bad', 'c'].map((v) => [v]);
      const r = await runLoad({ host: '127.0.0.1', port, connections: 2, warmupMs: 0, durationMs: 10_000, request: { method: 'POST', path: '/x/{0}', body: '{"n":{n}}' }, values, once: true, expect: [201], collectLocation: true });
      assert.deepEqual([...seen].sort(), ['/x/a', '/x/b', '/x/bad', '/x/c']);
      assert.equal(r.ops, 4);
      assert.equal(r.errors, 1);
      assert.match(r.errorSamples[0]!, /^500 oops/);
      assert.deepEqual([...r.collected].sort(), ['a', 'b', 'c']);
      assert.equal(r.latency.count, 4);
    } finally {
      server.close();
    }
  });

  it('measures at least one operation, and warms up on at most a tenth of once-only values', async () => {
    const server = createServer((_req, res) => setTimeout(() => res.writeHead(204).end(), 20));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const base = { host: '127.0.0.1', port, request: { method: 'DELETE', path: '/x/{0}' }, expect: [204] };
      const slow = await runLoad({ ...base, connections: 1, warmupMs: 0, durationMs: 0, values: [['a']] });
      assert.ok(slow.ops >= 1, 'a phase shorter than one answer still measures one');
      assert.ok(slow.elapsedMs > 0 && slow.opsPerSec > 0);
      const values = Array.from({ length: 20 }, (_, i) => [String(i)]);
      const once = await runLoad({ ...base, connections: 1, warmupMs: 60_000, durationMs: 60_000, values, once: true });
      assert.equal(once.warmupOps + once.ops, 20);
      assert.ok(once.warmupOps <= 2, `warm-up took ${once.warmupOps} of 20 values`);
    } finally {
      server.close();
    }
  });
});

