/** The EventLog port in SQL: the events table. */
import type { Json } from '../../scim/schema/validate.ts';
import type { EventLogPort } from '../types.ts';
import { json, opt } from './rows.ts';
import type { Driver } from './sql-driver.ts';

export function sqlEventLog(db: Driver): EventLogPort {
  return {
    reads: {
      async events(q) {
        const t = q.tenantId ?? null;
        const rows = await db.query('SELECT * FROM events WHERE (CAST(? AS TEXT) IS NULL OR tenant_id = ?) AND seq > ? ORDER BY seq LIMIT ?', [t, t, q.afterSeq ?? 0, q.limit]);
        return rows.map((r) => ({
          seq: Number(r.seq),
          tenantId: r.tenant_id as string,
          type: r.type as string,
          at: r.at as string,
          data: json(r.data) as Json,
          ...(opt(r.resource_id) ? { resourceId: r.resource_id as string } : {}),
        }));
      },
    },

    writes: {
      async appendEvent(e) {
        await db.execute('INSERT INTO events (tenant_id, type, resource_id, at, data) VALUES (?, ?, ?, ?, ?)', [e.tenantId, e.type, e.resourceId ?? null, e.at, JSON.stringify(e.data)]);
      },
    },
  };
}
