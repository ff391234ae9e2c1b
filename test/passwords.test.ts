/**
 * Passwords (issue 5, item 8): with `passwords = hash` the password an IdP sends is kept as an
 * scrypt hash — never as text in any database file, never returned (whatever `attributes` asks
 * for), never in the request log or the process log — and the host app checks it through the
 * library entry (src/index.ts, the package's `exports`). With the default `discard` nothing is kept.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import * as scimd from '../src/index.ts';
import { filesHolding } from './helpers/data-files.ts';
import { patch, startTestServer, user, type TestServer } from './helpers/server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIRST = 'Correct-Horse-Battery-42!';
const SECOND = 'Second-Staple-Tr0ub4dor&3';
const THIRD = 'Third-Pa55-via-PATCH-Zq9';
const DISCARDED = 'Discarded-Pa55-Xk2-never-kept';

describe('passwords', () => {
  let s: TestServer;
  let app: string;
  let plain: string;
  const logLines: string[] = [];
  const call = (token: string) => (method: string, path: string, body?: unknown) => s.request(method, path, body, { authorization: `Bearer ${token}` });
  const verify = (tenant: string, userName: string, password: string) => s.running.services.tenantAdmin.verifyPassword(tenant, userName, password);

  before(async () => {
    const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
    s = await startTestServer({}, { logger });
    app = await s.tenant('app');
    plain = await s.tenant('plain');
    await s.running.services.admin.setTenantSetting('app', 'passwords', 'hash');
  });
  after(() => s?.close());

  it('hash: kept as scrypt, checked by verifyPassword; PUT and PATCH change it, a PUT without one keeps it', async () => {
    const idp = call(app);
    const created = await idp('POST', '/Users', user('alice', { password: FIRST }));
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    assert.equal(created.body.password, undefined);

    assert.equal(await verify('app', 'alice', FIRST), id);
    assert.equal(await verify('app', 'ALICE', FIRST), id, 'userName without regard to case');
    assert.equal(await verify('app', 'alice', FIRST.toLowerCase()), undefined);
    assert.equal(await verify('app', 'alice', ''), undefined);
    assert.equal(await verify('app', 'nobody', FIRST), undefined);
    await assert.rejects(verify('nope', 'alice', FIRST), /No tenant named 'nope'/);

    assert.equal((await idp('PUT', `/Users/${id}`, user('alice', { password: SECOND }))).status, 200);
    assert.equal(await verify('app', 'alice', FIRST), undefined, 'the old password no longer works');
    assert.equal(await verify('app', 'alice', SECOND), id);
    assert.equal((await idp('PUT', `/Users/${id}`, user('alice', { displayName: 'Alice' }))).status, 200);
    assert.equal(await verify('app', 'alice', SECOND), id, 'a PUT that carries no password leaves it');
    const patched = await idp('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'password', value: THIRD }));
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.password, undefined);
    assert.equal(await verify('app', 'alice', THIRD), id);

    const tenantId = (await s.running.services.admin.tenant('app')).id;
    const stored = await s.running.store.passwordHash(tenantId, 'alice');
    assert.match(stored!.hash, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(await scimd.verifyPasswordHash(THIRD, stored!.hash), true, 'the library entry checks a stored hash');
    assert.equal(await scimd.verifyPasswordHash(SECOND, stored!.hash), false);
    assert.equal(await scimd.verifyPasswordHash(THIRD, 'not-a-hash'), false);
  });

  it('a password is never returned, whatever the request asks for', async () => {
    const idp = call(app);
    const u = await idp('POST', '/Users?attributes=password', user('bob', { password: FIRST }));
    assert.equal(u.status, 201, u.text);
    const reads = [
      `/Users/${u.body.id}`,
      `/Users/${u.body.id}?attributes=password`,
      `/Users/${u.body.id}?attributes=password,userName`,
      `/Users/${u.body.id}?excludedAttributes=userName`,
      '/Users?attributes=password',
      '/Users?filter=userName%20eq%20%22bob%22&attributes=password',
    ];
    for (const path of reads) {
      const r = await idp('GET', path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.ok(!/password/i.test(r.text) && !r.text.includes(FIRST), `${path}: ${r.text}`);
    }
    const search = await idp('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], attributes: ['password'] });
    assert.equal(search.status, 200);
    assert.ok(!search.text.includes(FIRST) && !/"password"/.test(search.text));
    // A filter on a returned: never attribute must not become an oracle.
    const probe = await idp('GET', `/Users?filter=${encodeURIComponent(`password eq "${FIRST}"`)}`);
    assert.ok(probe.status === 400 || probe.body.totalResults === 0, probe.text);
    const searched = await idp('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: `userName eq "bob" and password eq "${FIRST}"` });
    assert.ok(searched.status === 400 || searched.body.totalResults === 0, searched.text);
  });

  it('discard (the default): nothing is kept, there is nothing to check', async () => {
    const idp = call(plain);
    const u = await idp('POST', '/Users', user('carol', { password: DISCARDED }));
    assert.equal(u.status, 201, u.text);
    assert.equal(await verify('plain', 'carol', DISCARDED), undefined);
    const tenantId = (await s.running.services.admin.tenant('plain')).id;
    assert.equal(await s.running.store.passwordHash(tenantId, 'carol'), undefined);
  });

  it('no password is in any database file, the request log or the process log', async () => {
    await s.running.services.requestLog.flush();
    const entries = await s.running.store.requestLog({ limit: 1000 });
    assert.ok(entries.some((e) => e.method === 'PATCH'), 'the requests were logged');
    const logged = JSON.stringify(entries);
    assert.ok(logLines.length > 5, 'the process logged the requests');
    for (const secret of [FIRST, SECOND, THIRD, DISCARDED]) {
      assert.deepEqual(filesHolding(s.dataDir, secret), [], secret);
      assert.ok(!logged.includes(secret), `request log holds ${secret}`);
      assert.ok(!logLines.some((l) => l.includes(secret)), `process log holds ${secret}`);
    }
    assert.ok(filesHolding(s.dataDir, 'scrypt$16384$8$1$').length > 0, 'the hashes are stored');
  });

  it("the library entry is what package.json's exports name, and starts a working server", async () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { main: string; types: string; exports: Record<string, string> };
    const build = JSON.parse(readFileSync(`${ROOT}/tsconfig.build.json`, 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
    const source = (built: string) => built.replace(new RegExp(`^\\./${build.compilerOptions.outDir}/`), `${build.compilerOptions.rootDir}/`).replace(/\.(d\.ts|js)$/, '.ts');
    for (const entry of [pkg.main, pkg.types, pkg.exports['.']!]) assert.ok(existsSync(`${ROOT}/${source(entry)}`), `${entry} is built from ${source(entry)}`);

    for (const name of ['startServer', 'createServices', 'openStore', 'resolveConfig', 'verifyPasswordHash', 'bootstrap']) {
      assert.equal(typeof (scimd as Record<string, unknown>)[name], 'function', name);
    }
    const { tempDir } = await import('./helpers/server.ts');
    const config = { ...scimd.resolveConfig({ port: '0', 'log-level': 'silent' }, {}), dataDir: tempDir() };
    const running = await scimd.startServer(config, false);
    try {
      await running.services.admin.createTenant('host');
      await running.services.admin.setTenantSetting('host', 'passwords', 'hash');
      const { token } = await running.services.admin.createClient('host', 'idp');
      const r = await fetch(`${running.origin}/scim/v2/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify(user('dave', { password: FIRST })),
      });
      assert.equal(r.status, 201);
      const { id } = (await r.json()) as { id: string };
      assert.equal(await running.services.tenantAdmin.verifyPassword('host', 'dave', FIRST), id);
    } finally {
      await running.close();
    }
  });
});
