/**
 * `scimd serve --database-url` naming a PostgreSQL database that does not exist yet: created when
 * the URL's role may create databases, refused with a message saying how to create it when it may
 * not; admin commands never create it. Runs on the run's PostgreSQL (test/helpers/test-postgres.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { scimdCli } from './helpers/cli.ts';
import { onPgServer, PG_BASE_URL } from './helpers/postgres.ts';
import { killAll, serveProcess } from './helpers/process.ts';
import { send, tempDir } from './helpers/server.ts';

const TOKEN = 'create-database-test-token';
const suffix = randomBytes(4).toString('hex');
const created: string[] = [];
const roles: string[] = [];

/** PG_BASE_URL with another database (and role). */
function urlOf(database: string, role?: { name: string; password: string }): string {
  const u = new URL(PG_BASE_URL);
  u.pathname = `/${database}`;
  if (role) {
    u.username = role.name;
    u.password = role.password;
  }
  return u.toString();
}

const admin = onPgServer;

const exists = (database: string) => admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1);

after(async () => {
  killAll();
  await admin(async (c) => {
    for (const d of created) await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(d)} WITH (FORCE)`);
    for (const r of roles) await c.query(`DROP ROLE IF EXISTS ${c.escapeIdentifier(r)}`);
  });
});

describe('scimd serve on a PostgreSQL database that does not exist yet', () => {
  it('creates it when the role may create databases, and serves', async () => {
    const database = `scimd_created_${suffix}`;
    created.push(database);
    assert.equal(await exists(database), false);
    const server = await serveProcess(['--data-dir', tempDir(), '--database-url', urlOf(database)], { SCIMD_BOOTSTRAP_TOKEN: TOKEN });
    const r = await send(`${server.base}/Users`, 'GET', undefined, { authorization: `Bearer ${TOKEN}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.totalResults, 0);
    await server.stop();
    assert.equal(await exists(database), true);
  });

  it('refuses, saying how to create it, when the role may not create databases; creates nothing', async () => {
    const role = { name: `scimd_nocreatedb_${suffix}`, password: randomBytes(8).toString('hex') };
    roles.push(role.name);
    await admin((c) => c.query(`CREATE ROLE ${c.escapeIdentifier(role.name)} LOGIN NOCREATEDB PASSWORD '${role.password}'`));
    const database = `scimd_refused_${suffix}`;
    created.push(database);
    const r = await scimdCli(['serve', '--port', '0', '--database-url', urlOf(database, role)], tempDir());
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`Database "${database}" does not exist on .+, and role "${role.name}" may not create databases`));
    assert.match(r.stderr, new RegExp(`createdb -h \\S+ -p \\d+ -U postgres -O ${role.name} ${database}`));
    assert.match(r.stderr, new RegExp(`CREATE DATABASE "${database}" OWNER "${role.name}"`));
    assert.doesNotMatch(r.stderr, /Unexpected error|\n\s+at /, 'a message, not a stack trace');
    assert.equal(await exists(database), false);
  });

  it('an admin command never creates it: it refuses and names scimd serve', async () => {
    const database = `scimd_admin_${suffix}`;
    created.push(database);
    const r = await scimdCli(['tenant', 'list'], tempDir(), { SCIMD_DATABASE_URL: urlOf(database) });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`Database "${database}" does not exist on .+, and only scimd serve creates it\\. Create it`));
    assert.equal(await exists(database), false);
  });
});
