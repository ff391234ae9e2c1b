/** A migrated SQLite database of its own for a suite that reads query plans (EXPLAIN QUERY PLAN). */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { openConnection, type Connection } from '../../src/store/sqlite/connection.ts';
import { migrate } from '../../src/store/sqlite/sqlite-store.ts';
import { tempDir } from './server.ts';

/**
 * Call inside a describe: opens and migrates the database before its tests (then `setup`, e.g.
 * ANALYZE) and removes it after them. Answers the connection, once the tests run.
 */
export function planDatabase(setup?: (db: Connection) => void): () => Connection {
  let dir: string | undefined;
  let db: Connection | undefined;
  before(() => {
    dir = tempDir();
    db = openConnection(join(dir, 'plan.db'));
    migrate(db);
    setup?.(db);
  });
  after(() => {
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!db) throw new Error('planDatabase: the database is opened before the tests run');
    return db;
  };
}
