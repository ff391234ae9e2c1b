/**
 * Opening scimd.db when its data directory cannot be written (a read-only mount, file modes, an
 * immutable file), so that scimd still serves reads. SQLite reads a WAL-mode database through its
 * -shm file; a read-only directory cannot hold one that does not exist yet, and better-sqlite3
 * takes no `immutable=1` URI. So when the file cannot be read in place and every commit is in the
 * database file (no -wal, or an empty one), it is read from a copy in memory: nothing can change
 * the file meanwhile.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Connection } from './connection.ts';
import { DatabaseUnusable } from '../types.ts';

const NOT_WRITABLE_SQLITE = /^SQLITE_(READONLY|CANTOPEN|PERM|AUTH)/;
const NOT_WRITABLE_ERRNO = new Set(['EACCES', 'EROFS', 'EPERM']);

/** Whether opening (or migrating) the database failed because its file or directory cannot be written. */
export function isNotWritable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (NOT_WRITABLE_SQLITE.test(code) || NOT_WRITABLE_ERRNO.has(code));
}

/** SQLite result codes of a write the database could not store (read-only, full disk, failed I/O other than a read). */
export const WRITE_FAILED = /^SQLITE_(READONLY|FULL|IOERR(?!_(SHORT_)?READ)|CANTOPEN|PERM)/;

export interface ReadOnlyConnection {
  readonly db: Connection;
  /** True when it reads a copy in memory rather than the file itself. */
  readonly copy: boolean;
}

/** A read-only connection to the existing database `file`. */
export function openReadOnly(file: string): ReadOnlyConnection {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return { db, copy: false };
    } catch (e) {
      db.close();
      throw e;
    }
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (!isNotWritable(e) && !(typeof code === 'string' && code.startsWith('SQLITE_IOERR'))) throw e;
    const wal = `${file}-wal`;
    if (existsSync(wal) && statSync(wal).size > 0) {
      throw new DatabaseUnusable(
        `${wal} holds commits not yet in ${file}, and the data directory is not writable, so SQLite cannot read them (${String(code)}): start scimd once with a writable data directory (a clean shutdown folds them into the database file)`,
        { cause: e },
      );
    }
    const image = readFileSync(file);
    // Header bytes 18 and 19 are 2 for WAL mode; the copy uses a rollback journal (1), in memory.
    if (image.length >= 100) {
      image[18] = 1;
      image[19] = 1;
    }
    return { db: new Database(image, { readonly: true }), copy: true };
  }
}
