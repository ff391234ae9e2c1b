/**
 * Email validation (Wire's validateSAMLemails, Wire) end to end against a real SMTP server
 * process: with externalId.mode = samlNameId and emails.validate = true, a NameID that is an
 * address gets a validation mail; scimd's emailVerified stays false until the link is followed,
 * then true, and the host app is told through the event log (`scimd events list`). A new address
 * starts a new validation; the IdP cannot mark an address verified itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SCIMD_USER_URN } from '../src/scim/urns.ts';
import { scimdCli } from './helpers/cli.ts';
import { patch, send, startTestServer, user, type TestServer } from './helpers/server.ts';
import { startSmtpServer, type ReceivedMail, type SmtpServer } from './helpers/smtp.ts';

describe('email validation (emails.validate = true)', () => {
  let smtp: SmtpServer;
  let s: TestServer;
  let token: string;
  const idp = (method: string, path: string, body?: unknown) => s.request(method, path, body, { authorization: `Bearer ${token}` });
  const verified = (r: { body: Record<string, Record<string, unknown> | undefined> }) => r.body[SCIMD_USER_URN]?.emailVerified;
  const mailsTo = async (address: string) => (await s.running.services.tenantAdmin.listMail('saml', false, 1000)).filter((m) => m.recipient === address);
  const linkIn = (m: ReceivedMail) => m.links.find((l) => l.includes('/email-validations/'))!;

  before(async () => {
    smtp = await startSmtpServer();
    s = await startTestServer({ smtpUrl: smtp.url }, { mailPollMs: 50 });
    token = await s.tenant('saml');
    await s.running.services.admin.setTenantSetting('saml', 'externalId.mode', 'samlNameId');
    await s.running.services.admin.setTenantSetting('saml', 'emails.validate', 'true');
  });
  after(async () => {
    await s?.close();
    await smtp?.stop();
  });

  it('a NameID that is an address: unverified until the mailed link is followed, then verified, and the host app is told', async () => {
    // The IdP cannot claim the address is verified: scimd's extension is read-only.
    const body = { ...user('nina', { externalId: 'nina@saml.example', displayName: 'Nina', active: true }), [SCIMD_USER_URN]: { emailVerified: true } };
    body.schemas = [...body.schemas, SCIMD_USER_URN];
    const created = await idp('POST', '/Users', body);
    assert.equal(created.status, 201, created.text);
    assert.equal(verified(created), false);
    assert.equal(created.body.active, true, 'validation does not hold back activation (that is what invitations do)');
    const id = created.body.id as string;

    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes('nina@saml.example'));
    assert.equal(mail.subject, 'Confirm your email address for saml');
    assert.match(mail.text, /^Hello Nina,/);
    const link = linkIn(mail);
    assert.match(link, new RegExp(`^${s.origin}/email-validations/[A-Za-z0-9_-]{43}$`));
    assert.equal(verified(await idp('GET', `/Users/${id}`)), false);
    assert.equal((await idp('GET', `/Users?filter=${encodeURIComponent(`${SCIMD_USER_URN}:emailVerified eq false`)}`)).body.totalResults, 1);

    const page = await send(link, 'GET');
    assert.equal(page.status, 200);
    assert.match(page.text, /Confirm your email address/);
    assert.match(page.text, /nina@saml\.example/);
    assert.match(page.text, /Confirm address<\/button>/);
    assert.equal(verified(await idp('GET', `/Users/${id}`)), false, 'a GET of the link confirms nothing');
    assert.equal((await send(link.replace('/email-validations/', '/invitations/'), 'POST')).status, 404, 'only on its own page');

    const done = await send(link, 'POST');
    assert.equal(done.status, 200);
    assert.match(done.text, /nina@saml\.example is confirmed/);
    const after = await idp('GET', `/Users/${id}`);
    assert.equal(verified(after), true);
    assert.equal(after.body.meta.version, 'W/"2"');
    assert.equal(after.body[SCIMD_USER_URN].invitation, undefined, 'no invitation in samlNameId mode');
    assert.equal((await send(link, 'POST')).status, 410, 'once only');

    // The host app reads it from the event log, here through the real CLI.
    const events = await scimdCli(['events', 'list', 'saml', '--json', '--data-dir', s.dataDir]);
    assert.equal(events.code, 0, events.stderr);
    const list = JSON.parse(events.stdout) as { type: string; resourceId: string; data: Record<string, unknown>; seq: number }[];
    const verifiedEvents = list.filter((e) => e.type === 'user.email.verified' && e.resourceId === id);
    assert.equal(verifiedEvents.length, 1, events.stdout);
    assert.deepEqual(verifiedEvents[0]!.data, { email: 'nina@saml.example', userName: 'nina' });

    // Unrelated changes keep the verification and send nothing.
    const titled = await idp('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Engineer' }));
    assert.equal(verified(titled), true);
    const replaced = await idp('PUT', `/Users/${id}`, user('nina', { externalId: 'nina@saml.example', displayName: 'Nina N.' }));
    assert.equal(verified(replaced), true, 'a PUT cannot reset what scimd owns');
    assert.equal((await mailsTo('nina@saml.example')).length, 1);
  });

  it('a new address starts a new validation; the link for the old one stops working', async () => {
    const created = await idp('POST', '/Users', user('omar', { externalId: 'omar@saml.example' }));
    const id = created.body.id as string;
    const first = linkIn(await smtp.waitForMail((m) => m.envelopeTo.includes('omar@saml.example')));

    const moved = await idp('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'externalId', value: 'omar@new.example' }));
    assert.equal(moved.status, 200, moved.text);
    assert.equal(verified(moved), false);
    const second = linkIn(await smtp.waitForMail((m) => m.envelopeTo.includes('omar@new.example')));
    assert.notEqual(second, first);
    assert.equal((await send(first, 'POST')).status, 410, 'the link to the old address is retired');
    assert.equal(verified(await idp('GET', `/Users/${id}`)), false);
    assert.equal((await send(second, 'POST')).status, 200);
    assert.equal(verified(await idp('GET', `/Users/${id}`)), true);

    // Verified, then moved again: unverified until the new address is confirmed.
    const again = await idp('PUT', `/Users/${id}`, user('omar', { externalId: 'omar@third.example' }));
    assert.equal(verified(again), false);
    const third = linkIn(await smtp.waitForMail((m) => m.envelopeTo.includes('omar@third.example')));
    assert.equal((await send(third, 'POST')).status, 200);
    const events = (await s.running.services.tenantAdmin.listEvents('saml')).filter((e) => e.type === 'user.email.verified' && e.resourceId === id);
    assert.deepEqual(events.map((e) => e.data.email), ['omar@new.example', 'omar@third.example']);
  });

  it('a NameID that is no address: the primary email is validated instead, or nothing when there is none', async () => {
    const withEmail = await idp('POST', '/Users', user('pia', { externalId: 'E-1001', emails: [{ value: 'pia.other@saml.example' }, { value: 'pia@saml.example', primary: true }] }));
    assert.equal(withEmail.status, 201, withEmail.text);
    assert.equal(verified(withEmail), false);
    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes('pia@saml.example'));
    assert.ok(linkIn(mail));
    assert.deepEqual(await mailsTo('pia.other@saml.example'), []);

    const without = await idp('POST', '/Users', user('quinn', { externalId: 'E-1002' }));
    assert.equal(without.status, 201, without.text);
    assert.equal(verified(without), undefined, 'nothing to verify');
    const tenantId = (await s.running.services.admin.tenant('saml')).id;
    assert.equal(await s.running.store.latestLink(tenantId, without.body.id, 'validation'), undefined);
  });

  it('emails.validate = false (the default): no mail, no emailVerified', async () => {
    await s.running.services.admin.setTenantSetting('saml', 'emails.validate', 'false');
    try {
      const r = await idp('POST', '/Users', user('rosa', { externalId: 'rosa@saml.example' }));
      assert.equal(r.status, 201, r.text);
      assert.equal(verified(r), undefined);
      assert.deepEqual(await mailsTo('rosa@saml.example'), []);
    } finally {
      await s.running.services.admin.setTenantSetting('saml', 'emails.validate', 'true');
    }
  });
});
