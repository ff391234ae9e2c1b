/**
 * What IdPs and validators rely on, on a server's defaults (issue 10, item 3), end to end:
 * - group displayName unique per tenant without regard to case (409 uniqueness on POST, PUT, PATCH
 *   and /Bulk), switchable per tenant, race-safe on SQLite and on two PostgreSQL replicas;
 * - resource endpoints in any case (`/users`, `/GROUPS/{id}`), ids keeping theirs;
 * - the group PATCH answer chosen by the client setting groupPatchResponse (auto, full, none).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { searchForm } from '../src/scim/search-form.ts';
import { assertScimError } from './helpers/assert.ts';
import { freshDatabase } from './helpers/postgres.ts';
import { mixedCase, PARALLEL, statusCounts } from './helpers/races.ts';
import { group, patch, startTestServer, user, type Reply, type ScimTenant, type TestServer } from './helpers/server.ts';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const byName = (name: string) => `/Groups?filter=${encodeURIComponent(`displayName eq ${JSON.stringify(name)}`)}`;

/** One or more scimd servers on one database, the first of which creates tenants. */
interface Setup {
  readonly servers: readonly TestServer[];
  close(): Promise<void>;
}

const SETUPS: readonly { name: string; open(): Promise<Setup> }[] = [
  {
    name: 'sqlite',
    async open() {
      const s = await startTestServer();
      return { servers: [s], close: () => s.close() };
    },
  },
  {
    name: 'postgres (two replicas)',
    async open() {
      const db = await freshDatabase('idpdefaults');
      const s = await startTestServer({ databaseUrl: db.url });
      const replica = await startTestServer({ databaseUrl: db.url });
      return {
        servers: [s, replica],
        async close() {
          await Promise.all([s.close(), replica.close()]);
          await db.drop();
        },
      };
    },
  },
];

for (const setupOf of SETUPS) {
  describe(`group displayName unique per tenant: ${setupOf.name}`, () => {
    let setup: Setup;
    let seq = 0;
    before(async () => {
      setup = await setupOf.open();
    });
    after(() => setup?.close());
    const tenant = (settings: Record<string, string> = {}): Promise<ScimTenant> => setup.servers[0]!.scimTenant(`gn-${++seq}`, settings);

    it('a duplicate in any case is 409 uniqueness on POST, PUT, PATCH and /Bulk; the filter finds the one group', async () => {
      const t = await tenant();
      const eng = await t.request('POST', '/Groups', group('Engineering'));
      assert.equal(eng.status, 201, eng.text);
      for (const spelling of ['Engineering', 'ENGINEERING', 'engineering']) {
        assertScimError(await t.request('POST', '/Groups', group(spelling)), 409, 'uniqueness', /displayName '.+' is already another group's/);
      }
      // authentik's way back to the group it meets again: the filter, without regard to case.
      const found = await t.request('GET', byName('engineering'));
      assert.equal(found.body.totalResults, 1, found.text);
      assert.equal(found.body.Resources[0].id, eng.body.id);

      const ops = await t.request('POST', '/Groups', group('Ops'));
      assert.equal(ops.status, 201, ops.text);
      const id = ops.body.id as string;
      assertScimError(await t.request('PUT', `/Groups/${id}`, group('engineering')), 409, 'uniqueness');
      assertScimError(await t.request('PATCH', `/Groups/${id}`, patch({ op: 'replace', path: 'displayName', value: 'ENGINEERING' })), 409, 'uniqueness');
      assertScimError(await t.request('PATCH', `/Groups/${id}`, patch({ op: 'replace', value: { displayName: 'Engineering' } })), 409, 'uniqueness');
      const bulk = await t.request('POST', '/Bulk', { schemas: [BULK], Operations: [{ method: 'POST', path: '/Groups', bulkId: 'g', data: group('engineering') }] });
      assert.equal(bulk.status, 200, bulk.text);
      assert.equal(bulk.body.Operations[0].status, '409');
      assert.equal(bulk.body.Operations[0].response.scimType, 'uniqueness');
      assert.equal((await t.request('GET', `/Groups/${id}`)).body.displayName, 'Ops', 'unchanged');
      assert.equal((await t.request('GET', '/Groups?count=0')).body.totalResults, 2, 'nothing else was stored');

      // A group may change the case of its own name, and keep it on a PUT.
      const recase = await t.request('PATCH', `/Groups/${id}`, patch({ op: 'replace', path: 'displayName', value: 'OPS' }));
      assert.equal(recase.status, 200, recase.text);
      assert.equal(recase.body.displayName, 'OPS');
      assert.equal((await t.request('PUT', `/Groups/${id}`, group('OPS'))).status, 200);
      // Another tenant may use the name; a deleted group's name is free again.
      const other = await tenant();
      assert.equal((await other.request('POST', '/Groups', group('engineering'))).status, 201);
      assert.equal((await t.request('DELETE', `/Groups/${eng.body.id}`)).status, 204);
      assert.equal((await t.request('POST', '/Groups', group('engineering'))).status, 201);
    });

    it('groups.displayName.unique false allows duplicates; switched on again, existing duplicates stay writable', async () => {
      const t = await tenant({ 'groups.displayName.unique': 'false' });
      const a = await t.request('POST', '/Groups', group('Sales'));
      const b = await t.request('POST', '/Groups', group('SALES'));
      assert.equal(a.status, 201, a.text);
      assert.equal(b.status, 201, b.text);
      const c = await t.request('POST', '/Groups', group('Other'));
      assert.equal((await t.request('PATCH', `/Groups/${c.body.id}`, patch({ op: 'replace', path: 'displayName', value: 'sales' }))).status, 200);
      assert.equal((await t.request('GET', byName('sales'))).body.totalResults, 3);

      await setup.servers[0]!.running.services.admin.setTenantSetting(t.name, 'groups.displayName.unique', 'true');
      const member = await t.request('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'sales.member' });
      const add = await t.request('PATCH', `/Groups/${a.body.id}`, patch({ op: 'add', path: 'members', value: [{ value: member.body.id }] }));
      assert.equal(add.status, 200, add.text);
      assert.equal((await t.request('PUT', `/Groups/${b.body.id}`, group('SALES'))).status, 200, 'a PUT keeping its name');
      assertScimError(await t.request('POST', '/Groups', group('Sales')), 409, 'uniqueness');
      assert.equal((await t.request('PATCH', `/Groups/${c.body.id}`, patch({ op: 'replace', path: 'displayName', value: 'Sales EMEA' }))).status, 200, 'renamed away');
    });

    it(`${PARALLEL} concurrent POSTs of one name in ${PARALLEL} spellings, spread over the servers: one 201, the rest 409`, async () => {
      const t = await tenant();
      const token = t.token;
      const variants = Array.from({ length: PARALLEL }, (_, i) => mixedCase('race group name', i + 1));
      const replies = await Promise.all(variants.map((v, i) => setup.servers[i % setup.servers.length]!.request('POST', '/Groups', group(v), { authorization: `Bearer ${token}` })));
      assert.deepEqual(statusCounts(replies), { 201: 1, 409: PARALLEL - 1 });
      for (const r of replies.filter((x) => x.status === 409)) assert.equal(r.body.scimType, 'uniqueness', r.text);
      assert.equal((await t.request('GET', '/Groups?count=0')).body.totalResults, 1);
    });

    it('concurrent renames of two groups to one name: one wins', async () => {
      const t = await tenant();
      const ids = [];
      for (const name of ['first', 'second']) ids.push((await t.request('POST', '/Groups', group(name))).body.id as string);
      const token = t.token;
      const replies = await Promise.all(
        ids.map((id, i) => setup.servers[i % setup.servers.length]!.request('PATCH', `/Groups/${id}`, patch({ op: 'replace', path: 'displayName', value: i ? 'TARGET' : 'target' }), { authorization: `Bearer ${token}` })),
      );
      assert.deepEqual(statusCounts(replies), { 200: 1, 409: 1 });
      assert.equal((await t.request('GET', byName('Target'))).body.totalResults, 1);
    });
  });
}

describe('resource endpoints answer in any case; ids and tenant names keep theirs', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.close());

  it('/users, /GROUPS, /Users/{id} in other cases, discovery and .search, on a default client', async () => {
    const created = await s.request('POST', '/users', user('case.user'));
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    assert.equal(created.headers.get('location'), `${s.base}/Users/${id}`, 'Location names the canonical endpoint');
    assert.equal((await s.request('GET', `/USERS/${id}`)).body.userName, 'case.user');
    assert.equal((await s.request('GET', `/users?filter=${encodeURIComponent('userName eq "case.user"')}`)).body.totalResults, 1);
    const g = await s.request('POST', '/GROUPS', group('Case Group', { members: [{ value: id }] }));
    assert.equal(g.status, 201, g.text);
    const renamed = await s.request('PATCH', `/groups/${g.body.id}`, patch({ op: 'replace', path: 'displayName', value: 'Case Group 2' }));
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal((await s.request('POST', '/users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName sw "case"' })).body.totalResults, 1);
    for (const path of ['/serviceproviderconfig', '/SERVICEPROVIDERCONFIG', '/resourcetypes', '/schemas', '/resourcetypes/User']) {
      const r = await s.request('GET', path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
    }
    for (const base of [`${s.origin}/SCIM/V2`, `${s.origin}/Scim`]) {
      assert.equal((await s.request('GET', `${base}/Users/${id}`)).status, 200, base);
    }
    assert.equal((await s.request('DELETE', `/Users/${id}`)).status, 204);
  });

  it('an id in another case is another id (404), and the tenant path keeps the tenant name', async () => {
    const created = await s.request('POST', '/Users', user('id.case'));
    const id = created.body.id as string;
    const flipped = id.toUpperCase() === id ? id.toLowerCase() : id.toUpperCase();
    assertScimError(await s.request('GET', `/Users/${flipped}`), 404, undefined);
    const t = await s.scimTenant('case-tenant');
    const auth = { authorization: `Bearer ${t.token}` };
    const r = await s.request('POST', `${s.origin}/T/case-tenant/SCIM/v2/users`, user('in.tenant'), auth);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('location'), `${s.origin}/t/case-tenant/scim/v2/Users/${r.body.id}`, 'Location names the canonical mount');
    // The router folds the path it matches, never the values it hands over: a tenant name in
    // capitals (tenant names are lower case) still names no tenant.
    assert.notEqual((await s.request('GET', `${s.origin}/t/CASE-TENANT/scim/v2/Users/${r.body.id}`, undefined, auth)).status, 200);
  });
});

describe('group PATCH answers by the client setting groupPatchResponse', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.close());
  let seq = 0;

  /** A tenant whose client has groupPatchResponse = `mode` (unset for undefined), a group and one user not in it. */
  async function setup(mode?: 'auto' | 'full' | 'none') {
    const t = await s.scimTenant(`gpr-${++seq}`);
    if (mode) await s.running.services.admin.setClientSetting(t.name, 'idp', 'groupPatchResponse', mode);
    const u = await t.request('POST', '/Users', user(`gpr.user.${seq}`));
    const member = await t.request('POST', '/Users', user(`gpr.member.${seq}`));
    const g = await t.request('POST', '/Groups', group(`gpr group ${seq}`, { members: [{ value: member.body.id }] }));
    assert.equal(g.status, 201, g.text);
    const add = patch({ op: 'add', path: 'members', value: [{ value: u.body.id }] });
    return { t, userId: u.body.id as string, groupId: g.body.id as string, add };
  }

  /** `n` users inserted through the store in one statement batch, made members of the group in one delta. */
  async function addStoredMembers(tenantName: string, groupId: string, n: number): Promise<void> {
    const { admin, registry } = s.running.services;
    const { store } = s.running;
    const tenantId = (await admin.tenant(tenantName)).id;
    const at = new Date().toISOString();
    const items = Array.from({ length: n }, (_, i) => {
      const data = { userName: `bulk-${i}@example.com` };
      return { resource: { id: randomUUID(), type: 'User' as const, version: 1, created: at, lastModified: at, data }, search: searchForm(data, registry.resource('User')) };
    });
    await store.transaction(async (tx) => {
      await tx.insertResources(tenantId, items);
      await tx.applyMemberDelta(tenantId, groupId, { clear: false, add: new Map(items.map((x) => [x.resource.id, 'User' as const])), remove: new Set() });
    });
  }

  function assertGroupBody(r: Reply, groupId: string, members: number): void {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, groupId);
    assert.equal(r.body.members.length, members);
    assert.equal(r.headers.get('etag'), r.body.meta.version, 'the ETag is the version of the body');
    assert.match(r.headers.get('location') ?? '', new RegExp(`/Groups/${groupId}$`));
  }

  function assertNoBody(r: Reply): void {
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assert.match(r.headers.get('etag') ?? '', /^W\/"\d+"$/);
  }

  it('auto (the default): 200 with the group, projected when asked; a user PATCH is 200 too', async () => {
    const { t, groupId, userId, add } = await setup();
    assertGroupBody(await t.request('PATCH', `/Groups/${groupId}`, add), groupId, 2);
    const excluded = await t.request('PATCH', `/Groups/${groupId}?excludedAttributes=members`, patch({ op: 'replace', path: 'displayName', value: 'renamed' }));
    assert.equal(excluded.status, 200, excluded.text);
    assert.equal(excluded.body.displayName, 'renamed');
    assert.equal(excluded.body.members, undefined);
    const only = await t.request('PATCH', `/Groups/${groupId}?attributes=displayName`, patch({ op: 'remove', path: `members[value eq "${userId}"]` }));
    assert.equal(only.status, 200, only.text);
    assert.deepEqual(Object.keys(only.body).sort(), ['displayName', 'id', 'schemas']);
    const u = await t.request('PATCH', `/Users/${userId}`, patch({ op: 'replace', path: 'title', value: 'Dr' }));
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.title, 'Dr');
  });

  it('full: always 200 with the group; none: always 204 with the ETag (users still 200)', async () => {
    const full = await setup('full');
    assertGroupBody(await full.t.request('PATCH', `/Groups/${full.groupId}`, full.add), full.groupId, 2);
    const none = await setup('none');
    assertNoBody(await none.t.request('PATCH', `/Groups/${none.groupId}`, none.add));
    assertNoBody(await none.t.request('PATCH', `/Groups/${none.groupId}?excludedAttributes=members`, patch({ op: 'replace', path: 'displayName', value: 'x' })));
    assert.equal((await none.t.request('GET', `/Groups/${none.groupId}`)).body.members.length, 2, 'the change was made');
    assert.equal((await none.t.request('PATCH', `/Users/${none.userId}`, patch({ op: 'replace', path: 'title', value: 'Dr' }))).status, 200);
  });

  it('auto above 1,000 members: 204, and 200 again at 1,000; full renders the large group', async () => {
    const { t, groupId, userId, add } = await setup();
    await addStoredMembers(t.name, groupId, 999);
    // 1 + 999 members, plus the one this PATCH adds: 1,001.
    assertNoBody(await t.request('PATCH', `/Groups/${groupId}`, add));
    assert.equal((await t.request('GET', `/Groups/${groupId}`)).body.members.length, 1001);
    // Asked for (cheaply, without the members): a body at any size.
    const asked = await t.request('PATCH', `/Groups/${groupId}?excludedAttributes=members`, patch({ op: 'replace', path: 'displayName', value: 'big' }));
    assert.equal(asked.status, 200, asked.text);
    assert.equal(asked.body.members, undefined);
    assertGroupBody(await t.request('PATCH', `/Groups/${groupId}`, patch({ op: 'remove', path: `members[value eq "${userId}"]` })), groupId, 1000);
    await s.running.services.admin.setClientSetting(t.name, 'idp', 'groupPatchResponse', 'full');
    assertGroupBody(await t.request('PATCH', `/Groups/${groupId}`, add), groupId, 1001);
  });

  it('the setting takes auto, full, none or default, and refuses anything else', async () => {
    const t = await s.scimTenant(`gpr-${++seq}`);
    const admin = s.running.services.admin;
    for (const v of ['auto', 'full', 'none']) assert.equal((await admin.setClientSetting(t.name, 'idp', 'groupPatchResponse', v)).settings.groupPatchResponse, v);
    assert.equal((await admin.setClientSetting(t.name, 'idp', 'groupPatchResponse', 'default')).settings.groupPatchResponse, undefined);
    await assert.rejects(admin.setClientSetting(t.name, 'idp', 'groupPatchResponse', 'sometimes'), /'groupPatchResponse' takes auto or full or none, not 'sometimes'/);
  });
});
