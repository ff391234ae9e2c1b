/**
 * The change log end to end (docs/events.md): every SCIM write of Users and Groups over real HTTP
 * — POST, PUT, PATCH, DELETE, deactivation and reactivation, members added and removed (a
 * multi-member replace among them), Bulk, nested groups, memberships from the user's side
 * (userGroupsMembership), tombstones and `user restore` — records exactly its changes: types in
 * order, the tenant's sequence 1..n without gaps, resource ids, versions, changed paths, the SCIM
 * client and the request id (Fastify's, read from the request's log line). Writes that fail or
 * change nothing record nothing. On SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import { searchForm } from '../src/scim/search-form.ts';
import type { ScimdEvent } from '../src/store/types.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { ENTERPRISE, group, patch, startTestServer, user, type Reply, type TestServer } from './helpers/server.ts';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Setup {
  readonly s: TestServer;
  /** Every log line the server wrote (one per request, with its reqId). */
  readonly lines: { msg?: string; reqId?: string }[];
  close(): Promise<void>;
}

async function startWithLog(databaseUrl?: string): Promise<Omit<Setup, 'close'>> {
  const lines: { msg?: string; reqId?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg?: string; reqId?: string }) });
  const s = await startTestServer(databaseUrl ? { databaseUrl } : {}, { logger });
  return { s, lines };
}

/** What the test compares of an event (its id, sequence and time are checked apart). */
type Seen = Omit<ScimdEvent, 'seq' | 'id' | 'tenantSeq' | 'tenantId' | 'at'>;

function suite(backend: 'sqlite' | 'postgres', open: () => Promise<Setup>): void {
  describe(`change log on ${backend}`, () => {
    let setup: Setup;
    before(async () => {
      setup = await open();
    });
    after(() => setup?.close());

    it('records every committed change of every SCIM write, and nothing for failed or empty writes', async () => {
      const { s, lines } = setup;
      const services = s.running.services;
      const name = `chg-${backend}`;
      const idpToken = await s.tenant(name);
      const tenantId = (await services.admin.tenant(name)).id;
      const idp = (await services.admin.client(name, 'idp')).id;
      const okta = await services.admin.createClient(name, 'okta', { idp: 'okta' });
      const oktaId = (await services.admin.client(name, 'okta')).id;

      /** A request of the tenant's client, and the id Fastify gave it (from its log line). */
      async function call(method: string, path: string, body?: unknown, token = idpToken): Promise<{ r: Reply; req: string }> {
        const from = lines.length;
        const r = await s.request(method, path, body, { authorization: `Bearer ${token}` });
        for (let i = 0; i < 400; i++) {
          const line = lines.slice(from).find((l) => l.msg === 'request');
          if (line?.reqId) return { r, req: line.reqId };
          await delay(5);
        }
        throw new Error(`no log line for ${method} ${path}`);
      }
      const ok = async (status: number, method: string, path: string, body?: unknown, token?: string) => {
        const c = await call(method, path, body, token);
        assert.equal(c.r.status, status, `${method} ${path}: ${c.r.text}`);
        return c;
      };

      let cursor = 0;
      const all: ScimdEvent[] = [];
      /** The events recorded since the last call, compared in full but for id, sequence and time. */
      async function expectEvents(expected: Seen[], message: string): Promise<ScimdEvent[]> {
        const got = await s.running.store.tenantEvents(tenantId, cursor, 100_000);
        all.push(...got);
        if (got.length) cursor = got.at(-1)!.tenantSeq!;
        // The state after the change (events.state full) is the resource's, at the event's version;
        // previous values are checked where the test names them.
        for (const e of got) {
          if (!e.state) continue;
          assert.equal(e.state.id, e.resourceId, `${message}: state of ${e.type}`);
          assert.deepEqual(e.state.meta, { ...(e.state.meta as object), resourceType: e.resourceType, version: `W/"${e.version}"` }, `${message}: state meta of ${e.type}`);
          assert.equal((e.state as { members?: unknown }).members, undefined, 'a group state leaves its members to their events');
        }
        const seen = got.map(({ seq: _s, id: _i, tenantSeq: _t, tenantId: _tid, at: _a, state: _st, previous: _p, ...e }) => e);
        assert.deepEqual(seen, expected, message);
        return got;
      }
      const by = (req: string, client = idp) => ({ actor: 'scim' as const, clientId: client, requestId: req });
      const ev = (req: string, type: string, resourceId: string, version: number, extra: Partial<Seen> = {}, client = idp): Seen => ({
        type,
        resourceType: type.startsWith('user.') ? 'User' : 'Group',
        resourceId,
        version,
        ...by(req, client),
        data: {},
        ...extra,
      });
      const member = (req: string, type: 'added' | 'removed', groupId: string, version: number, id: string, memberType: 'User' | 'Group' = 'User', client = idp): Seen =>
        ev(req, `group.member.${type}`, groupId, version, { data: { value: id, type: memberType } }, client);

      // Users: create, replace, deactivate, reactivate, extension attributes.
      const a = await ok(201, 'POST', '/Users', user('alice', { name: { givenName: 'Alice', familyName: 'Liddell' }, emails: [{ value: 'alice@example.com', type: 'work' }], active: true }));
      const alice = a.r.body.id as string;
      const b = await ok(201, 'POST', '/Users', user('bob'));
      const bob = b.r.body.id as string;
      await expectEvents([ev(a.req, 'user.created', alice, 1), ev(b.req, 'user.created', bob, 1)], 'POST');

      const put = await ok(200, 'PUT', `/Users/${alice}`, user('alice', { name: { givenName: 'Alicia', familyName: 'Liddell' }, emails: [{ value: 'alicia@example.com', type: 'work' }], active: true }));
      const [putEvent] = await expectEvents([ev(put.req, 'user.updated', alice, 2, { paths: ['emails', 'name.givenName'] })], 'PUT');
      assert.deepEqual(putEvent!.previous, { emails: [{ value: 'alice@example.com', type: 'work' }], 'name.givenName': 'Alice' }, 'the previous values of the changed paths');
      assert.equal((putEvent!.state as { name: { givenName: string } }).name.givenName, 'Alicia', 'the state after the change');

      const off = await ok(200, 'PATCH', `/Users/${alice}`, patch({ op: 'replace', path: 'active', value: false }));
      const [offEvent] = await expectEvents([ev(off.req, 'user.deactivated', alice, 3, { paths: ['active'] })], 'deactivate: instead of user.updated');
      assert.deepEqual(offEvent!.previous, { active: true });
      assert.equal(offEvent!.state!.active, false);
      const on = await ok(200, 'PATCH', `/Users/${alice}`, patch({ op: 'replace', path: 'active', value: true }, { op: 'replace', path: 'title', value: 'Queen' }));
      await expectEvents([ev(on.req, 'user.reactivated', alice, 4, { paths: ['active', 'title'] })], 'reactivate, with the other paths it changed');
      const ext = await ok(200, 'PATCH', `/Users/${alice}`, patch({ op: 'add', path: `${ENTERPRISE}:department`, value: 'Wonderland' }, { op: 'add', path: `${ENTERPRISE}:manager`, value: { value: bob } }));
      const [extEvent] = await expectEvents([ev(ext.req, 'user.updated', alice, 5, { paths: [`${ENTERPRISE}:department`, `${ENTERPRISE}:manager.value`] })], 'extension attributes');
      assert.deepEqual(extEvent!.previous, { [`${ENTERPRISE}:department`]: null, [`${ENTERPRISE}:manager.value`]: null }, 'paths that held nothing before');

      // Writes that change nothing, and writes that fail, record nothing.
      const same = await ok(200, 'PATCH', `/Users/${alice}`, patch({ op: 'replace', path: 'title', value: 'Queen' }));
      assert.equal(same.r.body.meta.version, 'W/"5"');
      await ok(409, 'PATCH', `/Users/${alice}`, patch({ op: 'replace', path: 'userName', value: 'BOB' }));
      await ok(409, 'POST', '/Users', user('Bob'));
      await ok(400, 'PATCH', `/Users/${alice}`, patch({ op: 'replace', path: 'title', value: 'x' }, { op: 'frobnicate', path: 'title' }));
      await expectEvents([], 'no-op and failed writes');

      // Groups: create with a member, update and add, remove.
      const g = await ok(201, 'POST', '/Groups', group('Eng', { members: [{ value: alice }] }));
      const eng = g.r.body.id as string;
      await expectEvents([ev(g.req, 'group.created', eng, 1), member(g.req, 'added', eng, 1, alice)], 'POST /Groups with members');
      const add = await ok(200, 'PATCH', `/Groups/${eng}`, patch({ op: 'add', path: 'members', value: [{ value: bob }] }, { op: 'replace', path: 'displayName', value: 'Engineering' }));
      await expectEvents([ev(add.req, 'group.updated', eng, 2, { paths: ['displayName'] }), member(add.req, 'added', eng, 2, bob)], 'PATCH: attributes, then members');
      const rm = await ok(200, 'PATCH', `/Groups/${eng}`, patch({ op: 'remove', path: `members[value eq "${alice}"]` }));
      await expectEvents([member(rm.req, 'removed', eng, 3, alice)], 'PATCH remove: a member event only');
      await ok(200, 'PATCH', `/Groups/${eng}`, patch({ op: 'add', path: 'members', value: [{ value: bob }] }));
      await ok(400, 'PATCH', `/Groups/${eng}`, patch({ op: 'add', path: 'members', value: [{ value: 'no-such-id' }] }));
      await expectEvents([], 'adding a member again, or one that does not exist');
      const t = await ok(201, 'POST', '/Groups', group('Temp'));
      const temp = t.r.body.id as string;
      await expectEvents([ev(t.req, 'group.created', temp, 1)], 'POST /Groups');

      // Bulk: each operation records its own changes, all with the bulk request's id; the failed one nothing.
      const bulk = await ok(200, 'POST', '/Bulk', {
        schemas: [BULK],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'c', data: user('carol') },
          { method: 'POST', path: '/Users', bulkId: 'd', data: user('dave') },
          { method: 'POST', path: '/Groups', bulkId: 'ops', data: group('Ops', { members: [{ value: 'bulkId:c' }] }) },
          { method: 'PATCH', path: '/Users/bulkId:d', data: patch({ op: 'replace', path: 'displayName', value: 'Dave D.' }) },
          { method: 'POST', path: '/Users', bulkId: 'dup', data: user('BOB') },
          { method: 'DELETE', path: `/Groups/${temp}` },
        ],
      });
      const results = bulk.r.body.Operations as { status: string; location?: string }[];
      assert.deepEqual(
        results.map((o) => o.status),
        ['201', '201', '201', '200', '409', '204'],
      );
      const idOf = (i: number) => results[i]!.location!.split('/').at(-1)!;
      const [carol, dave, ops] = [idOf(0), idOf(1), idOf(2)];
      await expectEvents(
        [
          ev(bulk.req, 'user.created', carol, 1),
          ev(bulk.req, 'user.created', dave, 1),
          ev(bulk.req, 'group.created', ops, 1),
          member(bulk.req, 'added', ops, 1, carol),
          ev(bulk.req, 'user.updated', dave, 2, { paths: ['displayName'] }),
          ev(bulk.req, 'group.deleted', temp, 1),
        ],
        'Bulk',
      );

      // A multi-member replace: one event per member removed, then per member added, in the request's order.
      const replace = await ok(200, 'PUT', `/Groups/${eng}`, group('Engineering', { members: [{ value: carol }, { value: dave }, { value: alice }] }));
      await expectEvents([member(replace.req, 'removed', eng, 4, bob), ...[carol, dave, alice].map((id) => member(replace.req, 'added', eng, 4, id))], 'PUT members');
      await ok(200, 'PUT', `/Groups/${eng}`, group('Engineering', { members: [{ value: alice }, { value: carol }, { value: dave }] }));
      await expectEvents([], 'PUT of the same members in another order changes nothing');

      // A large replace (written 250 events to a statement), by PATCH replace members.
      const registry = defaultRegistry();
      const crowd = Array.from({ length: 600 }, (_, i) => `crowd-${backend}-${String(i).padStart(3, '0')}`);
      const now = new Date().toISOString();
      await s.running.store.insertResources(
        tenantId,
        crowd.map((id) => {
          const data = { userName: id };
          return { resource: { id, type: 'User' as const, version: 1, created: now, lastModified: now, data }, search: searchForm(data, registry.resource('User')) };
        }),
      );
      const big = await ok(200, 'PATCH', `/Groups/${eng}`, patch({ op: 'replace', path: 'members', value: crowd.map((value) => ({ value })) }), undefined);
      await expectEvents(
        // Removals in the group's member order (oldest resource first), additions in the request's.
        [...[alice, carol, dave].map((id) => member(big.req, 'removed', eng, 5, id)), ...crowd.map((id) => member(big.req, 'added', eng, 5, id))],
        'PATCH replace of 600 members',
      );

      // Nested groups, and memberships written from the user's side (okta's userGroupsMembership).
      const p = await ok(201, 'POST', '/Groups', group('Parent', { members: [{ value: ops, type: 'Group' }] }));
      const parent = p.r.body.id as string;
      await expectEvents([ev(p.req, 'group.created', parent, 1), member(p.req, 'added', parent, 1, ops, 'Group')], 'a nested group');
      const f = await ok(201, 'POST', '/Users', user('frank', { groups: [{ value: parent }] }), okta.token);
      const frank = f.r.body.id as string;
      await expectEvents([ev(f.req, 'user.created', frank, 1, {}, oktaId), member(f.req, 'added', parent, 2, frank, 'User', oktaId)], 'userGroupsMembership on POST');
      const fput = await ok(200, 'PUT', `/Users/${frank}`, user('frank', { groups: [{ value: ops }] }), okta.token);
      await expectEvents([member(fput.req, 'added', ops, 2, frank, 'User', oktaId), member(fput.req, 'removed', parent, 3, frank, 'User', oktaId)], 'userGroupsMembership on PUT');

      // Deletes: hard, then under deprovision.delete = tombstone, and the admin's restore.
      const del = await ok(204, 'DELETE', `/Users/${bob}`);
      await expectEvents([ev(del.req, 'user.deleted', bob, 1)], 'DELETE');
      await services.admin.setTenantSetting(name, 'deprovision.delete', 'tombstone');
      const tomb = await ok(204, 'DELETE', `/Users/${alice}`);
      await expectEvents([ev(tomb.req, 'user.deleted', alice, 5, { data: { tombstone: true } })], 'DELETE to a tombstone');
      await services.tenantAdmin.restoreUser(name, alice);
      await expectEvents([{ type: 'user.restored', resourceType: 'User', resourceId: alice, version: 6, actor: 'admin', data: { userName: 'alice' } }], 'user restore (no client, no request)');
      await assert.rejects(services.tenantAdmin.restoreUser(name, alice), /has no deleted user/);
      const gdel = await ok(204, 'DELETE', `/Groups/${eng}`);
      await expectEvents([ev(gdel.req, 'group.deleted', eng, 5)], 'DELETE /Groups');

      // Concurrent writers: the sequence stays gapless, one number per change.
      const many = await Promise.all(Array.from({ length: 8 }, (_, i) => s.request('POST', '/Users', user(`racer${i}`), { authorization: `Bearer ${idpToken}` })));
      assert.deepEqual(
        many.map((r) => r.status),
        Array(8).fill(201),
      );
      const raced = await s.running.store.tenantEvents(tenantId, cursor, 100);
      assert.deepEqual(new Set(raced.map((e) => e.resourceId)), new Set(many.map((r) => r.body.id)));
      assert.equal(new Set(raced.map((e) => e.requestId)).size, 8, 'each with its own request id');
      assert.ok(raced.every((e) => e.type === 'user.created' && e.clientId === idp));
      all.push(...raced);

      // The whole log: numbered 1..n, unique uuids, times in order.
      assert.deepEqual(
        all.map((e) => e.tenantSeq),
        all.map((_, i) => i + 1),
      );
      assert.ok(all.every((e) => UUID.test(e.id!)));
      assert.equal(new Set(all.map((e) => e.id)).size, all.length);
      assert.equal(new Set(all.map((e) => e.requestId).filter(Boolean)).size >= 20, true);
      // The default tenant's sequence is its own.
      await ok(201, 'POST', '/Users', user('elsewhere'), s.token);
      const other = await s.running.store.tenantEvents((await services.admin.tenant('default')).id, 0, 10);
      assert.deepEqual(
        other.map((e) => [e.tenantSeq, e.type]),
        [[1, 'user.created']],
      );
    });
  });
}

suite('sqlite', async () => {
  const { s, lines } = await startWithLog();
  return { s, lines, close: () => s.close() };
});

suite('postgres', async () => {
  const db: TestDatabase = await freshDatabase('changes');
  const { s, lines } = await startWithLog(db.url);
  return {
    s,
    lines,
    async close() {
      await s.close();
      await db.drop();
    },
  };
});
