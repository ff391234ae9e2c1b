/**
 * What IdPs and validators rely on, on a server's defaults (issue 10, item 3), end to end:
 * - group displayName unique per tenant without regard to case (409 uniqueness on POST, PUT, PATCH
 *   and /Bulk), switchable per tenant, race-safe on SQLite and on two PostgreSQL replicas;
 * - resource endpoints in any case (`/users`, `/GROUPS/{id}`), ids keeping theirs;
 * - the group PATCH answer chosen by the client setting groupPatchResponse (auto, full, none).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertScimError } from './helpers/assert.ts';
import { freshDatabase } from './helpers/postgres.ts';
import { mixedCase, PARALLEL, statusCounts } from './helpers/races.ts';
import { group, patch, startTestServer, user, type ScimTenant, type TestServer } from './helpers/server.ts';

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
      assert.ok(recase.status === 200 || recase.status === 204, recase.text);
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
      assert.equal((await t.request('PATCH', `/Groups/${c.body.id}`, patch({ op: 'replace', path: 'displayName', value: 'sales' }))).status, 204);
      assert.equal((await t.request('GET', byName('sales'))).body.totalResults, 3);

      await setup.servers[0]!.running.services.admin.setTenantSetting(t.name, 'groups.displayName.unique', 'true');
      const member = await t.request('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'sales.member' });
      const add = await t.request('PATCH', `/Groups/${a.body.id}`, patch({ op: 'add', path: 'members', value: [{ value: member.body.id }] }));
      assert.ok(add.status === 200 || add.status === 204, add.text);
      assert.equal((await t.request('PUT', `/Groups/${b.body.id}`, group('SALES'))).status, 200, 'a PUT keeping its name');
      assertScimError(await t.request('POST', '/Groups', group('Sales')), 409, 'uniqueness');
      assert.equal((await t.request('PATCH', `/Groups/${c.body.id}`, patch({ op: 'replace', path: 'displayName', value: 'Sales EMEA' }))).status, 204, 'renamed away');
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
      assert.deepEqual(statusCounts(replies), { 204: 1, 409: 1 });
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
    assert.ok(renamed.status === 200 || renamed.status === 204, renamed.text);
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
