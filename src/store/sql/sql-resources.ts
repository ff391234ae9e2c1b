/** The Resources port in SQL: resources, and the resource_values rows that index their emails. */
import type { StoredResource } from '../../scim/resource.ts';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import { rememberJson } from '../../scim/json-text.ts';
import type { Json } from '../../scim/schema/validate.ts';
import { markInNoGroup } from '../hints.ts';
import type { ResourcesPort } from '../types.ts';
import { UniqueViolation } from '../types.ts';
import { indexedValues, keyColumns } from './columns.ts';
import { compileSearch, RESOURCE_COLUMNS } from './compile.ts';
import { chunks, json, marks, one } from './rows.ts';
import type { Driver, Row } from './sql-driver.ts';

function resourceFromRow(row: Row): StoredResource {
  const r: StoredResource = {
    id: row.id as string,
    type: row.type as ResourceTypeName,
    version: Number(row.version),
    created: row.created as string,
    lastModified: row.last_modified as string,
    data: json(row.data) as Json,
  };
  // SQLite answers EXISTS with 0 or 1, PostgreSQL with a boolean.
  return row.in_group === 0 || row.in_group === false ? markInNoGroup(r) : r;
}

/** The same index rows, in any order. */
function sameValues(a: readonly { attr: string; value: string }[], b: readonly { attr: string; value: string }[]): boolean {
  if (a.length !== b.length) return false;
  const key = (v: { attr: string; value: string }) => `${v.attr}\u0000${v.value}`;
  const keys = new Set(a.map(key));
  return b.every((v) => keys.has(key(v)));
}

export function sqlResources(db: Driver): ResourcesPort {
  /** A document as the database takes it, its JSON text remembered for the change recorder (json-text.ts). */
  const dataParam = (data: Json): unknown => {
    const v = db.json(data);
    if (typeof v === 'string') rememberJson(data, v);
    return v;
  };
  /**
   * The resource's rows in `resource_values`. On an update only the rows that differ are deleted
   * or inserted: most updates (a PATCH of displayName, an `active` flip) leave the emails alone, and
   * a read is cheaper than rewriting the rows and their two indexes.
   */
  async function writeValues(tenantId: string, seq: unknown, r: StoredResource, replace: boolean, previous?: Json): Promise<void> {
    const wanted = indexedValues(r.type, r.data);
    // The rows are those of the data replaced: the same values (most updates) leave them as they are.
    if (replace && previous !== undefined && sameValues(indexedValues(r.type, previous), wanted)) return;
    const stale: { attr: string; value: string }[] = [];
    let fresh = wanted;
    if (replace) {
      const key = (v: { attr: string; value: string }) => `${v.attr}\u0000${v.value}`;
      const have = (await db.query('SELECT attr, value_fold FROM resource_values WHERE resource_seq = ?', [seq])).map((row) => ({ attr: row.attr as string, value: row.value_fold as string }));
      const haveKeys = new Set(have.map(key));
      const wantedKeys = new Set(wanted.map(key));
      fresh = wanted.filter((v) => !haveKeys.has(key(v)));
      for (const v of have) if (!wantedKeys.has(key(v))) stale.push(v);
    }
    for (const v of stale) {
      await db.execute('DELETE FROM resource_values WHERE resource_seq = ? AND attr = ? AND value_fold = ?', [seq, v.attr, v.value]);
    }
    for (const v of fresh) {
      const sql = 'INSERT INTO resource_values (resource_seq, tenant_id, attr, value_fold) VALUES (?, ?, ?, ?)';
      // Nothing is read from it: it can go with the transaction's next statement.
      if (db.later) db.later(sql, [seq, tenantId, v.attr, v.value]);
      else await db.execute(sql, [seq, tenantId, v.attr, v.value]);
    }
  }

  async function uniqueGuard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (db.isUniqueViolation(e, 'resources_user_name')) throw new UniqueViolation('userName');
      throw e;
    }
  }

  return {
    reads: {
      async getResource(tenantId, type, id, opts = {}) {
        const lock = opts.lock ? db.forUpdate : '';
        const r = await one(db, `SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE r.tenant_id = ? AND r.id = ? AND r.type = ?${lock}`, [tenantId, id, type]);
        return r && resourceFromRow(r);
      },

      /**
       * The page, and the total without a COUNT where the page already tells it: a page that is not
       * full and not empty ends the result (total = offset + its length), and an empty first page means
       * none. A lookup by userName or externalId, the commonest search of all, is then one statement.
       */
      async queryResources(tenantId, q) {
        const c = compileSearch(db.dialect, tenantId, q);
        if (q.keyset) {
          const rows = q.count > 0 ? await db.queryCompiled(c.pageSql, c.pageParams) : [];
          const total = Number((await db.queryCompiled(c.countSql, c.countParams))[0]!.n);
          const positions = rows.map((row) => ({ seq: Number(row.k_seq), ...('k_key' in row ? { key: (row.k_key ?? null) as string | number | boolean | null } : {}) }));
          return { total, resources: rows.map(resourceFromRow), positions };
        }
        const offset = Math.max(0, q.startIndex - 1);
        if (q.count > 0) {
          const resources = (await db.queryCompiled(c.pageSql, c.pageParams)).map(resourceFromRow);
          if ((resources.length > 0 && resources.length < q.count) || (resources.length === 0 && offset === 0)) return { total: offset + resources.length, resources };
          // Two statements, two snapshots: a total never smaller than what the page shows.
          const total = Number((await db.queryCompiled(c.countSql, c.countParams))[0]!.n);
          return { total: resources.length ? Math.max(total, offset + resources.length) : total, resources };
        }
        return { total: Number((await db.queryCompiled(c.countSql, c.countParams))[0]!.n), resources: [] };
      },
    },

    writes: {
      async insertResource(tenantId, r, search) {
        const k = keyColumns(r.type, r.data);
        const rows = await uniqueGuard(() =>
          db.query(
            `INSERT INTO resources (tenant_id, id, type, version, created, last_modified, user_name, user_name_fold, external_id, display_name, display_name_fold, data, search)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
            [tenantId, r.id, r.type, r.version, r.created, r.lastModified, k.user_name, k.user_name_fold, k.external_id, k.display_name, k.display_name_fold, dataParam(r.data), db.json(search)],
          ),
        );
        await writeValues(tenantId, rows[0]!.seq, r, false);
      },

      /** 100 resources per INSERT … RETURNING, then their resource_values rows 250 to a statement. */
      async insertResources(tenantId, items) {
        for (const part of chunks(items, 100)) {
          const params: unknown[] = [];
          for (const { resource: r, search } of part) {
            const k = keyColumns(r.type, r.data);
            params.push(tenantId, r.id, r.type, r.version, r.created, r.lastModified, k.user_name, k.user_name_fold, k.external_id, k.display_name, k.display_name_fold, db.json(r.data), db.json(search));
          }
          const row = `(${marks(13)})`;
          const rows = await uniqueGuard(() =>
            db.query(
              `INSERT INTO resources (tenant_id, id, type, version, created, last_modified, user_name, user_name_fold, external_id, display_name, display_name_fold, data, search)
               VALUES ${part.map(() => row).join(', ')} RETURNING seq, id`,
              params,
            ),
          );
          const seqOf = new Map(rows.map((r) => [r.id as string, r.seq]));
          const values: unknown[][] = [];
          for (const { resource: r } of part) for (const v of indexedValues(r.type, r.data)) values.push([seqOf.get(r.id), tenantId, v.attr, v.value]);
          for (const vpart of chunks(values, 250)) {
            await db.execute(`INSERT INTO resource_values (resource_seq, tenant_id, attr, value_fold) VALUES ${vpart.map(() => '(?, ?, ?, ?)').join(', ')}`, vpart.flat());
          }
        }
      },

      async updateResource(tenantId, r, expectedVersion, search, previous) {
        const k = keyColumns(r.type, r.data);
        const rows = await uniqueGuard(() =>
          db.query(
            `UPDATE resources SET version = ?, last_modified = ?, user_name = ?, user_name_fold = ?, external_id = ?, display_name = ?, display_name_fold = ?, data = ?${search === undefined ? '' : ', search = ?'}
             WHERE tenant_id = ? AND id = ? AND type = ? AND version = ? RETURNING seq`,
            [
              r.version,
              r.lastModified,
              k.user_name,
              k.user_name_fold,
              k.external_id,
              k.display_name,
              k.display_name_fold,
              dataParam(r.data),
              ...(search === undefined ? [] : [db.json(search)]),
              tenantId,
              r.id,
              r.type,
              expectedVersion,
            ],
          ),
        );
        if (rows.length === 0) return false;
        await writeValues(tenantId, rows[0]!.seq, r, true, previous);
        return true;
      },

      async deleteResource(tenantId, type, id) {
        return (await db.execute('DELETE FROM resources WHERE tenant_id = ? AND id = ? AND type = ?', [tenantId, id, type])) > 0;
      },
    },
  };
}
