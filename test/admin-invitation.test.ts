/**
 * A user's invitation state through the admin API (GET /admin/v1/tenants/{t}/users/{id}/invitation),
 * over real HTTP with a real SMTP server: pending while the mail waits and once sent, expired when
 * its link has, a resend (the admin API's) issues a new link, accepted once the link is followed,
 * none where the tenant does not invite; never the link or its token; 404 for unknown users and
 * for a key limited to another tenant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from './helpers/eventually.ts';
import { send, startTestServer, user, type Reply, type TestServer } from './helpers/server.ts';
import { startSmtpServer, type SmtpServer } from './helpers/smtp.ts';

const ROOT_KEY = 'invitation_root_key_0123456789abcdefghijklmnopqrstuvwxyz';
const DAY = 86_400_000;

describe('a user’s invitation state (admin API)', () => {
  let smtp: SmtpServer;
  let s: TestServer;
  let offset = 0;
  let token = '';
  const admin = (method: string, path: string, body?: unknown, key = ROOT_KEY): Promise<Reply> =>
    send(`${s.origin}/admin/v1${path}`, method, body, { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) });
  const idp = (method: string, path: string, body?: unknown) => s.request(method, path, body, { authorization: `Bearer ${token}` });

  before(async () => {
    smtp = await startSmtpServer();
    s = await startTestServer({ bootstrapAdminKey: ROOT_KEY, smtpUrl: smtp.url, mailFrom: 'Wire <no-reply@wire.example>' }, { now: () => new Date(Date.now() + offset), mailPollMs: 50 });
    token = await s.tenant('wire');
    await s.running.services.admin.setTenantSetting('wire', 'externalId.mode', 'email');
  });
  after(async () => {
    await s?.close();
    await smtp?.stop();
  });

  it('pending and sent, expired, resent, accepted — with times, and never the link', async () => {
    const created = await idp('POST', '/Users', user('bob', { externalId: 'bob@wire.example', active: true }));
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes('bob@wire.example'));
    const link = mail.links.find((l) => l.includes('/invitations/'))!;
    const linkToken = link.slice(link.lastIndexOf('/') + 1);

    const sent = await eventually(
      async () => {
        const r = await admin('GET', `/tenants/wire/users/${id}/invitation`);
        return r.body?.sentAt ? r : undefined;
      },
      { what: 'the invitation mail recorded as sent', intervalMs: 25 },
    );
    assert.equal(sent.status, 200, sent.text);
    assert.equal(sent.body.state, 'pending');
    assert.equal(sent.body.email, 'bob@wire.example');
    assert.equal(sent.body.mail, 'sent');
    assert.equal(sent.body.expired, false);
    assert.equal(sent.body.acceptedAt, null);
    // Seven days (invitation.ttl) from when the token was minted, which is when the mail went out.
    assert.equal(Date.parse(sent.body.expiresAt) - Date.parse(sent.body.issuedAt), 7 * DAY);
    assert.ok(Math.abs(Date.parse(sent.body.sentAt) - Date.parse(sent.body.issuedAt)) < 5_000);
    assert.ok(!sent.text.includes(linkToken), 'the token is not in the answer');
    assert.ok(!/hash|url|token/i.test(Object.keys(sent.body).join(',')), Object.keys(sent.body).join(','));

    // Eight days on, the link has expired: still pending, and the answer says so.
    offset = 8 * DAY;
    const expired = await admin('GET', `/tenants/wire/users/${id}/invitation`);
    assert.deepEqual([expired.body.state, expired.body.expired], ['pending', true]);

    // A resend through the admin API: a new link, issued now, valid seven days from now.
    const resent = await admin('POST', '/tenants/wire/invitations/bob/resend', {});
    assert.equal(resent.status, 200, resent.text);
    const second = await smtp.waitForMail((m) => m.envelopeTo.includes('bob@wire.example') && !m.text.includes(linkToken));
    const newLink = second.links.find((l) => l.includes('/invitations/'))!;
    const fresh = await eventually(
      async () => {
        const r = await admin('GET', `/tenants/wire/users/${id}/invitation`);
        return r.body?.mail === 'sent' && Date.parse(r.body.issuedAt) > Date.parse(sent.body.issuedAt) ? r : undefined;
      },
      { what: 'the second invitation recorded as sent', intervalMs: 25 },
    );
    assert.equal(fresh.body.expired, false);
    assert.ok(Date.parse(fresh.body.expiresAt) > Date.now() + offset + 6 * DAY);

    const accepted = await send(newLink, 'POST', '', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(accepted.status, 200, accepted.text);
    const done = await admin('GET', `/tenants/wire/users/${id}/invitation`);
    assert.equal(done.body.state, 'accepted');
    assert.equal(done.body.expired, false);
    assert.ok(done.body.acceptedAt && Math.abs(Date.parse(done.body.acceptedAt) - (Date.now() + offset)) < 60_000, done.text);
    offset = 0;
  });

  it('none where the tenant does not invite; 404 for an unknown user and for a key of another tenant', async () => {
    const plain = await s.scimTenant('plain');
    const u = await plain.request('POST', '/Users', user('carol', { externalId: 'carol@plain.example' }));
    assert.equal(u.status, 201, u.text);
    const none = await admin('GET', `/tenants/plain/users/${u.body.id}/invitation`);
    assert.equal(none.status, 200, none.text);
    assert.deepEqual(none.body, { state: 'none', email: null, issuedAt: null, sentAt: null, expiresAt: null, expired: false, acceptedAt: null, mail: null, mailError: null });
    const unknown = await admin('GET', '/tenants/plain/users/nope/invitation');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.type, 'urn:scimd:problem:not-found');
    const key = (await s.running.services.adminKeys.create('wire-only', { tenant: 'wire' })).key;
    const other = await admin('GET', `/tenants/plain/users/${u.body.id}/invitation`, undefined, key);
    assert.equal(other.status, 404);
    assert.equal(other.body.detail, "No tenant named 'plain'");
  });
});
