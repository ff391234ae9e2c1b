/** The Tombstones port in SQL: the tombstones table. */
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { Json } from '../../scim/schema/validate.ts';
import type { Tombstone, TombstonesPort } from '../types.ts';
import { json, one, opt } from './rows.ts';
import type { Driver, Row } from './sql-driver.ts';

function tombstoneFromRow(r: Row): Tombstone {
  return {
    id: r.id as string,
    type: r.type as ResourceTypeName,
    data: json(r.data) as Json,
    created: r.created as string,
    deletedAt: r.deleted_at as string,
    ...(r.version === null || r.version === undefined ? {} : { version: Number(r.version) }),
    ...(opt(r.password_hash) ? { passwordHash: r.password_hash as string } : {}),
  };
}

export function sqlTombstones(db: Driver): TombstonesPort {
  return {
    reads: {
      async listTombstones(tenantId) {
        return (await db.query('SELECT * FROM tombstones WHERE tenant_id = ? ORDER BY deleted_at', [tenantId])).map(tombstoneFromRow);
      },

      // Row values keep each page one range of the tombstones_deleted index (tenant_id, deleted_at, id).
      async tombstonePage(tenantId, q) {
        if (q.after) {
          const rows = await db.query('SELECT * FROM tombstones WHERE tenant_id = ? AND (deleted_at, id) > (?, ?) ORDER BY deleted_at, id LIMIT ?', [tenantId, q.after.deletedAt, q.after.id, q.limit]);
          return rows.map(tombstoneFromRow).reverse();
        }
        const rows = q.before
          ? await db.query('SELECT * FROM tombstones WHERE tenant_id = ? AND (deleted_at, id) < (?, ?) ORDER BY deleted_at DESC, id DESC LIMIT ?', [tenantId, q.before.deletedAt, q.before.id, q.limit])
          : await db.query('SELECT * FROM tombstones WHERE tenant_id = ? ORDER BY deleted_at DESC, id DESC LIMIT ?', [tenantId, q.limit]);
        return rows.map(tombstoneFromRow);
      },

      async tombstone(tenantId, id) {
        const r = await one(db, 'SELECT * FROM tombstones WHERE tenant_id = ? AND id = ?', [tenantId, id]);
        return r && tombstoneFromRow(r);
      },
    },

    writes: {
      async putTombstone(tenantId, t) {
        await db.execute('DELETE FROM tombstones WHERE tenant_id = ? AND id = ?', [tenantId, t.id]);
        await db.execute('INSERT INTO tombstones (tenant_id, id, type, data, created, deleted_at, version, password_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
          tenantId,
          t.id,
          t.type,
          JSON.stringify(t.data),
          t.created,
          t.deletedAt,
          t.version ?? null,
          t.passwordHash ?? null,
        ]);
      },

      async takeTombstone(tenantId, id) {
        const r = await one(db, 'SELECT * FROM tombstones WHERE tenant_id = ? AND id = ?', [tenantId, id]);
        if (!r) return undefined;
        await db.execute('DELETE FROM tombstones WHERE tenant_id = ? AND id = ?', [tenantId, id]);
        return tombstoneFromRow(r);
      },
    },
  };
}
