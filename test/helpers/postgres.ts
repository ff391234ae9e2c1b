/**
 * Throw-away PostgreSQL databases for tests: each test file gets its own, created on the server at
 * SCIMD_TEST_DATABASE_URL, which scripts/run-tests.mjs always sets (test/helpers/test-postgres.ts
 * chooses the server); a file run on its own falls back to the machine's local PostgreSQL.
 * Their names carry the run's SCIMD_TEST_RUN tag, so a run's databases can be told from others'.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { LOCAL_DATABASE_URL } from './test-postgres.ts';

export const PG_BASE_URL = process.env.SCIMD_TEST_DATABASE_URL || LOCAL_DATABASE_URL;
const RUN = (process.env.SCIMD_TEST_RUN ?? '').replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 8);

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `scimd_${RUN ? `${RUN}_` : ''}${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_BASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(PG_BASE_URL, name),
    async drop() {
      const c = new pg.Client({ connectionString: PG_BASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A query on the test PostgreSQL server itself (pg_stat_activity, ALTER DATABASE …), on a connection of its own. */
export async function onPgServer<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_BASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
