/**
 * Revocation on PostgreSQL replicas takes effect everywhere at once: a transaction that changes
 * authentication data sends NOTIFY as it commits, and every replica's store listens on a
 * connection of its own (src/store/postgres/auth-watch.ts), so caches of looked-up tokens drop
 * their entries before the next request.
 *
 * 1. Two real `scimd serve` processes on one database. A token in use on replica B (so B has it
 *    cached) is revoked through the CLI, another process: the next request to B after the CLI
 *    exits is refused (B reads the counter before it answers from its cache, so no notification
 *    still on its way can be beaten). For a client revocation (401), a rotation without grace (401, the new token works) and
 *    a tenant disable (403), each a few times over.
 * 2. A store without HTTP: the listening connection killed, and new connections refused, so it
 *    cannot come back: the store says its stamp is no longer cross-process (and the stamp moves,
 *    so entries cached while it was are not reused); a revocation then takes effect after
 *    SHARED_TTL_MS on the Authenticator's clock. Once it listens again (connections allowed), the
 *    stamp is cross-process again and a revocation takes effect with the clock standing still.
 *    And a counter moved without a notification is noticed: by the next authentication, and by
 *    the periodic check with no request at all.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { AdminService } from '../src/provisioning/tenants/directory-admin.ts';
import { Authenticator, SHARED_TTL_MS } from '../src/provisioning/requests/auth.ts';
import { AUTH_WATCH_APPLICATION, AuthWatch } from '../src/store/postgres/auth-watch.ts';
import { openPostgresStore } from '../src/store/postgres/pg-store.ts';
import type { Store } from '../src/store/types.ts';
import { killChildren, outputMatch } from './helpers/children.ts';
import { scimdCli, spawnScimd } from './helpers/cli.ts';
import { eventually } from './helpers/eventually.ts';
import { freshDatabase, onPgServer, type TestDatabase } from './helpers/postgres.ts';
import { refusal } from './helpers/assert.ts';
import { send, tempDir, type Reply } from './helpers/server.ts';

/** Generous: how long to wait for a banner. */
const WAIT_MS = 30_000;
const BANNER_END = /If the IdP appends \/v2 itself, give \S+\n/;
const ROUNDS = 3;

const dirs: string[] = [];
const databases: TestDatabase[] = [];
const stores: Store[] = [];

after(async () => {
  await killChildren();
  for (const s of stores) await s.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const db of databases) await db.drop().catch(() => undefined);
});

function databaseName(url: string): string {
  return new URL(url).pathname.slice(1);
}


/**
 * The listening connections of scimd stores on `db`: those whose last query is the counter's read,
 * which follows their LISTEN (`connected`: any of their connections, listening yet or not).
 */
async function listeners(db: TestDatabase, which: 'listening' | 'connected' = 'listening'): Promise<number> {
  const listening = which === 'listening' ? " AND query LIKE '%auth_version%'" : '';
  return onPgServer(async (c) => {
    const { rows } = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2${listening}`, [
      databaseName(db.url),
      AUTH_WATCH_APPLICATION,
    ]);
    return Number(rows[0]?.n ?? 0);
  });
}

/** A query on `db` itself, on a connection of its own (so it sends no NOTIFY of scimd's). */
async function onDatabase<T>(db: TestDatabase, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A store in this process for setting up tenants and clients (no listener: it serves no request). */
async function adminStore(db: TestDatabase): Promise<AdminService> {
  const store = await openPostgresStore(db.url, { poolSize: 4, watchAuth: false });
  stores.push(store);
  return new AdminService(store);
}

// ---------------------------------------------------------------------------------------------

interface Replica {
  readonly name: string;
  readonly base: string;
}

async function serve(name: string, env: Record<string, string>): Promise<Replica> {
  const dir = tempDir('scimd-revocation-');
  dirs.push(dir);
  const p = spawnScimd(['serve', '--port', '0', '--data-dir', dir, '--log-level', 'warn'], env);
  await outputMatch(p, BANNER_END, WAIT_MS, `${name}: scimd serve`);
  const m = /SCIM base URL\s+(http:\/\/127\.0\.0\.1:\d+\/scim\/v2)\n/.exec(p.stdout());
  assert.ok(m, `${name}: no base URL in the banner:\n${p.stdout()}`);
  return { name, base: m[1]! };
}

const get = (r: Replica, token: string): Promise<Reply> => send(`${r.base}/Users?count=1`, 'GET', undefined, { authorization: `Bearer ${token}` });

async function expectStatus(r: Replica, token: string, status: number, what: string): Promise<void> {
  const reply = await get(r, token);
  assert.equal(reply.status, status, `${what}: ${r.name} answered ${reply.status} ${reply.text.slice(0, 300)}`);
}

/** The CLI against the database, as an operator runs it beside the replicas; its --json output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function cli(db: TestDatabase, ...args: string[]): Promise<any> {
  const r = await scimdCli([...args, '--database-url', db.url, '--json']);
  assert.equal(r.code, 0, `scimd ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('revocation on two scimd replicas on one PostgreSQL database', () => {
  let db: TestDatabase;
  let admin: AdminService;
  let a: Replica;
  let b: Replica;

  before(async () => {
    db = await freshDatabase('revocation');
    databases.push(db);
    const env = { SCIMD_DATABASE_URL: db.url };
    [a, b] = await Promise.all([serve('A', env), serve('B', env)]);
    admin = await adminStore(db);
    await admin.createTenant('acme');
  });

  /** Both replicas listen (so what follows tests the notification, not the short fallback). */
  async function bothListening(): Promise<void> {
    await eventually(async () => (await listeners(db)) === 2, { what: 'both replicas listening for changes', timeoutMs: 20_000 });
  }

  /** The token works on B (twice: the second answer comes from B's cache) and on A. */
  async function inUse(token: string, what: string): Promise<void> {
    await expectStatus(b, token, 200, `${what}, before`);
    await expectStatus(b, token, 200, `${what}, before (cached)`);
    await expectStatus(a, token, 200, `${what}, before`);
  }

  it('a client revoked through the CLI is refused by B on the next request (401)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const what = `client revoke, round ${round + 1}`;
      const { token } = await admin.createClient('acme', `revoked-${round}`);
      await inUse(token, what);
      await bothListening();
      await cli(db, 'client', 'revoke', 'acme', `revoked-${round}`);
      await expectStatus(b, token, 401, what);
      await expectStatus(a, token, 401, what);
    }
  });

  it('a token rotated without grace through the CLI is refused by B on the next request (401); the new one works', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const what = `token rotate --grace 0, round ${round + 1}`;
      const { token } = await admin.createClient('acme', `rotated-${round}`);
      await inUse(token, what);
      await bothListening();
      const rotated = await cli(db, 'token', 'rotate', 'acme', `rotated-${round}`, '--grace', '0');
      await expectStatus(b, token, 401, what);
      await expectStatus(a, token, 401, what);
      await expectStatus(b, rotated.token as string, 200, `${what}, the new token`);
    }
  });

  it("through replica A's admin API: a client revoked there and an admin key revoked there are refused by B on the next request (401)", async () => {
    const root = (await cli(db, 'admin-key', 'create', 'root')).key as string;
    const call = (r: Replica, method: string, path: string, key: string) => send(`${r.base.replace(/\/scim\/v2$/, '')}/admin/v1${path}`, method, undefined, { authorization: `Bearer ${key}` });
    for (let round = 0; round < ROUNDS; round++) {
      const what = `admin API, round ${round + 1}`;
      const key = (await cli(db, 'admin-key', 'create', `ops-${round}`)).key as string;
      const { token } = await admin.createClient('acme', `api-${round}`);
      await inUse(token, what);
      for (const r of [b, b, a]) assert.equal((await call(r, 'GET', '/tenants', key)).status, 200, `${what}: the admin key works on ${r.name}`);
      await bothListening();
      assert.equal((await call(a, 'DELETE', `/tenants/acme/clients/api-${round}`, root)).status, 200);
      await expectStatus(b, token, 401, `${what}, client revoked on A`);
      assert.equal((await call(a, 'DELETE', `/admin-keys/ops-${round}`, root)).status, 200);
      const refused = await call(b, 'GET', '/tenants', key);
      assert.equal(refused.status, 401, `${what}: B answered ${refused.status} to the admin key revoked on A`);
      assert.equal((await call(b, 'GET', '/tenants', root)).status, 200, `${what}: other keys still work on B`);
    }
  });

  it('a tenant disabled through the CLI is refused by B on the next request (403); enabled, it is served again on the next request', async () => {
    await admin.createTenant('gated');
    const { token } = await admin.createClient('gated', 'okta');
    for (let round = 0; round < ROUNDS; round++) {
      const what = `tenant disable, round ${round + 1}`;
      await inUse(token, what);
      await bothListening();
      await cli(db, 'tenant', 'disable', 'gated');
      await expectStatus(b, token, 403, what);
      await expectStatus(a, token, 403, what);
      await cli(db, 'tenant', 'enable', 'gated');
      await expectStatus(b, token, 200, `${what}: B serves the enabled tenant again`);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('the PostgreSQL store when its listening connection is lost', () => {
  let db: TestDatabase;
  let writer: AdminService;
  let served: Store;

  before(async () => {
    db = await freshDatabase('revocationfallback');
    databases.push(db);
    writer = await adminStore(db);
    served = await openPostgresStore(db.url, { poolSize: 4 });
    stores.push(served);
    await heard(() => writer.createTenant('acme'));
  });

  /** Enough idle pooled connections in both stores for what follows while new ones are refused. */
  async function warmPools(): Promise<void> {
    await Promise.all([...Array(4).keys()].map(() => served.listTenants()));
    await Promise.all([...Array(4).keys()].map(() => writer.listTenants()));
  }

  /**
   * One commit of the writer, once the served store has heard of it: its stamp moved (once per
   * commit, by the notification or the check, whichever came first), so no late notice of it can
   * empty a cache afterwards.
   */
  async function heard<T>(commit: () => Promise<T>): Promise<T> {
    const before = served.authStamp().stamp;
    const result = await commit();
    await eventually(() => served.authStamp().stamp !== before, { what: "the served store to hear of the writer's commit" });
    return result;
  }

  async function allowConnections(allow: boolean): Promise<void> {
    await onPgServer((c) => c.query(`ALTER DATABASE ${databaseName(db.url)} ALLOW_CONNECTIONS ${allow}`));
  }

  it('listens once open: its stamp is cross-process, and a cached token is read once', async () => {
    assert.equal(served.authStamp().crossProcess, true);
    assert.equal(await listeners(db), 1, 'one listening connection: the served store, not the writer');
    const { token } = await heard(() => writer.createClient('acme', 'cached'));
    let reads = 0;
    const counted: Store = { ...served, tokenByHash: (h) => (reads++, served.tokenByHash(h)) };
    const auth = new Authenticator(counted);
    for (let i = 0; i < 3; i++) await auth.authenticate(`Bearer ${token}`);
    assert.equal(reads, 1);
  });

  it('falls back to SHARED_TTL_MS while the listener is down, and is exact again once it is back', async () => {
    let now = Date.now();
    const auth = new Authenticator(served, () => new Date(now));
    const dropped = await heard(() => writer.createClient('acme', 'dropped'));
    const fallback = await heard(() => writer.createClient('acme', 'fallback'));
    const back = await heard(() => writer.createClient('acme', 'back'));
    // Cached while the listener is up: such an entry would otherwise live EXACT_TTL_MS.
    await auth.authenticate(`Bearer ${dropped.token}`);
    const before = served.authStamp();
    await warmPools();
    await allowConnections(false);
    try {
      const killed = await onPgServer((c) =>
        c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [databaseName(db.url), AUTH_WATCH_APPLICATION]),
      );
      assert.equal(killed.rowCount, 1, 'the listening connection was found and killed');
      await eventually(() => !served.authStamp().crossProcess, { what: 'the stamp to turn crossProcess false' });
      assert.notEqual(served.authStamp().stamp, before.stamp, 'the stamp moved when the listener was lost');

      // Not notified (no listener), yet refused at once: the entry cached under the old stamp is gone.
      await writer.revokeClient('acme', 'dropped');
      assert.equal(await refusal(auth.authenticate(`Bearer ${dropped.token}`)), 401);

      // Cached now, while the listener is down: for SHARED_TTL_MS at most.
      await auth.authenticate(`Bearer ${fallback.token}`);
      await writer.revokeClient('acme', 'fallback');
      now += SHARED_TTL_MS + 1;
      assert.equal(served.authStamp().crossProcess, false, 'still not listening (new connections are refused)');
      assert.equal(await refusal(auth.authenticate(`Bearer ${fallback.token}`)), 401);
    } finally {
      await allowConnections(true);
    }

    await eventually(() => served.authStamp().crossProcess, { what: 'the listener to reconnect', timeoutMs: 20_000 });
    assert.equal(await listeners(db), 1);
    // Listening again: a revocation reaches the cache with the clock standing still.
    await auth.authenticate(`Bearer ${back.token}`);
    await writer.revokeClient('acme', 'back');
    assert.equal(await refusal(auth.authenticate(`Bearer ${back.token}`)), 401, 'refused on the next authentication');
  });

  it('a counter that moved without a notification: seen by the next authentication (sync), and by the periodic check with no request at all', async () => {
    const now = new Date();
    const auth = new Authenticator(served, () => now);
    const quiet = await heard(() => writer.createClient('acme', 'quiet'));
    await auth.authenticate(`Bearer ${quiet.token}`);
    // What a lost notification looks like: the change and the counter's move, but no NOTIFY.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query('UPDATE scim_clients SET revoked_at = $1 WHERE id = $2', [now.toISOString(), quiet.client.id]);
      await c.query('UPDATE auth_version SET version = version + 1 WHERE id = 1');
      await c.query('COMMIT');
      assert.equal(await refusal(auth.authenticate(`Bearer ${quiet.token}`)), 401, 'the next authentication reads the counter before it uses its cache');
      const before = served.authStamp().stamp;
      await c.query('UPDATE auth_version SET version = version + 1 WHERE id = 1');
      await eventually(() => served.authStamp().stamp !== before, { what: 'the periodic check to notice the moved counter' });
    } finally {
      await c.end();
    }
  });

  it('sync(): callers at once share one read of the counter, and a move committed before the call is seen when it resolves', async () => {
    const watch = new AuthWatch({ url: db.url, onError: () => undefined });
    try {
      await watch.start();
      assert.equal(watch.connected, true);
      const before = watch.reads;
      await Promise.all(Array.from({ length: 100 }, () => watch.sync()));
      // The periodic check may add one of its own, never one per caller.
      assert.ok(watch.reads - before >= 1 && watch.reads - before <= 2, `100 callers, ${watch.reads - before} reads`);

      // A move of the counter committed before the call (no NOTIFY) has moved `changes` once it resolves.
      for (let round = 0; round < 3; round++) {
        await onDatabase(db, (c) => c.query('UPDATE auth_version SET version = version + 1 WHERE id = 1'));
        const changes = watch.changes;
        await watch.sync();
        assert.ok(watch.changes > changes, `round ${round + 1}: the move is seen once sync() resolves`);
      }
    } finally {
      await watch.close();
    }
  });

  it('close() ends the listening connection', async () => {
    await served.close();
    assert.equal(served.authStamp().crossProcess, false);
    await eventually(async () => (await listeners(db, 'connected')) === 0, { what: 'no listening connection left' });
  });
});
