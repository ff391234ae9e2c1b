/**
 * Database outages (issue: PostgreSQL backend): requests during an outage get 503 with
 * Retry-After and a SCIM error, the process never crashes, and service resumes by itself.
 * PostgreSQL runs in a private cluster the test stops and starts; SQLite is made to fail with
 * another process's write lock and a full filesystem (a real tmpfs).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { privateCluster, type Cluster } from './helpers/pg-cluster.ts';
import { killAll, serveProcess, type Serving } from './helpers/process.ts';
import { ERROR_SCHEMA, send, tempDir, user, type Reply } from './helpers/server.ts';
import { eventually } from './helpers/eventually.ts';

const TOKEN = 'outage-test-token';
const H = { authorization: `Bearer ${TOKEN}` };

function assertUnavailable(r: Reply, what: string): void {
  assert.equal(r.status, 503, `${what}: ${r.status} ${r.text}`);
  assert.match(r.headers.get('retry-after') ?? '', /^\d+$/, `${what}: Retry-After`);
  assert.deepEqual(r.body.schemas, [ERROR_SCHEMA], what);
}

/** Polls until `ok` holds for a response, or fails after `ms`. Not a timing assertion: a liveness wait. */
async function until(what: string, probe: () => Promise<Reply>, ok: (r: Reply) => boolean, ms = 30_000): Promise<Reply> {
  let last: Reply | undefined;
  return eventually(
    async () => {
      last = await probe().catch(() => undefined);
      return last && ok(last) ? last : undefined;
    },
    { what, timeoutMs: ms, intervalMs: 100, detail: () => `still ${last?.status} ${last?.text ?? ''}` },
  );
}

after(() => killAll());

describe('PostgreSQL restarted under load', () => {
  let cluster: Cluster | undefined;
  let server: Serving | undefined;
  after(async () => {
    await server?.stop();
    await cluster?.destroy();
  });

  it('answers 503 with Retry-After while PostgreSQL is down, never crashes, and resumes by itself', async () => {
    cluster = await privateCluster();
    server = await serveProcess(['--data-dir', tempDir()], { SCIMD_DATABASE_URL: cluster.url, SCIMD_BOOTSTRAP_TOKEN: TOKEN });
    const base = server.base;
    const statuses: number[] = [];
    let n = 0;
    let load = true;
    // Four clients keep writing and reading through the whole outage.
    const workers = Array.from({ length: 4 }, async (_, w) => {
      while (load) {
        const r = await send(`${base}/Users`, 'POST', user(`load-${w}-${++n}`), H);
        statuses.push(r.status);
        if (r.status >= 500) assertUnavailable(r, 'POST during the outage');
        const g = await send(`${base}/Users?count=1`, 'GET', undefined, H);
        statuses.push(g.status);
        if (g.status >= 500) assertUnavailable(g, 'GET during the outage');
      }
    });
    await until('load before the outage', () => send(`${base}/Users?count=0`, 'GET', undefined, H), (r) => r.status === 200 && r.body.totalResults >= 8);
    await cluster.stop();
    const down = await until('an answer while PostgreSQL is down', () => send(`${base}/Users`, 'GET', undefined, H), (r) => r.status === 503);
    assertUnavailable(down, 'GET while down');
    assertUnavailable(await send(`${base}/Users`, 'POST', user('while-down'), H), 'POST while down');
    assert.equal(server.child.exitCode, null, 'scimd is still running');
    await cluster.start();
    await until('service after PostgreSQL is back', () => send(`${base}/Users`, 'POST', user('after-restart'), H), (r) => r.status === 201);
    load = false;
    await Promise.all(workers);
    assert.ok(statuses.includes(503), 'requests during the outage were answered 503');
    assert.ok(statuses.every((s) => s === 200 || s === 201 || s === 503), `unexpected statuses: ${[...new Set(statuses)].join(', ')}`);
    assert.equal(server.child.exitCode, null, 'scimd is still running after the outage');
    const all = await send(`${base}/Users?filter=${encodeURIComponent('userName eq "after-restart"')}`, 'GET', undefined, H);
    assert.equal(all.body.totalResults, 1);
  });
});

describe('SQLite failures', () => {
  let server: Serving | undefined;
  const mounts: string[] = [];
  after(async () => {
    await server?.stop();
    for (const m of mounts) {
      try {
        execFileSync('umount', [m]);
      } catch {
        // already gone
      }
      rmSync(m, { recursive: true, force: true });
    }
  });

  it("another process's write lock: writes answer 503 after waiting, reads keep working, writes resume", async () => {
    const dir = tempDir();
    server = await serveProcess(['--data-dir', dir], { SCIMD_BOOTSTRAP_TOKEN: TOKEN });
    const base = server.base;
    assert.equal((await send(`${base}/Users`, 'POST', user('before-lock'), H)).status, 201);
    const other = new Database(join(dir, 'scimd.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      assertUnavailable(await send(`${base}/Users`, 'POST', user('during-lock'), H), 'POST while another process holds the write lock');
      const read = await send(`${base}/Users?filter=${encodeURIComponent('userName eq "before-lock"')}`, 'GET', undefined, H);
      assert.equal(read.status, 200, 'reads keep working');
      assert.equal(read.body.totalResults, 1);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    assert.equal((await send(`${base}/Users`, 'POST', user('after-lock'), H)).status, 201);
    await server.stop();
    server = undefined;
  });

  it('a full disk: writes answer 503, reads keep working, nothing is corrupted, writes resume once there is room', async () => {
    const mount = mkdtempSync(join(tmpdir(), 'scimd-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]);
    mounts.push(mount);
    const dir = join(mount, 'data');
    mkdirSync(dir);
    server = await serveProcess(['--data-dir', dir], { SCIMD_BOOTSTRAP_TOKEN: TOKEN });
    const base = server.base;
    assert.equal((await send(`${base}/Users`, 'POST', user('before-full'), H)).status, 201);
    // Fill the filesystem, leaving nothing for the database to grow into.
    const filler = join(mount, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd stops with "No space left on device": that is the point
    }
    let full: Reply | undefined;
    for (let i = 0; i < 200 && full?.status !== 503; i++) {
      full = await send(`${base}/Users`, 'POST', user(`while-full-${i}`, { title: 'x'.repeat(4000) }), H);
      assert.ok(full.status === 201 || full.status === 503, `${full.status} ${full.text}`);
    }
    assertUnavailable(full!, 'POST on a full disk');
    const read = await send(`${base}/Users?filter=${encodeURIComponent('userName eq "before-full"')}`, 'GET', undefined, H);
    assert.equal(read.status, 200, 'reads keep working');
    assert.equal(server.child.exitCode, null, 'scimd is still running');
    writeFileSync(filler, '');
    rmSync(filler);
    await until('writes after space is freed', () => send(`${base}/Users`, 'POST', user('after-full'), H), (r) => r.status === 201);
    await server.stop();
    server = undefined;
    const db = new Database(join(dir, 'scimd.db'), { readonly: true });
    try {
      assert.equal((db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
    } finally {
      db.close();
    }
  });
});
