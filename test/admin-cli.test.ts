/**
 * The admin API as an operator deploys it: `scimd serve --admin-port` (the admin API and, with
 * --metrics admin, /metrics on their own listener, not on the public one), and admin keys made
 * and revoked with `scimd admin-key` while the server runs, on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scimdCli } from './helpers/cli.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { killAll, serveProcess, type Serving } from './helpers/process.ts';
import { send, tempDir } from './helpers/server.ts';

const BOOT_KEY = 'deploy_admin_key_0123456789abcdefghijklmnopqrstuvwx';
const ADMIN = /Admin API: (https?:\/\/\S+)\/admin\/v1 /;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`scimd serve --admin-port and scimd admin-key (${backend})`, () => {
    let db: TestDatabase | undefined;
    let server: Serving;
    let storage: string[];
    let adminOrigin: string;
    let publicOrigin: string;
    const get = (origin: string, path: string, key?: string) => send(`${origin}${path}`, 'GET', undefined, key ? { authorization: `Bearer ${key}` } : {});

    before(async () => {
      const dir = tempDir();
      if (backend === 'postgres') db = await freshDatabase('admin-cli');
      storage = db ? ['--database-url', db.url] : ['--data-dir', dir];
      server = await serveProcess([...storage, '--admin-port', '0', '--metrics', 'admin'], { SCIMD_BOOTSTRAP_ADMIN_KEY: BOOT_KEY });
      adminOrigin = ADMIN.exec(server.stdout())![1]!;
      publicOrigin = server.base.replace(/\/scim\/v2$/, '');
      assert.notEqual(adminOrigin, publicOrigin);
    });
    after(async () => {
      await killAll();
      await db?.drop();
    });

    it('the admin API and /metrics answer on the admin listener only; SCIM on the public one only', async () => {
      assert.equal((await get(adminOrigin, '/admin/v1/tenants', BOOT_KEY)).status, 200);
      assert.equal((await get(adminOrigin, '/metrics')).status, 200);
      assert.equal((await get(adminOrigin, '/healthz')).status, 200);
      assert.equal((await get(adminOrigin, '/scim/v2/ServiceProviderConfig')).status, 404);
      assert.equal((await get(publicOrigin, '/admin/v1/tenants', BOOT_KEY)).status, 404);
      assert.equal((await get(publicOrigin, '/metrics')).status, 404);
      assert.equal((await get(publicOrigin, '/healthz')).status, 200);
      assert.equal((await get(publicOrigin, '/scim/v2/ServiceProviderConfig')).status, 401);
    });

    it('admin-key create --json prints the key once; list never shows it; revoke stops it on the running server at once', async () => {
      const created = await scimdCli(['admin-key', 'create', 'ops', '--json', ...storage]);
      assert.equal(created.code, 0, created.stderr);
      const { key, tenant } = JSON.parse(created.stdout) as { key: string; tenant: string | null };
      assert.match(key, /^scimd_admin_[A-Za-z0-9_-]{43}$/);
      assert.equal(tenant, null);
      assert.equal((await get(adminOrigin, '/admin/v1/tenants', key)).status, 200);

      const scoped = await scimdCli(['admin-key', 'create', 'default-admin', '--tenant', 'default', '--json', ...storage]);
      assert.equal(scoped.code, 0, scoped.stderr);
      const scopedKey = (JSON.parse(scoped.stdout) as { key: string }).key;
      assert.equal((await get(adminOrigin, '/admin/v1/tenants/default', scopedKey)).status, 200);
      assert.equal((await get(adminOrigin, '/admin/v1/admin-keys', scopedKey)).status, 403);

      const list = await scimdCli(['admin-key', 'list', '--json', ...storage]);
      assert.equal(list.code, 0, list.stderr);
      assert.ok(!list.stdout.includes(key) && !list.stdout.includes(scopedKey) && !list.stdout.includes(BOOT_KEY));
      assert.deepEqual(
        (JSON.parse(list.stdout) as { name: string; tenant: string | null }[]).map((k) => `${k.name}:${k.tenant ?? '*'}`).sort(),
        ['bootstrap:*', 'default-admin:default', 'ops:*'],
      );
      const table = await scimdCli(['admin-key', 'list', ...storage]);
      assert.match(table.stdout, /default-admin\s+tenant default/);

      const revoked = await scimdCli(['admin-key', 'revoke', 'ops', ...storage]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, /Revoked admin key 'ops'/);
      const refused = await get(adminOrigin, '/admin/v1/tenants', key);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.type, 'urn:scimd:problem:unauthorized');

      const again = await scimdCli(['admin-key', 'revoke', 'nobody', ...storage]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /No admin key 'nobody'/);
      const bad = await scimdCli(['admin-key', 'create', 'bad name', ...storage]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /not valid/);
    });

    it('the server log and stdout never show an admin key', () => {
      for (const text of [server.stdout(), server.stderr()]) assert.ok(!text.includes(BOOT_KEY));
    });
  });
}

describe('a first plain start: an admin key for the console, shown once', () => {
  after(() => killAll());

  it('scimd serve with no flags and no variables prints the console URL and a working admin key; a later start prints none', async () => {
    const dir = tempDir();
    const first = await serveProcess(['--data-dir', dir]);
    const key = /Admin key\s+(scimd_admin_\S+)/.exec(first.stdout())?.[1];
    const origin = first.base.replace(/\/scim\/v2$/, '');
    assert.ok(key, first.stdout());
    assert.match(first.stdout(), new RegExp(`Console: ${origin.replace(/[.]/g, '\\.')}/console `));
    const tenants = await send(`${origin}/admin/v1/tenants`, 'GET', undefined, { authorization: `Bearer ${key}` });
    assert.equal(tenants.status, 200);
    assert.deepEqual(
      tenants.body.map((t: { name: string }) => t.name),
      ['default'],
    );
    await first.stop();
    const again = await serveProcess(['--data-dir', dir]);
    assert.doesNotMatch(again.stdout(), /Admin key/);
    assert.match(again.stdout(), /Console: /);
    await again.stop();
  });

  it('with SCIMD_BOOTSTRAP_TOKEN (an automated deployment, stdout kept in logs) no admin key is minted', async () => {
    const s = await serveProcess(['--data-dir', tempDir()], { SCIMD_BOOTSTRAP_TOKEN: 'automated-deployment-token-0123456789' });
    assert.doesNotMatch(s.stdout(), /Admin key/);
    await s.stop();
  });
});
