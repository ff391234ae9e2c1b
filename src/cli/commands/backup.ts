/** `scimd backup <file>` and `scimd restore <file>`: an online copy of the embedded SQLite database, and back. */
import { resolve } from 'node:path';
import { databaseFile, resolveStorageConfig } from '../../config.ts';
import { AdminError } from '../../provisioning/tenants/directory-admin.ts';
import type { CopyProgress, DatabaseSummary } from '../../store/sqlite/backup.ts';
import { UsageError } from '../args.ts';
import { DATA_DIR, DATABASE_URL, type Command, type CommandContext } from '../command.ts';
import { table } from '../output.ts';

/** The data directory of an SQLite deployment; a PostgreSQL one is told to use pg_dump. */
function sqliteDataDir(ctx: CommandContext, verb: string): string {
  const config = resolveStorageConfig(ctx.args.flags, ctx.env);
  if (config.databaseUrl) {
    throw new UsageError(`scimd ${verb} copies the embedded SQLite database. On PostgreSQL use pg_dump and pg_restore (see docs/deploy.md, "Backups").`);
  }
  return config.dataDir;
}

/** Progress on standard error: a line redrawn in place on a terminal, a line per quarter otherwise. */
function progressPrinter(label: string): (p: CopyProgress) => void {
  const tty = process.stderr.isTTY === true;
  let shown = -1;
  return ({ copiedPages, totalPages }) => {
    const pct = totalPages > 0 ? Math.floor((copiedPages / totalPages) * 100) : 100;
    if (tty) {
      process.stderr.write(`\r${label}: ${pct} % (${copiedPages} of ${totalPages} pages)${pct === 100 ? '\n' : ''}`);
      return;
    }
    const quarter = Math.floor(pct / 25);
    if (quarter === shown) return;
    shown = quarter;
    process.stderr.write(`${label}: ${pct} % (${copiedPages} of ${totalPages} pages)\n`);
  };
}

function summaryText(verb: string, s: DatabaseSummary, ms: number): string {
  return [
    `${verb} ${s.file} (${(s.bytes / 1_048_576).toFixed(1)} MiB, schema version ${s.schemaVersion}) in ${(ms / 1000).toFixed(1)} s; integrity checked.`,
    '',
    table(
      ['TENANTS', 'USERS', 'GROUPS', 'EVENTS'],
      [[s.tenants, s.users, s.groups, s.events].map(String)],
    ),
  ].join('\n');
}

/** The backup module, loaded on use (it opens SQLite: other commands start without it); its refusals exit 1. */
async function sqliteBackup() {
  const m = await import('../../store/sqlite/backup.ts');
  const refused = (e: unknown): never => {
    if (e instanceof m.BackupError) throw new AdminError('invalid', e.message);
    throw e;
  };
  return { ...m, refused };
}

const backup: Command = {
  name: 'backup',
  usage: 'scimd backup <file>',
  summary: 'Take a consistent copy of the SQLite database while the server runs',
  help: `Copies the SQLite database of the data directory into <file> (a new file) with SQLite's online
backup API: a server may go on serving and writing meanwhile; the copy is one consistent snapshot,
checked for integrity before it is given its name. Restore it with 'scimd restore'. On PostgreSQL,
use pg_dump.`,
  options: [DATA_DIR, DATABASE_URL],
  async run(ctx) {
    if (ctx.args.positionals.length !== 1) throw new UsageError(`Usage: ${this.usage}`);
    const target = resolve(ctx.args.positionals[0]!);
    const source = databaseFile({ dataDir: sqliteDataDir(ctx, 'backup') });
    const { backupDatabase, refused } = await sqliteBackup();
    const started = Date.now();
    const summary = await backupDatabase(source, target, ctx.out.json ? () => undefined : progressPrinter('Backing up')).catch(refused);
    const ms = Date.now() - started;
    ctx.out.result({ ...summary, ms }, () => summaryText('Backed up to', summary, ms));
    return 0;
  },
};

const restore: Command = {
  name: 'restore',
  usage: 'scimd restore <file>',
  summary: "Restore a backup from 'scimd backup' into an empty data directory",
  help: `Checks <file> (a SQLite database written by 'scimd backup', intact, from this scimd or an older
one) and copies it into the data directory, which must hold no database yet. Start the server on
that directory afterwards; an older backup is brought up to date as on an upgrade.`,
  options: [DATA_DIR, DATABASE_URL],
  async run(ctx) {
    if (ctx.args.positionals.length !== 1) throw new UsageError(`Usage: ${this.usage}`);
    const file = resolve(ctx.args.positionals[0]!);
    const dataDir = sqliteDataDir(ctx, 'restore');
    const { restoreDatabase, refused } = await sqliteBackup();
    const started = Date.now();
    const summary = await restoreDatabase(file, databaseFile({ dataDir }), ctx.out.json ? () => undefined : progressPrinter('Restoring')).catch(refused);
    const ms = Date.now() - started;
    ctx.out.result({ ...summary, ms }, () => summaryText('Restored into', summary, ms));
    return 0;
  },
};

export const backupCommands: readonly Command[] = [backup, restore];
