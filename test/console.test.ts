/**
 * The console in a real browser (Debian's Chromium through playwright-core): sign in with the
 * keyboard, create a tenant and a client, copy its token, send SCIM requests with it and find them
 * in the request log with their normaliser notes; a key limited to one tenant; CSRF refusals and
 * the idle timeout; axe-core on every page and a phone-sized viewport without sideways scrolling.
 * With SCIMD_SCREENSHOTS=<dir> it also writes the README's screenshots (npm run screenshots).
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, assertNoHorizontalScroll, browserSkip, launchBrowser, screenshot } from './helpers/browser.ts';
import { send, startTestServer, user, type TestServer } from './helpers/server.ts';

const ROOT_KEY = 'console_root_key_0123456789abcdefghijklmnopqrstuvwxyz';

async function signIn(page: Page, origin: string, key: string): Promise<void> {
  await page.goto(`${origin}/console`);
  await page.getByLabel('Admin key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Tenants' }).waitFor();
}

describe('console in a browser', { skip: browserSkip }, () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    s = await startTestServer({ bootstrapAdminKey: ROOT_KEY });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.origin });
    page = await context.newPage();
    // Generous: the browser shares two cores with the rest of the suite.
    page.setDefaultTimeout(30_000);
    page.on('dialog', (d) => void d.accept());
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it('signs in by keyboard alone, with a strict CSP and no other origin contacted', async () => {
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(s.origin)) foreign.push(r.url());
    });
    const answer = await page.goto(`${s.origin}/console`);
    assert.match(answer?.headers()['content-security-policy'] ?? '', /default-src 'none'; script-src 'self'/);
    assert.equal(answer?.headers()['x-frame-options'], 'DENY');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await assertAccessible(page, 'the sign-in page');
    await screenshot(page, 'sign-in');
    // Tab to the key field (after the skip link and the main region), type, Enter.
    for (let i = 0; i < 8 && (await page.evaluate('document.activeElement?.name')) !== 'key'; i++) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.name'), 'key', 'the key field is reached with Tab');
    await page.keyboard.type(ROOT_KEY);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'scimd_session');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.deepEqual(foreign, []);
  });

  let token = '';
  it('creates a tenant and a client (by keyboard), shows the token once and copies it', async () => {
    await page.getByLabel('Tenant name').focus();
    await page.keyboard.type('acme');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Tenant acme' }).waitFor();
    await page.goto(`${s.origin}/console#/tenants`);
    await page.getByRole('link', { name: 'acme' }).waitFor();
    await assertAccessible(page, 'the tenants page');
    await screenshot(page, 'tenants');
    await page.getByRole('link', { name: 'acme' }).click();
    await page.getByRole('heading', { name: 'Tenant acme' }).waitFor();
    await page.getByLabel('Client name').fill('entra-prod');
    await page.getByLabel('IdP profile').selectOption('entra');
    await page.getByRole('button', { name: 'Create client' }).click();
    token = (await page.locator('#new-token').textContent()) ?? '';
    assert.match(token, /\S{20,}/);
    await assertAccessible(page, 'a tenant page with a new token');
    await screenshot(page, 'tenant');
    await page.getByRole('button', { name: 'Copy token' }).click();
    await page.getByRole('status').filter({ hasText: 'Token copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), token);
  });

  it('shows the SCIM requests sent with that token in the request log, with normaliser notes and both bodies', async () => {
    const base = `${s.origin}/t/acme/scim/v2`;
    const auth = { authorization: `Bearer ${token}` };
    const created = await send(`${base}/Users`, 'POST', user('ada@acme.example', { active: 'True' }), { ...auth, 'content-type': 'application/scim+json' });
    assert.equal(created.status, 201, created.text);
    const missing = await send(`${base}/Users/nope`, 'GET', undefined, auth);
    assert.equal(missing.status, 404);
    await s.running.services.requestLog.flush();
    await page.goto(`${s.origin}/console#/requests?tenant=acme`);
    const row = page.getByRole('row').filter({ hasText: 'POST /t/acme/scim/v2/Users' });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /booleanStrings/);
    await assertAccessible(page, 'the request log');
    await screenshot(page, 'request-log');
    await page.getByLabel('Method').selectOption('GET');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/method=GET/);
    // The filtered page replaces the rows: the POST goes, the GET stays.
    await page.getByRole('row').filter({ hasText: 'POST /t/acme' }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('row').filter({ hasText: 'GET /t/acme/scim/v2/Users/nope' }).count(), 1);
    await page.goto(`${s.origin}/console#/requests?tenant=acme`);
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: /^Request #\d+$/ }).waitFor();
    assert.match((await page.locator('#notes').textContent()) ?? '', /'active' "True" read as true/);
    assert.match((await page.getByRole('region', { name: 'Request body' }).textContent()) ?? '', /"True"/);
    assert.match((await page.getByRole('region', { name: 'Response body' }).textContent()) ?? '', /ada@acme\.example/);
    await assertAccessible(page, 'a request-log entry');
    await screenshot(page, 'request');
  });

  it('shows the client’s connection health and the users with a SCIM filter, one page at a time', async () => {
    await page.goto(`${s.origin}/console#/tenants/acme/clients/entra-prod`);
    await page.getByRole('heading', { name: 'Connection health' }).waitFor();
    const health = (await page.locator('.card').nth(1).textContent()) ?? '';
    assert.match(health, /2 requests, 1 errors/);
    assert.match(health, /404/);
    assert.match(health, /booleanStrings × 1/);
    await assertAccessible(page, 'a client page');
    await screenshot(page, 'client');
    // Rotation with a grace period: a new token shown once, the old one still works meanwhile.
    await page.getByLabel('Old tokens keep working for').fill('1h');
    await page.getByRole('button', { name: 'Rotate token' }).click();
    const rotated = (await page.locator('#new-token').textContent()) ?? '';
    assert.ok(rotated.length > 20 && rotated !== token, 'a new token');
    for (const t of [token, rotated]) assert.equal((await send(`${s.origin}/t/acme/scim/v2/Users?count=1`, 'GET', undefined, { authorization: `Bearer ${t}` })).status, 200);
    await page.getByRole('heading', { name: 'Connection health' }).waitFor();
    // A normaliser switched off (after a confirmation) and back to its default.
    await page.getByRole('button', { name: 'Switch booleanStrings off' }).click();
    await page.getByRole('row').filter({ hasText: 'switched off for this client' }).waitFor();
    assert.ok(!(await s.running.services.admin.clientView('acme', 'entra-prod')).normalisers.includes('booleanStrings'));
    await page.getByRole('button', { name: 'Restore the default of booleanStrings' }).click();
    await page.getByRole('button', { name: 'Switch booleanStrings off' }).waitFor();
    assert.ok((await s.running.services.admin.clientView('acme', 'entra-prod')).normalisers.includes('booleanStrings'));
    await page.goto(`${s.origin}/console#/tenants/acme/users`);
    // The users page itself, not the page before it (which may have a filter field too).
    await page.getByRole('heading', { name: 'Users of acme' }).waitFor();
    await page.getByLabel('SCIM filter').fill('userName sw "ada"');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('1 found').waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'ada@acme.example' }).count(), 1);
    await page.getByRole('link', { name: 'ada@acme.example' }).click();
    await page.getByRole('heading', { name: 'User ada@acme.example' }).waitFor();
    await assertAccessible(page, 'a user page');
    for (const [hash, heading] of [
      ['#/tenants/acme/tombstones', 'Deleted users of acme'],
      ['#/tenants/acme/webhooks', 'Webhooks of acme'],
      ['#/tenants/acme/events', 'Events of acme'],
      ['#/tenants/acme/groups', 'Groups of acme'],
    ] as const) {
      await page.goto(`${s.origin}/console${hash}`);
      await page.getByRole('heading', { name: heading }).waitFor();
      await assertAccessible(page, heading);
    }
    await page.goto(`${s.origin}/console#/tenants/acme/users`);
    // The users page itself, not the page before it (which may have a filter field too).
    await page.getByRole('heading', { name: 'Users of acme' }).waitFor();
    await page.getByLabel('SCIM filter').fill('userName zz "x"');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('alert').waitFor();
    await assertAccessible(page, 'the users page');
  });

  it('asks before disabling a tenant', async () => {
    let asked = '';
    const confirmOnce = (d: { message(): string; dismiss(): Promise<void> }) => {
      asked = d.message();
      void d.dismiss();
    };
    page.removeAllListeners('dialog');
    page.on('dialog', confirmOnce);
    await page.goto(`${s.origin}/console#/tenants/acme`);
    await page.getByRole('button', { name: 'Disable tenant' }).click();
    assert.match(asked, /Disable tenant acme\?/);
    assert.equal((await s.running.services.admin.tenant('acme')).status, 'active', 'dismissed: nothing changed');
    page.removeAllListeners('dialog');
    page.on('dialog', (d) => void d.accept());
  });

  it('renders on a phone without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
    const p = await phone.newPage();
    await signIn(p, s.origin, ROOT_KEY);
    await assertNoHorizontalScroll(p, 'the tenants page');
    for (const hash of ['#/tenants/acme', '#/requests', '#/tenants/acme/clients/entra-prod', '#/tenants/acme/users', '#/tenants/acme/events', '#/tenants/acme/webhooks']) {
      await p.goto(`${s.origin}/console${hash}`);
      await p.locator('main h1').waitFor();
      await p.waitForLoadState('networkidle');
      await assertNoHorizontalScroll(p, hash);
    }
    await screenshot(p, 'phone');
    await phone.close();
  });

  it('refuses a change made with the session cookie but without the CSRF token (403)', async () => {
    await page.goto(`${s.origin}/console#/tenants`);
    const status = await page.evaluate(`fetch('/admin/v1/tenants', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'forged' }) }).then((r) => r.status)`);
    assert.equal(status, 403);
    await assert.rejects(s.running.services.admin.tenant('forged'));
  });

  it('a key limited to one tenant sees only that tenant', async () => {
    await s.running.services.admin.createTenant('other');
    const key = (await s.running.services.adminKeys.create('acme-only', { tenant: 'acme' })).key;
    const own = await browser.newContext();
    const p = await own.newPage();
    await signIn(p, s.origin, key);
    const names = await p.locator('tbody tr td:first-child').allTextContents();
    assert.deepEqual(names, ['acme']);
    assert.equal(await p.getByLabel('Tenant name').count(), 0, 'no tenant creation with a tenant key');
    await p.goto(`${s.origin}/console#/tenants/other`);
    await p.getByRole('alert').filter({ hasText: "No tenant named 'other'" }).waitFor();
    await own.close();
  });

  it('signs out', async () => {
    await page.goto(`${s.origin}/console#/tenants`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const status = await page.evaluate(`fetch('/admin/v1/tenants').then((r) => r.status)`);
    assert.equal(status, 401);
  });
});

describe('console session idle timeout in a browser', { skip: browserSkip }, () => {
  it('sends the operator back to sign-in once the session has been idle too long', async () => {
    const idleMs = 4_000;
    const s = await startTestServer({ bootstrapAdminKey: ROOT_KEY }, { consoleIdleMs: idleMs });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await signIn(page, s.origin, ROOT_KEY);
      // The one deliberate wait: longer than the idle timeout, with no request meanwhile.
      await delay(idleMs + 1_000);
      await page.getByRole('link', { name: 'Request log' }).click();
      await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    } finally {
      await browser.close();
      await s.close();
    }
  });
});

describe('setup link in a browser', { skip: browserSkip }, () => {
  let s: TestServer;
  let browser: Browser;
  let offsetMs = 0;
  before(async () => {
    s = await startTestServer({ bootstrapAdminKey: ROOT_KEY }, { now: () => new Date(Date.now() + offsetMs) });
    await s.running.services.admin.createTenant('contoso');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  const createLink = async (body: unknown = {}): Promise<string> => {
    const r = await send(`${s.origin}/admin/v1/tenants/contoso/setup-links`, 'POST', body, { authorization: `Bearer ${ROOT_KEY}`, 'content-type': 'application/json' });
    assert.equal(r.status, 201, r.text);
    return r.body.url;
  };

  it('goes from the link to a green Test connection after an Entra-style first contact, by keyboard', async () => {
    const url = await createLink();
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    // Generous: the browser shares two cores with the rest of the suite.
    page.setDefaultTimeout(30_000);
    await page.goto(url);
    await page.getByText('connects your identity provider to contoso').waitFor();
    await assertAccessible(page, 'the setup page');
    await screenshot(page, 'setup-choose');
    // Google: a notice, and no client.
    await page.getByLabel('Google Workspace').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'Google Workspace is not supported' }).waitFor();
    assert.equal((await s.running.services.admin.clientViews('contoso')).length, 0);
    // Entra, by keyboard: focus its radio button, Space, Enter.
    await page.getByLabel('Microsoft Entra ID').focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Enter');
    const token = (await page.locator('#token').textContent()) ?? '';
    const scimUrl = (await page.locator('#scim-url').textContent()) ?? '';
    assert.match(token, /\S{20,}/);
    assert.equal(scimUrl, `${s.origin}/t/contoso/scim/v2`);
    const steps = (await page.locator('#steps-list').textContent()) ?? '';
    for (const field of ['Tenant URL', 'Secret Token', 'Test Connection', 'Provisioning Mode']) assert.ok(steps.includes(field), `Entra's steps name ${field}`);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Waiting for the first request').waitFor();
    // Entra's first contact: a probe by filter, then the user.
    const scim = (method: string, path: string, body?: unknown) => send(`${scimUrl}${path}`, method, body, { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' });
    const probe = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "adele@contoso.example"')}`);
    assert.equal(probe.status, 200);
    const created = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      externalId: 'adele',
      userName: 'adele@contoso.example',
      active: true,
      displayName: 'Adele Vance',
      emails: [{ primary: true, type: 'work', value: 'adele@contoso.example' }],
      name: { formatted: 'Adele Vance', familyName: 'Vance', givenName: 'Adele' },
    });
    assert.equal(created.status, 201, created.text);
    await page.locator('#verdict.ok').filter({ hasText: 'Connected' }).waitFor();
    const arrivals = await page.locator('#arrivals li').allTextContents();
    assert.equal(arrivals.length, 2);
    assert.match(arrivals[0]!, /GET \/t\/contoso\/scim\/v2\/Users\?filter=.* → 200/);
    assert.match(arrivals[1]!, /POST \/t\/contoso\/scim\/v2\/Users → 201/);
    await assertAccessible(page, 'the setup page after a test');
    await screenshot(page, 'setup-connected');
    // A failure turns it red, with the detail and the fix.
    assert.equal((await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'adele@contoso.example' })).status, 409);
    await page.locator('#verdict.bad').waitFor();
    assert.match((await page.locator('#arrivals li').last().textContent()) ?? '', /Fix: .*userName/);
    await context.close();
  });

  it('an expired link shows a clear page', async () => {
    const url = await createLink({ expiresIn: '1h' });
    offsetMs = 2 * 3_600_000;
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const answer = await page.goto(url);
      assert.equal(answer?.status(), 410);
      await page.getByRole('heading', { name: 'This setup link has expired' }).waitFor();
      await assertAccessible(page, 'the expired-link page');
      await screenshot(page, 'setup-expired');
      await context.close();
    } finally {
      offsetMs = 0;
    }
  });

  it('renders on a phone without sideways scrolling', async () => {
    const url = await createLink();
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
    const page = await phone.newPage();
    await page.goto(url);
    await page.getByLabel('Okta').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#token').waitFor();
    assert.match((await page.locator('#steps-list').textContent()) ?? '', /SCIM connector base URL.*Unique identifier field for users.*Authentication Mode.*HTTP Header/s);
    await assertNoHorizontalScroll(page, 'the setup page on a phone');
    await phone.close();
  });
});
