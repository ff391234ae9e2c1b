/**
 * Setup links when the admin API has a listener of its own (--admin-port): without --public-url a
 * link built from the admin request would point at the admin listener, which serves no setup
 * page, so POST …/setup-links answers 409 saying to set --public-url, and `scimd setup-link
 * create` exits 1 saying so; with a public URL both make a link that points there. An invitation
 * resent there points where the user's last one did. Real HTTP, the real CLI as a child process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scimdCli } from './helpers/cli.ts';
import { send, startTestServer, user, type TestServer } from './helpers/server.ts';

const ROOT_KEY = 'admin_port_key_0123456789abcdefghijklmnopqrstuvwxyz';
const create = (origin: string, tenant = 'acme') =>
  send(`${origin}/admin/v1/tenants/${tenant}/setup-links`, 'POST', {}, { authorization: `Bearer ${ROOT_KEY}`, 'content-type': 'application/json' });

describe('setup links with --admin-port', () => {
  let s: TestServer;
  let withUrl: TestServer;
  before(async () => {
    s = await startTestServer({ bootstrapAdminKey: ROOT_KEY, adminPort: 0 });
    await s.running.services.admin.createTenant('acme');
  });
  after(async () => {
    await s?.close();
    await withUrl?.close();
  });

  it('without --public-url: 409 problem saying to set it', async () => {
    assert.ok(s.running.adminOrigin && s.running.adminOrigin !== s.origin);
    const r = await create(s.running.adminOrigin);
    assert.equal(r.status, 409, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(r.body.type, 'urn:scimd:problem:conflict');
    assert.match(r.body.detail, /--admin-port/);
    assert.match(r.body.detail, /--public-url \(SCIMD_PUBLIC_URL\)/);
    // An unknown tenant is still 404 (the tenant is checked first: a scoped key learns nothing).
    assert.equal((await create(s.running.adminOrigin, 'nope')).status, 404);
  });

  it('with --public-url: a link that points there (and opens on the SCIM listener)', async () => {
    withUrl = await startTestServer({ bootstrapAdminKey: ROOT_KEY, adminPort: 0, publicUrl: 'https://scimd.example.com' });
    await withUrl.running.services.admin.createTenant('acme');
    const r = await create(withUrl.running.adminOrigin!);
    assert.equal(r.status, 201, r.text);
    const url = new URL(r.body.url);
    assert.equal(url.origin, 'https://scimd.example.com');
    assert.equal((await send(`${withUrl.origin}${url.pathname}/link`, 'GET')).body.tenant, 'acme');
  });

  it('an invitation resent on the admin listener without --public-url points where the last one did, not at the admin listener', async () => {
    const t = await s.scimTenant('mail', { 'externalId.mode': 'email' });
    const u = await t.request('POST', '/Users', user('ivy', { externalId: 'ivy@mail.example' }));
    assert.equal(u.status, 201, u.text);
    const r = await send(`${s.running.adminOrigin}/admin/v1/tenants/mail/invitations/ivy/resend`, 'POST', { print: true }, { authorization: `Bearer ${ROOT_KEY}`, 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.url.startsWith(`${s.origin}/invitations/`), r.body.url);
  });

  it('scimd setup-link create: exit 1 with the fix under SCIMD_ADMIN_PORT or --admin-port without a public URL; a link with one', async () => {
    for (const [args, env] of [
      [[], { SCIMD_ADMIN_PORT: '9090' }],
      [['--admin-port', '9090'], {}],
    ] as const) {
      const r = await scimdCli(['setup-link', 'create', 'acme', ...args], s.dataDir, env);
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /admin listener of its own.*pass --public-url \(or set SCIMD_PUBLIC_URL\)/);
      assert.equal(r.stdout, '');
    }
    const json = await scimdCli(['setup-link', 'create', 'acme', '--json'], s.dataDir, { SCIMD_ADMIN_PORT: '9090' });
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stderr).error, 'invalid');
    const ok = await scimdCli(['setup-link', 'create', 'acme', '--json'], s.dataDir, { SCIMD_ADMIN_PORT: '9090', SCIMD_PUBLIC_URL: s.origin });
    assert.equal(ok.code, 0, ok.stderr);
    const link = JSON.parse(ok.stdout) as { url: string };
    assert.ok(link.url.startsWith(`${s.origin}/setup/`), link.url);
    assert.equal((await send(`${link.url}/link`, 'GET')).body.tenant, 'acme');
  });
});
