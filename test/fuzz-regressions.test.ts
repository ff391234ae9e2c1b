/**
 * One focused test per bug the fuzzer (test/fuzz/) found, each with the smallest input that
 * showed it, so that the fix stays fixed whatever the fuzzer's seed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertScimError } from './fuzz/exchange.ts';
import { startTestServer, user, USER_SCHEMA, type TestServer } from './helpers/server.ts';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

describe('fuzzer findings, fixed', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('a body nested thousands of levels deep is 400 invalidSyntax, not a stack overflow and a 500; 20 levels are fine', async () => {
    const deep = (n: number) => `${'{"x":'.repeat(n)}1${'}'.repeat(n)}`;
    const body = (n: number) => `{"schemas":["${USER_SCHEMA}"],"userName":"deep-${n}","nested":${deep(n)}}`;
    for (const [path, method] of [['/Users', 'POST'], ['/.search', 'POST'], ['/Bulk', 'POST']] as const) {
      const r = await s.request(method, path, body(3000));
      assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
      assertScimError(r.body, 400, path);
      assert.equal(r.body.scimType, 'invalidSyntax');
    }
    const arrays = await s.request('POST', '/Users', `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    assert.equal(arrays.status, 400, arrays.text);
    // The unknown attribute `nested` is ignored.
    const ok = await s.request('POST', '/Users', body(20));
    assert.equal(ok.status, 201, ok.text);
    assert.equal((await s.request('GET', '/Users?count=0')).body.totalResults, 1);
  });

  it('Bulk: an unresolvable bulkId is 409 without the 400-only scimType invalidValue (RFC 7644 §3.7.1, §3.12 Table 9)', async () => {
    const r = await s.request('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'DELETE', path: '/Users/bulkId:a' },
        { method: 'POST', path: '/Users', bulkId: 'b', data: user('bulk-unresolved') },
      ],
    });
    assert.equal(r.status, 200, r.text);
    const [del, post] = r.body.Operations;
    assert.equal(del.status, '409');
    assertScimError(del.response, 409, 'unresolved bulkId');
    assert.equal(del.response.scimType, undefined);
    assert.equal(post.status, '201');
  });

  it('Bulk: circular references scimd cannot break are 409 without scimType', async () => {
    const r = await s.request('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'u', data: user('cycle-user', { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'bulkId:v' } } }) },
        { method: 'POST', path: '/Users', bulkId: 'v', data: user('cycle-user-2', { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'bulkId:u' } } }) },
      ],
    });
    assert.equal(r.status, 200, r.text);
    for (const op of r.body.Operations) {
      assert.equal(op.status, '409', JSON.stringify(op));
      assertScimError(op.response, 409, 'circular bulkIds');
      assert.equal(op.response.scimType, undefined);
    }
  });
});
