/** The Webhooks port in SQL: the webhook_endpoints and webhook_attempts tables. */
import type { WebhookAttempt, WebhookEndpoint, WebhooksPort, WebhookState } from '../types.ts';
import { json, one, opt } from './rows.ts';
import type { Driver, Row } from './sql-driver.ts';

function endpointFromRow(r: Row): WebhookEndpoint {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    url: r.url as string,
    secret: r.secret as string,
    ...(opt(r.previous_secret) ? { previousSecret: r.previous_secret as string } : {}),
    ...(opt(r.previous_secret_until) ? { previousSecretUntil: r.previous_secret_until as string } : {}),
    types: json(r.types) as string[],
    enabled: Number(r.enabled) === 1,
    createdAt: r.created_at as string,
    deliveredSeq: Number(r.delivered_seq),
    state: r.state as WebhookState,
    ...(r.failed_seq === null || r.failed_seq === undefined ? {} : { failedSeq: Number(r.failed_seq) }),
    ...(opt(r.failed_reason) ? { failedReason: r.failed_reason as string } : {}),
    ...(opt(r.next_attempt_at) ? { nextAttemptAt: r.next_attempt_at as string } : {}),
    attempts: Number(r.attempts),
    ...(opt(r.lease_owner) ? { leaseOwner: r.lease_owner as string } : {}),
    ...(opt(r.lease_until) ? { leaseUntil: r.lease_until as string } : {}),
  };
}

function attemptFromRow(r: Row): WebhookAttempt {
  return {
    id: Number(r.id),
    endpointId: r.endpoint_id as string,
    eventId: r.event_id as string,
    ...(r.tenant_seq === null || r.tenant_seq === undefined ? {} : { tenantSeq: Number(r.tenant_seq) }),
    eventType: r.event_type as string,
    attempt: Number(r.attempt),
    at: r.at as string,
    ...(r.status === null || r.status === undefined ? {} : { status: Number(r.status) }),
    durationMs: Number(r.duration_ms),
    ...(opt(r.response_excerpt) ? { responseExcerpt: r.response_excerpt as string } : {}),
    ...(opt(r.error) ? { error: r.error as string } : {}),
  };
}

/** No live lease of another owner: free, or expired. */
const LEASE_FREE = '(lease_until IS NULL OR lease_until < ?)';

/** Endpoints with work due at `?` (twice): enabled, active, an event after the cursor, no retry due later, no live lease. */
const DUE = `SELECT w.id FROM webhook_endpoints w JOIN event_counters c ON c.tenant_id = w.tenant_id
  WHERE w.enabled = 1 AND w.state = 'active' AND c.seq > w.delivered_seq
    AND (w.next_attempt_at IS NULL OR w.next_attempt_at <= ?) AND (w.lease_until IS NULL OR w.lease_until < ?)`;

export function sqlWebhooks(db: Driver): WebhooksPort {
  return {
    reads: {
      async webhookEndpoints(tenantId) {
        return (await db.query('SELECT * FROM webhook_endpoints WHERE tenant_id = ? ORDER BY created_at, id', [tenantId])).map(endpointFromRow);
      },
      async webhookEndpoint(id) {
        const r = await one(db, 'SELECT * FROM webhook_endpoints WHERE id = ?', [id]);
        return r && endpointFromRow(r);
      },
      async webhookAttempts(endpointId, q) {
        const rows = await db.query(
          'SELECT * FROM webhook_attempts WHERE endpoint_id = ? AND (? = 0 OR status IS NULL OR status < 200 OR status > 299) ORDER BY id DESC LIMIT ?',
          [endpointId, q.failedOnly ? 1 : 0, q.limit],
        );
        return rows.map(attemptFromRow);
      },
      async webhooksDue(now) {
        return (await one(db, `${DUE} LIMIT 1`, [now, now])) !== undefined;
      },
      async lastTenantSeq(tenantId) {
        const r = await one(db, 'SELECT seq FROM event_counters WHERE tenant_id = ?', [tenantId]);
        return r ? Number(r.seq) : 0;
      },
    },

    writes: {
      async createWebhookEndpoint(e) {
        await db.execute(
          `INSERT INTO webhook_endpoints (id, tenant_id, url, secret, types, enabled, created_at, delivered_seq, state, attempts)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
          [e.id, e.tenantId, e.url, e.secret, JSON.stringify(e.types), e.enabled ? 1 : 0, e.createdAt, e.deliveredSeq, e.state],
        );
      },

      async updateWebhookEndpoint(id, c) {
        const sets: string[] = [];
        const params: unknown[] = [];
        const set = (column: string, value: unknown) => {
          sets.push(`${column} = ?`);
          params.push(value);
        };
        if (c.url !== undefined) set('url', c.url);
        if (c.types !== undefined) set('types', JSON.stringify(c.types));
        if (c.enabled !== undefined) set('enabled', c.enabled ? 1 : 0);
        if (sets.length === 0) return (await one(db, 'SELECT id FROM webhook_endpoints WHERE id = ?', [id])) !== undefined;
        return (await db.execute(`UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = ?`, [...params, id])) > 0;
      },

      async deleteWebhookEndpoint(id) {
        await db.execute('DELETE FROM webhook_attempts WHERE endpoint_id = ?', [id]);
        return (await db.execute('DELETE FROM webhook_endpoints WHERE id = ?', [id])) > 0;
      },

      async rotateWebhookSecret(id, secret, previous) {
        return (await db.execute('UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_until = ? WHERE id = ?', [secret, previous?.secret ?? null, previous?.until ?? null, id])) > 0;
      },

      async claimWebhookEndpoints(owner, now, until, limit) {
        // The conditions are repeated outside the subquery: PostgreSQL re-checks them on rows
        // another process leased meanwhile, so no endpoint has two workers.
        const rows = await db.query(
          `UPDATE webhook_endpoints SET lease_owner = ?, lease_until = ?
           WHERE id IN (${DUE} ORDER BY COALESCE(w.next_attempt_at, ''), w.id LIMIT ?)
             AND enabled = 1 AND state = 'active' AND ${LEASE_FREE}
           RETURNING *`,
          [owner, until, now, now, limit, now],
        );
        return rows.map(endpointFromRow);
      },

      async renewWebhookLease(id, owner, until) {
        return (await db.execute('UPDATE webhook_endpoints SET lease_until = ? WHERE id = ? AND lease_owner = ?', [until, id, owner])) > 0;
      },

      async releaseWebhookLease(id, owner) {
        await db.execute('UPDATE webhook_endpoints SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?', [id, owner]);
      },

      async advanceWebhookCursor(id, owner, from, to) {
        const n = await db.execute(
          'UPDATE webhook_endpoints SET delivered_seq = ?, attempts = 0, next_attempt_at = NULL WHERE id = ? AND lease_owner = ? AND delivered_seq = ? AND state = ?',
          [to, id, owner, from, 'active'],
        );
        return n > 0;
      },

      async webhookAttemptFailed(id, owner, attempts, next) {
        const n =
          'nextAttemptAt' in next
            ? await db.execute('UPDATE webhook_endpoints SET attempts = ?, next_attempt_at = ? WHERE id = ? AND lease_owner = ?', [attempts, next.nextAttemptAt, id, owner])
            : await db.execute("UPDATE webhook_endpoints SET attempts = ?, next_attempt_at = NULL, state = 'failing', failed_seq = ?, failed_reason = ? WHERE id = ? AND lease_owner = ?", [
                attempts,
                next.failedSeq,
                next.reason.slice(0, 500),
                id,
                owner,
              ]);
        return n > 0;
      },

      async resumeWebhook(id, deliveredSeq) {
        const n =
          deliveredSeq === undefined
            ? await db.execute("UPDATE webhook_endpoints SET state = 'active', failed_seq = NULL, failed_reason = NULL, attempts = 0, next_attempt_at = NULL WHERE id = ?", [id])
            : await db.execute("UPDATE webhook_endpoints SET state = 'active', failed_seq = NULL, failed_reason = NULL, attempts = 0, next_attempt_at = NULL, delivered_seq = ? WHERE id = ?", [deliveredSeq, id]);
        return n > 0;
      },

      async recordWebhookAttempt(a) {
        await db.execute(
          `INSERT INTO webhook_attempts (endpoint_id, event_id, tenant_seq, event_type, attempt, at, status, duration_ms, response_excerpt, error)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [a.endpointId, a.eventId, a.tenantSeq ?? null, a.eventType, a.attempt, a.at, a.status ?? null, Math.round(a.durationMs), a.responseExcerpt?.slice(0, 500) ?? null, a.error?.slice(0, 500) ?? null],
        );
      },

      async pruneWebhookAttempts(before, keepRows) {
        const old = await db.execute('DELETE FROM webhook_attempts WHERE at < ?', [before]);
        const beyond = await db.execute('DELETE FROM webhook_attempts WHERE id <= (SELECT id FROM webhook_attempts ORDER BY id DESC LIMIT 1 OFFSET ?)', [keepRows]);
        return old + beyond;
      },
    },
  };
}
