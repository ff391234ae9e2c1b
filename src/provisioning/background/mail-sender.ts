/**
 * Sends the mail outbox after commit: nodemailer over SMTP, with retries and back-off. Without
 * SMTP configured, mail stays in the outbox (`scimd mail list`) and a log line says so; it is never
 * dropped silently. A mail failure never fails the SCIM request that caused it: the request only
 * queued the mail, in its own transaction. Several processes may send from one outbox: each claims
 * its mails first.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Mail, Store } from '../../store/types.ts';
import { mintToken } from '../links/link-tokens.ts';
import { renderMailBody } from '../links/mail-templates.ts';

export interface MailOptions {
  /** smtp://user:pass@host:port or smtps://…; none keeps mail in the outbox. */
  readonly smtpUrl?: string;
  readonly from: string;
  /** How often the outbox is looked at when nothing wakes the sender. */
  readonly pollMs?: number;
  /** The wait after the first failed attempt; it doubles with each further one. */
  readonly retryBaseMs?: number;
  readonly maxAttempts?: number;
  readonly now?: () => Date;
}

export interface MailLog {
  info(msg: string): void;
  warn(msg: string): void;
}

const BATCH = 20;
/** Longest wait between looks at an outbox that failed (the database cannot be written). */
const OUTBOX_BACKOFF_MAX_MS = 60_000;
const CLAIM_MS = 60_000;
/** How long close() waits for a send in progress (an SMTP server that stalls must not stall shutdown). */
const CLOSE_WAIT_MS = 5_000;
// nodemailer waits up to 2 min to connect and 10 min on a silent socket; a stalled relay should
// instead fail the attempt soon and leave the mail for a retry.
const SMTP_TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 };

/** 5 s, 10 s, 20 s … (from `baseMs`) up to an hour between attempts. */
export function backoffMs(attempts: number, baseMs = 5_000): number {
  return Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempts - 1));
}

export class MailSender {
  private readonly transport: Transporter | undefined;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private wake = false;
  private closed = false;
  /** Looks at the outbox that failed in a row (the database cannot be read or written), and when to try again. */
  private failures = 0;
  private pausedUntil = 0;

  constructor(
    private readonly store: Store,
    private readonly options: MailOptions,
    private readonly log: MailLog = { info: () => undefined, warn: () => undefined },
  ) {
    this.transport = options.smtpUrl ? nodemailer.createTransport({ url: options.smtpUrl, ...SMTP_TIMEOUTS }) : undefined;
    this.now = options.now ?? (() => new Date());
  }

  get configured(): boolean {
    return this.transport !== undefined;
  }

  /** Starts looking at the outbox every pollMs (for retries, and mail other processes queued). */
  start(): void {
    if (this.timer || this.closed || !this.transport) return;
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  /** A transaction that queued mail committed: send it now (or say where it stays). */
  queued(): void {
    if (!this.transport) {
      this.log.warn('mail kept in the outbox: no SMTP server is configured (SCIMD_SMTP_URL); scimd mail list shows it');
      return;
    }
    // A transaction just committed: the database takes writes again.
    this.pausedUntil = 0;
    this.kick();
  }

  /** Mail of every tenant waiting in the outbox, counted up to `cap` (one indexed read). */
  async pending(cap: number): Promise<number> {
    return (await this.store.listMail({ pendingOnly: true, limit: cap })).length;
  }

  /** Looks at the outbox soon. */
  kick(): void {
    if (this.closed || !this.transport || this.wake) return;
    this.wake = true;
    this.running = this.running.then(async () => {
      this.wake = false;
      if (Date.now() < this.pausedUntil) return;
      try {
        await this.sendDue();
      } catch (e) {
        // A database that cannot be written (read-only, full disk) fails every look: one line, then
        // quiet, backing off to one look a minute, until a look works again.
        this.failures++;
        this.pausedUntil = Date.now() + Math.min(OUTBOX_BACKOFF_MAX_MS, backoffMs(this.failures, this.options.pollMs ?? 1000));
        if (this.failures === 1) this.log.warn(`mail outbox: ${String(e)}; trying again with back-off, without a line for each failed attempt`);
        return;
      }
      if (this.failures > 0) this.log.info(`mail outbox: works again after ${this.failures} failed attempt${this.failures === 1 ? '' : 's'}`);
      this.failures = 0;
      this.pausedUntil = 0;
    });
  }

  /** Sends everything due now; resolves when done. */
  async sendDue(): Promise<number> {
    if (!this.transport) return 0;
    let sent = 0;
    while (!this.closed) {
      const now = this.now();
      const batch = await this.store.claimMail(now.toISOString(), new Date(now.getTime() + CLAIM_MS).toISOString(), BATCH);
      if (batch.length === 0) break;
      for (const m of batch) if (!this.closed && (await this.sendOne(m))) sent++;
    }
    return sent;
  }

  /** The text to send; undefined when the mail's link was retired (the mail is dropped). */
  private async textOf(m: Mail): Promise<string | undefined> {
    if (!m.linkId) return m.body;
    const issued = await this.store.transaction((tx) => mintToken(tx, m.linkId!, this.now()));
    return issued && renderMailBody(m.body, issued.url, issued.expiresAt);
  }

  private async sendOne(m: Mail): Promise<boolean> {
    try {
      const text = await this.textOf(m);
      if (text === undefined) {
        await this.store.dropMail(m.id!, 'not sent: its link was retired first (accepted, replaced by a newer one, or the user was deleted)', this.now().toISOString());
        this.log.info(`mail #${m.id} to ${m.recipient} not sent: its link was retired first`);
        return false;
      }
      await this.transport!.sendMail({ from: this.options.from, to: m.recipient, subject: m.subject, text });
      await this.store.markMailSent(m.id!, this.now().toISOString());
      this.log.info(`mail #${m.id} sent to ${m.recipient}`);
      return true;
    } catch (e) {
      const attempts = (m.attempts ?? 0) + 1;
      const max = this.options.maxAttempts ?? 10;
      const why = e instanceof Error ? e.message : String(e);
      await this.store.markMailFailed(m.id!, why, new Date(this.now().getTime() + backoffMs(attempts, this.options.retryBaseMs)).toISOString()).catch(() => undefined);
      // After the last attempt the mail stays in the outbox, unsent, with the reason: `scimd mail list`.
      if (attempts >= max) await this.store.dropMail(m.id!, `gave up after ${attempts} attempts: ${why}`, this.now().toISOString()).catch(() => undefined);
      this.log.warn(`mail #${m.id} to ${m.recipient} failed (attempt ${attempts} of ${max}${attempts >= max ? ', giving up' : ''}): ${why}`);
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    this.transport?.close();
  }
}
