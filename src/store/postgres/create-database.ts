/**
 * The database a PostgreSQL URL names, created when it does not exist yet (`scimd serve` needs no
 * manual createdb): through the server's maintenance database, as the URL's role. A role that may
 * not create databases gets DatabaseMissing, whose message says how to create it.
 */
import pg from 'pg';
import { DatabaseMissing } from '../types.ts';

/** SQLSTATE invalid_catalog_name: connecting to a database that does not exist. */
export const MISSING_DATABASE = '3D000';
const DUPLICATE_DATABASE = '42P04';
const INSUFFICIENT_PRIVILEGE = '42501';
const MAINTENANCE = ['postgres', 'template1'] as const;

interface Target {
  readonly database: string;
  readonly user: string;
  readonly host: string;
  readonly port: number;
}

function targetOf(url: string): Target {
  // pg's own reading of the URL: the database defaults to the user, the user to the OS user.
  const c = new pg.Client({ connectionString: url });
  return { database: c.database ?? '', user: c.user ?? '', host: c.host, port: c.port };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** What the operator should run, as a role that may create databases. */
export function howToCreate(t: Target): string {
  return `Create it as a role that may create databases, e.g. createdb -h ${t.host} -p ${t.port} -U postgres -O ${t.user} ${t.database} (or in psql: CREATE DATABASE ${quoted(t.database)} OWNER ${quoted(t.user)};), or grant the role CREATEDB.`;
}

export function missingMessage(url: string, why: string): string {
  const t = targetOf(url);
  return `Database ${quoted(t.database)} does not exist on ${t.host}:${t.port}, ${why}. ${howToCreate(t)}`;
}

async function maintenanceClient(url: string): Promise<pg.Client> {
  let last: unknown;
  for (const db of MAINTENANCE) {
    const client = new pg.Client({ connectionString: withDatabase(url, db), connectionTimeoutMillis: 10_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (e) {
      last = e;
      await client.end().catch(() => undefined);
    }
  }
  throw last;
}

/** Creates the database `url` names; its name when this call created it, undefined when another process just did. */
export async function createDatabase(url: string): Promise<string | undefined> {
  const t = targetOf(url);
  let client: pg.Client;
  try {
    client = await maintenanceClient(url);
  } catch (e) {
    throw new DatabaseMissing(missingMessage(url, `and scimd could not connect to the server's maintenance database to create it (${(e as Error).message})`));
  }
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(t.database)}`);
    return t.database;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === DUPLICATE_DATABASE) return undefined; // another replica starting at the same moment
    if (code === INSUFFICIENT_PRIVILEGE) throw new DatabaseMissing(missingMessage(url, `and role ${quoted(t.user)} may not create databases`));
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
}
