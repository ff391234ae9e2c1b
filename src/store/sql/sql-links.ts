/** The Links port in SQL: the user_links table. */
import type { LinksPort, UserLink } from '../types.ts';
import { one, opt } from './rows.ts';
import type { Driver, Row } from './sql-driver.ts';

function linkFromRow(r: Row): UserLink {
  return {
    ...(opt(r.id) ? { id: r.id as string } : {}),
    hash: r.hash as string,
    tenantId: r.tenant_id as string,
    userId: r.user_id as string,
    kind: r.kind as UserLink['kind'],
    email: r.email as string,
    createdAt: r.created_at as string,
    expiresAt: r.expires_at as string,
    ...(opt(r.used_at) ? { usedAt: r.used_at as string } : {}),
    ...(opt(r.origin) ? { origin: r.origin as string } : {}),
  };
}

export function sqlLinks(db: Driver): LinksPort {
  return {
    reads: {
      async linkByHash(hash) {
        const r = await one(db, 'SELECT * FROM user_links WHERE hash = ?', [hash]);
        return r && linkFromRow(r);
      },

      async linkById(id) {
        const r = await one(db, 'SELECT * FROM user_links WHERE id = ?', [id]);
        return r && linkFromRow(r);
      },

      async latestLink(tenantId, userId, kind) {
        const r = await one(db, 'SELECT * FROM user_links WHERE tenant_id = ? AND user_id = ? AND kind = ? ORDER BY created_at DESC LIMIT 1', [tenantId, userId, kind]);
        return r && linkFromRow(r);
      },
    },

    writes: {
      async createLink(l) {
        await db.execute('INSERT INTO user_links (id, origin, hash, tenant_id, user_id, kind, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
          l.id ?? null,
          l.origin ?? null,
          l.hash,
          l.tenantId,
          l.userId,
          l.kind,
          l.email,
          l.createdAt,
          l.expiresAt,
        ]);
      },

      async reissueLink(id, hash, createdAt, expiresAt) {
        return (await db.execute('UPDATE user_links SET hash = ?, created_at = ?, expires_at = ? WHERE id = ? AND used_at IS NULL', [hash, createdAt, expiresAt, id])) > 0;
      },

      async deleteLinks(tenantId, userId) {
        await db.execute('DELETE FROM user_links WHERE tenant_id = ? AND user_id = ?', [tenantId, userId]);
      },

      async useLink(hash, at) {
        return (await db.execute('UPDATE user_links SET used_at = ? WHERE hash = ? AND used_at IS NULL', [at, hash])) > 0;
      },

      async retireLinks(tenantId, userId, kind, at) {
        const k = kind ?? null;
        await db.execute('UPDATE user_links SET used_at = ? WHERE tenant_id = ? AND user_id = ? AND (CAST(? AS TEXT) IS NULL OR kind = ?) AND used_at IS NULL', [at, tenantId, userId, k, k]);
      },
    },
  };
}
