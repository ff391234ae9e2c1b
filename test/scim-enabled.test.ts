/**
 * scim.enabled (Appsemble's "Enable SCIM" box), set with the real `scimd tenant set`:
 * while false, every SCIM request of the tenant — resources, searches, /Bulk, discovery, on every
 * mount — gets 403 with a detail saying SCIM is disabled for this tenant, and changes nothing.
 * The data stays; turned back on, it is all there. Other tenants carry on meanwhile.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scimdCli } from './helpers/cli.ts';
import { ERROR_SCHEMA, group, patch, send, startTestServer, user, type Reply, type TestServer } from './helpers/server.ts';

const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

let s: TestServer;
let appsToken: string;
let otherToken: string;
let userId: string;
let groupId: string;
let userVersion: string;

const as = (token: string, method: string, url: string, body?: unknown): Promise<Reply> => send(url, method, body, { authorization: `Bearer ${token}` });

before(async () => {
  s = await startTestServer();
  [appsToken, otherToken] = [await s.tenant('apps'), await s.tenant('other')];
  const u = await as(appsToken, 'POST', `${s.base}/Users`, user('ann'));
  const g = await as(appsToken, 'POST', `${s.base}/Groups`, group('Team', { members: [{ value: u.body.id }] }));
  [userId, groupId, userVersion] = [u.body.id, g.body.id, u.body.meta.version];
});
after(() => s?.close());

/** Every kind of SCIM request, under one base URL. */
function requests(base: string): [string, string, unknown?][] {
  return [
    ['GET', `${base}/Users`],
    ['GET', `${base}/Users/${userId}`],
    ['POST', `${base}/Users`, user('bob')],
    ['PUT', `${base}/Users/${userId}`, user('ann-renamed')],
    ['PATCH', `${base}/Users/${userId}`, patch({ op: 'replace', path: 'displayName', value: 'x' })],
    ['DELETE', `${base}/Users/${userId}`],
    ['GET', `${base}/Groups`],
    ['GET', `${base}/Groups/${groupId}`],
    ['POST', `${base}/Groups`, group('New')],
    ['PATCH', `${base}/Groups/${groupId}`, patch({ op: 'remove', path: 'members' })],
    ['DELETE', `${base}/Groups/${groupId}`],
    ['POST', `${base}/Users/.search`, { schemas: [SEARCH] }],
    ['POST', `${base}/Groups/.search`, { schemas: [SEARCH] }],
    ['POST', `${base}/.search`, { schemas: [SEARCH] }],
    ['POST', `${base}/Bulk`, { schemas: [BULK], Operations: [{ method: 'DELETE', path: `/Users/${userId}` }] }],
    ['GET', `${base}/ServiceProviderConfig`],
    ['GET', `${base}/ResourceTypes`],
    ['GET', `${base}/ResourceTypes/User`],
    ['GET', `${base}/Schemas`],
    ['GET', `${base}/Schemas/urn:ietf:params:scim:schemas:core:2.0:User`],
    ['GET', `${base}/Me`],
  ];
}

describe('scim.enabled = false', () => {
  it('refuses every SCIM request of the tenant with 403 on every mount, changes nothing, and leaves other tenants alone', async () => {
    const off = await scimdCli(['tenant', 'set', 'apps', 'scim.enabled', 'false'], s.dataDir);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /Tenant 'apps': scim\.enabled = false\./);

    const bases = [s.base, `${s.origin}/scim`, `${s.origin}/t/apps/scim/v2`];
    for (const base of bases) {
      for (const [method, url, body] of requests(base)) {
        const r = await as(appsToken, method, url, body);
        const what = `${method} ${url.slice(s.origin.length)}`;
        assert.equal(r.status, 403, `${what}: ${r.text}`);
        assert.equal(r.headers.get('content-type')?.split(';')[0], 'application/scim+json', what);
        assert.deepEqual(r.body, { schemas: [ERROR_SCHEMA], status: '403', detail: "SCIM is disabled for tenant 'apps' (scim.enabled = false); its data is kept" }, what);
      }
    }

    // Other tenants carry on; a stranger's token still learns nothing about this tenant.
    assert.equal((await as(otherToken, 'GET', `${s.base}/Users`)).status, 200);
    assert.equal((await as(otherToken, 'POST', `${s.base}/Users`, user('bob'))).status, 201);
    const foreign = await as(otherToken, 'GET', `${s.origin}/t/apps/scim/v2/Users`);
    assert.equal(foreign.status, 401, 'a token of another tenant is not valid here, whatever the state');
    assert.doesNotMatch(foreign.text, /disabled/);
    assert.equal((await as('scimd_not-a-token', 'GET', `${s.base}/Users`)).status, 401);

    const summary = await s.running.services.admin.summary('apps');
    assert.equal(summary.users, 1, 'the data is kept');
    assert.equal(summary.groups, 1);
  });

  it('turned back on, the data is all there, unchanged', async () => {
    const on = await scimdCli(['tenant', 'set', 'apps', 'scim.enabled', 'default'], s.dataDir);
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /scim\.enabled = true \(default\)/);
    const u = await as(appsToken, 'GET', `${s.base}/Users/${userId}`);
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.userName, 'ann');
    assert.equal(u.body.meta.version, userVersion, 'not one write got through');
    assert.equal(u.body.groups[0].value, groupId);
    const g = await as(appsToken, 'GET', `${s.base}/Groups/${groupId}`);
    assert.deepEqual(
      g.body.members.map((m: { value: string }) => m.value),
      [userId],
    );
    assert.equal((await as(appsToken, 'GET', `${s.base}/Users?count=0`)).body.totalResults, 1, "bob was never created in 'apps'");
    assert.equal((await as(appsToken, 'GET', `${s.base}/ServiceProviderConfig`)).status, 200);
  });
});
