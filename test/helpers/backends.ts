/** The two store adapters, for suites that must hold on both (the store contract). */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openPostgresStore } from '../../src/store/postgres/pg-store.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/types.ts';
import { freshDatabase } from './postgres.ts';
import { tempDir } from './server.ts';

export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  /** A new, empty store and what removes it. */
  open(label: string): Promise<{ store: Store; close: () => Promise<void> }>;
}

export const SQLITE: Backend = {
  name: 'sqlite',
  async open(label) {
    const dir = tempDir(`scimd-${label}-`);
    const store = openSqliteStore(join(dir, 'scimd.db'), { synchronous: 'NORMAL' });
    return {
      store,
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const POSTGRES: Backend = {
  name: 'postgres',
  async open(label) {
    const db = await freshDatabase(label);
    const store = await openPostgresStore(db.url, { poolSize: 4 });
    return {
      store,
      async close() {
        await store.close();
        await db.drop();
      },
    };
  },
};

export const BACKENDS: readonly Backend[] = [SQLITE, POSTGRES];
