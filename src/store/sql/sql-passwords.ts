/** The Passwords port in SQL: the password_hash column of a User's row. */
import { fold } from '../../scim/values.ts';
import type { PasswordsPort } from '../types.ts';
import { one } from './rows.ts';
import type { Driver } from './sql-driver.ts';

export function sqlPasswords(db: Driver): PasswordsPort {
  return {
    reads: {
      async passwordHash(tenantId, userName) {
        const r = await one(db, "SELECT id, password_hash FROM resources WHERE tenant_id = ? AND type = 'User' AND user_name_fold = ?", [tenantId, fold(userName)]);
        return r && typeof r.password_hash === 'string' ? { id: r.id as string, hash: r.password_hash } : undefined;
      },
    },

    writes: {
      async setPasswordHash(tenantId, id, hash) {
        await db.execute("UPDATE resources SET password_hash = ? WHERE tenant_id = ? AND id = ? AND type = 'User'", [hash, tenantId, id]);
      },
    },
  };
}
