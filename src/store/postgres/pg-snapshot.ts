/**
 * Read snapshots of PostgreSQL: a pooled connection in one REPEATABLE READ, READ ONLY
 * transaction, which sees one snapshot however long it is read. At most half the pool at once, so
 * that streamed answers never take every connection from the other requests.
 */
import type pg from 'pg';
import { mappedReads } from '../routed-repo.ts';
import { Slots } from '../slots.ts';
import { sqlRepo } from '../sql/sql-repo.ts';
import type { ReadSnapshot, RepoReads } from '../types.ts';
import { PgDriver } from './pg-driver.ts';

export function pgSnapshots(pool: pg.Pool, poolSize: number, mapError: (e: unknown) => unknown): () => Promise<ReadSnapshot> {
  const slots = new Slots(Math.max(1, Math.floor(poolSize / 2)));
  // The ports over each pooled connection, made when it first holds a snapshot.
  const repos = new WeakMap<pg.PoolClient, RepoReads>();
  return async function take(): Promise<ReadSnapshot> {
    await slots.take();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      slots.free();
      throw mapError(e);
    }
    try {
      // A snapshot reads by keyset, page after page: an ordered index scan stops at the page's end,
      // where a bitmap scan (the planner's choice while a group just loaded has no statistics yet)
      // reads every later member of the group for each page, 25–30 ms a page at 100,000 members.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL enable_bitmapscan = off');
    } catch (e) {
      client.release(e as Error);
      slots.free();
      throw mapError(e);
    }
    let reads = repos.get(client);
    if (!reads) repos.set(client, (reads = mappedReads(sqlRepo(new PgDriver(client)).reads, mapError)));
    let released = false;
    return {
      reads,
      async release() {
        if (released) return;
        released = true;
        let broken: Error | undefined;
        try {
          await client.query('COMMIT');
        } catch (e) {
          broken = e as Error;
        }
        client.release(broken);
        slots.free();
      },
    };
  };
}
