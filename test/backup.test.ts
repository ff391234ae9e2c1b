/**
 * `scimd backup` and `scimd restore` (issue 16 item 2) against a real `scimd serve` process: a
 * backup taken while POSTs and PATCHes run holds every write acknowledged before it began, with its
 * version; restored into an empty data directory, a server serves it with the same token and the
 * event sequence goes on. Refusals (an existing file, a foreign or damaged file, a data directory
 * that holds a database, a PostgreSQL deployment) exit non-zero and change nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { scimdCli, scimdJson } from './helpers/cli.ts';
import { serveProcess, type Serving } from './helpers/process.ts';
import { PATCH_OP, send, tempDir, user } from './helpers/server.ts';

const token = `backup-${randomBytes(24).toString('base64url')}`;
const work = tempDir('scimd-backup-');
const dataDir = join(work, 'data');
const restoredDir = join(work, 'restored');
const backupFile = join(work, 'under-load.db');
const auth = { authorization: `Bearer ${token}` };

let serving: Serving;
let restored: Serving | undefined;

before(async () => {
  serving = await serveProcess(['--data-dir', dataDir], { SCIMD_BOOTSTRAP_TOKEN: token });
});
after(async () => {
  for (const s of [serving, restored]) if (s && s.child.exitCode === null) await s.stop();
  rmSync(work, { recursive: true, force: true });
});

const versionOf = (etag: string | null | undefined): number => Number(/(\d+)/.exec(etag ?? '')?.[1] ?? NaN);

interface Written {
  readonly id: string;
  readonly version: string;
}

/** POSTs users and PATCHes each once, from `writers` loops, until `stop()`; records every acknowledged write. */
function writeLoad(base: string, writers: number) {
  const acked = new Map<string, Written>();
  let running = true;
  let n = 0;
  const loops = Array.from({ length: writers }, async () => {
    while (running) {
      const name = `load-${n++}`;
      const made = await send(`${base}/Users`, 'POST', user(name), auth);
      assert.equal(made.status, 201, made.text);
      acked.set(made.body.id, { id: made.body.id, version: made.headers.get('etag')! });
      const patched = await send(`${base}/Users/${made.body.id}`, 'PATCH', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'patched' }] }, auth);
      assert.equal(patched.status, 200, patched.text);
      acked.set(made.body.id, { id: made.body.id, version: patched.headers.get('etag')! });
    }
  });
  return {
    acked,
    snapshot: () => new Map(acked),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('scimd backup of a running server, and scimd restore', () => {
  it('a backup taken under write load holds every write acknowledged before it began; restored, it serves them with the same token', async () => {
    const load = writeLoad(serving.base, 4);
    // Let the load run until it has written something, then take the backup while it goes on.
    while (load.acked.size < 100) await new Promise((r) => setTimeout(r, 20));
    const before = load.snapshot();
    const backup = await scimdCli(['backup', backupFile, '--json'], dataDir);
    const afterBackup = load.acked.size;
    await load.stop();
    assert.equal(backup.code, 0, backup.stderr);
    const summary = JSON.parse(backup.stdout);
    assert.equal(summary.file, backupFile);
    assert.ok(summary.users >= before.size, `the backup holds ${summary.users} users, ${before.size} were acknowledged before it began`);
    assert.ok(load.acked.size > afterBackup || afterBackup > before.size, 'writes went on while the backup ran');
    assert.ok(!existsSync(`${backupFile}.partial`));
    assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('under-load')), ['under-load.db'], 'one file, no WAL beside it');

    const restoredSummary = await scimdJson(['restore', backupFile], restoredDir);
    assert.equal(restoredSummary.users, summary.users);
    restored = await serveProcess(['--data-dir', restoredDir]);
    for (const w of before.values()) {
      const r = await send(`${restored.base}/Users/${w.id}`, 'GET', undefined, auth);
      assert.equal(r.status, 200, `user ${w.id} acknowledged before the backup: ${r.text}`);
      // Acknowledged at version 1: its PATCH came after the backup began, and may be in it or not.
      if (versionOf(w.version) === 1) assert.ok([1, 2].includes(versionOf(r.headers.get('etag'))), `user ${w.id}: ${r.headers.get('etag')}`);
      else assert.equal(r.headers.get('etag'), w.version, `user ${w.id}: the PATCH acknowledged before the backup is in it`);
    }
    const list = await send(`${restored.base}/Users?count=1`, 'GET', undefined, auth);
    assert.equal(list.body.totalResults, summary.users, 'the restored server holds what the backup counted');

    // The event sequence goes on from where the backup stood.
    const db = new Database(join(restoredDir, 'scimd.db'), { readonly: true });
    const lastSeq = (db.prepare('SELECT MAX(tenant_seq) AS n FROM events').get() as { n: number | null }).n ?? 0;
    db.close();
    const next = await send(`${restored.base}/Users`, 'POST', user('after-restore'), auth);
    assert.equal(next.status, 201, next.text);
    await restored.stop();
    const again = new Database(join(restoredDir, 'scimd.db'), { readonly: true });
    const seqs = (again.prepare('SELECT tenant_seq AS s FROM events WHERE tenant_seq > ? ORDER BY tenant_seq').all(lastSeq) as { s: number }[]).map((r) => r.s);
    again.close();
    assert.ok(seqs.length >= 1 && seqs[0] === lastSeq + 1, `events continue at ${lastSeq + 1}: ${seqs.join(',')}`);
  });

  it('refuses, exits 1 and changes nothing: an existing target, a file that is not a scimd database, a data directory that holds one', async () => {
    const existing = await scimdCli(['backup', backupFile], dataDir);
    assert.equal(existing.code, 1);
    assert.match(existing.stderr, /exists: scimd does not overwrite a file/);

    const junk = join(work, 'junk.db');
    writeFileSync(junk, 'not a database at all, just text that is long enough to look like a header'.repeat(20));
    const empty = join(work, 'never-made');
    const notDb = await scimdCli(['restore', junk], empty);
    assert.equal(notDb.code, 1);
    assert.match(notDb.stderr, /not a SQLite database/);
    assert.ok(!existsSync(empty), 'nothing created for a refused restore');

    const foreign = join(work, 'foreign.db');
    const f = new Database(foreign);
    f.exec('CREATE TABLE notes (x TEXT)');
    f.close();
    const notScimd = await scimdCli(['restore', foreign], empty);
    assert.equal(notScimd.code, 1);
    assert.match(notScimd.stderr, /not a scimd one/);

    const occupied = await scimdCli(['restore', backupFile], dataDir);
    assert.equal(occupied.code, 1);
    assert.match(occupied.stderr, /already holds a scimd database/);
  });

  it('a backup from a newer scimd is refused; on PostgreSQL the commands point to pg_dump', async () => {
    const newer = join(work, 'newer.db');
    const copy = await scimdCli(['backup', newer], dataDir);
    assert.equal(copy.code, 0, copy.stderr);
    const db = new Database(newer);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(10_000, new Date().toISOString());
    db.close();
    const refused = await scimdCli(['restore', newer], join(work, 'from-newer'));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /newer scimd/);

    const pgBackup = await scimdCli(['backup', join(work, 'pg.db'), '--database-url', 'postgres://scimd@127.0.0.1:5432/none']);
    assert.equal(pgBackup.code, 2);
    assert.match(pgBackup.stderr, /pg_dump/);
  });
});
