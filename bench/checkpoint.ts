/**
 * After a bulk load into SQLite, the write-ahead log holds everything just seeded; scimd's writer
 * copies it into the database (a checkpoint) on its next commits, and the phase that follows pays
 * for it: a one-member group PATCH right after a million memberships were seeded measured its
 * checkpoint, not itself. Checkpointed here, the seeding pays for its own log.
 */
import Database from 'better-sqlite3';

/** Copies the log into the database and truncates it; false when a reader kept it from finishing. */
export function checkpoint(file: string): boolean {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 10000');
    const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    return row?.busy === 0;
  } finally {
    db.close();
  }
}
