/**
 * The console's server side without a browser: the session cookie and its CSRF rule, the idle
 * timeout, sign-out and key revocation ending sessions; the console's headers; setup links over
 * the admin API (hashed, single tenant, expiring) and the link-scoped endpoints of their page.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { send, startTestServer, user, type Reply, type TestServer } from './helpers/server.ts';
import { eventually } from './helpers/eventually.ts';
import { scimdCli } from './helpers/cli.ts';
import { httpsRequest, makeCertificate } from './helpers/tls.ts';

const ROOT_KEY = 'console_http_root_key_0123456789abcdefghijklmnopqrstuvwxyz';
const PROBLEM = /^application\/problem\+json/;
const DAY = 86_400_000;

interface Session {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
}

async function signIn(s: TestServer, key: string): Promise<Session> {
  const r = await send(`${s.origin}/admin/v1/session`, 'POST', { key }, { 'content-type': 'application/json' });
  assert.equal(r.status, 201, r.text);
  const setCookie = r.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0]!, csrf: r.body.csrfToken, setCookie };
}

const withSession = (s: TestServer, session: Session, method: string, path: string, body?: unknown, csrf: string | null = session.csrf): Promise<Reply> =>
  send(`${s.origin}/admin/v1${path}`, method, body, {
    cookie: session.cookie,
    ...(csrf === null ? {} : { 'x-csrf-token': csrf }),
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  });

describe('console sessions over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ bootstrapAdminKey: ROOT_KEY });
  });
  after(() => s.close());

  it('serves /console with a strict CSP, no framing and no caching', async () => {
    for (const path of ['/console', '/console/console.js', '/console/console.css']) {
      const r = await send(`${s.origin}${path}`, 'GET');
      assert.equal(r.status, 200, path);
      assert.equal(
        r.headers.get('content-security-policy'),
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      assert.equal(r.headers.get('x-frame-options'), 'DENY');
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
    assert.equal((await send(`${s.origin}/console/nothing.js`, 'GET')).status, 404);
    assert.doesNotMatch((await send(`${s.origin}/console`, 'GET')).text, /https?:\/\//, 'nothing from another origin');
  });

  it('signs in with an admin key: an HttpOnly, SameSite=Strict cookie and a CSRF token; a wrong key gets 401', async () => {
    const session = await signIn(s, ROOT_KEY);
    assert.match(session.setCookie, /^scimd_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict/);
    assert.doesNotMatch(session.setCookie, /Secure/, 'plain HTTP: no Secure flag');
    assert.match(session.csrf, /^[A-Za-z0-9_-]{43}$/);
    const me = await withSession(s, session, 'GET', '/session');
    assert.equal(me.status, 200);
    assert.equal(me.body.keyName, 'bootstrap');
    assert.equal(me.body.csrfToken, session.csrf);
    const wrong = await send(`${s.origin}/admin/v1/session`, 'POST', { key: 'not-a-key-0123456789abcdefghijklmnop' }, { 'content-type': 'application/json' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('content-type') ?? '', PROBLEM);
    assert.equal(wrong.headers.get('set-cookie'), null);
  });

  it('reads with the cookie alone; a change needs the CSRF token (403 problem without it or with a wrong one)', async () => {
    const session = await signIn(s, ROOT_KEY);
    assert.equal((await withSession(s, session, 'GET', '/tenants', undefined, null)).status, 200);
    const forged = await withSession(s, session, 'POST', '/tenants', { name: 'forged' }, null);
    assert.equal(forged.status, 403);
    assert.match(forged.headers.get('content-type') ?? '', PROBLEM);
    assert.match(forged.body.detail, /CSRF token/);
    assert.equal((await withSession(s, session, 'POST', '/tenants', { name: 'forged' }, 'x'.repeat(43))).status, 403);
    // A form post from another site: the cookie (were it sent) without the token.
    const form = await send(`${s.origin}/admin/v1/tenants`, 'POST', 'name=forged', { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 403);
    await assert.rejects(s.running.services.admin.tenant('forged'));
    const made = await withSession(s, session, 'POST', '/tenants', { name: 'made-by-session' });
    assert.equal(made.status, 201, made.text);
  });

  it('another session’s CSRF token does not do', async () => {
    const a = await signIn(s, ROOT_KEY);
    const b = await signIn(s, ROOT_KEY);
    assert.equal((await withSession(s, a, 'POST', '/tenants', { name: 'crossed' }, b.csrf)).status, 403);
  });

  it('an unknown session cookie gets 401', async () => {
    const r = await send(`${s.origin}/admin/v1/tenants`, 'GET', undefined, { cookie: `scimd_session=${'A'.repeat(43)}` });
    assert.equal(r.status, 401);
    assert.match(r.body.detail, /sign in again/);
  });

  it('signing out ends the session (and needs the CSRF token)', async () => {
    const session = await signIn(s, ROOT_KEY);
    assert.equal((await withSession(s, session, 'DELETE', '/session', undefined, null)).status, 403);
    const out = await withSession(s, session, 'DELETE', '/session');
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /scimd_session=; .*Max-Age=0/);
    assert.equal((await withSession(s, session, 'GET', '/tenants')).status, 401);
  });

  it('revoking the key ends its sessions', async () => {
    const issued = await s.running.services.adminKeys.create('short-lived');
    const session = await signIn(s, issued.key);
    assert.equal((await withSession(s, session, 'GET', '/tenants')).status, 200);
    await s.running.services.adminKeys.revoke('short-lived');
    await eventually(async () => (await withSession(s, session, 'GET', '/tenants')).status === 401, { what: 'the session of a revoked key to end' });
  });

  it('a session of a key limited to one tenant sees only that tenant', async () => {
    await s.running.services.admin.createTenant('mine');
    await s.running.services.admin.createTenant('theirs');
    const key = (await s.running.services.adminKeys.create('mine-only', { tenant: 'mine' })).key;
    const session = await signIn(s, key);
    assert.deepEqual((await withSession(s, session, 'GET', '/tenants')).body.map((t: { name: string }) => t.name), ['mine']);
    assert.equal((await withSession(s, session, 'GET', '/tenants/theirs')).status, 404);
    assert.equal((await withSession(s, session, 'POST', '/tenants/theirs/setup-links', {})).status, 404);
  });
});

describe('console sessions under TLS', () => {
  it('marks the session cookie Secure', async () => {
    const cert = makeCertificate();
    const s = await startTestServer({ bootstrapAdminKey: ROOT_KEY, tlsCert: cert.certFile, tlsKey: cert.keyFile });
    try {
      const body = JSON.stringify({ key: ROOT_KEY });
      const r = await httpsRequest(`${s.origin}/admin/v1/session`, cert.cert, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body });
      assert.equal(r.status, 201, r.text);
      const cookie = String(r.headers['set-cookie']);
      assert.match(cookie, /; HttpOnly; SameSite=Strict; Secure/);
      const page = await httpsRequest(`${s.origin}/console`, cert.cert);
      assert.equal(page.status, 200);
      assert.match(String(page.headers['strict-transport-security']), /max-age=/);
    } finally {
      await s.close();
      rmSync(cert.dir, { recursive: true, force: true });
    }
  });
});

describe('console session idle timeout', () => {
  it('ends a session idle longer than the timeout; use keeps it alive', async () => {
    const idleMs = 3_000;
    const s = await startTestServer({ bootstrapAdminKey: ROOT_KEY }, { consoleIdleMs: idleMs });
    try {
      const session = await signIn(s, ROOT_KEY);
      assert.equal((await withSession(s, session, 'GET', '/session')).body.idleTimeoutSeconds, 3);
      // Sliding: a request every second keeps the session past the timeout.
      for (let i = 0; i < 4; i++) {
        await delay(1_000);
        assert.equal((await withSession(s, session, 'GET', '/tenants')).status, 200, `request ${i + 1} of a session in use`);
      }
      // The one deliberate wait: longer than the idle timeout, with no request meanwhile.
      await delay(idleMs + 1_000);
      const r = await withSession(s, session, 'GET', '/tenants');
      assert.equal(r.status, 401);
      assert.match(r.body.detail, /expired/);
    } finally {
      await s.close();
    }
  });
});

describe('setup links over HTTP', () => {
  let s: TestServer;
  let offsetMs = 0;
  const auth = { authorization: `Bearer ${ROOT_KEY}`, 'content-type': 'application/json' };
  before(async () => {
    s = await startTestServer({ bootstrapAdminKey: ROOT_KEY }, { now: () => new Date(Date.now() + offsetMs) });
    await s.running.services.admin.createTenant('acme');
    await s.running.services.admin.createTenant('globex');
  });
  after(() => s.close());

  const create = async (tenant: string, body: unknown = {}) => send(`${s.origin}/admin/v1/tenants/${tenant}/setup-links`, 'POST', body, auth);

  it('creates a link {url, expiresAt} (7 days by default) whose token is never stored', async () => {
    const r = await create('acme');
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.url, new RegExp(`^${s.origin}/setup/[A-Za-z0-9_-]{43}$`));
    const days = (Date.parse(r.body.expiresAt) - Date.now()) / DAY;
    assert.ok(days > 6.9 && days <= 7, `${days} days`);
    const short = await create('acme', { expiresIn: '1h' });
    assert.ok(Date.parse(short.body.expiresAt) - Date.now() <= 3_600_000);
    assert.equal((await create('acme', { expiresIn: 'soon' })).status, 400);
    assert.equal((await create('acme', { expiresIn: '365d' })).status, 400);
    assert.equal((await create('nope')).status, 404);
    const token = r.body.url.split('/').pop();
    await s.running.services.requestLog.flush();
    const { readdirSync, readFileSync } = await import('node:fs');
    const db = readdirSync(s.dataDir).filter((f) => f.startsWith('scimd.db')).map((f) => readFileSync(`${s.dataDir}/${f}`).toString('latin1')).join('');
    assert.ok(!db.includes(token), 'the link token is not in the database');
  });

  it('the link mints a client pinned to the chosen IdP and shows its requests with a verdict and a fix', async () => {
    const url: string = (await create('acme')).body.url;
    const page = await send(url, 'GET');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const info = await send(`${url}/link`, 'GET');
    assert.deepEqual([info.body.tenant, info.body.scimEndpoint], ['acme', `${s.origin}/t/acme/scim/v2`]);
    const google = await send(`${url}/client`, 'POST', { idp: 'google' }, { 'content-type': 'application/json' });
    assert.equal(google.status, 400);
    assert.match(google.body.detail, /not supported/);
    const minted = await send(`${url}/client`, 'POST', { idp: 'entra' }, { 'content-type': 'application/json' });
    assert.equal(minted.status, 201, minted.text);
    const client = await s.running.services.admin.clientView('acme', minted.body.client);
    assert.equal(client.profile, 'entra');
    assert.equal(client.profileSource, 'pinned');
    assert.deepEqual((await send(`${url}/requests`, 'GET')).body.requests, []);
    const scim = (method: string, path: string, body?: unknown) => send(`${minted.body.scimEndpoint}${path}`, method, body, { authorization: `Bearer ${minted.body.token}`, 'content-type': 'application/scim+json' });
    assert.equal((await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "ada@acme.example"')}`)).status, 200);
    assert.equal((await scim('POST', '/Users', user('ada@acme.example'))).status, 201);
    assert.equal((await scim('POST', '/Users', user('ada@acme.example'))).status, 409);
    const seen = await eventually(
      async () => {
        const r = (await send(`${url}/requests`, 'GET')).body.requests;
        return r.length === 3 && r;
      },
      { what: 'three requests of the link’s client' },
    );
    assert.deepEqual(
      seen.map((r: { method: string; status: number; ok: boolean }) => [r.method, r.status, r.ok]),
      [
        ['GET', 200, true],
        ['POST', 201, true],
        ['POST', 409, false],
      ],
    );
    assert.match(seen[2].detail, /ada@acme\.example|unique|exists/i);
    assert.match(seen[2].hint, /userName/);
    const later = (await send(`${url}/requests?after=${seen[1].id}`, 'GET')).body.requests;
    assert.equal(later.length, 1);
  });

  it('a link reaches nothing else: not the admin API, not another tenant', async () => {
    const url: string = (await create('globex')).body.url;
    const token = url.split('/').pop()!;
    assert.equal((await send(`${s.origin}/admin/v1/tenants`, 'GET', undefined, { authorization: `Bearer ${token}` })).status, 401);
    assert.equal((await send(`${s.origin}/t/acme/scim/v2/Users`, 'GET', undefined, { authorization: `Bearer ${token}` })).status, 401);
    assert.equal((await send(`${url}/link`, 'GET')).body.tenant, 'globex');
  });

  it('an unknown link gets 404 and an expired one 410, each with a clear page', async () => {
    const unknown = await send(`${s.origin}/setup/${'A'.repeat(43)}`, 'GET');
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /not valid/);
    assert.equal((await send(`${s.origin}/setup/${'A'.repeat(43)}/link`, 'GET')).status, 404);
    const url: string = (await create('acme', { expiresIn: '1h' })).body.url;
    offsetMs = 2 * 3_600_000;
    try {
      const expired = await send(url, 'GET');
      assert.equal(expired.status, 410);
      assert.match(expired.text, /This setup link has expired/);
      assert.equal((await send(`${url}/client`, 'POST', { idp: 'okta' }, { 'content-type': 'application/json' })).status, 410);
    } finally {
      offsetMs = 0;
    }
  });

  it('scimd setup-link create makes a link the running server opens', async () => {
    const made = await scimdCli(['setup-link', 'create', 'acme', '--expires', '2d', '--public-url', s.origin, '--json'], s.dataDir);
    assert.equal(made.code, 0, made.stderr);
    const { url, expiresAt } = JSON.parse(made.stdout) as { url: string; expiresAt: string };
    assert.match(url, new RegExp(`^${s.origin}/setup/[A-Za-z0-9_-]{43}$`));
    assert.ok(Date.parse(expiresAt) - Date.now() <= 2 * DAY);
    assert.equal((await send(`${url}/link`, 'GET')).body.tenant, 'acme');
    const refused = await scimdCli(['setup-link', 'create', 'nope'], s.dataDir);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /No tenant named 'nope'/);
  });
});
