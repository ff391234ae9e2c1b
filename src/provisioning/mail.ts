/**
 * Sends the mail outbox after commit: nodemailer over SMTP, with retries and back-off. Without
 * SMTP configured, mail stays in the outbox (`scimd mail list`) and a log line says so; it is never
 * dropped. A mail failure never fails the SCIM request that caused it. Several processes may send
 * from one outbox: each claims its mails first.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Mail, Store } from '../store/types.ts';

export interface MailOptions {
  /** smtp://user:pass@host:port or smtps://…; none keeps mail in the outbox. */
  readonly smtpUrl?: string;
  readonly from: string;
  /** How often the outbox is looked at when nothing wakes the sender. */
  readonly pollMs?: number;
  readonly maxAttempts?: number;
}

export interface MailLog {
  info(msg: string): void;
  warn(msg: string): void;
}

const BATCH = 20;
const CLAIM_MS = 60_000;

/** 5 s, 10 s, 20 s … up to an hour between attempts. */
export function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 5_000 * 2 ** Math.max(0, attempts - 1));
}

export class MailSender {
  private readonly transport: Transporter | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private wake = false;
  private closed = false;
  private warnedNoSmtp = false;

  constructor(
    private readonly store: Store,
    private readonly options: MailOptions,
    private readonly log: MailLog = { info: () => undefined, warn: () => undefined },
  ) {
    this.transport = options.smtpUrl ? nodemailer.createTransport(options.smtpUrl) : undefined;
  }

  get configured(): boolean {
    return this.transport !== undefined;
  }

  /** Starts looking at the outbox every pollMs. */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  /** Looks at the outbox soon (after a commit that may have queued mail). */
  kick(): void {
    if (this.closed) return;
    if (!this.transport) {
      if (!this.warnedNoSmtp) {
        this.warnedNoSmtp = true;
        this.log.warn('no SMTP configured (SCIMD_SMTP_URL): mail is kept in the outbox; see scimd mail list');
      }
      return;
    }
    if (this.wake) return;
    this.wake = true;
    this.running = this.running.then(async () => {
      this.wake = false;
      await this.sendDue().catch((e: unknown) => this.log.warn(`mail outbox: ${String(e)}`));
    });
  }

  /** Sends everything due now; resolves when done. */
  async sendDue(): Promise<number> {
    if (!this.transport) return 0;
    let sent = 0;
    for (;;) {
      const now = new Date();
      const batch = await this.store.claimMail(now.toISOString(), new Date(now.getTime() + CLAIM_MS).toISOString(), BATCH);
      if (batch.length === 0) return sent;
      for (const m of batch) if (await this.sendOne(m)) sent++;
    }
  }

  private async sendOne(m: Mail): Promise<boolean> {
    try {
      await this.transport!.sendMail({ from: this.options.from, to: m.recipient, subject: m.subject, text: m.body });
      await this.store.markMailSent(m.id!, new Date().toISOString());
      this.log.info(`mail #${m.id} sent to ${m.recipient}`);
      return true;
    } catch (e) {
      const attempts = (m.attempts ?? 0) + 1;
      const max = this.options.maxAttempts ?? 10;
      // After the last attempt the mail stays unsent and due in a year: visible in `scimd mail list`.
      const next = attempts >= max ? new Date(Date.now() + 365 * 86_400_000) : new Date(Date.now() + backoffMs(attempts));
      await this.store.markMailFailed(m.id!, e instanceof Error ? e.message : String(e), next.toISOString()).catch(() => undefined);
      this.log.warn(`mail #${m.id} to ${m.recipient} failed (attempt ${attempts} of ${max}): ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    this.transport?.close();
  }
}
