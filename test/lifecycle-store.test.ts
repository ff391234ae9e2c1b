/**
 * The store methods behind invitations, validations, the mail outbox and tombstones, on both
 * adapters (SQLite file, PostgreSQL database) with the same scenarios; then the Wire invitation
 * flow end to end on a server that runs on PostgreSQL, with a real SMTP server process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../src/store/types.ts';
import { BACKENDS } from './helpers/backends.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { send, startTestServer, user, type TestServer } from './helpers/server.ts';
import { startSmtpServer, type SmtpServer } from './helpers/smtp.ts';

const at = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString();

for (const backend of BACKENDS) {
  describe(`lifecycle store methods on ${backend.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const T = 'tenant-a';
    before(async () => {
      ({ store, close } = await backend.open('lifecycle'));
      await store.createTenant({ id: T, name: 'a', status: 'active', createdAt: at(0), settings: {} });
    });
    after(() => close?.());

    const link = (id: string, userId: string, kind: 'invitation' | 'validation', created: number) => ({
      id,
      hash: `hash-${id}`,
      tenantId: T,
      userId,
      kind,
      email: `${userId}@example.com`,
      origin: 'https://scim.example.com',
      createdAt: at(created),
      expiresAt: at(created + 3600),
    });

    it('links: by id and hash, latest per user and kind, reissued only while unused, retired by kind or all, deleted', async () => {
      await store.createLink(link('l1', 'u1', 'invitation', 1));
      await store.createLink(link('l2', 'u1', 'invitation', 2));
      await store.createLink(link('l3', 'u1', 'validation', 3));
      await store.createLink(link('l4', 'u2', 'invitation', 4));
      assert.deepEqual(await store.linkById('l1'), link('l1', 'u1', 'invitation', 1));
      assert.equal((await store.linkByHash('hash-l2'))?.id, 'l2');
      assert.equal((await store.latestLink(T, 'u1', 'invitation'))?.id, 'l2');
      assert.equal((await store.latestLink(T, 'u1', 'validation'))?.id, 'l3');
      assert.equal(await store.latestLink(T, 'u9', 'invitation'), undefined);

      assert.equal(await store.reissueLink('l2', 'hash-l2b', at(10), at(3610)), true);
      assert.equal(await store.linkByHash('hash-l2'), undefined, 'the old hash no longer finds it');
      assert.deepEqual(await store.linkByHash('hash-l2b'), { ...link('l2', 'u1', 'invitation', 2), hash: 'hash-l2b', createdAt: at(10), expiresAt: at(3610) });

      await store.retireLinks(T, 'u1', 'invitation', at(20));
      assert.equal((await store.linkById('l1'))?.usedAt, at(20));
      assert.equal((await store.linkById('l2'))?.usedAt, at(20));
      assert.equal((await store.linkById('l3'))?.usedAt, undefined, 'the other kind is untouched');
      assert.equal(await store.reissueLink('l2', 'hash-l2c', at(21), at(3621)), false, 'a used link gets no new token');
      assert.equal(await store.useLink('hash-l2b', at(22)), false, 'nor can it be used');

      await store.retireLinks(T, 'u1', undefined, at(30));
      assert.equal((await store.linkById('l3'))?.usedAt, at(30));
      assert.equal((await store.linkById('l4'))?.usedAt, undefined, 'another user is untouched');
      assert.equal(await store.useLink('hash-l4', at(31)), true);
      assert.equal(await store.useLink('hash-l4', at(32)), false, 'once');

      await store.deleteLinks(T, 'u1');
      assert.equal(await store.linkById('l1'), undefined);
      assert.equal(await store.linkById('l3'), undefined);
      assert.ok(await store.linkById('l4'));
    });

    it('mail: claimed when due, failed with a next attempt, dropped for good, listed pending or all', async () => {
      await store.enqueueMail({ tenantId: T, recipient: 'a@example.com', subject: 's1', body: 'b1', linkId: 'l4', createdAt: at(100) });
      await store.enqueueMail({ tenantId: T, recipient: 'b@example.com', subject: 's2', body: 'b2', createdAt: at(101) });
      const claimed = await store.claimMail(at(200), at(260), 10);
      assert.deepEqual(claimed.map((m) => [m.recipient, m.linkId, m.attempts]), [['a@example.com', 'l4', 0], ['b@example.com', undefined, 0]]);
      assert.deepEqual(await store.claimMail(at(201), at(261), 10), [], 'claimed mail is not claimed twice');

      await store.markMailFailed(claimed[0]!.id!, '451 busy', at(300));
      await store.dropMail(claimed[1]!.id!, 'not sent: retired', at(202));
      assert.deepEqual(await store.claimMail(at(299), at(359), 10), [], 'not due before its next attempt; dropped never');
      const again = await store.claimMail(at(300), at(360), 10);
      assert.deepEqual(again.map((m) => [m.recipient, m.attempts, m.lastError]), [['a@example.com', 1, '451 busy']]);
      await store.markMailSent(again[0]!.id!, at(301));

      const all = await store.listMail({ tenantId: T, limit: 10 });
      assert.deepEqual(all.map((m) => [m.recipient, m.sentAt, m.droppedAt, m.lastError]), [
        ['b@example.com', undefined, at(202), 'not sent: retired'],
        ['a@example.com', at(301), undefined, undefined],
      ]);
      assert.deepEqual(await store.listMail({ tenantId: T, pendingOnly: true, limit: 10 }), []);
    });

    it('tombstones keep the version the resource had', async () => {
      await store.putTombstone(T, { id: 'u1', type: 'User', data: { userName: 'one' }, created: at(0), deletedAt: at(5), version: 7 });
      await store.putTombstone(T, { id: 'u2', type: 'User', data: { userName: 'two' }, created: at(0), deletedAt: at(6) });
      assert.deepEqual(
        (await store.listTombstones(T)).map((t) => [t.id, t.version]),
        [
          ['u1', 7],
          ['u2', undefined],
        ],
      );
      assert.equal((await store.takeTombstone(T, 'u1'))?.version, 7);
      assert.equal(await store.takeTombstone(T, 'u1'), undefined);
    });
  });
}

describe('the Wire invitation flow on PostgreSQL', () => {
  let db: TestDatabase;
  let smtp: SmtpServer;
  let s: TestServer;
  before(async () => {
    [db, smtp] = await Promise.all([freshDatabase('invitations'), startSmtpServer()]);
    s = await startTestServer({ databaseUrl: db.url, smtpUrl: smtp.url }, { mailPollMs: 50 });
  });
  after(async () => {
    await s?.close();
    await smtp?.stop();
    await db?.drop();
  });

  it('invited, inactive, accepted, active; the token works once', async () => {
    const token = await s.tenant('wire');
    await s.running.services.admin.setTenantSetting('wire', 'externalId.mode', 'email');
    const idp = (method: string, path: string, body?: unknown) => s.request(method, path, body, { authorization: `Bearer ${token}` });
    const created = await idp('POST', '/Users', user('pg.alice', { externalId: 'alice@pg.example', active: true }));
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.active, false);
    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes('alice@pg.example'));
    const link = mail.links.find((l) => l.includes('/invitations/'))!;
    assert.equal((await send(link, 'GET')).status, 200);
    assert.equal((await send(link, 'POST')).status, 200);
    assert.equal((await send(link, 'POST')).status, 410);
    assert.equal((await idp('GET', `/Users/${created.body.id}`)).body.active, true);
  });
});
