/**
 * Every cache of stored data a running scimd keeps in memory sees a change made through another
 * path at once: the very next request after the change answers with the new value, with no wait
 * in between. The caches (docs/deploy.md, "Caches: what each holds and what empties it"):
 *
 * - the SCIM token cache (src/provisioning/requests/auth.ts): a token's record, its client (the
 *   client's settings) and its tenant (status, settings, schemaVersion);
 * - the admin key cache (src/provisioning/tenants/admin-keys.ts), which console sessions use too;
 * - the tenant model cache (src/provisioning/tenants/tenant-model.ts): a tenant's extension
 *   schemas and role rules, by the tenant's schemaVersion.
 *
 * Each is warmed on the reading server first (two requests, the second answered from the cache),
 * then the data is changed through another process, and the next request must see it.
 *
 * - SQLite: one `scimd serve` on a data directory; the changes are made by the `scimd` CLI on the
 *   same directory (another process writing the same database file).
 * - PostgreSQL: two `scimd serve` replicas, A and B, on one database; B reads. The changes are made
 *   by the `scimd` CLI on the database, and by replica A's admin API.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { killChildren, outputMatch } from './helpers/children.ts';
import { scimdCli, spawnScimd } from './helpers/cli.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { ENTERPRISE, group, patch, send, tempDir, user, type Reply } from './helpers/server.ts';

/** Generous: how long to wait for a banner. */
const WAIT_MS = 30_000;
const BANNER_END = /If the IdP appends \/v2 itself, give \S+\n/;
const WIRE = 'urn:wire:scim:schemas:profile:1.0';
const SCIMD = 'urn:scimd:schemas:extension:2.0:User';
/** Each change is made and read back this many times, so an answer right by luck is unlikely. */
const ROUNDS = 3;
/** Revocations through replica A read back on B at once: no process start in between, the narrowest gap. */
const API_ROUNDS = 100;

const dirs: string[] = [];
const databases: TestDatabase[] = [];

after(async () => {
  await killChildren();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const db of databases) await db.drop().catch(() => undefined);
});

/** A running `scimd serve`: its origin (http://127.0.0.1:port). */
async function serve(name: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const dir = tempDir('scimd-cache-coherence-');
  dirs.push(dir);
  // Refusals are what these tests look for: they must not spend the address's budget for them.
  const p = spawnScimd(['serve', '--port', '0', '--log-level', 'warn', '--unauthenticated-rate-limit', 'off', ...args, ...(args.includes('--data-dir') ? [] : ['--data-dir', dir])], env);
  await outputMatch(p, BANNER_END, WAIT_MS, `${name}: scimd serve`);
  const m = /SCIM base URL\s+(http:\/\/127\.0\.0\.1:\d+)\/scim\/v2\n/.exec(p.stdout());
  assert.ok(m, `${name}: no base URL in the banner:\n${p.stdout()}`);
  return m[1]!;
}

/** One way of changing the data that is not the reading server itself. */
interface Writer {
  readonly name: string;
  createTenant(tenant: string): Promise<void>;
  createClient(tenant: string, client: string): Promise<string>;
  /** A new token for the client; older ones stop at once (no grace). */
  rotate(tenant: string, client: string): Promise<string>;
  revokeClient(tenant: string, client: string): Promise<void>;
  tenantStatus(tenant: string, status: 'active' | 'disabled'): Promise<void>;
  tenantSetting(tenant: string, key: string, value: string): Promise<void>;
  clientSetting(tenant: string, client: string, key: string, value: string): Promise<void>;
  enableSchema(tenant: string, urn: string): Promise<void>;
  removeSchema(tenant: string, urn: string): Promise<void>;
  addRole(tenant: string, role: string, filter: string): Promise<void>;
  removeRole(tenant: string, role: string): Promise<void>;
  createAdminKey(name: string): Promise<string>;
  revokeAdminKey(name: string): Promise<void>;
}

/** The `scimd` CLI, another process, on the same data directory or database (`where`: --data-dir or --database-url and its value). */
function cliWriter(where: readonly [string, string]): Writer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const run = async (...args: string[]): Promise<any> => {
    const r = await scimdCli([...args, ...where, '--json']);
    assert.equal(r.code, 0, `scimd ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  return {
    name: 'the scimd CLI',
    createTenant: async (t) => void (await run('tenant', 'create', t)),
    createClient: async (t, c) => (await run('client', 'create', t, c)).token as string,
    rotate: async (t, c) => (await run('token', 'rotate', t, c, '--grace', '0')).token as string,
    revokeClient: async (t, c) => void (await run('client', 'revoke', t, c)),
    tenantStatus: async (t, s) => void (await run('tenant', s === 'active' ? 'enable' : 'disable', t)),
    tenantSetting: async (t, k, v) => void (await run('tenant', 'set', t, k, v)),
    clientSetting: async (t, c, k, v) => void (await run('client', 'set', t, c, k, v)),
    enableSchema: async (t, urn) => void (await run('schema', 'enable', t, urn)),
    removeSchema: async (t, urn) => void (await run('schema', 'remove', t, urn)),
    addRole: async (t, role, filter) => void (await run('role', 'add', t, role, filter)),
    removeRole: async (t, role) => void (await run('role', 'remove', t, role)),
    createAdminKey: async (name) => (await run('admin-key', 'create', name)).key as string,
    revokeAdminKey: async (name) => void (await run('admin-key', 'revoke', name)),
  };
}

/** Another replica's admin API (`origin`), with an admin key for every tenant. */
function apiWriter(origin: string, key: string): Writer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const r = await send(`${origin}/admin/v1${path}`, method, body, { authorization: `Bearer ${key}` });
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.body;
  };
  const e = encodeURIComponent;
  return {
    name: "replica A's admin API",
    createTenant: async (t) => void (await call('POST', '/tenants', { name: t })),
    createClient: async (t, c) => (await call('POST', `/tenants/${e(t)}/clients`, { name: c })).token as string,
    rotate: async (t, c) => (await call('POST', `/tenants/${e(t)}/clients/${e(c)}/tokens`, {})).token as string,
    revokeClient: async (t, c) => void (await call('DELETE', `/tenants/${e(t)}/clients/${e(c)}`)),
    tenantStatus: async (t, status) => void (await call('PATCH', `/tenants/${e(t)}`, { status })),
    tenantSetting: async (t, k, v) => void (await call('PATCH', `/tenants/${e(t)}`, { settings: { [k]: v } })),
    clientSetting: async (t, c, k, v) => void (await call('PATCH', `/tenants/${e(t)}/clients/${e(c)}`, { settings: { [k]: v } })),
    enableSchema: async (t, urn) => void (await call('POST', `/tenants/${e(t)}/schemas`, { builtin: urn })),
    removeSchema: async (t, urn) => void (await call('DELETE', `/tenants/${e(t)}/schemas/${e(urn)}`)),
    addRole: async (t, role, filter) => void (await call('PUT', `/tenants/${e(t)}/roles/${e(role)}`, { filter })),
    removeRole: async (t, role) => void (await call('DELETE', `/tenants/${e(t)}/roles/${e(role)}`)),
    createAdminKey: async (name) => (await call('POST', '/admin-keys', { name })).key as string,
    revokeAdminKey: async (name) => void (await call('DELETE', `/admin-keys/${e(name)}`)),
  };
}

interface Backend {
  readonly name: string;
  /** Starts what the suite needs: the reading server's origin, and the writers. */
  setUp(): Promise<{ reader: string; writers: Writer[] }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite: a server, and the CLI on its data directory',
    async setUp() {
      const dir = tempDir('scimd-cache-coherence-sqlite-');
      dirs.push(dir);
      const reader = await serve('server', ['--data-dir', dir]);
      return { reader, writers: [cliWriter(['--data-dir', dir])] };
    },
  },
  {
    name: 'PostgreSQL: replica B reads; the CLI and replica A write',
    async setUp() {
      const db = await freshDatabase('cachecoherence');
      databases.push(db);
      const env = { SCIMD_DATABASE_URL: db.url };
      const [a, b] = await Promise.all([serve('A', [], env), serve('B', [], env)]);
      const cli = cliWriter(['--database-url', db.url]);
      const root = await cli.createAdminKey('root');
      return { reader: b, writers: [cli, apiWriter(a, root)] };
    },
  },
];

for (const backend of BACKENDS) {
  describe(`caches see another process's change on the next request (${backend.name})`, () => {
    let reader = '';
    let writers: Writer[] = [];
    before(async () => {
      ({ reader, writers } = await backend.setUp());
    });

    const scim = (tenant: string, path: string, token: string, method = 'GET', body?: unknown): Promise<Reply> =>
      send(`${reader}/t/${tenant}/scim/v2${path}`, method, body, { authorization: `Bearer ${token}` });
    const status = async (tenant: string, token: string): Promise<number> => (await scim(tenant, '/Users?count=1', token)).status;
    /** The token works on the reader, twice: the second answer comes from its cache. */
    async function warm(tenant: string, token: string, what: string): Promise<void> {
      for (let i = 0; i < 2; i++) assert.equal(await status(tenant, token), 200, `${what}: the token works before the change`);
    }
    /** A tenant and a client `okta` for one writer's test, made by the CLI (the first writer). */
    async function tenantFor(w: Writer, label: string): Promise<{ tenant: string; token: string }> {
      const tenant = `${label}-${writers.indexOf(w)}`;
      await writers[0]!.createTenant(tenant);
      return { tenant, token: await writers[0]!.createClient(tenant, 'okta') };
    }

    it('SCIM tokens: a client created, a token rotated without grace, a client revoked', async () => {
      for (const w of writers) {
        const { tenant } = await tenantFor(w, 'tokens');
        for (let round = 0; round < ROUNDS; round++) {
          const what = `${w.name}, round ${round + 1}`;
          const client = `idp-${round}`;
          const first = await w.createClient(tenant, client);
          assert.equal(await status(tenant, first), 200, `${what}: a token created is accepted at once`);
          await warm(tenant, first, what);
          const second = await w.rotate(tenant, client);
          assert.equal(await status(tenant, first), 401, `${what}: the rotated-out token is refused at once`);
          assert.equal(await status(tenant, second), 200, `${what}: the new token is accepted at once`);
          await warm(tenant, second, what);
          await w.revokeClient(tenant, client);
          assert.equal(await status(tenant, second), 401, `${what}: the revoked client's token is refused at once`);
        }
      }
    });

    it('the tenant: its status and its settings (scim.enabled, userName.policy)', async () => {
      for (const w of writers) {
        const { tenant, token } = await tenantFor(w, 'settings');
        for (let round = 0; round < ROUNDS; round++) {
          const what = `${w.name}, round ${round + 1}`;
          await warm(tenant, token, what);
          await w.tenantStatus(tenant, 'disabled');
          assert.equal(await status(tenant, token), 403, `${what}: the disabled tenant is refused at once`);
          await w.tenantStatus(tenant, 'active');
          assert.equal(await status(tenant, token), 200, `${what}: the enabled tenant is served at once`);
          await warm(tenant, token, what);
          await w.tenantSetting(tenant, 'scim.enabled', 'false');
          assert.equal(await status(tenant, token), 403, `${what}: scim.enabled = false refuses at once`);
          await w.tenantSetting(tenant, 'scim.enabled', 'true');
          assert.equal(await status(tenant, token), 200, `${what}: scim.enabled = true serves at once`);
          const userName = `Ada.Lovelace${round}`;
          assert.equal((await scim(tenant, `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, token)).status, 200);
          await w.tenantSetting(tenant, 'userName.policy', 'handle');
          const refused = await scim(tenant, '/Users', token, 'POST', user(userName));
          assert.equal(refused.status, 400, `${what}: userName.policy = handle refuses a capital at once: ${refused.text.slice(0, 300)}`);
          await w.tenantSetting(tenant, 'userName.policy', 'default');
          const created = await scim(tenant, '/Users', token, 'POST', user(userName));
          assert.equal(created.status, 201, `${what}: userName.policy = rfc takes it at once: ${created.text.slice(0, 300)}`);
        }
      }
    });

    it("the client's settings (groupPatchResponse)", async () => {
      for (const w of writers) {
        const { tenant, token } = await tenantFor(w, 'client');
        const g = await scim(tenant, '/Groups', token, 'POST', group('staff'));
        assert.equal(g.status, 201, g.text);
        const rename = (n: number) => scim(tenant, `/Groups/${g.body.id as string}`, token, 'PATCH', patch({ op: 'replace', path: 'displayName', value: `staff-${n}` }));
        let n = 0;
        for (let round = 0; round < ROUNDS; round++) {
          const what = `${w.name}, round ${round + 1}`;
          await w.clientSetting(tenant, 'okta', 'groupPatchResponse', 'full');
          for (let i = 0; i < 2; i++) assert.equal((await rename(n++)).status, 200, `${what}: groupPatchResponse = full answers 200`);
          await w.clientSetting(tenant, 'okta', 'groupPatchResponse', 'none');
          assert.equal((await rename(n++)).status, 204, `${what}: groupPatchResponse = none answers 204 at once`);
          assert.equal((await rename(n++)).status, 204, `${what}: and again`);
        }
      }
    });

    it("the tenant's schemas and role rules", async () => {
      for (const w of writers) {
        const { tenant, token } = await tenantFor(w, 'model');
        const schemas = async () => ((await scim(tenant, '/Schemas', token)).body.Resources as { id: string }[]).map((s) => s.id);
        const u = await scim(tenant, '/Users', token, 'POST', user('grace', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE], [ENTERPRISE]: { department: 'Sales' } }));
        assert.equal(u.status, 201, u.text);
        const roles = async () => ((await scim(tenant, `/Users/${u.body.id as string}`, token)).body[SCIMD]?.appRoles as string[] | undefined) ?? [];
        for (let round = 0; round < ROUNDS; round++) {
          const what = `${w.name}, round ${round + 1}`;
          for (let i = 0; i < 2; i++) assert.ok(!(await schemas()).includes(WIRE), `${what}: not listed before`);
          await w.enableSchema(tenant, WIRE);
          assert.ok((await schemas()).includes(WIRE), `${what}: a schema enabled is listed at once`);
          await w.removeSchema(tenant, WIRE);
          assert.ok(!(await schemas()).includes(WIRE), `${what}: a schema removed is gone at once`);
          for (let i = 0; i < 2; i++) assert.deepEqual(await roles(), [], `${what}: no role before`);
          await w.addRole(tenant, 'sales-licence', `${ENTERPRISE}:department eq "Sales"`);
          assert.deepEqual(await roles(), ['sales-licence'], `${what}: a role rule added applies at once`);
          await w.removeRole(tenant, 'sales-licence');
          assert.deepEqual(await roles(), [], `${what}: a role rule removed stops at once`);
        }
      }
    });

    it('admin keys, in a header and in a console session', async () => {
      for (const w of writers) {
        for (let round = 0; round < ROUNDS; round++) {
          const what = `${w.name}, round ${round + 1}`;
          const name = `ops-${writers.indexOf(w)}-${round}`;
          const key = await w.createAdminKey(name);
          const tenants = () => send(`${reader}/admin/v1/tenants`, 'GET', undefined, { authorization: `Bearer ${key}` });
          assert.equal((await tenants()).status, 200, `${what}: a key created works at once`);
          const signIn = await send(`${reader}/admin/v1/session`, 'POST', { key });
          assert.equal(signIn.status, 201, `${what}: sign in: ${signIn.text}`);
          const cookie = /scimd_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')?.[0];
          assert.ok(cookie, `${what}: a session cookie`);
          const session = () => send(`${reader}/admin/v1/tenants`, 'GET', undefined, { cookie });
          assert.equal((await session()).status, 200, `${what}: the session works`);
          assert.equal((await tenants()).status, 200, `${what}: the key works (cached)`);
          await w.revokeAdminKey(name);
          assert.equal((await tenants()).status, 401, `${what}: a key revoked is refused at once`);
          assert.equal((await session()).status, 401, `${what}: its console session is refused at once`);
        }
      }
    });

    const replicated = backend.name.startsWith('PostgreSQL');
    it('many times over, without a process start in between: a client and an admin key revoked by another replica, refused on the next request', { skip: !replicated && 'one server: no other replica' }, async () => {
      const api = writers.find((w) => w.name.includes('replica'));
      assert.ok(api, 'a writer that is another replica');
      const { tenant } = await tenantFor(api, 'revoked');
      for (let round = 0; round < API_ROUNDS; round++) {
        const what = `round ${round + 1}`;
        const token: string = await api.createClient(tenant, `c-${round}`);
        await warm(tenant, token, what);
        await api.revokeClient(tenant, `c-${round}`);
        assert.equal(await status(tenant, token), 401, `${what}: the revoked client's token is refused at once`);
        const key: string = await api.createAdminKey(`k-${round}`);
        const tenants = (): Promise<Reply> => send(`${reader}/admin/v1/tenants`, 'GET', undefined, { authorization: `Bearer ${key}` });
        for (let i = 0; i < 2; i++) assert.equal((await tenants()).status, 200, `${what}: the key works`);
        await api.revokeAdminKey(`k-${round}`);
        assert.equal((await tenants()).status, 401, `${what}: the revoked key is refused at once`);
      }
    });
  });
}
