/** How many events a bench server's database holds (its SQLite file in its data directory, or its PostgreSQL database). */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';

export async function countEvents(dataDir: string, databaseUrl: string | undefined): Promise<number> {
  if (databaseUrl) {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      const r = await c.query<{ n: string }>('SELECT COUNT(*) AS n FROM events');
      return Number(r.rows[0]!.n);
    } finally {
      await c.end();
    }
  }
  const db = new Database(join(dataDir, 'scimd.db'), { readonly: true });
  try {
    return Number(db.prepare('SELECT COUNT(*) FROM events').pluck().get());
  } finally {
    db.close();
  }
}
