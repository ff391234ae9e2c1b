/**
 * After a bulk load into PostgreSQL, the planner's statistics still describe the empty tables until
 * autovacuum gets to them (a minute or so later): the phase that follows would measure plans made
 * for an empty database, not scimd. Analysed here, the seeding pays for its own statistics, as the
 * SQLite seeding pays for its checkpoint (checkpoint.ts).
 */
import pg from 'pg';

export async function analyze(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}
