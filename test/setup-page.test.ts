/**
 * The setup page's "Test connection" sees an IdP that cannot authenticate: requests refused with
 * 401 at the tenant's SCIM URL (no token, a wrong one, another tenant's) come in as red lines with
 * the fix, beside the link's client's own requests. Refusals at another tenant's URL, and those
 * from before the link's client was minted, do not. Over real HTTP (the page's JSON endpoint) and
 * in a real browser (Debian's Chromium).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertAccessible, browserSkip, launchBrowser } from './helpers/browser.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { send, startTestServer, type TestServer } from './helpers/server.ts';

const ROOT_KEY = 'setup_page_key_0123456789abcdefghijklmnopqrstuvwxyz';
const WRONG = 'scimd_not-a-token-this-server-ever-issued-0000000000000000';

interface Arrival {
  id: number;
  method: string;
  path: string;
  status: number;
  ok: boolean;
  detail: string | null;
  hint: string | null;
}

for (const backend of ['sqlite', 'postgres'] as const) describe(`setup page: refused requests at the tenant URL (${backend})`, () => {
  let s: TestServer;
  let db: TestDatabase | undefined;
  let otherToken = '';
  before(async () => {
    if (backend === 'postgres') db = await freshDatabase('setup-page');
    s = await startTestServer({ bootstrapAdminKey: ROOT_KEY, ...(db ? { databaseUrl: db.url } : {}) });
    await s.running.services.admin.createTenant('contoso');
    otherToken = await s.tenant('fabrikam');
  });
  after(async () => {
    await s?.close();
    await db?.drop();
  });

  const createLink = async (): Promise<string> => {
    const r = await send(`${s.origin}/admin/v1/tenants/contoso/setup-links`, 'POST', {}, { authorization: `Bearer ${ROOT_KEY}`, 'content-type': 'application/json' });
    assert.equal(r.status, 201, r.text);
    return r.body.url;
  };
  const scim = (tenant: string, path: string, token?: string) => send(`${s.origin}/t/${tenant}/scim/v2${path}`, 'GET', undefined, token === undefined ? {} : { authorization: `Bearer ${token}` });

  it('shows 401s with the fix for a token not pasted, a wrong one and another tenant’s; not other tenants’ refusals, nor earlier ones', async () => {
    const url = await createLink();
    // Before the page minted its client: not this link's business.
    assert.equal((await scim('contoso', '/Users?early=1')).status, 401);
    const minted = await send(`${url}/client`, 'POST', { idp: 'entra' }, { 'content-type': 'application/json' });
    assert.equal(minted.status, 201, minted.text);
    assert.equal((await scim('contoso', '/Users?count=1')).status, 401);
    assert.equal((await scim('contoso', '/Users?count=2', WRONG)).status, 401);
    assert.equal((await scim('contoso', '/Users?count=3', otherToken)).status, 401);
    assert.equal((await scim('fabrikam', '/Users?count=4')).status, 401, "another tenant's refusal");
    assert.equal((await scim('contoso', '/Users?count=5', minted.body.token)).status, 200);
    const r = await send(`${url}/requests?after=0`, 'GET');
    assert.equal(r.status, 200, r.text);
    const got = r.body.requests as Arrival[];
    assert.deepEqual(
      got.map((a) => [a.path, a.status, a.ok]),
      [
        ['/t/contoso/scim/v2/Users?count=1', 401, false],
        ['/t/contoso/scim/v2/Users?count=2', 401, false],
        ['/t/contoso/scim/v2/Users?count=3', 401, false],
        ['/t/contoso/scim/v2/Users?count=5', 200, true],
      ],
    );
    assert.match(got[0]!.detail!, /Authentication required/);
    assert.match(got[0]!.hint!, /the token was not pasted/);
    assert.match(got[1]!.hint!, /The token is wrong/);
    assert.match(got[2]!.hint!, /another tenant/);
    assert.equal(got[3]!.hint, null);
    // Ids ascend, and after= the last one gives nothing more.
    assert.deepEqual(
      got.map((a) => a.id),
      [...got.map((a) => a.id)].sort((a, b) => a - b),
    );
    const more = await send(`${url}/requests?after=${got[3]!.id}`, 'GET');
    assert.deepEqual(more.body.requests, []);
  });

  it('a tenant whose name has LIKE wildcards sees only its own refusals', async () => {
    await s.running.services.admin.createTenant('a_b');
    await s.running.services.admin.createTenant('axb');
    const r = await send(`${s.origin}/admin/v1/tenants/a_b/setup-links`, 'POST', {}, { authorization: `Bearer ${ROOT_KEY}`, 'content-type': 'application/json' });
    const url = r.body.url as string;
    assert.equal((await send(`${url}/client`, 'POST', { idp: 'okta' }, { 'content-type': 'application/json' })).status, 201);
    assert.equal((await scim('axb', '/Users')).status, 401);
    assert.equal((await scim('a_b', '/Users')).status, 401);
    const got = (await send(`${url}/requests?after=0`, 'GET')).body.requests as Arrival[];
    assert.deepEqual(
      got.map((a) => a.path),
      ['/t/a_b/scim/v2/Users'],
    );
  });

  describe('in a browser', { skip: browserSkip ?? (backend === 'postgres' ? 'the browser part runs once, on SQLite' : undefined) }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchBrowser();
    });
    after(() => browser?.close());

    it('Test connection shows red lines with the fix while the IdP has no valid token, then green', async () => {
      const url = await createLink();
      const page = await (await browser.newContext()).newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(url);
      await page.getByLabel('Microsoft Entra ID').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      const token = (await page.locator('#token').textContent()) ?? '';
      await page.getByRole('button', { name: 'Test connection' }).click();
      await page.getByText('Waiting for the first request').waitFor();
      assert.equal((await scim('contoso', '/Users?startIndex=2')).status, 401);
      await page.locator('#arrivals li').first().waitFor();
      const first = page.locator('#arrivals li').first();
      assert.match((await first.textContent()) ?? '', /✘ GET \/t\/contoso\/scim\/v2\/Users\?startIndex=2 → 401.*Fix: No token arrived: the token was not pasted/s);
      assert.equal(await first.locator('span.bad').count(), 1, 'a red line');
      await page.locator('#verdict.bad').waitFor();
      assert.equal((await scim('contoso', '/Users?startIndex=3', WRONG)).status, 401);
      await page.locator('#arrivals li').nth(1).waitFor();
      assert.match((await page.locator('#arrivals li').nth(1).textContent()) ?? '', /→ 401.*Fix: The token is wrong/s);
      await assertAccessible(page, 'the setup page with refused requests');
      assert.equal((await scim('contoso', '/Users?startIndex=1', token)).status, 200);
      await page.locator('#verdict.ok').filter({ hasText: 'Connected' }).waitFor();
      assert.equal(await page.locator('#arrivals li').count(), 3);
    });
  });
});
