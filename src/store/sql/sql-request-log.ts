/** The RequestLogStore port in SQL: the request_log table. */
import type { RequestLogEntry, RequestLogStorePort } from '../types.ts';
import { chunks, json, marks, one, opt } from './rows.ts';
import type { Driver, Row } from './sql-driver.ts';

function logFromRow(r: Row): RequestLogEntry {
  return {
    id: Number(r.id),
    at: r.at as string,
    method: r.method as string,
    path: r.path as string,
    status: Number(r.status),
    durationMs: Number(r.duration_ms),
    notes: json(r.notes) as string[],
    ...(opt(r.request_id) ? { requestId: r.request_id as string } : {}),
    ...(opt(r.tenant_id) ? { tenantId: r.tenant_id as string } : {}),
    ...(opt(r.tenant_name) ? { tenantName: r.tenant_name as string } : {}),
    ...(opt(r.client_id) ? { clientId: r.client_id as string } : {}),
    ...(opt(r.client_name) ? { clientName: r.client_name as string } : {}),
    ...(opt(r.idp) ? { idp: r.idp as string } : {}),
    ...(opt(r.scim_type) ? { scimType: r.scim_type as string } : {}),
    ...(opt(r.request_body) ? { requestBody: r.request_body as string } : {}),
    ...(opt(r.normalised_body) ? { normalisedBody: r.normalised_body as string } : {}),
    ...(opt(r.response_body) ? { responseBody: r.response_body as string } : {}),
  };
}

export function sqlRequestLog(db: Driver): RequestLogStorePort {
  return {
    reads: {
      async requestLog(q) {
        const t = q.tenantId ?? null;
        const min = q.minStatus ?? null;
        const max = q.maxStatus ?? null;
        const after = q.afterId ?? null;
        const before = q.beforeId ?? null;
        const c = q.clientId ?? null;
        const since = q.since ?? null;
        const until = q.until ?? null;
        const method = q.method ?? null;
        const unauthenticated = q.unauthenticated ? 1 : 0;
        // LIKE with its wildcards (and the escape character) escaped: the text is matched as it is.
        const like = q.pathContains === undefined ? null : `%${q.pathContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        const rows = await db.query(
          `SELECT * FROM request_log
           WHERE (CAST(? AS TEXT) IS NULL OR tenant_id = ?) AND (CAST(? AS INTEGER) IS NULL OR status >= ?) AND (CAST(? AS INTEGER) IS NULL OR status <= ?) AND (CAST(? AS INTEGER) IS NULL OR id > ?)
             AND (CAST(? AS INTEGER) IS NULL OR id < ?) AND (CAST(? AS TEXT) IS NULL OR client_id = ?) AND (CAST(? AS TEXT) IS NULL OR at >= ?) AND (CAST(? AS TEXT) IS NULL OR at < ?)
             AND (CAST(? AS TEXT) IS NULL OR method = ?) AND (? = 0 OR tenant_id IS NULL) AND (CAST(? AS TEXT) IS NULL OR path LIKE ? ESCAPE '\\')
           ORDER BY id DESC LIMIT ?`,
          [t, t, min, min, max, max, after, after, before, before, c, c, since, since, until, until, method, method, unauthenticated, like, like, q.limit],
        );
        return rows.map(logFromRow);
      },

      async requestLogEntry(id) {
        const r = await one(db, 'SELECT * FROM request_log WHERE id = ?', [id]);
        return r && logFromRow(r);
      },
    },

    writes: {
      /** Rows go in 50 to a statement: a batch of the log is written in a few statements, not one per entry. */
      async appendRequestLog(entries) {
        for (const part of chunks(entries, 50)) {
          const params: unknown[] = [];
          for (const e of part) {
            params.push(
              e.at,
              e.tenantId ?? null,
              e.tenantName ?? null,
              e.clientId ?? null,
              e.clientName ?? null,
              e.idp ?? null,
              e.method,
              e.path,
              e.status,
              e.scimType ?? null,
              Math.round(e.durationMs),
              JSON.stringify(e.notes),
              e.requestBody ?? null,
              e.responseBody ?? null,
              e.requestId ?? null,
              e.normalisedBody ?? null,
            );
          }
          const row = `(${marks(16)})`;
          await db.execute(
            `INSERT INTO request_log (at, tenant_id, tenant_name, client_id, client_name, idp, method, path, status, scim_type, duration_ms, notes, request_body, response_body, request_id, normalised_body)
             VALUES ${Array.from({ length: part.length }, () => row).join(', ')}`,
            params,
          );
        }
      },

      async pruneRequestLog(before, keep) {
        await db.execute('DELETE FROM request_log WHERE at < ?', [before]);
        await db.execute('DELETE FROM request_log WHERE id <= (SELECT id FROM request_log ORDER BY id DESC LIMIT 1 OFFSET ?)', [keep]);
      },
    },
  };
}
