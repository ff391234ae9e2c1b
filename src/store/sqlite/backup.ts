/**
 * Online backup and restore of the embedded SQLite database, with SQLite's backup API: a copy
 * taken while a server writes is one consistent snapshot (the API starts over when another
 * connection commits between two steps; after a few restarts the rest is copied in one step,
 * which in WAL mode holds a read snapshot and never blocks the writer). The copy is written to
 * `<file>.partial`, checked, flushed to disk and only then renamed, so an interrupted backup never
 * leaves a file that looks whole.
 */
import { closeSync, existsSync, mkdirSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrationsFor, SQLITE_DDL } from '../sql/migrations.ts';

/** Pages copied per step (4 MiB at SQLite's default page size). */
const STEP_PAGES = 1024;
/** Restarts (another connection committed between two steps) before copying the rest in one step. */
const RESTARTS_BEFORE_ONE_STEP = 3;
const ALL_PAGES = 0x7fffffff;

export interface CopyProgress {
  readonly copiedPages: number;
  readonly totalPages: number;
}

/** What a database file holds, read after a copy to check it. */
export interface DatabaseSummary {
  readonly file: string;
  readonly bytes: number;
  /** The highest schema_migrations version applied. */
  readonly schemaVersion: number;
  readonly tenants: number;
  readonly users: number;
  readonly groups: number;
  readonly events: number;
}

/** A file that is not a scimd SQLite database, is damaged, or comes from a newer scimd. */
export class BackupError extends Error {}

const stepsOfThisScimd = (): number => migrationsFor(SQLITE_DDL).length;

/** Checks `file` (integrity and that it is a scimd database no newer than this one) and counts what it holds. */
export function inspectDatabase(file: string): DatabaseSummary {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new BackupError(`${file} cannot be opened as a SQLite database: ${(e as Error).message}`);
  }
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    let check: string;
    try {
      check = (db.pragma('quick_check', { simple: true }) as string) ?? '';
    } catch (e) {
      throw new BackupError(`${file} is not a SQLite database: ${(e as Error).message}`);
    }
    if (check !== 'ok') throw new BackupError(`${file} is damaged: ${check}`);
    const hasMigrations = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
    if (!hasMigrations) throw new BackupError(`${file} is a SQLite database but not a scimd one (no schema_migrations table)`);
    const schemaVersion = count('SELECT COALESCE(MAX(version), 0) AS n FROM schema_migrations');
    const steps = stepsOfThisScimd();
    if (schemaVersion > steps) throw new BackupError(`${file} was written by a newer scimd (schema version ${schemaVersion}; this scimd knows ${steps}): use that version`);
    const table = (name: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
    return {
      file,
      bytes: statSync(file).size,
      schemaVersion,
      tenants: table('tenants') ? count('SELECT COUNT(*) AS n FROM tenants') : 0,
      users: table('resources') ? count("SELECT COUNT(*) AS n FROM resources WHERE type = 'User'") : 0,
      groups: table('resources') ? count("SELECT COUNT(*) AS n FROM resources WHERE type = 'Group'") : 0,
      events: table('events') ? count('SELECT COUNT(*) AS n FROM events') : 0,
    };
  } finally {
    db.close();
  }
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Copies the database at `source` to `target` (which must not exist), page by page. */
async function copyDatabase(source: string, target: string, onProgress: (p: CopyProgress) => void): Promise<DatabaseSummary> {
  if (existsSync(target)) throw new BackupError(`${target} exists: scimd does not overwrite a file`);
  if (!existsSync(dirname(target))) throw new BackupError(`The directory ${dirname(target)} does not exist`);
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    let restarts = 0;
    let lastRemaining = Number.POSITIVE_INFINITY;
    const done = await db.backup(partial, {
      progress({ totalPages, remainingPages }) {
        // More left than after the step before: another connection committed and the copy started over.
        if (remainingPages > lastRemaining) restarts++;
        lastRemaining = remainingPages;
        onProgress({ copiedPages: totalPages - remainingPages, totalPages });
        return restarts >= RESTARTS_BEFORE_ONE_STEP ? ALL_PAGES : STEP_PAGES;
      },
    });
    onProgress({ copiedPages: done.totalPages, totalPages: done.totalPages });
  } catch (e) {
    rmSync(partial, { force: true });
    throw e instanceof BackupError ? e : new BackupError(`Copying ${source} failed: ${(e as Error).message}`);
  } finally {
    db.close();
  }
  try {
    // A copy in one file: no WAL beside it to lose when the file alone is moved.
    const copy = new Database(partial);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    const summary = inspectDatabase(partial);
    fsyncFile(partial);
    renameSync(partial, target);
    fsyncFile(dirname(target));
    return { ...summary, file: target };
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
}

/** A consistent copy of the live database `source` (a server may be writing to it) in the new file `target`. */
export async function backupDatabase(source: string, target: string, onProgress: (p: CopyProgress) => void = () => undefined): Promise<DatabaseSummary> {
  if (!existsSync(source)) throw new BackupError(`No scimd database at ${source}`);
  return copyDatabase(source, target, onProgress);
}

/**
 * Restores the backup `backup` as the database `target`, which must not exist (an empty data
 * directory): the backup is checked first, so a damaged or foreign file changes nothing. A server
 * started on it applies any newer schema steps, as after an upgrade.
 */
export async function restoreDatabase(backup: string, target: string, onProgress: (p: CopyProgress) => void = () => undefined): Promise<DatabaseSummary> {
  if (!existsSync(backup)) throw new BackupError(`No such file: ${backup}`);
  inspectDatabase(backup);
  mkdirSync(dirname(target), { recursive: true });
  for (const side of ['', '-wal', '-shm']) {
    if (existsSync(`${target}${side}`)) throw new BackupError(`${dirname(target)} already holds a scimd database: restore into an empty data directory`);
  }
  return copyDatabase(backup, target, onProgress);
}
