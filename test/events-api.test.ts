/**
 * The events API (GET /admin/v1/tenants/{t}/events) over real HTTP, on SQLite and PostgreSQL:
 * events in order after a cursor, pages, type filters that still move the cursor, long-poll that
 * answers as soon as a change commits, 410 for a cursor whose events were pruned, clear errors;
 * and `scimd events tail`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scimdCli, spawnScimd } from './helpers/cli.ts';
import { outputMatch } from './helpers/children.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { group, patch, send, startTestServer, user, type Reply, type ScimTenant, type TestServer } from './helpers/server.ts';

const KEY = 'events_admin_key_0123456789abcdefghijklmnopqrstuvwxyz';

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`events API (${backend})`, () => {
    let db: TestDatabase | undefined;
    let s: TestServer;
    let t: ScimTenant;
    const events = (query: string, key = KEY): Promise<Reply> => send(`${s.origin}/admin/v1/tenants/feed/events${query}`, 'GET', undefined, { authorization: `Bearer ${key}` });

    before(async () => {
      if (backend === 'postgres') db = await freshDatabase('events-api');
      s = await startTestServer({ bootstrapAdminKey: KEY, ...(db ? { databaseUrl: db.url } : {}) });
      t = await s.scimTenant('feed');
    });
    after(async () => {
      await s.close();
      await db?.drop();
    });

    it('answers the events in order after a cursor, a page at a time, with the cursor to go on from', async () => {
      const empty = await events('');
      assert.equal(empty.status, 200, empty.text);
      assert.deepEqual(empty.body, { events: [], cursor: '0', hasMore: false });
      const u = await t.request('POST', '/Users', user('ann', { name: { givenName: 'Ann' } }));
      await t.request('PATCH', `/Users/${u.body.id}`, patch({ op: 'replace', path: 'name.givenName', value: 'Anne' }));
      const g = await t.request('POST', '/Groups', group('crew', { members: [{ value: u.body.id }] }));
      assert.equal(g.status, 201);

      const all = await events('');
      assert.deepEqual(
        all.body.events.map((e: { type: string; tenantSeq: number }) => `${e.tenantSeq} ${e.type}`),
        ['1 user.created', '2 user.updated', '3 group.created', '4 group.member.added'],
      );
      assert.equal(all.body.cursor, '4');
      assert.equal(all.body.hasMore, false);
      const updated = all.body.events[1];
      assert.deepEqual(updated.paths, ['name.givenName']);
      assert.deepEqual(updated.previous, { 'name.givenName': 'Ann' });
      assert.equal(updated.state.name.givenName, 'Anne');
      assert.equal(updated.tenant, 'feed');
      assert.equal(updated.tenantId, undefined);
      assert.ok(updated.id && updated.requestId && updated.clientId);

      const page1 = await events('?limit=2');
      assert.equal(page1.body.events.length, 2);
      assert.equal(page1.body.hasMore, true);
      assert.equal(page1.body.cursor, '2');
      const page2 = await events(`?after=${page1.body.cursor}&limit=2`);
      assert.deepEqual(
        page2.body.events.map((e: { tenantSeq: number }) => e.tenantSeq),
        [3, 4],
      );
      assert.equal(page2.body.hasMore, false);
      assert.deepEqual((await events('?after=4')).body, { events: [], cursor: '4', hasMore: false });
    });

    it('filters by type; the cursor moves past the events it leaves out', async () => {
      const members = await events('?types=group.member.added');
      assert.deepEqual(
        members.body.events.map((e: { type: string }) => e.type),
        ['group.member.added'],
      );
      assert.equal(members.body.cursor, '4');
      const two = await events('?types=user.created,group.created&after=1');
      assert.deepEqual(
        two.body.events.map((e: { tenantSeq: number }) => e.tenantSeq),
        [3],
      );
      assert.equal(two.body.cursor, '4', 'past the last event the log holds, not the last one shown');
      assert.equal((await events('?types=*')).body.events.length, 4);
      const unknown = await events('?types=user.created,user.exploded');
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.detail, /Unknown event type 'user\.exploded'/);
    });

    it('wait: the answer comes as soon as a change commits, not at the end of the wait', async () => {
      const started = Date.now();
      const waiting = events('?after=4&wait=30s');
      // The request is waiting (nothing after 4 yet) while the change is made.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await t.request('POST', '/Users', user('bo'))).status, 201);
      const r = await waiting;
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.body.events.map((e: { type: string }) => e.type),
        ['user.created'],
      );
      assert.ok(Date.now() - started < 20_000, 'answered before the wait ran out');
      // With nothing to come, a short wait answers empty at its end.
      const idle = await events('?after=5&wait=1');
      assert.deepEqual(idle.body, { events: [], cursor: '5', hasMore: false });
    });

    it('refuses bad cursors and waits clearly, and a cursor past the log', async () => {
      for (const q of ['?after=-1', '?after=abc', '?wait=2m', '?wait=600', '?limit=0', '?limit=1001', '?colour=red']) {
        const r = await events(q);
        assert.equal(r.status, 400, `${q}: ${r.text}`);
        assert.equal(r.body.type, 'urn:scimd:problem:invalid-request');
      }
      const ahead = await events('?after=999');
      assert.equal(ahead.status, 400);
      assert.match(ahead.body.detail, /past the last event/);
      assert.equal((await events('', 'not-a-key')).status, 401);
    });

    it('410 Gone once the events after a cursor were pruned; reading from the oldest kept works', async () => {
      const tenantId = (await s.running.services.admin.tenant('feed')).id;
      const before = (await events('')).body.events.length;
      assert.equal(before, 5);
      // Past retention: everything so far (pruned as the retention job does, with a cut-off in the future).
      await s.running.store.transaction((tx) => tx.pruneEvents(new Date(Date.now() + 60_000).toISOString(), 1000));
      assert.equal((await s.running.store.tenantEvents(tenantId, 0, 10)).length, 0);
      const gone = await events('?after=2');
      assert.equal(gone.status, 410, gone.text);
      assert.equal(gone.body.type, 'urn:scimd:problem:gone');
      assert.match(gone.body.detail, /no longer retained.*cursor 5/);
      assert.equal((await events('?after=5')).status, 200, 'a cursor at the end lost nothing');
      assert.equal((await t.request('POST', '/Users', user('cy'))).status, 201);
      const fresh = await events('');
      assert.deepEqual(
        fresh.body.events.map((e: { tenantSeq: number }) => e.tenantSeq),
        [6],
        'from the oldest kept',
      );
      assert.equal((await events('?after=4')).status, 410);
    });

    it('a key limited to another tenant gets 404', async () => {
      const other = await s.running.services.adminKeys.create('other-admin', { tenant: 'default' });
      const r = await events('', other.key);
      assert.equal(r.status, 404);
    });

    it('scimd events tail prints the events after a cursor, and --follow prints new ones as they commit', async () => {
      const storage = db ? ['--database-url', db.url] : ['--data-dir', s.dataDir];
      const once = await scimdCli(['events', 'tail', 'feed', '--after', '5', '--json', ...storage]);
      assert.equal(once.code, 0, once.stderr);
      const lines = once.stdout.trim().split('\n').map((l) => JSON.parse(l) as { tenantSeq: number; type: string });
      assert.deepEqual(
        lines.map((e) => `${e.tenantSeq} ${e.type}`),
        ['6 user.created'],
      );
      const follow = spawnScimd(['events', 'tail', 'feed', '--follow', '--types', 'user.deleted', ...storage]);
      await outputMatch(follow, /following/i, 30_000, 'events tail --follow');
      const u = await t.request('POST', '/Users', user('dee'));
      assert.equal((await t.request('DELETE', `/Users/${u.body.id}`)).status, 204);
      await outputMatch(follow, new RegExp(`user\\.deleted\\s+User\\s+${u.body.id}`), 30_000, 'the delete in events tail --follow');
      assert.doesNotMatch(follow.stdout(), /user\.created/, 'only the types asked for');
      follow.child.kill('SIGTERM');
      await follow.exited;
      const bad = await scimdCli(['events', 'tail', 'feed', '--types', 'nope', ...storage]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /Unknown event type 'nope'/);
    });
  });
}
