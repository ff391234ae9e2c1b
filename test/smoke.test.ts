import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, user, type TestServer } from './helpers/server.ts';

describe('smoke: a fresh server', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('answers an empty ListResponse, then finds a created user case-insensitively', async () => {
    const empty = await s.request('GET', '/Users');
    assert.equal(empty.status, 200);
    assert.equal(empty.body.totalResults, 0);
    const created = await s.request('POST', '/Users', user('Alice'));
    assert.equal(created.status, 201);
    const found = await s.request('GET', '/Users?filter=' + encodeURIComponent('userName eq "ALICE"'));
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].id, created.body.id);
  });
});
