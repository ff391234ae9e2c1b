/**
 * Wire's invitation flow (externalId.mode = email) end to end, against a real SMTP
 * server process: the IdP creates a user with active: true, an invitation mail arrives, the user
 * stays active: false for the IdP until the link in the mail is followed (GET shows a page, POST
 * accepts), then the IdP sees active: true. The IdP's wish and the acceptance are stored apart.
 * Links work once, are stored only as hashes, expire (a clock the test moves), and
 * `scimd invitation resend` (the real CLI) retires the old link and mails a new one.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { SCIMD_USER_URN } from '../src/scim/urns.ts';
import { scimdCli } from './helpers/cli.ts';
import { filesHolding } from './helpers/data-files.ts';
import { send, startTestServer, user, patch, type TestServer } from './helpers/server.ts';
import { startSmtpServer, type ReceivedMail, type SmtpServer } from './helpers/smtp.ts';
import { eventually } from './helpers/eventually.ts';

const DAY = 86_400_000;

describe('invitations (externalId.mode = email)', () => {
  let smtp: SmtpServer;
  let s: TestServer;
  let token: string;
  let offset = 0;
  const logLines: string[] = [];
  const as = () => ({ authorization: `Bearer ${token}` });
  const idp = (method: string, path: string, body?: unknown) => s.request(method, path, body, as());

  before(async () => {
    smtp = await startSmtpServer();
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    s = await startTestServer({ smtpUrl: smtp.url, mailFrom: 'Wire <no-reply@wire.example>' }, { now: () => new Date(Date.now() + offset), mailPollMs: 50, logger });
    token = await s.tenant('wire');
    await s.running.services.admin.setTenantSetting('wire', 'externalId.mode', 'email');
  });
  after(async () => {
    await s?.close();
    await smtp?.stop();
  });

  /** Creates a user the way Wire's IdP does and returns its id with the invitation that arrived. */
  async function provision(userName: string, extra: Record<string, unknown> = {}): Promise<{ id: string; mail: ReceivedMail; link: string }> {
    const address = `${userName}@wire.example`;
    const r = await idp('POST', '/Users', user(userName, { externalId: address, displayName: userName.toUpperCase(), active: true, ...extra }));
    assert.equal(r.status, 201, r.text);
    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes(address));
    const link = mail.links.find((l) => l.includes('/invitations/'));
    assert.ok(link, mail.text);
    return { id: r.body.id, mail, link };
  }

  const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1);
  const outboxFor = async (address: string) => (await s.running.services.tenantAdmin.listMail('wire', false, 1000)).filter((m) => m.recipient === address);
  /** The outbox once the sender has recorded every mail to `address` as sent (it does so just after SMTP accepts it). */
  async function sentTo(address: string) {
    return eventually(
      async () => {
        const mails = await outboxFor(address);
        return mails.length > 0 && mails.every((m) => m.sentAt) && mails;
      },
      { what: `mail to ${address} recorded as sent`, intervalMs: 25 },
    );
  }

  it('the Wire flow: invited, inactive until accepted, then active as the IdP asked', async () => {
    const created = await idp('POST', '/Users', user('alice', { externalId: 'alice@wire.example', displayName: 'Alice Ångström', active: true }));
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.active, false, 'returned inactive although the IdP sent active: true');
    assert.equal(created.body[SCIMD_USER_URN].invitation, 'pending');
    assert.equal(created.body[SCIMD_USER_URN].emailVerified, false);
    const id = created.body.id as string;

    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes('alice@wire.example'));
    assert.deepEqual(mail.envelopeTo, ['alice@wire.example']);
    assert.equal(mail.envelopeFrom, 'no-reply@wire.example');
    assert.match(mail.from, /Wire <no-reply@wire\.example>/);
    assert.equal(mail.subject, 'You are invited to wire');
    assert.match(mail.text, /^Hello Alice Ångström,/);
    assert.match(mail.text, /account for you in wire/);
    const link = mail.links.find((l) => l.includes('/invitations/'))!;
    assert.match(link, new RegExp(`^${s.origin}/invitations/[A-Za-z0-9_-]{43}$`), mail.text);
    assert.match(mail.text, /expires at \d{4}-\d\d-\d\dT/);
    assert.doesNotMatch(mail.text, /\{\{/, 'no placeholder left in the mail');

    const seen = await idp('GET', `/Users/${id}`);
    assert.equal(seen.body.active, false);
    assert.equal((await idp('GET', `/Users?filter=${encodeURIComponent('active eq true and userName eq "alice"')}`)).body.totalResults, 0);
    assert.equal((await idp('GET', `/Users?filter=${encodeURIComponent('active eq false and userName eq "alice"')}`)).body.totalResults, 1);

    // GET shows a page and uses nothing (mail scanners fetch links); any number of times.
    for (let i = 0; i < 2; i++) {
      const page = await send(link, 'GET');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      assert.match(page.text, /Invitation to wire/);
      assert.match(page.text, /alice@wire\.example/);
      assert.match(page.text, /<form method="post"><button type="submit">Accept invitation<\/button><\/form>/);
    }
    assert.equal((await idp('GET', `/Users/${id}`)).body.active, false, 'still inactive after GETs of the link');

    // A browser's form post: urlencoded, empty body.
    const accepted = await send(link, 'POST', '', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(accepted.status, 200, accepted.text);
    assert.match(accepted.text, /Your wire account is active/);

    const after = await idp('GET', `/Users/${id}`);
    assert.equal(after.body.active, true, 'the IdP now sees active: true');
    assert.equal(after.body[SCIMD_USER_URN].invitation, 'accepted');
    assert.equal(after.body[SCIMD_USER_URN].emailVerified, true, 'accepting proves the address');
    assert.equal(after.headers.get('etag'), 'W/"2"', 'a new version, so an IdP that compares versions sees the change');
    assert.equal((await idp('GET', `/Users?filter=${encodeURIComponent('active eq true and userName eq "alice"')}`)).body.totalResults, 1);

    const events = await s.running.services.tenantAdmin.listEvents('wire');
    const event = events.find((e) => e.type === 'user.invitation.accepted' && e.resourceId === id);
    assert.ok(event, JSON.stringify(events));
    assert.deepEqual(event.data, { email: 'alice@wire.example', userName: 'alice' });
    // The one event of the user's write (docs/events.md): its version, what changed (active too, as
    // the IdP sees it), caused by the link's request and no SCIM client.
    assert.equal(event.version, 2);
    assert.deepEqual(event.paths, ['active', `${SCIMD_USER_URN}:emailVerified`, `${SCIMD_USER_URN}:invitation`]);
    assert.equal(event.actor, 'link');
    assert.match(event.requestId ?? '', /^[0-9a-f-]{36}$/, 'the request id scimd gave the link request (X-Request-Id)');
    assert.equal(event.clientId, undefined);
    const made = events.find((e) => e.type === 'user.created' && e.resourceId === id);
    assert.ok(made && made.tenantSeq! < event.tenantSeq!, 'created first');
    assert.equal((await outboxFor('alice@wire.example')).length, 1, 'one mail, no separate validation mail for the invited address');
  });

  it("keeps the IdP's active apart from the acceptance: false, then true again, without a new invitation", async () => {
    const { id, link } = await provision('bob');
    assert.equal((await send(link, 'POST')).status, 200);
    assert.equal((await idp('GET', `/Users/${id}`)).body.active, true);

    const off = await idp('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }));
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.active, false, 'the IdP deactivated the user');
    const on = await idp('PUT', `/Users/${id}`, user('bob', { externalId: 'bob@wire.example', displayName: 'BOB', active: true }));
    assert.equal(on.status, 200, on.text);
    assert.equal(on.body.active, true, 'back to true, without a new acceptance');
    assert.equal(on.body[SCIMD_USER_URN].invitation, 'accepted', 'a PUT cannot reset what scimd owns');
    assert.equal((await outboxFor('bob@wire.example')).length, 1, 'no new invitation');

    // Created inactive: accepting the invitation does not activate what the IdP left inactive.
    const { id: carolId, link: carolLink } = await provision('carol', { active: false });
    assert.equal((await send(carolLink, 'POST')).status, 200);
    const carol = await idp('GET', `/Users/${carolId}`);
    assert.equal(carol.body.active, false);
    assert.equal(carol.body[SCIMD_USER_URN].invitation, 'accepted');
    assert.equal((await idp('PATCH', `/Users/${carolId}`, patch({ op: 'replace', value: { active: true } }))).body.active, true);

    // And while the invitation is pending, the IdP's true still reads as false.
    const { id: daveId } = await provision('dave', { active: false });
    const daveOn = await idp('PATCH', `/Users/${daveId}`, patch({ op: 'replace', path: 'active', value: true }));
    assert.equal(daveOn.body.active, false);
  });

  it('a link works once, and only on its own page; an unknown token is a 404', async () => {
    const { id, link } = await provision('erin');
    assert.equal((await send(link, 'POST')).status, 200);
    const again = await send(link, 'POST');
    assert.equal(again.status, 410);
    assert.match(again.text, /already been used/);
    assert.match(again.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal((await send(link, 'GET')).status, 410);
    assert.equal((await idp('GET', `/Users/${id}`)).body.meta.version, 'W/"2"', 'the second POST changed nothing');

    const { link: frank } = await provision('frank');
    const asValidation = frank.replace('/invitations/', '/email-validations/');
    assert.equal((await send(asValidation, 'POST')).status, 404, 'an invitation token is not an email validation token');
    assert.equal((await send(`${s.origin}/invitations/${'A'.repeat(43)}`, 'GET')).status, 404);
    assert.equal((await send(`${s.origin}/invitations/${'A'.repeat(43)}`, 'POST')).status, 404);
    assert.equal((await send(`${s.origin}/invitations/${'A'.repeat(250)}`, 'POST')).status, 404);
    assert.equal((await send(frank, 'GET')).status, 200, 'the refused attempts did not use it');
  });

  it('stores only the hash of a token: the raw token is in no database file', async () => {
    const { link } = await provision('grace');
    const raw = tokenOf(link);
    const hash = createHash('sha256').update(raw).digest('hex');
    assert.deepEqual(filesHolding(s.dataDir, raw), [], 'the token is nowhere');
    assert.ok(filesHolding(s.dataDir, hash).length > 0, 'its hash is stored');
    const listed = JSON.stringify(await sentTo('grace@wire.example'));
    assert.ok(!listed.includes(raw), 'the outbox does not show it');
    assert.match(listed, /link sent by mail/);
  });

  it('a link expires: invitation.ttl from when the mail is sent, 7 days by default', async () => {
    const { id, link } = await provision('heidi');
    offset += 7 * DAY - 60_000;
    assert.equal((await send(link, 'GET')).status, 200, 'a minute before the 7 days are over');
    offset += 120_000;
    const page = await send(link, 'GET');
    assert.equal(page.status, 410);
    assert.match(page.text, /expired/);
    assert.equal((await send(link, 'POST')).status, 410);
    assert.equal((await idp('GET', `/Users/${id}`)).body.active, false);

    await s.running.services.admin.setTenantSetting('wire', 'invitation.ttl', '30m');
    try {
      const short = await provision('ivan');
      offset += 29 * 60_000;
      assert.equal((await send(short.link, 'GET')).status, 200);
      offset += 2 * 60_000;
      assert.equal((await send(short.link, 'POST')).status, 410);
    } finally {
      await s.running.services.admin.setTenantSetting('wire', 'invitation.ttl', '7d');
    }
  });

  it('scimd invitation resend (the real CLI) retires the old link and mails a new one', async () => {
    const { id, link: old } = await provision('judy');
    const before = smtp.messages.length;
    const r = await scimdCli(['invitation', 'resend', 'wire', 'judy', '--data-dir', s.dataDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Invitation for 'judy' queued to judy@wire\.example; earlier links no longer work/);
    // The running server picks the mail up from the outbox the CLI wrote to.
    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes('judy@wire.example'), { from: before });
    const fresh = mail.links.find((l) => l.includes('/invitations/'))!;
    assert.notEqual(fresh, old);
    assert.ok(fresh.startsWith(`${s.origin}/invitations/`), 'the new link points where the first one did');
    assert.equal((await send(old, 'POST')).status, 410, 'the old link is retired');
    assert.equal((await send(fresh, 'POST')).status, 200);
    assert.equal((await idp('GET', `/Users/${id}`)).body.active, true);
    const accepted = await scimdCli(['invitation', 'resend', 'wire', 'judy', '--data-dir', s.dataDir]);
    assert.equal(accepted.code, 1, accepted.stdout + accepted.stderr);
    assert.match(accepted.stderr, /has no pending invitation/);
    const unknown = await scimdCli(['invitation', 'resend', 'wire', 'nobody', '--data-dir', s.dataDir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No user 'nobody'/);
  });

  it('--print hands the link over instead of mailing it (no SMTP needed)', async () => {
    const { id } = await provision('ken');
    const queued = (await outboxFor('ken@wire.example')).length;
    const r = await s.running.services.links.resendInvitation('wire', 'ken', { origin: 'https://wire.example', print: true });
    assert.ok(r.url?.startsWith('https://wire.example/invitations/'), JSON.stringify(r));
    assert.equal((await outboxFor('ken@wire.example')).length, queued, 'nothing queued');
    const local = r.url!.replace('https://wire.example', s.origin);
    assert.equal((await send(local, 'POST')).status, 200);
    assert.equal((await idp('GET', `/Users/${id}`)).body.active, true);
  });

  it('a request that fails sends no mail', async () => {
    const before = (await s.running.services.tenantAdmin.listMail('wire', false, 1000)).length;
    const dup = await idp('POST', '/Users', user('ALICE', { externalId: 'alice2@wire.example' }));
    assert.equal(dup.status, 409, dup.text);
    const bad = await idp('POST', '/Users', user('mallory', { externalId: 'not an address' }));
    assert.equal(bad.status, 400, bad.text);
    assert.equal((await s.running.services.tenantAdmin.listMail('wire', false, 1000)).length, before, 'nothing queued');
    assert.ok(!smtp.messages.some((m) => m.envelopeTo.includes('alice2@wire.example')));
  });

  it('the process log never shows a link token, however the URL is spelled', async () => {
    const { link } = await provision('leo');
    const raw = tokenOf(link);
    await send(link, 'GET');
    await send(`${s.origin}//invitations/${raw}`, 'GET');
    await send(`${s.origin}/%69nvitations/${raw}`, 'GET');
    await send(`${s.origin}/INVITATIONS/${raw}?x=1`, 'GET');
    await send(`${s.origin}/invitations%2F${raw}`, 'GET');
    await send(link, 'POST');
    const lines = logLines.filter((l) => /invitations/i.test(l));
    assert.ok(lines.length >= 6, lines.join(''));
    assert.ok(!logLines.some((l) => l.includes(raw)), logLines.filter((l) => l.includes(raw)).join(''));
    assert.ok(lines.some((l) => l.includes('/invitations/[redacted]')), lines.join(''));
  });
});
