/**
 * Mail delivery (issue 5, item 10): without SMTP, mail waits in the outbox (`scimd mail list`, a
 * log line says so) and is sent by a later `scimd serve` started with SCIMD_SMTP_URL; with SMTP it
 * is sent after commit, retried while the server refuses, given up (and listed as such) after the
 * last attempt, and never fails the SCIM request; mail whose link was retired before it went out
 * is not sent. Real SMTP server process, real HTTP, real CLI and `scimd serve` processes.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { resolveConfig } from '../src/config.ts';
import { startServer, type Running, type ServiceTuning } from '../src/server.ts';
import type { Mail } from '../src/store/types.ts';
import { scimdCli } from './helpers/cli.ts';
import { killAll, serveProcess } from './helpers/process.ts';
import { send, tempDir, user } from './helpers/server.ts';
import { startSmtpServer, type SmtpServer } from './helpers/smtp.ts';
import { eventually } from './helpers/eventually.ts';

interface Server {
  readonly running: Running;
  readonly dir: string;
  readonly token: string;
  readonly logs: string[];
  post(body: unknown): Promise<{ status: number; body: Record<string, unknown>; text: string }>;
  outbox(): Promise<Mail[]>;
}

/** scimd in this process, on a data directory of its own, with a tenant `acme` that invites by email. */
async function server(smtpUrl: string | undefined, tuning: ServiceTuning = {}, dir = tempDir()): Promise<Server> {
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const config = { ...resolveConfig({}, {}), host: '127.0.0.1', port: 0, dataDir: dir, synchronous: 'NORMAL' as const, ...(smtpUrl ? { smtpUrl } : {}) };
  const running = await startServer(config, logger, { mailPollMs: 50, mailRetryMs: 50, ...tuning });
  await running.services.admin.createTenant('acme');
  await running.services.admin.setTenantSetting('acme', 'externalId.mode', 'email');
  const { token } = await running.services.admin.createClient('acme', 'idp');
  return {
    running,
    dir,
    token,
    logs,
    async post(body) {
      const r = await send(`${running.origin}/scim/v2/Users`, 'POST', body, { authorization: `Bearer ${token}` });
      return { status: r.status, body: r.body, text: r.text };
    },
    outbox: () => running.services.tenantAdmin.listMail('acme', false, 1000),
  };
}

const invitee = (name: string) => user(name, { externalId: `${name}@acme.example`, displayName: name });
const mailTo = (list: Mail[], address: string) => list.filter((m) => m.recipient === address);

describe('mail', () => {
  let smtp: SmtpServer;
  const dirs: string[] = [];
  before(async () => {
    smtp = await startSmtpServer();
  });
  after(async () => {
    killAll();
    await smtp?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('without SMTP: kept in the outbox, listed by scimd mail list, logged; a later scimd serve with SCIMD_SMTP_URL sends it', async () => {
    const s = await server(undefined);
    dirs.push(s.dir);
    try {
      const r = await s.post(invitee('ada'));
      assert.equal(r.status, 201, r.text);
      assert.equal(s.running.services.mail.configured, false);
      await eventually(() => s.logs.some((l) => l.includes('mail kept in the outbox: no SMTP server is configured (SCIMD_SMTP_URL); scimd mail list shows it')), { what: 'the outbox log line' });
      const pending = mailTo(await s.outbox(), 'ada@acme.example');
      assert.equal(pending.length, 1);
      assert.equal(pending[0]!.sentAt, undefined);
    } finally {
      await s.running.close();
    }

    const listed = await scimdCli(['mail', 'list', 'acme', '--pending', '--data-dir', s.dir]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^#1 \S+ to ada@acme\.example: pending\n {2}You are invited to acme\n/);
    assert.match(listed.stdout, /<link, issued when the mail is sent>/, 'no token in the outbox, so none to show');

    // Configuring SMTP later sends what waited; the link's validity starts only now.
    const before = smtp.messages.length;
    const serving = await serveProcess(['--data-dir', s.dir, '--log-level', 'info'], { SCIMD_SMTP_URL: smtp.url, SCIMD_MAIL_FROM: 'Acme IT <it@acme.example>' });
    try {
      const mail = await smtp.waitForMail((m) => m.envelopeTo.includes('ada@acme.example'), { from: before, timeoutMs: 15_000 });
      assert.equal(mail.envelopeFrom, 'it@acme.example');
      assert.match(mail.from, /Acme IT/);
      const link = mail.links.find((l) => l.includes('/invitations/'))!;
      const path = new URL(link).pathname;
      const origin = new URL(serving.base).origin;
      assert.equal((await send(`${origin}${path}`, 'POST')).status, 200, 'the link works on the server that sent it');
      await eventually(() => /mail #1 sent to ada@acme\.example/.test(serving.stdout()), { what: 'the sent log line' });
      const sent = await scimdCli(['mail', 'list', '--json', '--data-dir', s.dir]);
      const rows = JSON.parse(sent.stdout) as Mail[];
      assert.equal(rows.length, 1, sent.stdout);
      assert.ok(rows[0]!.sentAt, sent.stdout);
      assert.match(rows[0]!.body, /<link sent by mail; scimd keeps only its hash>/);
    } finally {
      await serving.stop();
    }
  });

  it('SMTP refusing (451) then accepting: the request answers 201 at once, the mail is retried and delivered later', async () => {
    const s = await server(smtp.url);
    dirs.push(s.dir);
    try {
      await smtp.refuse(451);
      const refusedBefore = smtp.refusals();
      const r = await s.post(invitee('bea'));
      assert.equal(r.status, 201, r.text);
      await smtp.waitForRefusals(refusedBefore + 2);
      await eventually(async () => (mailTo(await s.outbox(), 'bea@acme.example')[0]?.attempts ?? 0) >= 2, { what: 'the failures are recorded' });
      const failing = mailTo(await s.outbox(), 'bea@acme.example')[0]!;
      assert.equal(failing.sentAt, undefined);
      assert.match(failing.lastError ?? '', /451/);
      assert.ok(s.logs.some((l) => /mail #\d+ to bea@acme\.example failed \(attempt 1 of 10\)/.test(l)), s.logs.join(''));

      await smtp.accept();
      const mail = await smtp.waitForMail((m) => m.envelopeTo.includes('bea@acme.example'));
      await eventually(async () => mailTo(await s.outbox(), 'bea@acme.example')[0]?.sentAt !== undefined, { what: 'recorded as sent' });
      const sent = mailTo(await s.outbox(), 'bea@acme.example')[0]!;
      assert.ok((sent.attempts ?? 0) >= 3, `${sent.attempts} attempts`);
      assert.equal(smtp.messages.filter((m) => m.envelopeTo.includes('bea@acme.example')).length, 1, 'delivered once');
      const link = mail.links.find((l) => l.includes('/invitations/'))!;
      assert.equal((await send(link, 'POST')).status, 200, 'the delivered link is the one that works');
    } finally {
      await smtp.accept();
      await s.running.close();
    }
  });

  it('a permanent refusal (550) is retried up to the limit, then dropped and listed with the reason', async () => {
    const s = await server(smtp.url, { mailMaxAttempts: 3 });
    dirs.push(s.dir);
    try {
      await smtp.refuse(550);
      const r = await s.post(invitee('cleo'));
      assert.equal(r.status, 201, r.text);
      await eventually(async () => mailTo(await s.outbox(), 'cleo@acme.example')[0]?.droppedAt !== undefined, { what: 'given up' });
      const dropped = mailTo(await s.outbox(), 'cleo@acme.example')[0]!;
      assert.equal(dropped.attempts, 3);
      assert.match(dropped.lastError ?? '', /^gave up after 3 attempts: .*550/);
      assert.ok(s.logs.some((l) => l.includes('attempt 3 of 3, giving up')));
      assert.deepEqual(mailTo(await s.running.services.tenantAdmin.listMail('acme', true), 'cleo@acme.example'), [], 'not pending any more');
      await smtp.accept();
      await s.running.services.mail.sendDue();
      assert.ok(!smtp.messages.some((m) => m.envelopeTo.includes('cleo@acme.example')), 'never sent later');
    } finally {
      await smtp.accept();
      await s.running.close();
    }
  });

  it('an SMTP server that is down never fails the request', async () => {
    const down = await startSmtpServer();
    const url = down.url;
    await down.stop();
    const s = await server(url);
    dirs.push(s.dir);
    try {
      const r = await s.post(invitee('dora'));
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.active, false);
      await eventually(async () => (mailTo(await s.outbox(), 'dora@acme.example')[0]?.attempts ?? 0) >= 1, { what: 'the failure is recorded' });
      assert.match(mailTo(await s.outbox(), 'dora@acme.example')[0]!.lastError ?? '', /ECONNREFUSED|connect/i);
      const list = await send(`${s.running.origin}/scim/v2/Users`, 'GET', undefined, { authorization: `Bearer ${s.token}` });
      assert.equal(list.status, 200);
    } finally {
      await s.running.close();
    }
  });

  it('a write that queues no mail leaves the outbox alone (the sender wakes only for mail)', async () => {
    const s = await server(smtp.url, { mailPollMs: 3_600_000 });
    dirs.push(s.dir);
    const store = s.running.store;
    const claim = store.claimMail.bind(store);
    let claims = 0;
    store.claimMail = (...args) => {
      claims++;
      return claim(...args);
    };
    try {
      await s.running.services.admin.setTenantSetting('acme', 'externalId.mode', 'any');
      for (let i = 0; i < 5; i++) assert.equal((await s.post(user(`quiet${i}`))).status, 201);
      assert.equal(claims, 0, 'no outbox query for writes without mail');
      await s.running.services.admin.setTenantSetting('acme', 'externalId.mode', 'email');
      assert.equal((await s.post(invitee('loud'))).status, 201);
      await smtp.waitForMail((m) => m.envelopeTo.includes('loud@acme.example'));
      assert.ok(claims >= 1, 'the mail woke the sender');
    } finally {
      await s.running.close();
    }
  });

  it('mail whose link was retired before it went out is not sent (a resend replaced it)', async () => {
    const s = await server(smtp.url);
    dirs.push(s.dir);
    try {
      await smtp.refuse(451);
      const r = await s.post(invitee('eve'));
      assert.equal(r.status, 201, r.text);
      await eventually(async () => (mailTo(await s.outbox(), 'eve@acme.example')[0]?.attempts ?? 0) >= 1, { what: 'a first failed attempt' });
      await s.running.services.links.resendInvitation('acme', 'eve');
      await smtp.accept();
      const mail = await smtp.waitForMail((m) => m.envelopeTo.includes('eve@acme.example'));
      await eventually(async () => mailTo(await s.outbox(), 'eve@acme.example').every((m) => m.sentAt || m.droppedAt), { what: 'both mails settled' });
      const [resent, first] = mailTo(await s.outbox(), 'eve@acme.example');
      assert.ok(resent!.sentAt, 'the resent invitation went out');
      assert.equal(first!.sentAt, undefined);
      assert.match(first!.lastError ?? '', /^not sent: its link was retired first/);
      assert.equal(smtp.messages.filter((m) => m.envelopeTo.includes('eve@acme.example')).length, 1, 'one invitation delivered, not two');
      assert.equal((await send(mail.links.find((l) => l.includes('/invitations/'))!, 'POST')).status, 200);
    } finally {
      await smtp.accept();
      await s.running.close();
    }
  });
});
