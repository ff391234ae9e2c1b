/** The ServerSecrets port in SQL: the server_secrets table. */
import type { ServerSecretsPort } from '../types.ts';
import { one } from './rows.ts';
import type { Driver } from './sql-driver.ts';

export function sqlServerSecrets(db: Driver): ServerSecretsPort {
  return {
    reads: {
      async storedServerSecret(name) {
        return (await one(db, 'SELECT value FROM server_secrets WHERE name = ?', [name]))?.value as string | undefined;
      },
    },
    writes: {
      async serverSecret(name, candidate, at) {
        await db.execute('INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', [name, candidate, at]);
        return (await one(db, 'SELECT value FROM server_secrets WHERE name = ?', [name]))!.value as string;
      },
    },
  };
}
