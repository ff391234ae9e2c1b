/**
 * Read snapshots of a SQLite database in WAL mode: each is a connection of its own in one read
 * transaction, which sees the commit that was last when it first read, however long it lasts (the
 * reader connection cannot: every other read of the process shares it). A few at most; their
 * connections are kept for the next ones. While one lasts, checkpoints stop at its commit.
 */
import { mappedReads } from '../routed-repo.ts';
import { Slots } from '../slots.ts';
import { sqlRepo } from '../sql/sql-repo.ts';
import { StoreUnavailable, type ReadSnapshot, type RepoReads } from '../types.ts';
import { openConnection, type Connection, type SqliteOptions } from './connection.ts';
import { SqliteDriver } from './sqlite-driver.ts';

/** Snapshots held at once; more wait for one to be released. */
export const SQLITE_SNAPSHOTS = 4;

interface Held {
  readonly db: Connection;
  readonly reads: RepoReads;
}

export interface SqliteSnapshots {
  take(): Promise<ReadSnapshot>;
  /** Closes the idle connections now, those in use when they are released. */
  close(): void;
}

export function sqliteSnapshots(file: string, opts: SqliteOptions, mapError: (e: unknown) => unknown, size = SQLITE_SNAPSHOTS): SqliteSnapshots {
  const slots = new Slots(size);
  const idle: Held[] = [];
  let closed = false;

  const open = (): Held => {
    const db = openConnection(file, { ...opts, readonly: false });
    return { db, reads: mappedReads(sqlRepo(new SqliteDriver(db)).reads, mapError) };
  };

  return {
    async take() {
      await slots.take();
      let held: Held;
      try {
        if (closed) throw new StoreUnavailable('store is closed');
        held = idle.pop() ?? open();
        // Deferred: the snapshot is the commit that is last at the first read.
        held.db.exec('BEGIN');
      } catch (e) {
        slots.free();
        throw mapError(e);
      }
      let released = false;
      return {
        reads: held.reads,
        async release() {
          if (released) return;
          released = true;
          try {
            held.db.exec('COMMIT');
            if (closed) held.db.close();
            else idle.push(held);
          } catch {
            held.db.close();
          } finally {
            slots.free();
          }
        },
      };
    },
    close() {
      closed = true;
      for (const held of idle.splice(0)) held.db.close();
    },
  };
}
