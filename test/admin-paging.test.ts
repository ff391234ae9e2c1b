/**
 * Server-side paging of the admin API's long lists, over real HTTP on SQLite and PostgreSQL:
 * tombstones newest first with next/previous cursors (a tenant may hold a million), and one
 * tombstone by id. Each page is one index range (SQLite's query plan says which index).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { planDatabase } from './helpers/plan-db.ts';
import { send, startTestServer, user, type Reply, type TestServer } from './helpers/server.ts';

const ROOT_KEY = 'paging_root_key_0123456789abcdefghijklmnopqrstuvwxyz';
const STONES = 230;

function problem(r: Reply, status: number, type: string, detail?: RegExp): void {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(r.body.type, `urn:scimd:problem:${type}`);
  if (detail) assert.match(r.body.detail, detail);
}

function suite(backend: 'sqlite' | 'postgres'): void {
  describe(`admin API paging (${backend})`, () => {
    let db: TestDatabase | undefined;
    let s: TestServer;
    const admin = (method: string, path: string, body?: unknown, key = ROOT_KEY) =>
      send(`${s.origin}/admin/v1${path}`, method, body, { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) });
    /** The ids the store holds, newest first, as the listing must give them. */
    let expected: string[] = [];

    before(async () => {
      if (backend === 'postgres') db = await freshDatabase('admin-paging');
      s = await startTestServer({ bootstrapAdminKey: ROOT_KEY, ...(db ? { databaseUrl: db.url } : {}) });
      await s.running.services.admin.createTenant('big');
      await s.running.services.admin.createTenant('other');
      const tenant = await s.running.store.tenantByName('big');
      // Written straight to the store: many at once, and ties on deletedAt (ten per second), which
      // the id orders.
      const base = Date.parse('2026-01-01T00:00:00Z');
      const stones = Array.from({ length: STONES }, (_, i) => ({
        id: `u-${String(i).padStart(4, '0')}-${(i * 7919) % 1000}`,
        type: 'User' as const,
        data: { userName: `gone${i}@big.example` },
        created: new Date(base).toISOString(),
        deletedAt: new Date(base + Math.floor(i / 10) * 1000).toISOString(),
        version: 1,
      }));
      for (const t of stones) await s.running.store.putTombstone(tenant!.id, t);
      expected = [...stones].sort((a, b) => (a.deletedAt === b.deletedAt ? (a.id < b.id ? 1 : -1) : a.deletedAt < b.deletedAt ? 1 : -1)).map((t) => t.id);
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    it('pages through every tombstone newest first with next, and back with previous, none twice', async () => {
      const seen: string[] = [];
      const pages: { ids: string[]; next: string | null; previous: string | null }[] = [];
      let cursor: string | null = null;
      do {
        const r: Reply = await admin('GET', `/tenants/big/tombstones?limit=100${cursor ? `&before=${cursor}` : ''}`);
        assert.equal(r.status, 200, r.text);
        assert.ok(r.body.tombstones.length <= 100);
        const ids = r.body.tombstones.map((t: { id: string }) => t.id);
        seen.push(...ids);
        pages.push({ ids, next: r.body.next, previous: r.body.previous });
        cursor = r.body.next;
      } while (cursor);
      assert.deepEqual(
        pages.map((p) => p.ids.length),
        [100, 100, 30],
      );
      assert.deepEqual(seen, expected, 'every tombstone once, newest first, ties by id');
      assert.equal(pages[0]!.previous, null, 'the newest page has no previous');
      // Back from the last page: previous gives exactly the page before it.
      const back = await admin('GET', `/tenants/big/tombstones?limit=100&after=${pages[2]!.previous}`);
      assert.deepEqual(
        back.body.tombstones.map((t: { id: string }) => t.id),
        pages[1]!.ids,
      );
      assert.equal(back.body.next, pages[1]!.next);
      const newest = await admin('GET', `/tenants/big/tombstones?limit=100&after=${back.body.previous}`);
      assert.deepEqual(
        newest.body.tombstones.map((t: { id: string }) => t.id),
        pages[0]!.ids,
      );
      assert.equal(newest.body.previous, null, 'back at the newest: no previous');
      // The default page size is 100; data comes without the password hash.
      const first = await admin('GET', '/tenants/big/tombstones');
      assert.equal(first.body.tombstones.length, 100);
      assert.equal(first.body.tombstones[0].data.userName, `gone${STONES - 1}@big.example`);
      assert.ok(first.body.tombstones.every((t: Record<string, unknown>) => !('passwordHash' in t)));
    });

    it('answers one tombstone by id, and 404 for an unknown one', async () => {
      const one = await admin('GET', `/tenants/big/tombstones/${expected[5]}`);
      assert.equal(one.status, 200, one.text);
      assert.equal(one.body.id, expected[5]);
      assert.equal(one.body.type, 'User');
      problem(await admin('GET', '/tenants/big/tombstones/nope'), 404, 'not-found', /no deleted user 'nope'/);
      problem(await admin('GET', `/tenants/other/tombstones/${expected[5]}`), 404, 'not-found');
    });

    it('refuses bad paging with a problem, never a 500', async () => {
      problem(await admin('GET', '/tenants/big/tombstones?limit=0'), 400, 'invalid-request');
      problem(await admin('GET', '/tenants/big/tombstones?limit=1001'), 400, 'invalid-request');
      problem(await admin('GET', '/tenants/big/tombstones?before=bm90IGEgY3Vyc29y'), 400, 'invalid-request', /not a cursor/);
      problem(await admin('GET', '/tenants/big/tombstones?before=a%27b'), 400, 'invalid-request');
      const c = (await admin('GET', '/tenants/big/tombstones?limit=1')).body.next;
      problem(await admin('GET', `/tenants/big/tombstones?before=${c}&after=${c}`), 400, 'invalid-request', /not both/);
    });

    it('a key limited to another tenant gets 404 for the list and for one', async () => {
      const key = (await s.running.services.adminKeys.create('other-only', { tenant: 'other' })).key;
      problem(await admin('GET', '/tenants/big/tombstones', undefined, key), 404, 'not-found', /No tenant named 'big'/);
      problem(await admin('GET', `/tenants/big/tombstones/${expected[0]}`, undefined, key), 404, 'not-found', /No tenant named 'big'/);
      const own = await admin('GET', '/tenants/other/tombstones', undefined, key);
      assert.deepEqual(own.body, { tombstones: [], next: null, previous: null });
    });

    it('pages tenants in name order with after= and before=, a Link header saying there is more', async () => {
      for (let i = 0; i < 120; i++) await s.running.services.admin.createTenant(`t-${String((i * 37) % 120).padStart(3, '0')}`);
      const all: string[] = [];
      let after: string | undefined;
      const sizes: number[] = [];
      for (;;) {
        const r = await admin('GET', `/tenants?limit=50${after ? `&after=${after}` : ''}`);
        assert.equal(r.status, 200, r.text);
        const names = r.body.map((t: { name: string }) => t.name);
        sizes.push(names.length);
        all.push(...names);
        const link = r.headers.get('link');
        if (!link) break;
        assert.equal(link, `</admin/v1/tenants?limit=50&after=${names[names.length - 1]}>; rel="next"`);
        after = names[names.length - 1];
      }
      const expectedNames = (await s.running.store.listTenants()).map((t) => t.name).sort();
      assert.deepEqual(all, expectedNames, 'every tenant once, in name order');
      assert.ok(all.length >= 123 && sizes.every((n) => n <= 50), `${sizes}`);
      // Back: before=<first name of the last page> is the page before it.
      const back = await admin('GET', `/tenants?limit=50&before=${all[100]}`);
      assert.deepEqual(
        back.body.map((t: { name: string }) => t.name),
        all.slice(50, 100),
      );
      assert.equal(back.headers.get('link'), `</admin/v1/tenants?limit=50&before=${all[50]}>; rel="prev"`);
      const start = await admin('GET', `/tenants?limit=50&before=${all[30]}`);
      assert.deepEqual(
        start.body.map((t: { name: string }) => t.name),
        all.slice(0, 30),
      );
      assert.equal(start.headers.get('link'), null, 'nothing before the first');
      assert.equal((await admin('GET', '/tenants')).body.length, 100, 'the default page size');
      problem(await admin('GET', '/tenants?limit=1001'), 400, 'invalid-request');
      problem(await admin('GET', '/tenants?after=a&before=b'), 400, 'invalid-request', /not both/);
      // A key limited to one tenant: it, on the page where its name falls, and nothing else.
      const key = (await s.running.services.adminKeys.create('t-050-only', { tenant: 't-050' })).key;
      assert.deepEqual((await admin('GET', '/tenants', undefined, key)).body.map((t: { name: string }) => t.name), ['t-050']);
      assert.deepEqual((await admin('GET', '/tenants?after=t-050', undefined, key)).body, []);
      assert.deepEqual((await admin('GET', '/tenants?before=t-051', undefined, key)).body.map((t: { name: string }) => t.name), ['t-050']);
    });

    it('a user deleted over SCIM (deprovision.delete = tombstone) is first on the list', async () => {
      const t = await s.scimTenant('scim', { 'deprovision.delete': 'tombstone' });
      const u = await t.request('POST', '/Users', user('leaver@scim.example'));
      assert.equal(u.status, 201, u.text);
      assert.equal((await t.request('DELETE', `/Users/${u.body.id}`)).status, 204);
      const list = await admin('GET', '/tenants/scim/tombstones?limit=5');
      assert.deepEqual(
        list.body.tombstones.map((x: { data: { userName: string } }) => x.data.userName),
        ['leaver@scim.example'],
      );
    });
  });
}

suite('sqlite');
suite('postgres');

describe('tombstone pages are one index range (SQLite query plan)', () => {
  const planDb = planDatabase();
  for (const [what, sql] of [
    ['the newest page', 'SELECT * FROM tombstones WHERE tenant_id = ? ORDER BY deleted_at DESC, id DESC LIMIT ?'],
    ['an older page', 'SELECT * FROM tombstones WHERE tenant_id = ? AND (deleted_at, id) < (?, ?) ORDER BY deleted_at DESC, id DESC LIMIT ?'],
    ['a newer page', 'SELECT * FROM tombstones WHERE tenant_id = ? AND (deleted_at, id) > (?, ?) ORDER BY deleted_at, id LIMIT ?'],
  ] as const) {
    it(what, () => {
      const args = sql.split('?').length - 1;
      const plan = (planDb().prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from({ length: args }, (_, i) => (i === args - 1 ? 10 : 'x'))) as { detail: string }[]).map((r) => r.detail);
      assert.ok(plan.some((d) => /SEARCH tombstones USING INDEX tombstones_deleted/.test(d)), plan.join('\n'));
      assert.ok(!plan.some((d) => /TEMP B-TREE/.test(d)), `no sort of the whole set: ${plan.join('\n')}`);
    });
  }
});
