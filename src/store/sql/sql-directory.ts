/** The Directory port in SQL: tenants, scim_clients, tokens. */
import type { AdminKey, DirectoryPort, ScimClient, Tenant, TenantStatus, TokenRecord } from '../types.ts';
import { one, opt, settingsOf, type AuthTouched } from './rows.ts';
import type { Driver, Row } from './sql-driver.ts';

function tenantFromRow(r: Row): Tenant {
  return {
    id: r.id as string,
    name: r.name as string,
    status: r.status as TenantStatus,
    createdAt: r.created_at as string,
    settings: settingsOf(r.settings),
    schemaVersion: Number(r.schema_version ?? 0),
  };
}

function clientFromRow(r: Row): ScimClient {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    name: r.name as string,
    createdAt: r.created_at as string,
    settings: settingsOf(r.settings),
    ...(opt(r.revoked_at) ? { revokedAt: r.revoked_at as string } : {}),
    ...(opt(r.idp) ? { idp: r.idp as string } : {}),
    ...(opt(r.detected_idp) ? { detectedIdp: r.detected_idp as string } : {}),
    ...(opt(r.detected_reason) ? { detectedReason: r.detected_reason as string } : {}),
  };
}

function tokenFromRow(r: Row): TokenRecord {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    clientId: r.client_id as string,
    hash: r.hash as string,
    prefix: r.prefix as string,
    createdAt: r.created_at as string,
    ...(opt(r.expires_at) ? { expiresAt: r.expires_at as string } : {}),
    ...(opt(r.revoked_at) ? { revokedAt: r.revoked_at as string } : {}),
    ...(opt(r.last_used_at) ? { lastUsedAt: r.last_used_at as string } : {}),
  };
}

function adminKeyFromRow(r: Row): AdminKey {
  return {
    id: r.id as string,
    name: r.name as string,
    hash: r.hash as string,
    prefix: r.prefix as string,
    createdAt: r.created_at as string,
    ...(opt(r.tenant_id) ? { tenantId: r.tenant_id as string } : {}),
    ...(opt(r.revoked_at) ? { revokedAt: r.revoked_at as string } : {}),
    ...(opt(r.last_used_at) ? { lastUsedAt: r.last_used_at as string } : {}),
  };
}

export function sqlDirectory(db: Driver, auth: AuthTouched): DirectoryPort {
  return {
    reads: {
      async tenantByName(name) {
        const r = await one(db, 'SELECT * FROM tenants WHERE name = ?', [name]);
        return r && tenantFromRow(r);
      },

      async tenantById(id) {
        const r = await one(db, 'SELECT * FROM tenants WHERE id = ?', [id]);
        return r && tenantFromRow(r);
      },

      async listTenants() {
        return (await db.query('SELECT * FROM tenants ORDER BY created_at, name')).map(tenantFromRow);
      },

      // Ranges of the unique index on name.
      async tenantPage(q) {
        if (q.before !== undefined) return (await db.query('SELECT * FROM tenants WHERE name < ? ORDER BY name DESC LIMIT ?', [q.before, q.limit])).map(tenantFromRow).reverse();
        if (q.after !== undefined) return (await db.query('SELECT * FROM tenants WHERE name > ? ORDER BY name LIMIT ?', [q.after, q.limit])).map(tenantFromRow);
        return (await db.query('SELECT * FROM tenants ORDER BY name LIMIT ?', [q.limit])).map(tenantFromRow);
      },

      async clientByName(tenantId, name) {
        const r = await one(db, 'SELECT * FROM scim_clients WHERE tenant_id = ? AND name = ?', [tenantId, name]);
        return r && clientFromRow(r);
      },

      async clientById(id) {
        const r = await one(db, 'SELECT * FROM scim_clients WHERE id = ?', [id]);
        return r && clientFromRow(r);
      },

      async listClients(tenantId) {
        return (await db.query('SELECT * FROM scim_clients WHERE tenant_id = ? ORDER BY created_at, name', [tenantId])).map(clientFromRow);
      },

      async tokenByHash(hash) {
        const r = await one(db, 'SELECT * FROM tokens WHERE hash = ?', [hash]);
        return r && tokenFromRow(r);
      },

      async listTokens(filter) {
        const t = filter.tenantId ?? null;
        const c = filter.clientId ?? null;
        const rows = await db.query(
          'SELECT * FROM tokens WHERE (CAST(? AS TEXT) IS NULL OR tenant_id = ?) AND (CAST(? AS TEXT) IS NULL OR client_id = ?) ORDER BY created_at',
          [t, t, c, c],
        );
        return rows.map(tokenFromRow);
      },

      async adminKeyByHash(hash) {
        const r = await one(db, 'SELECT * FROM admin_keys WHERE hash = ?', [hash]);
        return r && adminKeyFromRow(r);
      },

      async listAdminKeys() {
        return (await db.query('SELECT * FROM admin_keys ORDER BY created_at, name')).map(adminKeyFromRow);
      },
    },

    writes: {
      // SQLite's write transactions are BEGIN IMMEDIATE, so forUpdate is empty there.
      async lockTenant(id) {
        const r = await one(db, `SELECT * FROM tenants WHERE id = ?${db.forUpdate}`, [id]);
        return r && tenantFromRow(r);
      },

      async lockClient(id) {
        const r = await one(db, `SELECT * FROM scim_clients WHERE id = ?${db.forUpdate}`, [id]);
        return r && clientFromRow(r);
      },

      async createTenant(t) {
        auth.touched = true;
        await db.execute('INSERT INTO tenants (id, name, status, created_at, settings) VALUES (?, ?, ?, ?, ?)', [t.id, t.name, t.status, t.createdAt, JSON.stringify(t.settings)]);
      },

      async setTenantStatus(id, status) {
        auth.touched = true;
        await db.execute('UPDATE tenants SET status = ? WHERE id = ?', [status, id]);
      },

      async setTenantSettings(id, settings) {
        auth.touched = true;
        // user_names_global mirrors userName.scope for the cross-tenant uniqueness check.
        await db.execute('UPDATE tenants SET settings = ?, user_names_global = ? WHERE id = ?', [JSON.stringify(settings), settings['userName.scope'] === 'global' ? 1 : 0, id]);
      },

      async createClient(c) {
        auth.touched = true;
        await db.execute('INSERT INTO scim_clients (id, tenant_id, name, created_at, idp, settings) VALUES (?, ?, ?, ?, ?, ?)', [
          c.id,
          c.tenantId,
          c.name,
          c.createdAt,
          c.idp ?? null,
          JSON.stringify(c.settings),
        ]);
      },

      async revokeClient(id, at) {
        auth.touched = true;
        await db.execute('UPDATE scim_clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id]);
      },

      async updateClient(id, changes) {
        auth.touched = true;
        const columns: [keyof typeof changes, string][] = [
          ['idp', 'idp'],
          ['detectedIdp', 'detected_idp'],
          ['detectedReason', 'detected_reason'],
          ['settings', 'settings'],
        ];
        const sets: string[] = [];
        const params: unknown[] = [];
        for (const [field, column] of columns) {
          const v = changes[field];
          if (v === undefined) continue;
          sets.push(`${column} = ?`);
          params.push(typeof v === 'object' && v !== null ? JSON.stringify(v) : v);
        }
        if (sets.length) await db.execute(`UPDATE scim_clients SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
      },

      async createToken(t) {
        auth.touched = true;
        await db.execute('INSERT INTO tokens (id, tenant_id, client_id, hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
          t.id,
          t.tenantId,
          t.clientId,
          t.hash,
          t.prefix,
          t.createdAt,
          t.expiresAt ?? null,
        ]);
      },

      async expireTokens(clientId, at, exceptId) {
        auth.touched = true;
        await db.execute('UPDATE tokens SET expires_at = ? WHERE client_id = ? AND id <> ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)', [
          at,
          clientId,
          exceptId,
          at,
        ]);
      },

      async revokeTokens(clientId, at) {
        auth.touched = true;
        await db.execute('UPDATE tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL', [at, clientId]);
      },

      async touchToken(id, at) {
        await db.execute('UPDATE tokens SET last_used_at = ? WHERE id = ?', [at, id]);
      },

      async createAdminKey(k) {
        auth.touched = true;
        await db.execute('INSERT INTO admin_keys (id, name, tenant_id, hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)', [k.id, k.name, k.tenantId ?? null, k.hash, k.prefix, k.createdAt]);
      },

      async revokeAdminKey(id, at) {
        auth.touched = true;
        return (await db.execute('UPDATE admin_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])) > 0;
      },

      async touchAdminKey(id, at) {
        await db.execute('UPDATE admin_keys SET last_used_at = ? WHERE id = ?', [at, id]);
      },
    },
  };
}
