/** The SetupLinks port in SQL: the setup_links table. */
import type { SetupLink, SetupLinksPort } from '../types.ts';
import { one, opt } from './rows.ts';
import type { Driver } from './sql-driver.ts';

export function sqlSetupLinks(db: Driver): SetupLinksPort {
  return {
    reads: {
      async setupLinkByHash(hash) {
        const r = await one(db, 'SELECT * FROM setup_links WHERE hash = ?', [hash]);
        if (!r) return undefined;
        const link: SetupLink = {
          id: r.id as string,
          hash: r.hash as string,
          tenantId: r.tenant_id as string,
          createdAt: r.created_at as string,
          expiresAt: r.expires_at as string,
          ...(opt(r.client_id) ? { clientId: r.client_id as string } : {}),
        };
        return link;
      },
    },
    writes: {
      async createSetupLink(l) {
        await db.execute('INSERT INTO setup_links (id, hash, tenant_id, created_at, expires_at, client_id) VALUES (?, ?, ?, ?, ?, ?)', [l.id, l.hash, l.tenantId, l.createdAt, l.expiresAt, l.clientId ?? null]);
      },
      async setSetupLinkClient(id, clientId) {
        await db.execute('UPDATE setup_links SET client_id = ? WHERE id = ?', [clientId, id]);
      },
    },
  };
}
