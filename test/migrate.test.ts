/**
 * `scimd migrate` (issue 16 item 1), the real CLI: a populated SQLite data directory — several
 * tenants, an extension schema with values, a role rule, a tombstone, a pending invitation, a
 * group with members, a webhook, the request log and events — moves to an empty PostgreSQL
 * database; scimd started on PostgreSQL then serves every resource with its id, version and ETag,
 * takes every token and admin key, and goes on with each tenant's event sequence. A move that was
 * interrupted resumes; a target that holds data is refused; the way back (PostgreSQL → SQLite)
 * verifies too.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { scimdCli } from './helpers/cli.ts';
import { serveProcess } from './helpers/process.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { group, send, startTestServer, tempDir, user, type TestServer } from './helpers/server.ts';
import { postgresSide, sqliteSide } from '../src/store/transfer/sides.ts';
import { transfer } from '../src/store/transfer/transfer.ts';

const ADMIN_KEY = 'migrate_admin_key_0123456789abcdefghijklmnopqrstuvwxyz';
const EXT = 'urn:example:scim:schemas:badge:1.0';

interface Seen {
  readonly path: string;
  readonly etag: string | null;
  readonly body: Record<string, unknown>;
}

describe('scimd migrate: SQLite to PostgreSQL and back', () => {
  let source: TestServer;
  let db: TestDatabase;
  let target: TestServer | undefined;
  const tokens = new Map<string, string>();
  const resources: Seen[] = [];
  const lastSeq = new Map<string, number>();

  before(async () => {
    source = await startTestServer({ bootstrapAdminKey: ADMIN_KEY });
    db = await freshDatabase('migrate');
    const admin = (method: string, path: string, body?: unknown) =>
      send(`${source.origin}/admin/v1${path}`, method, body, { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) });

    for (const name of ['acme', 'globex']) {
      const t = await source.scimTenant(name, { 'deprovision.delete': 'tombstone', 'externalId.mode': 'email' });
      tokens.set(name, t.token);
      const ext = { id: EXT, name: 'Badge', description: 'Badge numbers', attributes: [{ name: 'badge', type: 'string', multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' }] };
      assert.equal((await admin('POST', `/tenants/${name}/schemas`, { schema: ext })).status, 201);
      assert.equal((await admin('PUT', `/tenants/${name}/roles/badged`, { filter: `${EXT}:badge pr` })).status, 200);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await t.request('POST', '/Users', user(`${name}-${i}`, { externalId: `${name}-${i}@example.com`, emails: [{ value: `${name}-${i}@example.com`, primary: true }], schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', EXT], [EXT]: { badge: `B${i}` } }));
        assert.equal(r.status, 201, r.text);
        ids.push(r.body.id);
      }
      const g = await t.request('POST', '/Groups', group(`${name}-staff`, { members: ids.slice(0, 5).map((value) => ({ value })) }));
      assert.equal(g.status, 201, g.text);
      assert.equal((await t.request('DELETE', `/Users/${ids[11]}`)).status, 204, 'a tombstone');
      assert.equal((await admin('POST', `/tenants/${name}/webhooks`, { url: 'https://hooks.example.com/scim' })).status, 201);
      for (const id of [...ids.slice(0, 11), g.body.id as string]) {
        const path = id === g.body.id ? `/Groups/${id}` : `/Users/${id}`;
        const r = await t.request('GET', path);
        resources.push({ path: `${name}${path}`, etag: r.headers.get('etag'), body: r.body });
      }
      const events = await admin('GET', `/tenants/${name}/events?limit=1000`);
      lastSeq.set(name, events.body.events.at(-1).tenantSeq);
    }
    assert.ok(((await admin('GET', '/tenants/acme/mail?pending=true')).body as unknown[]).length > 0, 'pending invitations');
    await source.running.services.requestLog.flush();
    // Stopped, its data directory kept: the source of the move.
    await source.running.close();
  });
  after(async () => {
    await target?.close();
    await db.drop();
    rmSync(source.dataDir, { recursive: true, force: true });
  });

  it('refuses a source that is not there and a target that is not a database of the other kind', async () => {
    const missing = await scimdCli(['migrate', '--to', db.url, '--from', join(source.dataDir, 'nowhere')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /No scimd database/);
    const same = await scimdCli(['migrate', '--to', tempDir('scimd-migrate-same-'), '--from', source.dataDir]);
    assert.equal(same.code, 2);
    assert.match(same.stderr, /scimd backup/);
  });

  it('while it moves, scimd serve --read-only true serves reads and answers every write 503 with Retry-After', async () => {
    const serving = await serveProcess(['--data-dir', source.dataDir, '--read-only', 'true']);
    try {
      const auth = { authorization: `Bearer ${tokens.get('acme')}` };
      const [first] = resources;
      const read = await send(`${serving.base}/${first!.path.split('/').slice(1).join('/')}`, 'GET', undefined, auth);
      assert.equal(read.status, 200, read.text);
      const write = await send(`${serving.base}/Users`, 'POST', user('during-the-move', { externalId: 'during@example.com' }), auth);
      assert.equal(write.status, 503, write.text);
      assert.ok(Number(write.headers.get('retry-after')) > 0, 'with Retry-After: an IdP retries, it does not quarantine the connection');
    } finally {
      await serving.stop();
    }
    const pgToo = await scimdCli(['serve', '--read-only', 'true', '--database-url', db.url]);
    assert.equal(pgToo.code, 2);
    assert.match(pgToo.stderr, /does not apply with --database-url/);
  });

  it('an interrupted move resumes and verifies; every table and tenant agrees', async () => {
    // Interrupt after the first batch of resources, as a crash or Ctrl-C would.
    const from = sqliteSide(join(source.dataDir, 'scimd.db'), { readonly: true });
    const to = await postgresSide(db.url);
    // The CLI creates the target schema first; so does this.
    const { openPostgresStore } = await import('../src/store/postgres/pg-store.ts');
    await (await openPostgresStore(db.url, { poolSize: 1 })).close();
    await assert.rejects(
      transfer(from, to, `sqlite:${join(source.dataDir, 'scimd.db')}`, {
        batchRows: 5,
        onProgress: ({ table, copied }) => {
          if (table === 'resources' && copied >= 10) throw new Error('interrupted');
        },
      }),
      /interrupted/,
    );
    await from.close();
    await to.close();

    const r = await scimdCli(['migrate', '--from', source.dataDir, '--to', db.url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.resumed, true);
    assert.equal(report.verified, true);
    const resourcesTable = report.tables.find((t: { table: string }) => t.table === 'resources');
    assert.equal(resourcesTable.tenants.reduce((n: number, t: { target: number }) => n + t.target, 0), 2 * (11 + 1) + 0, 'every user and group of both tenants (the deleted one is a tombstone)');
    for (const name of ['tombstones', 'events', 'request_log', 'tenant_schemas', 'role_rules', 'mail_outbox', 'webhook_endpoints', 'group_members', 'tokens']) {
      const t = report.tables.find((x: { table: string }) => x.table === name);
      assert.ok(t.tenants.some((x: { target: number }) => x.target > 0), `${name} moved`);
    }

    const again = await scimdCli(['migrate', '--from', source.dataDir, '--to', db.url]);
    assert.equal(again.code, 1, 'a second move into the same database is refused');
    assert.match(again.stderr, /not empty/);
  });

  it('scimd on PostgreSQL serves every resource with its id, version and ETag, takes every credential, and continues each event sequence', async () => {
    target = await startTestServer({ databaseUrl: db.url });
    for (const r of resources) {
      const [tenant, ...rest] = r.path.split('/');
      const got = await send(`${target.base}/${rest.join('/')}`, 'GET', undefined, { authorization: `Bearer ${tokens.get(tenant!)}` });
      assert.equal(got.status, 200, `${r.path}: ${got.text}`);
      assert.equal(got.headers.get('etag'), r.etag, `${r.path}: the same version`);
      // The same resource; only the server's address in its URLs (meta.location, $ref) is the new one.
      assert.deepEqual(got.body, JSON.parse(JSON.stringify(r.body).replaceAll(source.origin, target.origin)), `${r.path}: the same resource`);
    }
    const admin = await send(`${target.origin}/admin/v1/tenants`, 'GET', undefined, { authorization: `Bearer ${ADMIN_KEY}` });
    assert.equal(admin.status, 200, 'the admin key works');
    for (const [name, token] of tokens) {
      const made = await send(`${target.base}/Users`, 'POST', user(`${name}-after-move`, { externalId: `${name}-after-move@example.com` }), { authorization: `Bearer ${token}` });
      assert.equal(made.status, 201, made.text);
      const events = await send(`${target.origin}/admin/v1/tenants/${name}/events?after=${lastSeq.get(name)}`, 'GET', undefined, { authorization: `Bearer ${ADMIN_KEY}` });
      assert.equal(events.body.events[0]?.tenantSeq, lastSeq.get(name)! + 1, `${name}: the event sequence continues`);
      assert.equal(events.body.events[0]?.type, 'user.created');
    }
    // Serial keys continue past the moved rows: no new row collides with a moved one.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query("SELECT to_regclass('scimd_transfer') AS t");
      assert.equal(rows[0].t, null, 'the transfer bookkeeping is gone once verified');
    } finally {
      await c.end();
    }
    await target.close();
    target = undefined;
  });

  it('the way back, PostgreSQL to a new SQLite data directory, verifies too', async () => {
    const back = tempDir('scimd-migrate-back-');
    try {
      const r = await scimdCli(['migrate', '--from', db.url, '--to', back]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Verified: every table and tenant agrees/);
      assert.doesNotMatch(r.stdout, /DIFFERS/);
    } finally {
      rmSync(back, { recursive: true, force: true });
    }
  });
});
