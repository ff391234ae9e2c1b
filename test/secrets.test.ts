/**
 * Secrets (issue 6, item 9): a realistic session against a real `scimd serve` child process —
 * tokens created, rotated (by the CLI while the server runs) and used; users created, replaced
 * and patched with passwords in a tenant that discards them and one that hashes them; Bulk with
 * passwords; requests that fail while carrying secrets; the request log on; the process log at
 * trace level written to a file. Then every database file (main, -wal, -shm), the process's
 * stdout and stderr, and every row of every table are searched for every token and password in
 * plain, base64, base64url, URL-encoded and JSON-escaped form. None may appear (hashes may).
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { verifyPasswordHash } from '../src/provisioning/policies/user-lifecycle.ts';
import { createServices } from '../src/server.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { group, patch, PATCH_OP, SEARCH_REQUEST, send, tempDir, user, USER_SCHEMA } from './helpers/server.ts';
import { scimdArgv } from './helpers/scimd-bin.ts';
import { eventually } from './helpers/eventually.ts';
import { track } from './helpers/children.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const run = randomBytes(4).toString('hex');

/** Every secret the session uses, by what it is. */
const secrets = new Map<string, string>();
function password(label: string, shape = (tag: string) => `Pw-${tag}-${run}`): string {
  const p = shape(label);
  secrets.set(`password ${label}`, p);
  return p;
}
function token(label: string, value: string): string {
  secrets.set(`token ${label}`, value);
  return value;
}

/** The forms in which a secret could be written down. */
function forms(secret: string): Record<string, string> {
  return {
    plain: secret,
    base64: Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    base64url: Buffer.from(secret).toString('base64url'),
    'URL-encoded': encodeURIComponent(secret),
    'form-encoded': encodeURIComponent(secret).replace(/%20/g, '+'),
    'JSON-escaped': JSON.stringify(secret).slice(1, -1),
  };
}

function cli(dataDir: string, ...args: string[]): Promise<string> {
  return promisify(execFile)(process.execPath, scimdArgv([...args, '--data-dir', dataDir, '--json']), { cwd: ROOT, env: { ...process.env, NODE_ENV: 'test' } }).then((r) => r.stdout);
}

describe('no token or password is written anywhere', { timeout: 60_000 }, () => {
  const dataDir = tempDir('scimd-secrets-');
  const outFile = join(dataDir, 'stdout.log');
  const errFile = join(dataDir, 'stderr.log');
  const dbFile = join(dataDir, 'scimd.db');
  let child: ChildProcess;
  let base: string;
  let discardToken: string;
  let hashToken: string;
  let hashTenantId: string;
  /** Database files as they were while the server ran (the -wal goes at a clean shutdown). */
  const liveFiles = new Map<string, Buffer>();
  const marker = `marker-${run}`;

  before(async () => {
    // Tenants, clients and settings are made the way `scimd tenant create` etc. make them, before
    // the first start, so the server's first start bootstraps nothing and prints no token.
    const store = openSqliteStore(dbFile, { synchronous: 'FULL' });
    const services = createServices(store, { maxResults: 100 });
    await services.admin.createTenant('discard');
    hashTenantId = (await services.admin.createTenant('hash')).id;
    await services.admin.setTenantSetting('hash', 'passwords', 'hash');
    discardToken = token('discard/okta', (await services.admin.createClient('discard', 'okta', { idp: 'okta' })).token);
    hashToken = token('hash/entra', (await services.admin.createClient('hash', 'entra', { idp: 'entra' })).token);
    await store.close();

    const out = openSync(outFile, 'w');
    const err = openSync(errFile, 'w');
    child = track(
      spawn(process.execPath, scimdArgv(['serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'trace']), {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'test' },
        stdio: ['ignore', out, err],
      }),
    );
    closeSync(out);
    closeSync(err);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = readFileSync(outFile, 'utf8');
      const m = /SCIM base URL\s+(http:\/\/\S+\/scim\/v2)\n[\s\S]*If the IdP appends/.exec(text);
      if (m) {
        base = m[1]!;
        break;
      }
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`scimd did not start:\n${text}\n${readFileSync(errFile, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (method: string, path: string, tok: string, body?: unknown, headers: Record<string, string> = {}) => send(`${base}${path}`, method, body, { authorization: `Bearer ${tok}`, ...headers });

  it('runs a realistic provisioning session, with secrets everywhere a client puts them', async () => {
    const statuses: number[] = [];
    const ok = async (p: Promise<{ status: number; text: string; body: any }>, status: number) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const r = await p;
      assert.equal(r.status, status, r.text);
      statuses.push(r.status);
      return r;
    };
    for (const [tenant, tok] of [['discard', discardToken], ['hash', hashToken]] as const) {
      const t = (label: string) => `${tenant}-${label}`;
      const created = await ok(call('POST', '/Users', tok, user(`${marker}-${tenant}`, { password: password(t('create')), emails: [{ value: `${tenant}@x.com` }] })), 201);
      const id = created.body.id as string;
      await ok(call('PUT', `/Users/${id}`, tok, user(`${marker}-${tenant}`, { password: password(t('put'), (x) => `pässwörd "${x}" \\ ${run}`) })), 200);
      await ok(call('PATCH', `/Users/${id}`, tok, patch({ op: 'replace', path: 'password', value: password(t('patch-path'), (x) => `p@ss/w+rd=&?${x}#${run}`) })), 200);
      await ok(call('PATCH', `/Users/${id}`, tok, patch({ op: 'replace', value: { password: password(t('patch-pathless')) } })), 200);
      await ok(call('PATCH', `/Users/${id}`, tok, patch({ op: 'Replace', path: `${USER_SCHEMA}:PassWord`, value: password(t('patch-urn')) })), 200);
      const bulk = await ok(
        call('POST', '/Bulk', tok, {
          schemas: [BULK_REQUEST],
          Operations: [
            { method: 'POST', path: '/Users', bulkId: 'u', data: user(`${tenant}-bulk`, { password: password(t('bulk-post')) }) },
            { method: 'PUT', path: `/Users/${id}`, data: user(`${marker}-${tenant}`, { password: password(t('bulk-put')) }) },
            { method: 'PATCH', path: `/Users/${id}`, data: patch({ op: 'replace', path: 'password', value: password(t('bulk-patch')) }) },
            { method: 'POST', path: '/Groups', bulkId: 'g', data: group(`${tenant}-group`, { members: [{ value: 'bulkId:u' }] }) },
          ],
        }),
        200,
      );
      assert.deepEqual(bulk.body.Operations.map((o: { status: string }) => o.status), ['201', '200', '200', '201']);
      // The last password set on the user, to check the hash afterwards.
      await ok(call('PATCH', `/Users/${id}`, tok, patch({ op: 'add', path: 'password', value: password(t('last')) })), 200);
      await ok(call('GET', `/Users/${id}`, tok), 200);
      await ok(call('GET', `/Users?filter=${encodeURIComponent(`userName sw "${marker}"`)}`, tok), 200);

      // Requests that fail while carrying secrets.
      await ok(call('POST', '/Users', tok, user(`${marker}-${tenant}`, { password: password(t('conflict')) })), 409);
      // Unquoted, so JSON.parse's message would quote it.
      await ok(call('POST', '/Users', tok, `{"schemas":["${USER_SCHEMA}"],"userName":"broken","password": ${password(t('bad-json'))}}`), 400);
      const numeric = `98${String(randomBytes(4).readUInt32BE()).padStart(10, '0')}`;
      secrets.set(`password ${t('numeric')}`, numeric);
      await ok(call('POST', '/Users', tok, `{"schemas":["${USER_SCHEMA}"],"userName":"numeric","password":${numeric}}`), 400);
      await ok(call('GET', `/Users?filter=${encodeURIComponent(`password eq "${password(t('filter-url'))}"`)}`, tok), 400);
      await ok(call('POST', '/Users/.search', tok, { schemas: [SEARCH_REQUEST], filter: `password eq "${password(t('filter-body'))}"` }), 400);
      await ok(call('PATCH', `/Users/${id}`, tok, `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"replace","path":"password","value":"${password(t('dup-key'))}","VALUE":"x"}]}`), 400);
      await ok(call('GET', '/Users', tok, undefined, { authorization: `bearer ${tok}` }), 200);
    }

    // A token in the query string (not supported: 401) and a token nobody issued.
    await ok(send(`${base}/Users?access_token=${encodeURIComponent(discardToken)}`, 'GET'), 401);
    const forged = token('forged', `scimd_${randomBytes(32).toString('base64url')}`);
    await ok(call('GET', '/Users', forged), 401);
    // Headers over the size limit, Authorization among them: answered before Fastify, never logged.
    await ok(call('GET', '/Users', discardToken, undefined, { 'x-pad': 'p'.repeat(20_000) }), 431);

    // Rotation while the server runs, by the CLI: the old token keeps working for the grace period.
    const rotated = JSON.parse(await cli(dataDir, 'token', 'rotate', 'discard', 'okta', '--grace', '1h')) as { token: string };
    token('discard/okta rotated', rotated.token);
    await ok(call('GET', '/Users', rotated.token), 200);
    await ok(call('GET', '/Users', discardToken), 200);
    const minted = JSON.parse(await cli(dataDir, 'client', 'create', 'hash', 'second')) as { token: string };
    token('hash/second', minted.token);
    await ok(call('POST', '/Users', minted.token, user(`${marker}-second`, { password: password('second-client') })), 201);
    assert.ok(statuses.length >= 35, `${statuses.length} requests`);

    // Wait for the request log (written in batches after the responses), then copy the files.
    const reader = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      await eventually(() => (reader.prepare('SELECT COUNT(*) AS n FROM request_log').get() as { n: number }).n >= statuses.length - 1, {
        what: 'the request log written',
        intervalMs: 50,
      });
    } finally {
      reader.close();
    }
    for (const f of ['scimd.db', 'scimd.db-wal', 'scimd.db-shm']) if (existsSync(join(dataDir, f))) liveFiles.set(`${f} (running)`, readFileSync(join(dataDir, f)));
    assert.ok(liveFiles.has('scimd.db-wal (running)'), 'WAL mode: the -wal file exists while the server runs');

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (c) => resolve(c))));
    assert.equal(code, 0);
  });

  it('the session really wrote what is searched: logs at trace level, request log rows, the hashed password', async () => {
    const stdout = readFileSync(outFile, 'utf8');
    // At trace level everything is written; what this session makes below info is debug (the 431).
    assert.match(stdout, /"level":20,.*"code":"HPE_HEADER_OVERFLOW"/, 'debug lines');
    assert.ok((stdout.match(/"msg":"request"/g) ?? []).length >= 35, 'one line per request');
    const db = new Database(dbFile, { readonly: true });
    try {
      const rows = db.prepare('SELECT request_body FROM request_log').all() as { request_body: string | null }[];
      assert.ok(rows.length >= 35);
      assert.ok(rows.filter((r) => r.request_body?.includes('"password":"[redacted]"')).length >= 4, 'bodies are logged, their passwords redacted');
      // The markers (no secret) are found in the same files: the search below can see strings there.
      assert.ok(readFileSync(dbFile).includes(marker) || [...liveFiles.values()].some((b) => b.includes(marker)));
      // Tokens are stored as their SHA-256 hashes.
      const hashes = new Set((db.prepare('SELECT hash FROM tokens').all() as { hash: string }[]).map((r) => r.hash));
      assert.ok(hashes.has(createHash('sha256').update(discardToken).digest('hex')));
    } finally {
      db.close();
    }
    // In the tenant that keeps them, the password is there as an scrypt hash of the last one set.
    const store = openSqliteStore(dbFile, { synchronous: 'FULL' });
    try {
      const hashed = await store.passwordHash(hashTenantId, `${marker}-hash`);
      assert.ok(hashed, 'a hash is stored');
      assert.match(hashed.hash, /^scrypt\$/);
      assert.equal(await verifyPasswordHash(secrets.get('password hash-last')!, hashed.hash), true);
    } finally {
      await store.close();
    }
  });

  it('finds no token and no password in the database files, the process log or any table row', () => {
    const haystacks = new Map<string, Buffer>(liveFiles);
    for (const f of ['scimd.db', 'scimd.db-wal', 'scimd.db-shm']) if (existsSync(join(dataDir, f))) haystacks.set(`${f} (stopped)`, readFileSync(join(dataDir, f)));
    haystacks.set('stdout', readFileSync(outFile));
    haystacks.set('stderr', readFileSync(errFile));
    const db = new Database(dbFile, { readonly: true });
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      assert.ok(tables.includes('request_log'));
      for (const t of tables) haystacks.set(`table ${t}`, Buffer.from(JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())));
    } finally {
      db.close();
    }
    assert.ok(secrets.size >= 30, `${secrets.size} secrets`);
    const found: string[] = [];
    for (const [what, secret] of secrets) {
      for (const [form, text] of Object.entries(forms(secret))) {
        for (const [where, bytes] of haystacks) if (bytes.includes(text)) found.push(`${what} (${form}) in ${where}`);
      }
    }
    assert.deepEqual(found, []);
  });
});
