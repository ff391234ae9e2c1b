/**
 * Which PostgreSQL a test run uses, chosen once per run by scripts/run-tests.mjs and handed to every
 * test file as SCIMD_TEST_DATABASE_URL (each file then creates its own databases on it):
 *
 * SCIMD_TEST_POSTGRES=auto (default): SCIMD_TEST_DATABASE_URL if set, else the local server at
 *   SCIMD_TEST_LOCAL_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) if it
 *   answers, else a private server started for the run;
 * SCIMD_TEST_POSTGRES=embedded: always a private server started for the run;
 * SCIMD_TEST_POSTGRES=external: SCIMD_TEST_DATABASE_URL or the local server, and an error if it
 *   does not answer.
 *
 * The private server comes from test/helpers/pg-cluster.ts and is removed when the run ends.
 */
import pg from 'pg';
import { privateCluster, type Cluster } from './pg-cluster.ts';

export const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const MODES = ['auto', 'embedded', 'external'] as const;
type Mode = (typeof MODES)[number];

export interface TestPostgres {
  readonly url: string;
  /** One line for the run's output: which server, and why. */
  readonly line: string;
  /** Stops and removes a server started for the run; nothing for a given one. */
  close(): Promise<void>;
}

/** The URL without its password, for output. */
function shown(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** undefined when a server answers at `url` and lets us in, else why not. */
async function unusable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (e) {
    return (e as Error).message || (e as { code?: string }).code || String(e);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function embedded(why: string): Promise<TestPostgres> {
  const cluster: Cluster = await privateCluster();
  return {
    url: cluster.url,
    line: `PostgreSQL for tests: embedded PostgreSQL ${cluster.version} started for this run on ${new URL(cluster.url).host} in ${cluster.dir} (${why})`,
    close: () => cluster.destroy(),
  };
}

function given(url: string, why: string): TestPostgres {
  return { url, line: `PostgreSQL for tests: ${shown(url)} (${why})`, close: async () => undefined };
}

export async function testPostgres(env: NodeJS.ProcessEnv = process.env): Promise<TestPostgres> {
  const mode = (env.SCIMD_TEST_POSTGRES || 'auto') as Mode;
  if (!MODES.includes(mode)) throw new Error(`SCIMD_TEST_POSTGRES=${mode}: expected one of ${MODES.join(', ')}`);
  if (mode === 'embedded') return embedded('SCIMD_TEST_POSTGRES=embedded');
  const url = env.SCIMD_TEST_DATABASE_URL || env.SCIMD_TEST_LOCAL_DATABASE_URL || LOCAL_DATABASE_URL;
  const source = env.SCIMD_TEST_DATABASE_URL ? 'SCIMD_TEST_DATABASE_URL' : 'the local server';
  const problem = await unusable(url);
  if (problem === undefined) return given(url, `${source}, SCIMD_TEST_POSTGRES=${mode}`);
  // A server the user named, or external mode, must be used or fail: never silently swapped.
  if (mode === 'external' || env.SCIMD_TEST_DATABASE_URL) {
    throw new Error(`PostgreSQL for tests: cannot use ${shown(url)} (${source}, SCIMD_TEST_POSTGRES=${mode}): ${problem}`);
  }
  return embedded(`nothing usable at ${shown(url)}: ${problem}`);
}
