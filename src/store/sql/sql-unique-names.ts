/** The UniqueNames port in SQL: lookups on the folded name columns of resources, and the key lock. */
import type { UniqueNamesPort } from '../types.ts';
import { one } from './rows.ts';
import type { Driver } from './sql-driver.ts';

export function sqlUniqueNames(db: Driver): UniqueNamesPort {
  return {
    reads: {
      async userNameTakenElsewhere(tenantId, userNameFold, among) {
        const sql =
          among === 'all'
            ? "SELECT 1 AS x FROM resources WHERE user_name_fold = ? AND tenant_id <> ? AND type = 'User' LIMIT 1"
            : "SELECT 1 AS x FROM resources r JOIN tenants t ON t.id = r.tenant_id WHERE r.user_name_fold = ? AND r.tenant_id <> ? AND r.type = 'User' AND t.user_names_global = 1 LIMIT 1";
        return (await one(db, sql, [userNameFold, tenantId])) !== undefined;
      },

      async groupWithDisplayName(tenantId, displayNameFold, exceptId) {
        const row = await one(db, "SELECT id FROM resources WHERE tenant_id = ? AND type = 'Group' AND display_name_fold = ? AND id <> ? LIMIT 1", [tenantId, displayNameFold, exceptId]);
        return row ? (row.id as string) : undefined;
      },

      async userNamesHeldElsewhere(tenantId, limit) {
        const clash = `FROM resources r WHERE r.tenant_id = ? AND r.type = 'User'
      AND EXISTS (SELECT 1 FROM resources o WHERE o.user_name_fold = r.user_name_fold AND o.tenant_id <> r.tenant_id AND o.type = 'User')`;
        const count = await one(db, `SELECT COUNT(*) AS n ${clash}`, [tenantId]);
        const rows = await db.query(`SELECT r.user_name ${clash} ORDER BY r.user_name_fold LIMIT ?`, [tenantId, limit]);
        return { names: rows.map((r) => r.user_name as string), total: Number(count?.n ?? 0) };
      },
    },

    writes: {
      async lockKey(key) {
        if (db.keyLock) await db.query(db.keyLock, [key]);
      },
    },
  };
}
