/** Tenant isolation: every query is scoped by tenant; another tenant's ids answer 404 (issue: core, Store). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ERROR_SCHEMA, SEARCH_REQUEST, group, patch, send, startTestServer, user, type TestServer } from './helpers/server.ts';

describe('tenant isolation', () => {
  let s: TestServer;
  let beta: string;
  let alice: { id: string; meta: { version: string } };
  let team: { id: string };
  const asBeta = (method: string, path: string, body?: unknown) => s.request(method, path, body, { authorization: `Bearer ${beta}` });

  before(async () => {
    s = await startTestServer();
    beta = await s.tenant('beta');
    alice = (await s.request('POST', '/Users', user('alice', { externalId: 'ext-alice', emails: [{ value: 'alice@a.example' }] }))).body;
    team = (await s.request('POST', '/Groups', group('Team', { members: [{ value: alice.id }] }))).body;
  });
  after(() => s.close());

  it("another tenant's user and group ids answer 404 to every method", async () => {
    for (const [path, body] of [
      [`/Users/${alice.id}`, user('stolen')],
      [`/Groups/${team.id}`, group('Stolen')],
    ] as const) {
      for (const [method, b] of [
        ['GET', undefined],
        ['PUT', body],
        ['PATCH', patch({ op: 'replace', path: path.startsWith('/Users') ? 'title' : 'displayName', value: 'x' })],
        ['DELETE', undefined],
      ] as const) {
        const r = await asBeta(method, path, b);
        assert.equal(r.status, 404, `${method} ${path}`);
        assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
      }
    }
  });

  it("another tenant's resources appear in no list, filter or search", async () => {
    const filters = [`id eq "${alice.id}"`, 'userName eq "alice"', 'externalId eq "ext-alice"', 'emails.value eq "alice@a.example"', 'userName pr', `groups.value eq "${team.id}"`];
    for (const f of filters) {
      const r = await asBeta('GET', `/Users?filter=${encodeURIComponent(f)}`);
      assert.equal(r.status, 200, f);
      assert.equal(r.body.totalResults, 0, f);
    }
    assert.equal((await asBeta('GET', '/Groups')).body.totalResults, 0);
    assert.equal((await asBeta('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${alice.id}"`)}`)).body.totalResults, 0);
    assert.equal((await asBeta('POST', '/.search', { schemas: [SEARCH_REQUEST] })).body.totalResults, 0);
  });

  it("a group cannot take another tenant's user as a member", async () => {
    const r = await asBeta('POST', '/Groups', group('Poach', { members: [{ value: alice.id }] }));
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'invalidValue');
    const own = (await asBeta('POST', '/Groups', group('Own'))).body;
    const p = await asBeta('PATCH', `/Groups/${own.id}`, patch({ op: 'add', path: 'members', value: [{ value: alice.id }] }));
    assert.equal(p.status, 400);
  });

  it("bulk operations cannot reach another tenant's resources", async () => {
    const r = await asBeta('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'DELETE', path: `/Users/${alice.id}` },
        { method: 'PATCH', path: `/Groups/${team.id}`, data: patch({ op: 'remove', path: 'members' }) },
      ],
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.Operations.map((o: { status: string }) => o.status), ['404', '404']);
  });

  it('the same userName may exist in two tenants', async () => {
    const r = await asBeta('POST', '/Users', user('ALICE'));
    assert.equal(r.status, 201);
    assert.notEqual(r.body.id, alice.id);
  });

  it('a token only opens its own tenant on /t/{tenant}/scim/v2', async () => {
    assert.equal((await send(`${s.origin}/t/beta/scim/v2/Users`, 'GET', undefined, { authorization: `Bearer ${beta}` })).status, 200);
    const wrong = await send(`${s.origin}/t/default/scim/v2/Users`, 'GET', undefined, { authorization: `Bearer ${beta}` });
    assert.equal(wrong.status, 401);
    const missing = await send(`${s.origin}/t/nosuch/scim/v2/Users`, 'GET', undefined, { authorization: `Bearer ${beta}` });
    assert.equal(missing.status, 401);
  });

  it('nothing the other tenant tried changed the first tenant', async () => {
    const a = await s.request('GET', `/Users/${alice.id}`);
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('etag'), alice.meta.version);
    const t = await s.request('GET', `/Groups/${team.id}`);
    assert.deepEqual(t.body.members.map((m: { value: string }) => m.value), [alice.id]);
    assert.equal(t.headers.get('etag'), 'W/"1"');
  });

  it('disabling one tenant refuses its requests with 403 and leaves the other alone', async () => {
    await s.running.services.admin.setTenantStatus('beta', 'disabled');
    const r = await asBeta('GET', '/Users');
    assert.equal(r.status, 403);
    assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
    assert.equal((await s.request('GET', '/Users')).status, 200);
    await s.running.services.admin.setTenantStatus('beta', 'active');
    assert.equal((await asBeta('GET', '/Users')).status, 200);
  });
});
