/** `scimd migrate --to <postgres-url|data-dir> [--from …]`: move a deployment between SQLite and PostgreSQL. */
import type CliProgress from 'cli-progress';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { databaseFile, resolveStorageConfig } from '../../config.ts';
import { AdminError } from '../../provisioning/tenants/directory-admin.ts';
import { UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { table } from '../output.ts';

const isPostgres = (s: string) => /^postgres(ql)?:\/\//i.test(s);

/** Where a database is: a PostgreSQL URL, or the data directory holding scimd.db. */
interface Place {
  readonly kind: 'sqlite' | 'postgres';
  readonly at: string;
  readonly label: string;
}

function place(where: string): Place {
  if (isPostgres(where)) {
    const u = new URL(where);
    return { kind: 'postgres', at: where, label: `postgres://${u.host}${u.pathname}` };
  }
  const file = databaseFile({ dataDir: resolve(where) });
  return { kind: 'sqlite', at: file, label: file };
}

type Progress = typeof CliProgress;

/**
 * Progress on standard error: a bar per table on a terminal (cli-progress); elsewhere a line per
 * table when it is done, and every 5 s while a large one is copied.
 */
function progressReporter(progress: Progress) {
  const tty = process.stderr.isTTY === true;
  const bars = tty ? new progress.MultiBar({ format: ' {table} |{bar}| {percentage}% · {value}/{total} rows · {rate} rows/s · ETA {eta_formatted}', stream: process.stderr, hideCursor: true }, progress.Presets.shades_classic) : undefined;
  let bar: ReturnType<NonNullable<typeof bars>['create']> | undefined;
  let current = { name: '', total: 0, copied: 0, started: 0, said: 0 };
  const rate = () => Math.round(current.copied / Math.max(0.001, (performance.now() - current.started) / 1000));
  const line = () => {
    if (!current.name || tty) return;
    process.stderr.write(`  ${current.name}: ${current.copied.toLocaleString('en')} rows (${rate().toLocaleString('en')} rows/s)\n`);
  };
  return {
    table(name: string, total: number, resumedAt: number) {
      bar?.stop();
      line();
      current = { name, total, copied: resumedAt, started: performance.now(), said: performance.now() };
      bar = total > 0 ? bars?.create(total, resumedAt, { table: name.padEnd(17), rate: 0 }) : undefined;
    },
    progress({ copied, total }: { copied: number; total: number }) {
      current.copied = copied;
      bar?.setTotal(total);
      bar?.update(copied, { rate: rate().toLocaleString('en') });
      if (!tty && performance.now() - current.said > 5_000) {
        current.said = performance.now();
        const eta = Math.round((total - copied) / Math.max(1, rate()));
        process.stderr.write(`  ${current.name}: ${copied.toLocaleString('en')} of ${total.toLocaleString('en')} rows (${Math.floor((copied / total) * 100)} %), ${rate().toLocaleString('en')} rows/s, about ${eta} s left\n`);
      }
    },
    done() {
      bar?.stop();
      line();
      current.name = '';
      bars?.stop();
    },
  };
}

export const migrate: Command = {
  name: 'migrate',
  usage: 'scimd migrate --to <postgres-url|data-dir> [--from <data-dir|postgres-url>]',
  summary: 'Move every tenant, user, token and event from SQLite to PostgreSQL (or back)',
  help: `Copies everything — tenants, clients, tokens and admin keys (as hashes: they keep working), users,
groups, memberships, schemas, settings, links, tombstones, the mail outbox, the request log, events,
webhooks and checkpoints — from the database scimd uses now (--from, default the data directory or
SCIMD_DATABASE_URL) into an empty database of the other kind (--to), in batches with a progress bar.
An interrupted run resumes where it stopped when started again with the same --from and --to. It
ends with a verification pass (row counts and checksums per table and tenant) and exits 1 if
anything differs. Stop writes first (see the README, "Moving from SQLite to PostgreSQL").`,
  options: [
    { flag: 'to', arg: '<url|dir>', help: 'the empty target: postgres://… or a data directory' },
    { flag: 'from', arg: '<dir|url>', help: 'the source (default: --data-dir / SCIMD_DATA_DIR, or SCIMD_DATABASE_URL)' },
    { flag: 'data-dir', arg: '<dir>', help: 'the source data directory (as for serve)' },
    { flag: 'database-url', arg: '<url>', help: 'the source PostgreSQL database (as for serve)' },
    { flag: 'batch', arg: '<rows>', help: 'rows per batch (default 2000)' },
  ],
  async run(ctx) {
    if (ctx.args.positionals.length) throw new UsageError(`Usage: ${this.usage}`);
    const to = ctx.args.flags.to;
    if (typeof to !== 'string' || !to) throw new UsageError('--to <postgres-url|data-dir> is required');
    const config = resolveStorageConfig(ctx.args.flags, ctx.env);
    const fromFlag = ctx.args.flags.from;
    const source = place(typeof fromFlag === 'string' ? fromFlag : (config.databaseUrl ?? config.dataDir));
    const target = place(to);
    if (source.kind === target.kind) {
      throw new UsageError(source.kind === 'sqlite' ? 'Both ends are SQLite: copy a data directory with scimd backup and scimd restore' : 'Both ends are PostgreSQL: copy the database with pg_dump and pg_restore');
    }
    const batch = typeof ctx.args.flags.batch === 'string' ? Number(ctx.args.flags.batch) : 2000;
    if (!Number.isInteger(batch) || batch < 1 || batch > 50_000) throw new UsageError('--batch must be a whole number of rows between 1 and 50000');
    if (source.kind === 'sqlite' && !existsSync(source.at)) throw new UsageError(`No scimd database at ${source.at}: pass --from <data-dir>`);

    const [{ openStore }, { sqliteSide, postgresSide }, transferModule, { default: progress }] = await Promise.all([
      import('../../server.ts'),
      import('../../store/transfer/sides.ts'),
      import('../../store/transfer/transfer.ts'),
      import('cli-progress'),
    ]);
    const { transfer, verifyTransfer, finishTransfer, TransferRefused } = transferModule;
    // Both schemas at this scimd's version: the source brought up to date, the target created.
    for (const p of [source, target]) {
      const store = await openStore(p.kind === 'postgres' ? { ...config, databaseUrl: p.at } : { dataDir: dirname(p.at), synchronous: config.synchronous, maxResults: config.maxResults, databasePoolSize: config.databasePoolSize }, { watchAuth: false });
      await store.close();
    }
    const from = source.kind === 'postgres' ? await postgresSide(source.at) : sqliteSide(source.at, { readonly: true });
    const into = target.kind === 'postgres' ? await postgresSide(target.at) : sqliteSide(target.at, { readonly: false });
    const report = ctx.out.json ? undefined : progressReporter(progress);
    try {
      const begun = performance.now();
      const moved = await transfer(from, into, `${source.kind}:${source.label}`, { batchRows: batch, ...(report ? { onTable: report.table, onProgress: report.progress } : {}) });
      report?.done();
      const verified = await verifyTransfer(from, into);
      const ok = verified.every((v) => v.ok);
      if (ok) await finishTransfer(into);
      const names = new Map((await from.page('tenants', ['id', 'name'], ['id'], undefined, 100_000)).map((r) => [String(r[0]), String(r[1])]));
      const seconds = (performance.now() - begun) / 1000;
      const rows = verified.flatMap((v) => (v.tenants.length ? v.tenants : [{ tenant: '', source: 0, target: 0, same: true }]).map((t) => [v.table, t.tenant ? (names.get(t.tenant) ?? t.tenant) : '-', String(t.source), String(t.target), t.same ? 'ok' : 'DIFFERS']));
      const result = { from: source.label, to: target.label, resumed: moved.resumed, seconds: Math.round(seconds * 10) / 10, verified: ok, tables: verified };
      ctx.out.result(result, () =>
        [
          `${moved.resumed ? 'Resumed and finished' : 'Copied'} ${source.label} → ${target.label} in ${seconds.toFixed(1)} s.`,
          '',
          table(['TABLE', 'TENANT', 'SOURCE ROWS', 'TARGET ROWS', 'CHECKSUM'], rows),
          '',
          ok
            ? `Verified: every table and tenant agrees. Start scimd on it: ${target.kind === 'postgres' ? 'serve --database-url <the --to URL>' : `serve --data-dir ${dirname(target.at)}`}.`
            : 'Verification FAILED: the target differs from the source (see DIFFERS above). Do not switch to it: start over with an empty target.',
        ].join('\n'),
      );
      return ok ? 0 : 1;
    } catch (e) {
      if (e instanceof TransferRefused) throw new AdminError('invalid', e.message);
      throw e;
    } finally {
      report?.done();
      await from.close();
      await into.close();
    }
  },
};
