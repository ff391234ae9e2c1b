/** The MailOutbox port in SQL: the mail_outbox table. */
import type { Mail, MailOutboxPort } from '../types.ts';
import { one, opt } from './rows.ts';
import type { Driver, Row } from './sql-driver.ts';

function mailFromRow(r: Row): Mail {
  return {
    id: Number(r.id),
    tenantId: r.tenant_id as string,
    recipient: r.recipient as string,
    subject: r.subject as string,
    body: r.body as string,
    createdAt: r.created_at as string,
    attempts: Number(r.attempts),
    ...(opt(r.link_id) ? { linkId: r.link_id as string } : {}),
    ...(opt(r.sent_at) ? { sentAt: r.sent_at as string } : {}),
    ...(opt(r.dropped_at) ? { droppedAt: r.dropped_at as string } : {}),
    ...(opt(r.last_error) ? { lastError: r.last_error as string } : {}),
  };
}

export function sqlMailOutbox(db: Driver): MailOutboxPort {
  return {
    reads: {
      async listMail(q) {
        const t = q.tenantId ?? null;
        const rows = await db.query(
          `SELECT * FROM mail_outbox WHERE (CAST(? AS TEXT) IS NULL OR tenant_id = ?) AND (? = 0 OR (sent_at IS NULL AND dropped_at IS NULL)) ORDER BY id DESC LIMIT ?`,
          [t, t, q.pendingOnly ? 1 : 0, q.limit],
        );
        return rows.map(mailFromRow);
      },

      async mailOfLink(linkId) {
        const r = await one(db, 'SELECT * FROM mail_outbox WHERE link_id = ? ORDER BY id DESC LIMIT 1', [linkId]);
        return r && mailFromRow(r);
      },
    },

    writes: {
      async enqueueMail(m) {
        await db.execute('INSERT INTO mail_outbox (tenant_id, link_id, recipient, subject, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
          m.tenantId,
          m.linkId ?? null,
          m.recipient,
          m.subject,
          m.body,
          m.createdAt,
          m.createdAt,
        ]);
      },

      async claimMail(now, until, limit) {
        // The claim conditions are repeated outside the subquery: PostgreSQL re-checks them on rows
        // another sender claimed meanwhile, so no mail is sent twice.
        const rows = await db.query(
          `UPDATE mail_outbox SET claimed_until = ?
           WHERE id IN (SELECT id FROM mail_outbox WHERE sent_at IS NULL AND dropped_at IS NULL AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY id LIMIT ?)
             AND sent_at IS NULL AND dropped_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?)
           RETURNING *`,
          [until, now, now, limit, now],
        );
        return rows.map(mailFromRow).sort((a, b) => a.id! - b.id!);
      },

      async markMailSent(id, at) {
        await db.execute('UPDATE mail_outbox SET sent_at = ?, attempts = attempts + 1, claimed_until = NULL, last_error = NULL WHERE id = ?', [at, id]);
      },

      async markMailFailed(id, error, nextAttemptAt) {
        await db.execute('UPDATE mail_outbox SET attempts = attempts + 1, claimed_until = NULL, last_error = ?, next_attempt_at = ? WHERE id = ?', [error.slice(0, 500), nextAttemptAt, id]);
      },

      async dropMail(id, reason, at) {
        await db.execute('UPDATE mail_outbox SET dropped_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?', [at, reason.slice(0, 500), id]);
      },
    },
  };
}
