/** The TenantSchemas port in SQL: tenant_schemas, role_rules, and the tenant's schema_version. */
import type { TenantSchemasPort } from '../types.ts';
import { opt, type AuthTouched } from './rows.ts';
import type { Driver } from './sql-driver.ts';

export function sqlTenantSchemas(db: Driver, auth: AuthTouched): TenantSchemasPort {
  async function bumpSchemaVersion(tenantId: string): Promise<void> {
    await db.execute('UPDATE tenants SET schema_version = schema_version + 1 WHERE id = ?', [tenantId]);
  }

  return {
    reads: {
      async tenantSchemas(tenantId) {
        const rows = await db.query('SELECT * FROM tenant_schemas WHERE tenant_id = ? ORDER BY created_at, urn', [tenantId]);
        return rows.map((r) => ({
          urn: r.urn as string,
          resourceType: r.resource_type as 'User' | 'Group',
          createdAt: r.created_at as string,
          ...(opt(r.definition) ? { definition: r.definition as string } : {}),
        }));
      },

      async roleRules(tenantId) {
        const rows = await db.query('SELECT role, filter FROM role_rules WHERE tenant_id = ? ORDER BY role', [tenantId]);
        return rows.map((r) => ({ role: r.role as string, filter: r.filter as string }));
      },
    },

    writes: {
      async putTenantSchema(tenantId, t) {
        auth.touched = true;
        await db.execute('DELETE FROM tenant_schemas WHERE tenant_id = ? AND urn = ?', [tenantId, t.urn]);
        await db.execute('INSERT INTO tenant_schemas (tenant_id, urn, resource_type, definition, created_at) VALUES (?, ?, ?, ?, ?)', [
          tenantId,
          t.urn,
          t.resourceType,
          t.definition ?? null,
          t.createdAt,
        ]);
        await bumpSchemaVersion(tenantId);
      },

      async removeTenantSchema(tenantId, urn) {
        auth.touched = true;
        const n = await db.execute('DELETE FROM tenant_schemas WHERE tenant_id = ? AND urn = ?', [tenantId, urn]);
        if (n > 0) await bumpSchemaVersion(tenantId);
        return n > 0;
      },

      async putRoleRule(tenantId, rule, at) {
        auth.touched = true;
        await db.execute('DELETE FROM role_rules WHERE tenant_id = ? AND role = ?', [tenantId, rule.role]);
        await db.execute('INSERT INTO role_rules (tenant_id, role, filter, created_at) VALUES (?, ?, ?, ?)', [tenantId, rule.role, rule.filter, at]);
        await bumpSchemaVersion(tenantId);
      },

      async removeRoleRule(tenantId, role) {
        auth.touched = true;
        const n = await db.execute('DELETE FROM role_rules WHERE tenant_id = ? AND role = ?', [tenantId, role]);
        if (n > 0) await bumpSchemaVersion(tenantId);
        return n > 0;
      },
    },
  };
}
