/**
 * Deprovisioning (issue 5, item 7; SuperOffice): `deprovision.delete = tombstone` keeps a deleted
 * user aside — gone from every read, lookup and filter, its userName free again — until an admin
 * restores it with the real `scimd user restore` (which refuses, clearly, when the userName was
 * taken meanwhile). The default hard delete removes the user and what hangs on it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scimdCli } from './helpers/cli.ts';
import { group, patch, startTestServer, user, type TestServer } from './helpers/server.ts';

describe('deprovision.delete', () => {
  let s: TestServer;
  let crm: string;
  let plain: string;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const call = (token: string) => (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => s.request(method, path, body, { ...as(token), ...headers });
  const filter = (f: string) => `/Users?filter=${encodeURIComponent(f)}`;
  const scimd = (...args: string[]) => scimdCli([...args, '--data-dir', s.dataDir]);

  before(async () => {
    s = await startTestServer();
    crm = await s.tenant('crm');
    plain = await s.tenant('plain');
    await s.running.services.admin.setTenantSetting('crm', 'deprovision.delete', 'tombstone');
  });
  after(() => s?.close());

  it('tombstone: DELETE hides the user everywhere and frees its userName; restore brings it back', async () => {
    const idp = call(crm);
    const created = await idp('POST', '/Users', user('ann', { externalId: 'ann-1', emails: [{ value: 'ann@crm.example', primary: true }], title: 'Seller' }));
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    const team = await idp('POST', '/Groups', group('Sales', { members: [{ value: id }] }));
    assert.equal(team.status, 201, team.text);
    const renamed = await idp('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Lead' }));
    const etag = renamed.headers.get('etag')!;
    assert.equal(etag, 'W/"2"');

    assert.equal((await idp('DELETE', `/Users/${id}`)).status, 204);
    assert.equal((await idp('GET', `/Users/${id}`)).status, 404);
    assert.equal((await idp('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'x' }))).status, 404);
    assert.equal((await idp('PUT', `/Users/${id}`, user('ann'))).status, 404);
    assert.equal((await idp('DELETE', `/Users/${id}`)).status, 404, 'a second DELETE finds nothing');
    for (const f of ['userName eq "ann"', 'externalId eq "ann-1"', 'emails.value eq "ann@crm.example"', 'title eq "Lead"']) {
      assert.equal((await idp('GET', filter(f))).body.totalResults, 0, f);
    }
    assert.equal((await idp('GET', '/Users')).body.totalResults, 0);
    assert.equal((await idp('POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName eq "ann"' })).body.totalResults, 0);
    assert.deepEqual((await idp('GET', `/Groups/${team.body.id}`)).body.members ?? [], [], 'no longer a member');

    // The userName is free for somebody else.
    const other = await idp('POST', '/Users', user('ANN', { externalId: 'ann-2' }));
    assert.equal(other.status, 201, other.text);

    const listed = await scimd('user', 'tombstones', 'crm', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const stones = JSON.parse(listed.stdout) as { id: string; userName: string; deletedAt: string }[];
    assert.deepEqual(stones.map((t) => [t.id, t.userName]), [[id, 'ann']]);

    // Restoring while the userName is taken: a clear error, exit code 1, and the tombstone stays.
    const refused = await scimd('user', 'restore', 'crm', id);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /Cannot restore 'ann' \(.+\): another user has taken the userName 'ann' since it was deleted\. Rename or delete that user, then restore again; the tombstone is kept\./);
    assert.doesNotMatch(refused.stderr, /at .+\.ts:\d+/, 'no stack trace');
    assert.equal((await s.running.services.tenantAdmin.listTombstones('crm')).length, 1);
    assert.equal((await idp('GET', `/Users/${id}`)).status, 404);

    // Once the other user is renamed, the restore works: same id and data, the next version.
    assert.equal((await idp('PATCH', `/Users/${other.body.id}`, patch({ op: 'replace', path: 'userName', value: 'ann.other' }))).status, 200);
    assert.equal((await s.running.services.tenantAdmin.restoreUser('crm', id)).id, id);
    const back = await idp('GET', `/Users/${id}`);
    assert.equal(back.status, 200);
    assert.equal(back.body.userName, 'ann');
    assert.equal(back.body.title, 'Lead');
    assert.equal(back.body.meta.created, created.body.meta.created);
    assert.equal(back.headers.get('etag'), 'W/"3"', 'the version goes on: an ETag from before the deletion never matches again');
    assert.equal((await idp('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'x' }), { 'if-match': etag })).status, 412);
    assert.equal((await idp('GET', filter('emails.value eq "ann@crm.example"'))).body.totalResults, 1, 'findable again');
    assert.deepEqual(await s.running.services.tenantAdmin.listTombstones('crm'), []);
    const events = await s.running.services.tenantAdmin.listEvents('crm');
    assert.ok(events.some((e) => e.type === 'user.restored' && e.resourceId === id), JSON.stringify(events));

    await assert.rejects(s.running.services.tenantAdmin.restoreUser('crm', id), /Tenant 'crm' has no deleted user/);
  });

  it('a restored user keeps its password hash (passwords = hash); listings never show it', async () => {
    await s.running.services.admin.setTenantSetting('crm', 'passwords', 'hash');
    try {
      const idp = call(crm);
      const u = await idp('POST', '/Users', user('pat', { password: 'Restore-Me-Pa55!' }));
      assert.equal(await s.running.services.tenantAdmin.verifyPassword('crm', 'pat', 'Restore-Me-Pa55!'), u.body.id);
      assert.equal((await idp('DELETE', `/Users/${u.body.id}`)).status, 204);
      assert.equal(await s.running.services.tenantAdmin.verifyPassword('crm', 'pat', 'Restore-Me-Pa55!'), undefined, 'a deleted user cannot sign in');
      const listed = await s.running.services.tenantAdmin.listTombstones('crm');
      assert.ok(listed.some((t) => t.id === u.body.id));
      assert.ok(!JSON.stringify(listed).includes('scrypt$'), 'no hash in the listing');
      const restored = await s.running.services.tenantAdmin.restoreUser('crm', u.body.id);
      assert.ok(!JSON.stringify(restored).includes('scrypt$'));
      assert.equal(await s.running.services.tenantAdmin.verifyPassword('crm', 'pat', 'Restore-Me-Pa55!'), u.body.id);
    } finally {
      await s.running.services.admin.setTenantSetting('crm', 'passwords', 'discard');
    }
  });

  it('with userName.scope = global, a restore also refuses a userName another tenant took', async () => {
    await s.running.services.admin.setTenantSetting('crm', 'userName.scope', 'global');
    try {
      const idp = call(crm);
      const zed = await idp('POST', '/Users', user('zed'));
      assert.equal((await idp('DELETE', `/Users/${zed.body.id}`)).status, 204);
      assert.equal((await call(plain)('POST', '/Users', user('Zed'))).status, 201);
      await assert.rejects(s.running.services.tenantAdmin.restoreUser('crm', zed.body.id), /another user has taken the userName 'zed'/);
      assert.equal((await s.running.services.tenantAdmin.listTombstones('crm')).length, 1);
    } finally {
      await s.running.services.admin.setTenantSetting('crm', 'userName.scope', 'tenant');
    }
  });

  it("active: false deactivates without deleting: the user stays readable and listed", async () => {
    const idp = call(crm);
    const u = await idp('POST', '/Users', user('paused'));
    const off = await idp('PATCH', `/Users/${u.body.id}`, patch({ op: 'replace', path: 'active', value: false }));
    assert.equal(off.body.active, false);
    assert.equal((await idp('GET', `/Users/${u.body.id}`)).status, 200);
    assert.equal((await idp('GET', filter('userName eq "paused" and active eq false'))).body.totalResults, 1);
    assert.equal((await s.running.services.tenantAdmin.listTombstones('crm')).filter((t) => t.data.userName === 'paused').length, 0);
  });

  it('hard (the default): DELETE removes the user and its data; nothing to restore', async () => {
    const idp = call(plain);
    const marker = 'hard-delete-marker-7f3a9c';
    const u = await idp('POST', '/Users', user('gone', { title: marker }));
    assert.equal((await idp('DELETE', `/Users/${u.body.id}`)).status, 204);
    assert.equal((await idp('GET', `/Users/${u.body.id}`)).status, 404);
    assert.equal((await idp('GET', filter('userName eq "gone"'))).body.totalResults, 0);
    assert.deepEqual(await s.running.services.tenantAdmin.listTombstones('plain'), []);
    await assert.rejects(s.running.services.tenantAdmin.restoreUser('plain', u.body.id), /Tenant 'plain' has no deleted user/);
    assert.equal((await idp('POST', '/Users', user('gone'))).status, 201, 'the userName is free');
    assert.equal(await s.running.store.getResource((await s.running.services.admin.tenant('plain')).id, 'User', u.body.id), undefined, 'the row is gone');
    assert.equal((await idp('GET', filter(`title eq "${marker}"`))).body.totalResults, 0);
  });

  it('a deleted user’s mailed links stop working: retired with a tombstone, removed with a hard delete', async () => {
    for (const [name, token, mode] of [['crm', crm, 'tombstone'], ['plain', plain, 'hard']] as const) {
      await s.running.services.admin.setTenantSetting(name, 'externalId.mode', 'email');
      try {
        const idp = call(token);
        const u = await idp('POST', '/Users', user(`invitee-${mode}`, { externalId: `invitee-${mode}@example.com` }));
        assert.equal(u.status, 201, u.text);
        const tenantId = (await s.running.services.admin.tenant(name)).id;
        const link = await s.running.store.latestLink(tenantId, u.body.id, 'invitation');
        assert.ok(link && !link.usedAt);
        assert.equal((await idp('DELETE', `/Users/${u.body.id}`)).status, 204);
        const afterDelete = await s.running.store.latestLink(tenantId, u.body.id, 'invitation');
        if (mode === 'tombstone') assert.ok(afterDelete?.usedAt, 'retired: a restored user gets a new invitation');
        else assert.equal(afterDelete, undefined, 'removed with the user');
      } finally {
        await s.running.services.admin.setTenantSetting(name, 'externalId.mode', 'any');
      }
    }
  });
});
