/** The EventCheckpoints port in SQL: the event_checkpoints table beside event_counters. */
import type { EventCheckpointsPort } from '../types.ts';
import type { Driver } from './sql-driver.ts';

export function sqlEventCheckpoints(db: Driver): EventCheckpointsPort {
  return {
    reads: {
      async eventBacklog(subscriber) {
        const rows = await db.query(
          `SELECT c.tenant_id, c.seq AS last, k.tenant_seq AS checkpoint FROM event_counters c
           LEFT JOIN event_checkpoints k ON k.subscriber = ? AND k.tenant_id = c.tenant_id
           WHERE k.tenant_seq IS NULL OR k.tenant_seq < c.seq ORDER BY c.tenant_id`,
          [subscriber],
        );
        return rows.map((r) => ({
          tenantId: r.tenant_id as string,
          last: Number(r.last),
          ...(r.checkpoint === null || r.checkpoint === undefined ? {} : { checkpoint: Number(r.checkpoint) }),
        }));
      },
    },
    writes: {
      async saveEventCheckpoint(subscriber, tenantId, tenantSeq, at) {
        await db.execute(
          `INSERT INTO event_checkpoints (subscriber, tenant_id, tenant_seq, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (subscriber, tenant_id) DO UPDATE SET tenant_seq = excluded.tenant_seq, updated_at = excluded.updated_at
           WHERE excluded.tenant_seq > event_checkpoints.tenant_seq`,
          [subscriber, tenantId, tenantSeq, at],
        );
      },
    },
  };
}
