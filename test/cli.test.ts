/**
 * End to end: the real `scimd` CLI as child processes, real SQLite files in temp dirs,
 * real HTTP on 127.0.0.1 with --port 0.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { ERROR_SCHEMA, send, tempDir, user, type Reply } from './helpers/server.ts';
import { exitWithin, killChildren, outputMatch, type Exit, type Proc } from './helpers/children.ts';
import { spawnScimd } from './helpers/cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Generous: how long to wait for a process to print its banner or to exit. */
const WAIT_MS = 30_000;
const TOKEN = /scimd_[A-Za-z0-9_-]{43}/;
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

// ---------------------------------------------------------------------------------------------
// Processes and temp dirs, cleaned up even when a test fails.

const dirs: string[] = [];

// The children are killed by helpers/children.ts, before this hook removes their directories.
after(async () => {
  await killChildren();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = tempDir('scimd-cli-');
  dirs.push(d);
  return d;
}

/** Runs `scimd …` to completion. */
function scimd(args: readonly string[], env: Record<string, string> = {}): Promise<Exit> {
  return exitWithin(spawnScimd(args, env), WAIT_MS, `scimd ${args.join(' ')}`);
}

/** An admin command that must succeed; returns its parsed --json output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function adminJson(dir: string, ...args: string[]): Promise<any> {
  const r = await scimd([...args, '--json', '--data-dir', dir]);
  assert.equal(r.code, 0, `scimd ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The last line of the banner: once it is out, the whole banner is. */
const BANNER_END = /If the IdP appends \/v2 itself, give \S+\n/;

interface Serving extends Proc {
  /** The SCIM base URL the banner shows. */
  readonly base: string;
  readonly origin: string;
  readonly banner: string;
  /** SIGTERM, then the exit. */
  stop(): Promise<Exit>;
}

/** Starts `scimd serve …` and waits for its banner. */
async function serve(args: readonly string[], env: Record<string, string> = {}): Promise<Serving> {
  const p = spawnScimd(['serve', ...args], env);
  await outputMatch(p, BANNER_END, WAIT_MS, 'scimd serve');
  const banner = p.stdout();
  const m = /SCIM base URL\s+(http:\/\/127\.0\.0\.1:(\d+)\/scim\/v2)\n/.exec(banner);
  assert.ok(m, `no base URL in the banner:\n${banner}`);
  assert.notEqual(m[2], '0', 'the banner shows the real port, not 0');
  const base = m[1]!;
  return {
    ...p,
    base,
    origin: base.replace(/\/scim\/v2$/, ''),
    banner,
    async stop() {
      p.child.kill('SIGTERM');
      return p.exited;
    },
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const get = (url: string, token: string) => send(url, 'GET', undefined, bearer(token));

function assertUnauthorized(r: Reply, what: string): void {
  assert.equal(r.status, 401, `${what}: ${r.text}`);
  assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer\b/, `${what}: WWW-Authenticate`);
  assert.ok(r.body.schemas.includes(ERROR_SCHEMA), `${what}: a SCIM error body`);
}

/** A one-line message on stderr, without a stack trace. */
function assertCleanError(r: Exit, pattern: RegExp): void {
  const message = r.stderr.trimEnd();
  assert.match(message, pattern);
  assert.equal(message.split('\n').length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

// ---------------------------------------------------------------------------------------------

describe('scimd: help, version and usage errors', () => {
  const COMMANDS = [
    'serve',
    'tenant create',
    'tenant list',
    'tenant show',
    'tenant set',
    'tenant disable',
    'tenant enable',
    'client create',
    'client list',
    'client set',
    'client revoke',
    'token rotate',
    'token list',
    'log tail',
    'log show',
    'normaliser list',
  ];

  it('--help prints the overview with every command and exits 0', async () => {
    const variants = [['--help'], ['-h'], ['help']];
    const results = await Promise.all(variants.map((args) => scimd(args)));
    for (const [i, r] of results.entries()) {
      assert.equal(r.code, 0, variants[i]!.join(' '));
      assert.match(r.stdout, /^Usage: scimd <command> \[options\]$/m);
      for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c}\\s+\\S`, 'm'), `overview lists ${c}`);
    }
  });

  it('no command at all prints the overview and exits 2', async () => {
    const r = await scimd([]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /Usage: scimd <command>/);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await scimd(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${pkg.version}\n`);
  });

  it('--help on every command prints its usage line and exits 0', async () => {
    const results = await Promise.all(COMMANDS.map((c) => scimd([...c.split(' '), '--help'])));
    results.forEach((r, i) => {
      const c = COMMANDS[i]!;
      assert.equal(r.code, 0, `scimd ${c} --help: ${r.stderr}`);
      assert.ok(r.stdout.startsWith(`Usage: scimd ${c}`), `scimd ${c} --help starts with its usage line:\n${r.stdout}`);
      assert.equal(r.stderr, '');
    });
  });

  it('--help on a command group lists its subcommands and exits 0', async () => {
    const groups = { tenant: 'create|list|show|set|disable|enable', client: 'create|list|set|revoke', token: 'rotate|list', log: 'tail|show', normaliser: 'list' };
    const results = await Promise.all(Object.keys(groups).map((g) => scimd([g, '--help'])));
    Object.entries(groups).forEach(([g, subs], i) => {
      const r = results[i]!;
      assert.equal(r.code, 0, `scimd ${g} --help`);
      assert.ok(r.stdout.startsWith(`Usage: scimd ${g} <${subs}>`), r.stdout);
    });
  });

  it('an unknown command, subcommand or option exits 2 with a message', async () => {
    const [cmd, sub, group, option, missing, short, extra] = await Promise.all([
      scimd(['frobnicate']),
      scimd(['tenant', 'frobnicate']),
      scimd(['tenant']),
      scimd(['tenant', 'list', '--bogus', 'x']),
      scimd(['serve', '--port']),
      // Should these ever start a server after all, then on port 0 in a temp dir.
      scimd(['serve', '-p', '9000', '--port', '0', '--data-dir', dataDir()]),
      scimd(['serve', '9000', '--port', '0', '--data-dir', dataDir()]),
    ]);
    assert.equal(cmd.code, 2);
    assert.match(cmd.stderr, /Unknown command 'frobnicate'/);
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /Unknown command 'scimd tenant frobnicate'/);
    assert.equal(group.code, 2);
    assert.match(group.stderr, /Usage: scimd tenant </);
    assert.equal(option.code, 2);
    assertCleanError(option, /Unknown option --bogus/);
    assert.equal(missing.code, 2);
    assertCleanError(missing, /--port needs a value/);
    assert.equal(short.code, 2, 'a short option is not silently ignored');
    assertCleanError(short, /Unknown option '-p'/);
    assert.equal(extra.code, 2, 'a stray argument to serve is not silently ignored');
    assert.match(extra.stderr, /Usage: scimd serve/);
    for (const r of [cmd, sub, group, option, missing, short, extra]) assert.doesNotMatch(r.stderr, /^\s+at /m);
  });
});

describe('scimd serve: first start and later starts', () => {
  const dir = dataDir();
  let firstToken = '';

  it('first start prints the base URL, a token and a curl line that works; SIGTERM exits 0', async () => {
    const s = await serve(['--port', '0', '--data-dir', dir]);
    let stopped = false;
    try {
      assert.match(s.banner, /SCIM base URL\s+http:\/\/127\.0\.0\.1:\d+\/scim\/v2/);
      const token = TOKEN.exec(s.banner)?.[0];
      assert.ok(token, `a scimd_ token in the banner:\n${s.banner}`);
      firstToken = token;
      assert.match(s.banner, new RegExp(`Bearer token\\s+${token}\\n`));
      assert.equal(s.banner.split(token).length - 1, 2, 'the token appears exactly twice: on its own line and in the curl line');

      // Run the request of the exact curl line the banner prints.
      const curl = /^\s*curl -H "([^":]+): ([^"]+)" (\S+)$/m.exec(s.banner);
      assert.ok(curl, `a curl line in the banner:\n${s.banner}`);
      const [, name, value, url] = curl as unknown as [string, string, string, string];
      assert.equal(value, `Bearer ${token}`);
      assert.equal(url, `${s.base}/Users`);
      const r = await send(url, 'GET', undefined, { [name]: value });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.schemas, [LIST_RESPONSE]);
      assert.equal(r.body.totalResults, 0);

      const exit = await s.stop();
      stopped = true;
      assert.equal(exit.code, 0, `exit after SIGTERM: ${exit.stderr}`);
      assert.equal(exit.signal, null);
      assert.doesNotMatch(exit.stderr, /^\s+at /m);
    } finally {
      if (!stopped) await s.stop();
    }
  });

  it('a later start prints no token and says how to get one; the first token still works', async () => {
    assert.ok(firstToken, 'needs the first start');
    const s = await serve(['--port', '0', '--data-dir', dir]);
    try {
      assert.ok(!s.banner.includes(firstToken), 'the first token is not printed again');
      assert.doesNotMatch(s.banner, TOKEN, 'no token at all');
      assert.doesNotMatch(s.banner, /curl -H "Authorization/);
      assert.match(s.banner, /scimd token rotate default default/);
      assert.match(s.banner, /scimd client create default/);
      assert.doesNotMatch(s.banner, /SCIMD_BOOTSTRAP_TOKEN was ignored/, 'the variable was not set');
      assert.equal((await get(`${s.base}/Users`, firstToken)).status, 200);
    } finally {
      const exit = await s.stop();
      assert.equal(exit.code, 0);
      assert.ok(!exit.stdout.includes(firstToken) && !exit.stderr.includes(firstToken), 'nor anywhere in its output');
    }
  });

  it('a port already in use exits 1 with a clear message, and does not use up the first-start token', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const fresh = dataDir();
    try {
      const r = await scimd(['serve', '--port', String(port), '--data-dir', fresh]);
      assert.equal(r.code, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assertCleanError(r, /address already in use.*--port/);
      assert.doesNotMatch(r.stdout, TOKEN);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    // The failed start showed no token, so the first start that listens must.
    const s = await serve(['--port', '0', '--data-dir', fresh]);
    try {
      const token = TOKEN.exec(s.banner)?.[0];
      assert.ok(token, `the first successful start prints a token:\n${s.banner}`);
      assert.equal((await get(`${s.base}/Users`, token)).status, 200);
    } finally {
      await s.stop();
    }
  });
});

describe('scimd serve: SCIMD_BOOTSTRAP_TOKEN', () => {
  // Distinctive, so that a search of the database bytes for it means something.
  const first = `bootstrap-${process.pid}-first-Q7xv2`;
  const second = `bootstrap-${process.pid}-second-Z3kp9`;

  it('sets the first token exactly; a later, different value is ignored and the banner says so', async () => {
    const dir = dataDir();
    const a = await serve(['--port', '0', '--data-dir', dir], { SCIMD_BOOTSTRAP_TOKEN: first });
    try {
      assert.match(a.banner, /Bearer token\s+the value of SCIMD_BOOTSTRAP_TOKEN\n/);
      assert.ok(!a.banner.includes(first), 'a token the operator chose is not echoed into the log');
      const r = await get(`${a.base}/Users`, first);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.totalResults, 0);
    } finally {
      assert.equal((await a.stop()).code, 0);
    }

    const b = await serve(['--port', '0', '--data-dir', dir], { SCIMD_BOOTSTRAP_TOKEN: second });
    try {
      assert.match(b.banner, /SCIMD_BOOTSTRAP_TOKEN was ignored/);
      assert.ok(!b.banner.includes(first) && !b.banner.includes(second), 'no token in the banner');
      assert.equal((await get(`${b.base}/Users`, first)).status, 200, 'the token in the database still works');
      assertUnauthorized(await get(`${b.base}/Users`, second), 'the ignored value');
    } finally {
      assert.equal((await b.stop()).code, 0);
    }

    for (const f of ['scimd.db', 'scimd.db-wal', 'scimd.db-shm']) {
      const file = join(dir, f);
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      assert.equal(bytes.indexOf(first), -1, `${f} holds the bootstrap token`);
      assert.equal(bytes.indexOf(second), -1, `${f} holds the ignored value`);
    }
  });
});

describe('scimd: invalid configuration', () => {
  it('exits 2 with a one-line message and no stack trace', async () => {
    const dir = dataDir();
    const cases: [args: string[], env: Record<string, string>, pattern: RegExp][] = [
      [['serve', '--port', 'abc'], {}, /^scimd: Invalid --port 'abc'/],
      [['serve', '--port', '70000'], {}, /^scimd: Invalid --port '70000'/],
      [['serve'], { SCIMD_PORT: '99999' }, /^scimd: Invalid SCIMD_PORT '99999'/],
      [['serve', '--log-level', 'loud'], {}, /^scimd: Invalid --log-level 'loud'/],
      [['serve', '--public-url', 'ftp://x'], {}, /^scimd: Invalid --public-url 'ftp:\/\/x'/],
      [['serve'], { SCIMD_BOOTSTRAP_TOKEN: 'has spaces in it' }, /^scimd: Invalid SCIMD_BOOTSTRAP_TOKEN/],
    ];
    const results = await Promise.all(cases.map(([args, env]) => scimd([...args, '--data-dir', dir], env)));
    results.forEach((r, i) => {
      const [args, env, pattern] = cases[i]!;
      const what = `${JSON.stringify(env)} scimd ${args.join(' ')}`;
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      assertCleanError(r, pattern);
      assert.equal(r.stdout, '', `${what} prints nothing on stdout`);
    });
    assert.ok(!existsSync(join(dir, 'scimd.db')), 'an invalid configuration creates no database');
  });

  it('with --json, the error is JSON on stderr', async () => {
    const r = await scimd(['serve', '--port', 'abc', '--json']);
    assert.equal(r.code, 2);
    const e = JSON.parse(r.stderr) as { error: string; message: string };
    assert.equal(e.error, 'config');
    assert.match(e.message, /--port/);
  });

  it('an admin command on a directory without a database exits 2 and says to start the server', async () => {
    const r = await scimd(['tenant', 'list', '--data-dir', dataDir()]);
    assert.equal(r.code, 2);
    assertCleanError(r, /No scimd database in .*scimd serve/);
  });
});

describe('scimd admin commands on PostgreSQL: --database-url and SCIMD_DATABASE_URL, as serve takes them', () => {
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase('cli');
  });
  after(async () => {
    await db?.drop();
  });

  it('tenant create and client create write to PostgreSQL; tenant list and client list read it back; serve on it accepts the token', async () => {
    // A data directory without scimd.db: were the commands to use SQLite they would refuse it.
    const dir = dataDir();
    const created = await adminJson(dir, 'tenant', 'create', 'acme', '--database-url', db.url);
    assert.equal(created.name, 'acme');

    const viaEnv = await scimd(['client', 'create', 'acme', 'okta', '--json', '--data-dir', dir], { SCIMD_DATABASE_URL: db.url });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const token = (JSON.parse(viaEnv.stdout) as { token: string }).token;
    assert.match(token, new RegExp(`^${TOKEN.source}$`));

    const tenants = (await adminJson(dir, 'tenant', 'list', '--database-url', db.url)) as { name: string }[];
    assert.deepEqual(tenants.map((t) => t.name), ['acme']);
    const listed = await scimd(['client', 'list', 'acme', '--json', '--data-dir', dir], { SCIMD_DATABASE_URL: db.url });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { name: string }[]).map((c) => c.name), ['okta']);
    assert.ok(!existsSync(join(dir, 'scimd.db')), 'no SQLite database was created or used');

    // Without the URL the same command looks for SQLite in the data directory, and says how to point it at PostgreSQL.
    const sqlite = await scimd(['tenant', 'list', '--data-dir', dir]);
    assert.equal(sqlite.code, 2);
    assertCleanError(sqlite, /No scimd database in .*--database-url/);

    const server = await serve(['--port', '0', '--data-dir', dir], { SCIMD_DATABASE_URL: db.url });
    try {
      const r = await get(`${server.origin}/t/acme/scim/v2/Users`, token);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.totalResults, 0);
    } finally {
      await server.stop();
    }
  });

  it('--help of an admin command lists --database-url', async () => {
    const r = await scimd(['client', 'list', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--database-url <url>\s+.*SCIMD_DATABASE_URL/);
  });
});

describe('scimd tenant, client and token: administering a running server', () => {
  const dir = dataDir();
  let server: Serving;
  let defaultToken = '';
  /** Every token secret issued in this suite. */
  const issued: string[] = [];
  /** okta's tokens, in order of issue. */
  const okta: string[] = [];
  const acme = () => `${server.origin}/t/acme/scim/v2`;

  before(async () => {
    server = await serve(['--port', '0', '--data-dir', dir]);
    defaultToken = TOKEN.exec(server.banner)?.[0] ?? '';
    assert.ok(defaultToken, 'the first start prints the default token');
    issued.push(defaultToken);
  });
  after(async () => {
    if (server) await server.stop();
  });

  it('tenant create, and its errors: an invalid name, a duplicate, an unknown tenant', async () => {
    const created = await adminJson(dir, 'tenant', 'create', 'acme');
    assert.equal(created.name, 'acme');
    assert.equal(created.status, 'active');

    const human = await scimd(['tenant', 'create', 'globex', '--data-dir', dir]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Created tenant 'globex'/);

    const [invalid, duplicate, show, disable, clients] = await Promise.all([
      scimd(['tenant', 'create', 'Not_Valid!', '--data-dir', dir]),
      scimd(['tenant', 'create', 'acme', '--data-dir', dir]),
      scimd(['tenant', 'show', 'nope', '--data-dir', dir]),
      scimd(['tenant', 'disable', 'nope', '--data-dir', dir]),
      scimd(['client', 'create', 'nope', 'okta', '--data-dir', dir]),
    ]);
    assert.equal(invalid.code, 1);
    assertCleanError(invalid, /Tenant name 'Not_Valid!' is not valid/);
    assert.equal(duplicate.code, 1);
    assertCleanError(duplicate, /Tenant 'acme' already exists/);
    for (const r of [show, disable, clients]) {
      assert.equal(r.code, 1, r.stderr);
      assertCleanError(r, /No tenant named 'nope'/);
    }

    const json = await scimd(['tenant', 'show', 'nope', '--json', '--data-dir', dir]);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stderr) as { error: string }).error, 'not_found');
  });

  it('tenant list --json lists the tenants', async () => {
    const tenants = (await adminJson(dir, 'tenant', 'list')) as { name: string; status: string; id: string }[];
    assert.deepEqual(tenants.map((t) => t.name).sort(), ['acme', 'default', 'globex']);
    for (const t of tenants) {
      assert.equal(t.status, 'active');
      assert.match(t.id, /^[0-9a-f-]{36}$/);
    }
  });

  it('client create while the server runs: the token is printed once and works at once on /t/acme and /scim', async () => {
    const out = await adminJson(dir, 'client', 'create', 'acme', 'okta');
    assert.equal(out.tenant, 'acme');
    assert.equal(out.client, 'okta');
    assert.equal(out.expiresAt, null);
    assert.match(out.token, new RegExp(`^${TOKEN.source}$`));
    okta.push(out.token);
    issued.push(out.token);

    for (const url of [`${acme()}/Users`, `${server.base}/Users`, `${server.origin}/scim/Users`]) {
      const r = await get(url, out.token);
      assert.equal(r.status, 200, `${url}: ${r.text}`);
      assert.equal(r.body.totalResults, 0);
    }
    assertUnauthorized(await get(`${server.origin}/t/default/scim/v2/Users`, out.token), "acme's token on tenant default");
    assertUnauthorized(await get(`${server.origin}/t/globex/scim/v2/Users`, out.token), "acme's token on tenant globex");

    // The data stays in the tenant: a user created with acme's token is not default's.
    const created = await send(`${acme()}/Users`, 'POST', user('ada@acme.example'), bearer(out.token));
    assert.equal(created.status, 201, created.text);
    assert.equal((await get(`${server.base}/Users`, out.token)).body.totalResults, 1);
    assert.equal((await get(`${server.base}/Users`, defaultToken)).body.totalResults, 0);

    const dup = await scimd(['client', 'create', 'acme', 'okta', '--data-dir', dir]);
    assert.equal(dup.code, 1);
    assertCleanError(dup, /Client 'okta' already exists/);
    const bad = await scimd(['client', 'create', 'acme', 'has space', '--data-dir', dir]);
    assert.equal(bad.code, 1);
    assertCleanError(bad, /Client name 'has space' is not valid/);
  });

  it('the human output of client create shows the token once and says so', async () => {
    const r = await scimd(['client', 'create', 'globex', 'entra', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const token = TOKEN.exec(r.stdout)?.[0];
    assert.ok(token, r.stdout);
    issued.push(token);
    assert.equal(r.stdout.split(token).length - 1, 1, 'printed once');
    assert.match(r.stdout, /shown once/);
    assert.equal((await get(`${server.origin}/t/globex/scim/v2/Users`, token)).status, 200);
  });

  it('tenant show --json has the counts of users, groups and clients', async () => {
    const t = await adminJson(dir, 'tenant', 'show', 'acme');
    assert.equal(t.name, 'acme');
    assert.equal(t.status, 'active');
    assert.equal(t.users, 1);
    assert.equal(t.groups, 0);
    assert.equal(t.clients, 1);
    const d = await adminJson(dir, 'tenant', 'show', 'default');
    assert.deepEqual([d.users, d.groups, d.clients], [0, 0, 1]);
  });

  it('client list --json lists okta without any secret', async () => {
    const r = await scimd(['client', 'list', 'acme', '--json', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const clients = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.equal(clients.length, 1);
    assert.equal(clients[0]!.name, 'okta');
    assert.equal(clients[0]!.liveTokens, 1);
    assert.ok(!('token' in clients[0]!) && !('tokens' in clients[0]!) && !('hash' in clients[0]!), JSON.stringify(clients[0]));
    for (const t of issued) assert.ok(!r.stdout.includes(t), 'no token secret in client list');
  });

  it('tenant disable: requests with its tokens get 403 with a SCIM error; tenant enable: 200 again', async () => {
    const disabled = await adminJson(dir, 'tenant', 'disable', 'acme');
    assert.equal(disabled.status, 'disabled');
    for (const url of [`${acme()}/Users`, `${server.base}/Users`]) {
      const r = await get(url, okta[0]!);
      assert.equal(r.status, 403, `${url}: ${r.text}`);
      assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
      assert.equal(r.body.status, '403');
      assert.match(r.body.detail, /disabled/);
    }
    assert.equal((await get(`${server.base}/Users`, defaultToken)).status, 200, 'other tenants are not affected');
    assert.equal((await adminJson(dir, 'tenant', 'show', 'acme')).status, 'disabled');

    const enabled = await adminJson(dir, 'tenant', 'enable', 'acme');
    assert.equal(enabled.status, 'active');
    assert.equal((await get(`${acme()}/Users`, okta[0]!)).status, 200);
  });

  it('token rotate --grace 1h: old and new tokens both work', async () => {
    const out = await adminJson(dir, 'token', 'rotate', 'acme', 'okta', '--grace', '1h');
    assert.match(out.token, new RegExp(`^${TOKEN.source}$`));
    assert.ok(!okta.includes(out.token));
    okta.push(out.token);
    issued.push(out.token);
    for (const t of okta) assert.equal((await get(`${acme()}/Users`, t)).status, 200);
    assert.equal((await adminJson(dir, 'client', 'list', 'acme'))[0].liveTokens, 2);
  });

  it('token rotate without --grace: only the newest token works', async () => {
    const r = await scimd(['token', 'rotate', 'acme', 'okta', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const token = TOKEN.exec(r.stdout)?.[0];
    assert.ok(token, r.stdout);
    assert.match(r.stderr, /Older tokens of 'okta' no longer work/);
    for (const old of okta) assertUnauthorized(await get(`${acme()}/Users`, old), 'a rotated-out token');
    okta.push(token);
    issued.push(token);
    assert.equal((await get(`${acme()}/Users`, token)).status, 200);
    assert.equal((await adminJson(dir, 'client', 'list', 'acme'))[0].liveTokens, 1);

    const bad = await scimd(['token', 'rotate', 'acme', 'okta', '--grace', 'soon', '--data-dir', dir]);
    assert.equal(bad.code, 2);
    assertCleanError(bad, /--grace takes a duration/);
    const missing = await scimd(['token', 'rotate', 'acme', 'nobody', '--data-dir', dir]);
    assert.equal(missing.code, 1);
    assertCleanError(missing, /No client named 'nobody' in tenant 'acme'/);
  });

  it('client create --expires: once the expiry passes, the token gets 401', async () => {
    const out = await adminJson(dir, 'client', 'create', 'acme', 'brief', '--expires', '2s');
    issued.push(out.token);
    const expiresAt = Date.parse(out.expiresAt);
    assert.ok(Number.isFinite(expiresAt), `expiresAt: ${out.expiresAt}`);
    // Only while there is clearly time left: this is not a timing assertion.
    if (Date.now() < expiresAt - 500) assert.equal((await get(`${acme()}/Users`, out.token)).status, 200);
    // A fixed wait on purpose: the token must outlive its expiry, a time window, not a condition.
    await delay(Math.max(0, expiresAt - Date.now()) + 200);
    const r = await get(`${acme()}/Users`, out.token);
    assertUnauthorized(r, 'an expired token');
    assert.match(r.body.detail, /expired/);
    const tokens = (await adminJson(dir, 'token', 'list', 'acme', 'brief')) as { state: string }[];
    assert.deepEqual(
      tokens.map((t) => t.state),
      ['expired'],
    );
  });

  it('client revoke: its token gets 401 with WWW-Authenticate: Bearer, and the name cannot be reused', async () => {
    const newest = okta.at(-1)!;
    const r = await scimd(['client', 'revoke', 'acme', 'okta', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Revoked client 'okta'/);
    assertUnauthorized(await get(`${acme()}/Users`, newest), 'a revoked client token');
    assertUnauthorized(await get(`${server.base}/Users`, newest), 'a revoked client token on /scim/v2');

    const listed = (await adminJson(dir, 'client', 'list', 'acme')) as { name: string; revokedAt?: string; liveTokens: number }[];
    const o = listed.find((c) => c.name === 'okta');
    assert.ok(o?.revokedAt, 'okta is listed as revoked');
    assert.equal(o.liveTokens, 0);

    const rotate = await scimd(['token', 'rotate', 'acme', 'okta', '--data-dir', dir]);
    assert.equal(rotate.code, 1);
    assertCleanError(rotate, /revoked/);
    const again = await scimd(['client', 'create', 'acme', 'okta', '--data-dir', dir]);
    assert.equal(again.code, 1);
    assertCleanError(again, /was revoked/);
  });

  it('token list --json never contains a token secret', async () => {
    const r = await scimd(['token', 'list', '--json', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    for (const t of issued) {
      assert.ok(!r.stdout.includes(t), 'a token secret in token list');
      assert.ok(!r.stdout.includes(t.slice('scimd_'.length)), 'a token secret (without its prefix) in token list');
    }
    const tokens = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.equal(tokens.length, issued.length, 'one row per issued token');
    for (const t of tokens) {
      assert.ok(!('hash' in t) && !('token' in t), JSON.stringify(t));
      assert.match(String(t.prefix), /^scimd_.{6}…$/);
    }
    const oktaStates = tokens.filter((t) => t.client === 'okta').map((t) => t.state);
    assert.deepEqual(oktaStates, ['revoked', 'revoked', 'revoked']);

    const human = await scimd(['token', 'list', '--data-dir', dir]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^TENANT\s+CLIENT\s+PREFIX\s+STATE/);
    for (const t of issued) assert.ok(!human.stdout.includes(t), 'a token secret in the table');
  });

  it('neither the database files nor the server output ever hold a token secret', async () => {
    const files = ['scimd.db', 'scimd.db-wal', 'scimd.db-shm'];
    const check = (when: string) => {
      let seen = 0;
      for (const f of files) {
        const file = join(dir, f);
        if (!existsSync(file)) continue;
        seen++;
        const bytes = readFileSync(file);
        for (const t of issued) {
          assert.equal(bytes.indexOf(t), -1, `${f} (${when}) holds a token`);
          assert.equal(bytes.indexOf(t.slice('scimd_'.length)), -1, `${f} (${when}) holds a token without its prefix`);
        }
      }
      assert.ok(seen > 0, 'found the database');
    };
    check('while serving');

    const exit = await server.stop();
    assert.equal(exit.code, 0, exit.stderr);
    check('after shutdown');
    // The banner shows the default token once; no request log line shows any token.
    const output = exit.stdout + exit.stderr;
    assert.equal(output.split(defaultToken).length - 1, 2, 'the default token only in the banner (token line and curl line)');
    for (const t of issued.slice(1)) assert.ok(!output.includes(t), 'a client token in the server output');
  });
});
