/**
 * `scimd check` (issue 16 item 4), the real CLI against real servers: every check passes against
 * scimd on SQLite and on PostgreSQL, on defaults, and leaves no data behind; against a deliberately
 * broken server (scimd behind a proxy that answers an unknown id with 200, drops If-Match and
 * strips nextCursor) exactly the checks of those rules fail, and the exit status is 1.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { scimdCli } from './helpers/cli.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

interface Report {
  passed: number;
  failed: number;
  skipped: number;
  leftBehind: string[];
  results: { id: string; section: string; status: string; detail?: string }[];
}

async function check(base: string, token: string, extra: string[] = []): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await scimdCli(['check', base, '--token', token, '--json', ...extra]);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

const userCount = async (s: TestServer) => (await s.request('GET', '/Users?count=0')).body.totalResults as number;
const groupCount = async (s: TestServer) => (await s.request('GET', '/Groups?count=0')).body.totalResults as number;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`scimd check against scimd on ${backend}`, () => {
    let db: TestDatabase | undefined;
    let s: TestServer;
    before(async () => {
      if (backend === 'postgres') db = await freshDatabase('check');
      s = await startTestServer(db ? { databaseUrl: db.url } : {});
    });
    after(async () => {
      await s.close();
      await db?.drop();
    });

    it('passes every check on defaults, each naming its RFC section, and leaves nothing behind', async () => {
      const before = [await userCount(s), await groupCount(s)];
      const { code, report, stderr } = await check(s.base, s.token);
      assert.equal(code, 0, `${stderr}\n${JSON.stringify(report.results.filter((r) => r.status !== 'pass'), null, 2)}`);
      assert.equal(report.failed, 0);
      assert.equal(report.skipped, 0, 'scimd advertises every feature the checks cover');
      assert.ok(report.passed >= 20, `${report.passed} checks`);
      assert.ok(report.results.every((r) => /^RFC \d{4}/.test(r.section)), 'every check names its RFC section');
      assert.deepEqual(report.leftBehind, []);
      assert.deepEqual([await userCount(s), await groupCount(s)], before, 'no user or group left behind');
    });

    it('--keep keeps what the checks created; the text report ends with the summary', async () => {
      const before = await userCount(s);
      const r = await scimdCli(['check', s.base, '--token', s.token, '--keep']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^PASS +paging\.cursor +RFC 9865 §2 /m);
      assert.match(r.stdout, /\d+ passed, 0 failed, 0 skipped\.\nKept \(--keep\): /);
      assert.ok((await userCount(s)) > before);
    });
  });
}

describe('scimd check against a deliberately broken server', () => {
  let s: TestServer;
  let proxy: Server;
  let base: string;
  before(async () => {
    s = await startTestServer();
    // scimd behind a proxy that breaks three rules: an unknown id answers 200, If-Match never
    // reaches the server, and list answers lose their nextCursor.
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          if (req.url?.includes('00000000-0000-4000-8000-00000000c4ec')) {
            res.writeHead(200, { 'content-type': 'application/scim+json' }).end('{}');
            return;
          }
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'if-match' && k !== 'host' && k !== 'content-length') headers[k] = v;
          const body = chunks.length ? Buffer.concat(chunks) : undefined;
          const up = await fetch(`${s.origin}${req.url}`, { method: req.method!, headers, ...(body ? { body } : {}) });
          let text = await up.text();
          if (text.includes('"nextCursor"')) {
            const parsed = JSON.parse(text) as Record<string, unknown>;
            delete parsed.nextCursor;
            text = JSON.stringify(parsed);
          }
          const out: Record<string, string> = {};
          up.headers.forEach((v, k) => {
            if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'keep-alive') out[k] = v;
          });
          res.writeHead(up.status, out).end(text);
        })().catch((e: unknown) => res.writeHead(502).end(String(e)));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/scim/v2`;
  });
  after(async () => {
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await s.close();
  });

  it('fails exactly the checks of the broken rules, says why, and exits 1', async () => {
    const { code, report } = await check(base, s.token);
    assert.equal(code, 1);
    const failed = report.results.filter((r) => r.status === 'fail');
    assert.deepEqual(failed.map((r) => r.id).sort(), ['errors.notFound', 'etag.ifMatch', 'paging.cursor']);
    assert.match(failed.find((r) => r.id === 'errors.notFound')!.detail!, /expected 404, got 200/);
    assert.match(failed.find((r) => r.id === 'etag.ifMatch')!.detail!, /expected 412/);
    assert.match(failed.find((r) => r.id === 'paging.cursor')!.detail!, /three users, each once; got 2/);
  });

  it('usage errors exit 2: no token, not a URL', async () => {
    const noToken = await scimdCli(['check', base]);
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /--token/);
    const notUrl = await scimdCli(['check', 'localhost:8080', '--token', 'x']);
    assert.equal(notUrl.code, 2);
  });
});
