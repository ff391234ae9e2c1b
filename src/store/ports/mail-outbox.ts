/** Mail waiting to be sent (or kept, without SMTP), written in the transaction that caused it. */
import type { Port } from './port.ts';

export interface Mail {
  readonly id?: number;
  readonly tenantId: string;
  readonly recipient: string;
  readonly subject: string;
  /** With placeholders for the link and its expiry when `linkId` is set (provisioning/links/mail-templates.ts). */
  readonly body: string;
  readonly createdAt: string;
  /** The link the mail carries; its token is minted when the mail is sent. */
  readonly linkId?: string;
  readonly attempts?: number;
  readonly sentAt?: string;
  /** Set when the mail will not be sent (its link was retired, or every attempt failed); lastError says why. */
  readonly droppedAt?: string;
  readonly lastError?: string;
}

export interface MailOutboxReads {
  listMail(q: { tenantId?: string; pendingOnly?: boolean; limit: number }): Promise<Mail[]>;
  /** The newest mail that carries the link (an invitation's state), from the mail_outbox_link index. */
  mailOfLink(linkId: string): Promise<Mail | undefined>;
}

export interface MailOutboxWrites {
  enqueueMail(m: Mail): Promise<void>;
  /** Claims up to `limit` mails due at `now` until `until`, for one sender. */
  claimMail(now: string, until: string, limit: number): Promise<Mail[]>;
  markMailSent(id: number, at: string): Promise<void>;
  markMailFailed(id: number, error: string, nextAttemptAt: string): Promise<void>;
  /** Gives up on a mail: it stays listed, with `reason`, and is never claimed again. */
  dropMail(id: number, reason: string, at: string): Promise<void>;
}

export interface MailOutbox extends MailOutboxReads, MailOutboxWrites {}

export type MailOutboxPort = Port<MailOutboxReads, MailOutboxWrites>;
