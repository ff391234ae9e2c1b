/**
 * A data directory scimd cannot write (a read-only mount, file modes, an immutable file) still
 * serves reads; writes are answered 503 with Retry-After and a SCIM error body, nothing is
 * changed, and the process log says so once. A disk that fails writes at run time (full) does the
 * same until writes work again. Real `scimd serve` processes over real HTTP on copies of one
 * populated data directory.
 *
 * Root ignores file modes, so when the tests run as root the file-mode case runs the server as
 * `nobody` (setpriv), and the read-only mount is modelled with `chattr +i` (which root cannot
 * write through either). The full disk is a file size limit set on the running server (prlimit):
 * every write of its database fails, reads do not, and lifting the limit ends it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { exitWithin, startChild } from './helpers/children.ts';
import { scimdJson } from './helpers/cli.ts';
import { eventually } from './helpers/eventually.ts';
import { killAll, serveProcess, type Launcher, type Serving } from './helpers/process.ts';
import { ROOT, scimdArgv } from './helpers/scimd-bin.ts';
import { ERROR_SCHEMA, group, patch, SEARCH_REQUEST, send, tempDir, user, type Reply } from './helpers/server.ts';
import { RequestLog, DEFAULT_REQUEST_LOG } from '../src/provisioning/background/request-log.ts';
import { MailSender } from '../src/provisioning/background/mail-sender.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { mapPgError } from '../src/store/postgres/pg-store.ts';
import { StoreNotWritable, type RequestLogEntry, type RequestLogStore, type Store } from '../src/store/types.ts';

const ROOT_USER = process.getuid?.() === 0;
const NOBODY = 65534;
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const READ_ONLY_LINE = 'data directory not writable: serving reads only';
const REQUEST_LOG_LINE = 'request log write failed';

const works = (command: string, args: string[]) => spawnSync(command, args, { encoding: 'utf8' });
/** Why the server cannot run as nobody here: no setpriv, or a checkout nobody cannot read (a clone under a 0700 directory). */
function nobodyUnavailable(): string | false {
  if (!ROOT_USER) return false;
  if (works('setpriv', ['--version']).status !== 0) return 'setpriv is not installed, and as root file modes bind nobody but another user';
  const probe = works('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(scimdArgv([])[0])}, require('fs').constants.R_OK)`]);
  return probe.status === 0 ? false : `nobody cannot read this checkout (${ROOT}: a parent directory is closed to other users), so the server cannot run as nobody here`;
}
const setprivMissing = nobodyUnavailable();
const prlimitMissing = works('prlimit', ['--version']).status !== 0 ? 'prlimit (util-linux) is not installed' : false;

/** `scimd` as this process's user, or (as root, whom file modes do not bind) as nobody. */
const asUnprivileged: Launcher = ROOT_USER
  ? { command: 'setpriv', argv: ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', process.execPath, ...scimdArgv([])], cwd: ROOT }
  : { command: process.execPath, argv: scimdArgv([]), cwd: ROOT };

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const count = (text: string, needle: string) => text.split(needle).length - 1;

interface ReadOnlyWay {
  readonly name: string;
  /** Why it cannot run here, or false. */
  readonly skip: string | false;
  readonly launcher: Launcher;
  /** Makes `dir` (and the scimd.db in it, if any) read-only for the server. */
  lock(dir: string): void;
  unlock(dir: string): void;
}

/** chattr +i works where the filesystem has the flag and the process may set it (root). */
function chattrSkip(): string | false {
  if (!ROOT_USER) return 'chattr +i needs CAP_LINUX_IMMUTABLE (root); the file-mode case covers this user';
  const probe = tempDir('scimd-chattr-');
  try {
    const r = works('chattr', ['+i', probe]);
    if (r.status !== 0) return `chattr +i does not work here: ${(r.stderr || r.error?.message || '').trim()}`;
    works('chattr', ['-i', probe]);
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const chattr = (flag: '+i' | '-i', dir: string) => {
  const targets = readdirSync(dir).map((f) => join(dir, f));
  const r = works('chattr', [flag, dir, ...targets]);
  if (r.status !== 0) throw new Error(`chattr ${flag} ${dir}: ${r.stderr}`);
};

const WAYS: ReadOnlyWay[] = [
  {
    name: `file modes: directory 0555, scimd.db 0444${ROOT_USER ? ', server run as nobody' : ''}`,
    skip: setprivMissing,
    launcher: asUnprivileged,
    lock(dir) {
      for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o444);
      chmodSync(dir, 0o555);
    },
    unlock(dir) {
      chmodSync(dir, 0o755);
    },
  },
  {
    name: 'an immutable directory and file (chattr +i: what a read-only mount is to root)',
    skip: chattrSkip(),
    launcher: { command: process.execPath, argv: scimdArgv([]), cwd: ROOT },
    lock: (dir) => chattr('+i', dir),
    unlock: (dir) => chattr('-i', dir),
  },
];

/** A fresh directory readable by the unprivileged user, holding `data/` (a copy of `from`, if given). */
function workDir(from?: string): { root: string; data: string } {
  const root = tempDir('scimd-readonly-');
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  if (from) cpSync(from, data, { recursive: true });
  else mkdirSync(data);
  return { root, data };
}

/** A data directory with a tenant, a client (made with the CLI), a user and a group. */
interface Populated {
  readonly dir: string;
  readonly token: string;
  readonly userId: string;
  readonly groupId: string;
}

async function populate(): Promise<Populated> {
  const { data } = workDir();
  const srv = await serveProcess(['--data-dir', data]);
  await scimdJson(['tenant', 'create', 'acme'], data);
  const { token } = (await scimdJson(['client', 'create', 'acme', 'idp'], data)) as { token: string };
  const req = client(srv, token);
  const u = await req('POST', '/Users', user('alice', { displayName: 'Alice' }));
  assert.equal(u.status, 201, u.text);
  const g = await req('POST', '/Groups', group('staff', { members: [{ value: u.body.id }] }));
  assert.equal(g.status, 201, g.text);
  assert.equal((await srv.stop()).code, 0);
  // A clean shutdown folds the WAL into the file: the directory holds scimd.db alone.
  assert.deepEqual(readdirSync(data), ['scimd.db']);
  return { dir: data, token, userId: u.body.id, groupId: g.body.id };
}

const client = (srv: Serving, token: string) => (method: string, path: string, body?: unknown) => send(`${srv.base}${path}`, method, body, { authorization: `Bearer ${token}` });

function assertNotWritable(r: Reply, what: string): void {
  assert.equal(r.status, 503, `${what}: ${r.text}`);
  assert.equal(r.headers.get('retry-after'), '30', what);
  assert.deepEqual(r.body.schemas, [ERROR_SCHEMA], what);
  assert.equal(r.body.status, '503', what);
  assert.match(r.body.detail, /cannot be written \(the data directory is read-only or the disk is full\)/, what);
}

let populated: Populated;
const cleanups: (() => void)[] = [];

before(async () => {
  populated = await populate();
  cleanups.push(() => rmSync(join(populated.dir, '..'), { recursive: true, force: true }));
});

after(async () => {
  await killAll();
  for (const c of cleanups.reverse()) {
    try {
      c();
    } catch {
      // best effort: the next cleanups still run
    }
  }
});

for (const way of WAYS) {
  describe(`read-only data directory: ${way.name}`, { skip: way.skip }, () => {
    it('starts, serves reads, answers every write 503 with Retry-After, changes nothing, and says so once', async () => {
      const { root, data } = workDir(populated.dir);
      const before = sha256(join(data, 'scimd.db'));
      way.lock(data);
      cleanups.push(() => {
        way.unlock(data);
        rmSync(root, { recursive: true, force: true });
      });

      const srv = await serveProcess(['--data-dir', data], {}, 30_000, way.launcher);
      const req = client(srv, populated.token);
      const { userId, groupId } = populated;

      // Reads: a resource, a list, a filter, .search, a group, discovery.
      const got = await req('GET', `/Users/${userId}`);
      assert.equal(got.status, 200, got.text);
      assert.equal(got.body.userName, 'alice');
      const list = await req('GET', '/Users?filter=userName%20eq%20%22alice%22');
      assert.equal(list.status, 200, list.text);
      assert.equal(list.body.totalResults, 1);
      const search = await req('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: 'userName sw "al"' });
      assert.equal(search.status, 200, search.text);
      assert.equal(search.body.totalResults, 1);
      assert.equal((await req('GET', `/Groups/${groupId}`)).status, 200);
      assert.equal((await req('GET', '/ServiceProviderConfig')).status, 200);
      // A request that reveals its IdP would record it on the client: a write that fails quietly.
      for (let i = 0; i < 2; i++) {
        const okta = await send(`${srv.base}/Users/${userId}`, 'GET', undefined, { authorization: `Bearer ${populated.token}`, 'user-agent': 'Okta SCIM Client 1.0.0' });
        assert.equal(okta.status, 200, okta.text);
      }

      // Writes: every kind, each refused whole.
      assertNotWritable(await req('POST', '/Users', user('bob')), 'POST /Users');
      assertNotWritable(await req('PUT', `/Users/${userId}`, user('alice', { displayName: 'Replaced' })), 'PUT /Users/{id}');
      assertNotWritable(await req('PATCH', `/Users/${userId}`, patch({ op: 'replace', path: 'displayName', value: 'Patched' })), 'PATCH /Users/{id}');
      assertNotWritable(await req('PATCH', `/Groups/${groupId}`, patch({ op: 'remove', path: 'members' })), 'PATCH /Groups/{id}');
      assertNotWritable(await req('DELETE', `/Users/${userId}`), 'DELETE /Users/{id}');
      assertNotWritable(await req('POST', '/Bulk', { schemas: [BULK], Operations: [{ method: 'POST', path: '/Users', bulkId: 'b', data: user('carol') }] }), 'POST /Bulk');

      // Nothing of them shows.
      const still = await req('GET', `/Users/${userId}`);
      assert.equal(still.status, 200);
      assert.equal(still.body.displayName, 'Alice');
      assert.equal((await req('GET', '/Users')).body.totalResults, 1);
      assert.equal((await req('GET', `/Groups/${groupId}`)).body.members.length, 1);

      // Probes keep routing reads here; the body says writes fail, and why.
      const ready = await send(`${srv.base.replace(/\/scim\/v2$/, '')}/readyz`, 'GET');
      assert.equal(ready.status, 200);
      assert.equal(ready.body.status, 'ready');
      assert.equal(ready.body.writes, 'unavailable');
      assert.match(ready.body.reason, /not writable/);

      // One warning at start; the request log, which cannot be written either, warns once.
      assert.equal(count(srv.stdout(), READ_ONLY_LINE), 1, srv.stdout());
      await eventually(() => srv.stdout().includes(REQUEST_LOG_LINE), { what: 'the request log warning', detail: () => srv.stdout() });
      for (let i = 0; i < 3; i++) assert.equal((await req('GET', `/Users/${userId}`)).status, 200);
      const exit = await srv.stop();
      assert.equal(exit.code, 0, srv.stderr());
      assert.equal(count(srv.stdout(), REQUEST_LOG_LINE), 1, srv.stdout());
      assert.doesNotMatch(srv.stdout(), /"level":(5\d|6\d)/, 'no error lines');
      assert.ok(!srv.stdout().includes('could not record the detected IdP'), srv.stdout());

      // The admin CLI on the same directory: reads work, a change is refused with the reason.
      const cli = (args: string[]) => exitWithin(startChild(way.launcher.command, [...way.launcher.argv, ...args, '--data-dir', data], { cwd: way.launcher.cwd }), 30_000, `scimd ${args.join(' ')}`);
      const listed = await cli(['tenant', 'list', '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual((JSON.parse(listed.stdout) as { name: string }[]).map((t) => t.name).sort(), ['acme', 'default']);
      const refused = await cli(['tenant', 'create', 'zeta']);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /^scimd: the database cannot be written: the data directory .* is not writable \(SQLITE_\w+\)\n$/);

      // The data directory is as it was, byte for byte.
      way.unlock(data);
      assert.deepEqual(readdirSync(data), ['scimd.db']);
      assert.equal(sha256(join(data, 'scimd.db')), before);
    });

    it('after a crash: reads the commits still in scimd.db-wal through the -shm left beside it, and without one refuses, saying what to do', async () => {
      const crashed = workDir(populated.dir);
      cleanups.push(() => {
        way.unlock(crashed.data);
        rmSync(crashed.root, { recursive: true, force: true });
      });
      const writer = await serveProcess(['--data-dir', crashed.data]);
      assert.equal((await client(writer, populated.token)('POST', '/Users', user('in-the-wal'))).status, 201);
      writer.child.kill('SIGKILL');
      await eventually(() => writer.child.exitCode !== null || writer.child.signalCode !== null, { what: 'the killed server to exit' });
      assert.deepEqual(readdirSync(crashed.data).sort(), ['scimd.db', 'scimd.db-shm', 'scimd.db-wal']);

      way.lock(crashed.data);
      const srv = await serveProcess(['--data-dir', crashed.data], {}, 30_000, way.launcher);
      const found = await client(srv, populated.token)('GET', '/Users?filter=userName%20eq%20%22in-the-wal%22');
      assert.equal(found.status, 200, found.text);
      assert.equal(found.body.totalResults, 1);
      assertNotWritable(await client(srv, populated.token)('POST', '/Users', user('another')), 'POST after a crash');
      assert.equal((await srv.stop()).code, 0, srv.stderr());

      way.unlock(crashed.data);
      rmSync(join(crashed.data, 'scimd.db-shm'));
      way.lock(crashed.data);
      const refused = await exitWithin(
        startChild(way.launcher.command, [...way.launcher.argv, 'serve', '--port', '0', '--data-dir', crashed.data], { cwd: way.launcher.cwd }),
        30_000,
        'scimd serve on a WAL without its -shm',
      );
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /scimd\.db-wal holds commits not yet in .*scimd\.db.* start scimd once with a writable data directory/);
    });

    it('refuses to start, naming the file and why, when there is no database or it needs a migration step', async () => {
      const empty = workDir();
      way.lock(empty.data);
      const stale = workDir(populated.dir);
      const db = new Database(join(stale.data, 'scimd.db'));
      db.prepare('DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)').run();
      db.close();
      way.lock(stale.data);
      cleanups.push(() => {
        for (const w of [empty, stale]) {
          way.unlock(w.data);
          rmSync(w.root, { recursive: true, force: true });
        }
      });

      const serve = async (dir: string) => {
        const p = startChild(way.launcher.command, [...way.launcher.argv, 'serve', '--port', '0', '--data-dir', dir], { cwd: way.launcher.cwd });
        return exitWithin(p, 30_000, `scimd serve --data-dir ${dir}`);
      };
      const missing = await serve(empty.data);
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stderr, /^scimd: cannot create the database \S+\/scimd\.db: its directory is not writable \(SQLITE_\w+\)\n$/);
      assert.ok(missing.stderr.includes(join(empty.data, 'scimd.db')), missing.stderr);

      const old = await serve(stale.data);
      assert.equal(old.code, 1, old.stderr);
      assert.ok(old.stderr.includes(join(stale.data, 'scimd.db')), old.stderr);
      assert.match(old.stderr, /the database schema is at version \d+, this scimd needs \d+, and it cannot be migrated because the data directory .* is not writable/);
    });
  });
}

describe('a disk that fails writes at run time (a file size limit on the running server)', { skip: prlimitMissing }, () => {
  it('answers writes 503 with Retry-After while reads work, says so once, and takes writes again once the disk does', async () => {
    const { root, data } = workDir(populated.dir);
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    // At info, for the line that says writes work again.
    const srv = await serveProcess(['--data-dir', data, '--log-level', 'info']);
    const req = client(srv, populated.token);
    const readyz = () => send(`${srv.base.replace(/\/scim\/v2$/, '')}/readyz`, 'GET');
    assert.equal((await req('POST', '/Users', user('before-full'))).status, 201);

    const limit = (soft: string) => {
      // The soft limit only: raising it again needs no privilege. Every write of a file at or past
      // 1 byte fails (EFBIG); the log goes to a pipe, which the limit does not touch.
      const r = works('prlimit', ['--pid', String(srv.child.pid), `--fsize=${soft}:unlimited`]);
      assert.equal(r.status, 0, r.stderr);
    };
    limit('1');
    assertNotWritable(await req('POST', '/Users', user('while-full')), 'POST while the disk fails');
    assertNotWritable(await req('PATCH', `/Users/${populated.userId}`, patch({ op: 'replace', path: 'displayName', value: 'Patched' })), 'PATCH while the disk fails');
    assert.equal((await req('GET', `/Users/${populated.userId}`)).body.displayName, 'Alice');
    const list = await req('GET', '/Users');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.Resources.map((u: { userName: string }) => u.userName).sort(), ['alice', 'before-full']);
    const failing = await readyz();
    assert.equal(failing.status, 200);
    assert.equal(failing.body.writes, 'unavailable');
    assert.match(failing.body.reason, /cannot be written \(SQLITE_(FULL|IOERR\w*)\)/);
    assert.equal(count(srv.stdout(), 'database writes fail'), 1, srv.stdout());

    limit('unlimited');
    const again = await req('POST', '/Users', user('after-full'));
    assert.equal(again.status, 201, again.text);
    assert.deepEqual((await readyz()).body, { status: 'ready' });
    await eventually(() => srv.stdout().includes('database writes work again'), { what: 'the recovery line', detail: () => srv.stdout() });
    const names = (await req('GET', '/Users')).body.Resources.map((u: { userName: string }) => u.userName).sort();
    assert.deepEqual(names, ['after-full', 'alice', 'before-full']);
    assert.equal((await srv.stop()).code, 0, srv.stderr());
  });
});

describe('the store opened read-only (the readonly option)', () => {
  it('reads, refuses writes with StoreNotWritable, and reports it in readiness', async () => {
    const { root, data } = workDir(populated.dir);
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const store = openSqliteStore(join(data, 'scimd.db'), { readonly: true });
    try {
      const tenants = await store.listTenants();
      assert.deepEqual(tenants.map((t) => t.name).sort(), ['acme', 'default']);
      await assert.rejects(store.setTenantStatus(tenants[0]!.id, 'disabled'), StoreNotWritable);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.tenantByName('acme');
          await tx.setTenantStatus(tenants[0]!.id, 'disabled');
        }),
        StoreNotWritable,
      );
      // A transaction that only reads still works.
      assert.equal((await store.transaction((tx) => tx.tenantByName('acme')))?.name, 'acme');
      const r = await store.readiness();
      assert.ok(r.ready && /read-only/.test(r.writesUnavailable ?? ''), JSON.stringify(r));
      assert.equal((await store.listTenants()).find((t) => t.id === tenants[0]!.id)?.status, 'active');
    } finally {
      await store.close();
    }
  });
});

describe('a full database (SQLITE_FULL: max_page_count on the writer)', () => {
  it('fails each write whole with StoreNotWritable, reports it once, reads on; without the cap it writes', async () => {
    const { root, data } = workDir(populated.dir);
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const file = join(data, 'scimd.db');
    const reports: (string | undefined)[] = [];
    const full = openSqliteStore(file, { synchronous: 'NORMAL', maxPageCount: 1, onWritable: (f) => reports.push(f) });
    const big = { note: 'x'.repeat(100_000) };
    let acme: Awaited<ReturnType<Store['tenantByName']>>;
    try {
      acme = await full.tenantByName('acme');
      assert.ok(acme);
      for (let i = 0; i < 3; i++) await assert.rejects(full.setTenantSettings(acme.id, big), (e) => e instanceof StoreNotWritable && /SQLITE_FULL/.test(e.message));
      assert.equal(reports.length, 1, JSON.stringify(reports));
      assert.match(reports[0]!, /cannot be written \(SQLITE_FULL\)/);
      const r = await full.readiness();
      assert.ok(r.ready && /SQLITE_FULL/.test(r.writesUnavailable ?? ''), JSON.stringify(r));
      assert.deepEqual((await full.tenantByName('acme'))?.settings, {});
    } finally {
      await full.close();
    }
    const roomy = openSqliteStore(file, { synchronous: 'NORMAL' });
    try {
      await roomy.setTenantSettings(acme.id, big);
      assert.equal((await roomy.tenantByName('acme'))?.settings.note?.length, 100_000);
      assert.deepEqual(await roomy.readiness(), { ready: true });
    } finally {
      await roomy.close();
    }
  });
});

describe('PostgreSQL that cannot be written', () => {
  it('disk_full (53100) and a read-only transaction (25006, a standby) are StoreNotWritable, as on SQLite', () => {
    for (const code of ['53100', '25006']) {
      const mapped = mapPgError(Object.assign(new Error('could not extend file'), { code }));
      assert.ok(mapped instanceof StoreNotWritable, code);
      assert.match((mapped as Error).message, new RegExp(`cannot be written \\(${code}`));
    }
  });
});

describe('background writers while the database cannot be written', () => {
  const entry = (): RequestLogEntry => ({ at: new Date().toISOString(), method: 'GET', path: '/scim/v2/Users', status: 200, durationMs: 1, notes: [] }) as unknown as RequestLogEntry;

  it('the request log drops its batches with one report, and says when it writes again', async () => {
    let failing = true;
    let appends = 0;
    const store = {
      appendRequestLog: async () => {
        appends++;
        if (failing) throw new StoreNotWritable('the disk is full');
      },
      pruneRequestLog: async () => {
        if (failing) throw new StoreNotWritable('the disk is full');
      },
    } as unknown as RequestLogStore;
    const errors: unknown[] = [];
    const recovered: number[] = [];
    const log = new RequestLog(store, DEFAULT_REQUEST_LOG, (e) => errors.push(e), (n) => recovered.push(n));
    for (let i = 0; i < 5; i++) {
      log.record(entry());
      await log.flush();
    }
    assert.equal(appends, 5);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof StoreNotWritable);
    assert.equal(log.dropped, 5);
    failing = false;
    log.record(entry());
    await log.flush();
    assert.deepEqual(recovered, [5]);
    assert.equal(errors.length, 1);
  });

  it('the mail sender backs off with one warning, and says when the outbox works again', async () => {
    let failing = true;
    let claims = 0;
    const store = {
      claimMail: async () => {
        claims++;
        if (failing) throw new StoreNotWritable('the disk is full');
        return [];
      },
    } as unknown as Store;
    const warnings: string[] = [];
    const infos: string[] = [];
    const mail = new MailSender(store, { smtpUrl: 'smtp://127.0.0.1:1', from: 'scimd <scimd@localhost>', pollMs: 5 }, { info: (m) => infos.push(m), warn: (m) => warnings.push(m) });
    mail.start();
    try {
      await eventually(() => claims >= 4, { what: 'four looks at the failing outbox' });
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /the disk is full; trying again with back-off/);
      failing = false;
      await eventually(() => infos.some((m) => /works again after \d+ failed attempts/.test(m)), { what: 'the recovery line', detail: () => infos.join('\n') });
      assert.equal(warnings.length, 1);
    } finally {
      await mail.close();
    }
  });
});
