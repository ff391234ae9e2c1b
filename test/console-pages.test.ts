/**
 * Console pages over long lists and one user, in a real browser (Debian's Chromium through
 * playwright-core): tombstones and tenants page server-side (Next/Previous, never all rows in one
 * request); a user's page shows its invitation state with Resend (after a confirmation), its
 * groups, roles and, once deleted, a restore link; a request-log entry shows what the normalisers
 * changed as a before/after diff. axe-core on each page, and a phone-sized viewport.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, assertNoHorizontalScroll, browserSkip, launchBrowser, screenshot } from './helpers/browser.ts';
import { eventually } from './helpers/eventually.ts';
import { group, send, startTestServer, user, type TestServer } from './helpers/server.ts';

const ROOT_KEY = 'console_pages_key_0123456789abcdefghijklmnopqrstuvwxyz';

async function signIn(page: Page, origin: string, key: string): Promise<void> {
  await page.goto(`${origin}/console`);
  await page.getByLabel('Admin key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Tenants' }).waitFor();
}

describe('console pages in a browser', { skip: browserSkip }, () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every admin API request the console made (path and query). */
  const calls: string[] = [];
  let danaId = '';

  before(async () => {
    s = await startTestServer({ bootstrapAdminKey: ROOT_KEY });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('dialog', (d) => void d.accept());
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/admin/v1/')) calls.push(`${r.method()} ${u.pathname}${u.search}`);
    });
    await signIn(page, s.origin, ROOT_KEY);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it('pages the deleted users 25 at a time with Next and Previous, and restores one after a confirmation', async () => {
    await s.running.services.admin.createTenant('gone');
    const tenant = (await s.running.store.tenantByName('gone'))!;
    const base = Date.parse('2026-03-01T00:00:00Z');
    for (let i = 0; i < 60; i++) {
      await s.running.store.putTombstone(tenant.id, {
        id: `id-${String(i).padStart(3, '0')}`,
        type: 'User',
        data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `gone${String(i).padStart(3, '0')}@gone.example` },
        created: new Date(base).toISOString(),
        deletedAt: new Date(base + i * 60_000).toISOString(),
        version: 1,
      });
    }
    const names = () => page.locator('tbody tr td:first-child').allTextContents();
    calls.length = 0;
    await page.goto(`${s.origin}/console#/tenants/gone/tombstones`);
    await page.getByRole('heading', { name: 'Deleted users of gone' }).waitFor();
    await page.getByRole('cell', { name: 'gone059@gone.example', exact: true }).waitFor();
    const first = await names();
    assert.equal(first.length, 25);
    assert.equal(first[0], 'gone059@gone.example', 'newest first');
    assert.equal(await page.getByRole('link', { name: '← Previous page' }).count(), 0, 'no previous page on the newest');
    await assertAccessible(page, 'the deleted users page');
    await screenshot(page, 'tombstones');
    await page.getByRole('link', { name: 'Next page →' }).click();
    await page.getByRole('cell', { name: 'gone034@gone.example', exact: true }).waitFor();
    const second = await names();
    assert.deepEqual([second.length, second[0], second[24]], [25, 'gone034@gone.example', 'gone010@gone.example']);
    await page.getByRole('link', { name: 'Next page →' }).click();
    await page.getByRole('cell', { name: 'gone009@gone.example', exact: true }).waitFor();
    assert.equal((await names()).length, 10);
    assert.equal(await page.getByRole('link', { name: 'Next page →' }).count(), 0, 'no next page on the oldest');
    await page.getByRole('link', { name: '← Previous page' }).click();
    await page.getByRole('cell', { name: 'gone034@gone.example', exact: true }).waitFor();
    assert.deepEqual(await names(), second);
    // Every listing the console asked for was one page.
    const listings = calls.filter((c) => c.startsWith('GET /admin/v1/tenants/gone/tombstones'));
    assert.ok(listings.length >= 4);
    assert.ok(listings.every((c) => /[?&]limit=25\b/.test(c)), listings.join('\n'));
    // Restore asks first, then the user is back.
    let asked = '';
    page.removeAllListeners('dialog');
    page.on('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await page.getByRole('button', { name: 'Restore gone020@gone.example' }).click();
    await page.getByRole('status').filter({ hasText: 'Restored' }).waitFor();
    assert.match(asked, /Restore gone020@gone\.example\?/);
    assert.equal((await s.running.store.tombstone(tenant.id, 'id-020')), undefined);
    assert.ok(await s.running.store.getResource(tenant.id, 'User', 'id-020'));
    page.removeAllListeners('dialog');
    page.on('dialog', (d) => void d.accept());
  });

  it('pages the tenants 25 at a time by name with Next and Previous', async () => {
    for (let i = 0; i < 55; i++) await s.running.services.admin.createTenant(`p-${String((i * 13) % 55).padStart(3, '0')}`);
    const all = (await s.running.store.listTenants()).map((t) => t.name).sort();
    const names = () => page.locator('tbody tr td:first-child').allTextContents();
    calls.length = 0;
    await page.goto(`${s.origin}/console#/tenants`);
    await page.getByRole('link', { name: all[0], exact: true }).waitFor();
    assert.deepEqual(await names(), all.slice(0, 25));
    assert.equal(await page.getByRole('link', { name: '← Previous page' }).count(), 0);
    await assertAccessible(page, 'the tenants page with paging');
    await page.getByRole('link', { name: 'Next page →' }).click();
    await page.getByRole('link', { name: all[25], exact: true }).waitFor();
    assert.deepEqual(await names(), all.slice(25, 50));
    await page.getByRole('link', { name: 'Next page →' }).click();
    await page.getByRole('link', { name: all[50], exact: true }).waitFor();
    assert.deepEqual(await names(), all.slice(50));
    assert.equal(await page.getByRole('link', { name: 'Next page →' }).count(), 0, 'the last page');
    await page.getByRole('link', { name: '← Previous page' }).click();
    await page.getByRole('link', { name: all[25], exact: true }).waitFor();
    assert.deepEqual(await names(), all.slice(25, 50));
    await page.getByRole('link', { name: '← Previous page' }).click();
    await page.getByRole('link', { name: all[0], exact: true }).waitFor();
    assert.deepEqual(await names(), all.slice(0, 25));
    assert.equal(await page.getByRole('link', { name: '← Previous page' }).count(), 0, 'back at the first page');
    // The tenant list was asked for a page at a time, and details only for the tenants shown.
    const lists = calls.filter((c) => /^GET \/admin\/v1\/tenants(\?|$)/.test(c));
    assert.ok(lists.length >= 5 && lists.every((c) => /[?&]limit=26\b/.test(c)), lists.join('\n'));
    const details = calls.filter((c) => /^GET \/admin\/v1\/tenants\/[^/?]+$/.test(c));
    assert.equal(details.length, 25 * 4 + 7, 'the counts of the tenants shown, no others');
  });

  it("shows a user's invitation with Resend (after a confirmation), groups, roles, and a restore once deleted", async () => {
    const t = await s.scimTenant('inv', { 'externalId.mode': 'email', 'deprovision.delete': 'tombstone' });
    await s.running.services.tenantAdmin.addRole('inv', 'reviewer', 'userName sw "dana"');
    const u = await t.request('POST', '/Users', user('dana', { externalId: 'dana@inv.example', active: true, roles: [{ value: 'Editor' }] }));
    assert.equal(u.status, 201, u.text);
    danaId = u.body.id;
    const g = await t.request('POST', '/Groups', group('Sales', { members: [{ value: u.body.id }] }));
    assert.equal(g.status, 201, g.text);
    await page.goto(`${s.origin}/console#/tenants/inv/users/${u.body.id}`);
    await page.getByRole('heading', { name: 'User dana' }).waitFor();
    const invitation = page.locator('#invitation');
    assert.match((await invitation.textContent()) ?? '', /pending: not accepted yet.*Sent todana@inv\.example.*waiting to be sent.*Link expires/s);
    assert.equal(await page.locator('#user-groups').getByRole('link', { name: 'Sales' }).getAttribute('href'), `#/tenants/inv/groups/${g.body.id}`);
    assert.equal(await page.locator('#user-roles').textContent(), 'Editor');
    assert.equal(await page.locator('#user-app-roles').textContent(), 'reviewer');
    await assertAccessible(page, 'a user page with its invitation');
    await screenshot(page, 'user');
    // Resend asks first; dismissed, nothing is queued; accepted, a second mail is.
    const mails = async () => (await s.running.services.tenantAdmin.listMail('inv', false, 10)).length;
    assert.equal(await mails(), 1);
    let asked = '';
    page.removeAllListeners('dialog');
    page.once('dialog', (d) => {
      asked = d.message();
      void d.dismiss();
    });
    await page.getByRole('button', { name: 'Resend invitation' }).click();
    await eventually(() => asked !== '', { what: 'the confirmation' });
    assert.match(asked, /Send dana a new invitation at dana@inv\.example\? The links sent before stop working\./);
    assert.equal(await mails(), 1, 'dismissed: nothing sent');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Resend invitation' }).click();
    await page.getByRole('status').filter({ hasText: 'Invitation sent again' }).waitFor();
    assert.equal(await mails(), 2);
    page.on('dialog', (d) => void d.accept());

    // Deleted (kept as a tombstone): the same address says so and restores it.
    assert.equal((await t.request('DELETE', `/Users/${u.body.id}`)).status, 204);
    await page.goto(`${s.origin}/console#/tenants/inv`);
    await page.getByRole('heading', { name: 'Tenant inv' }).waitFor();
    await page.goto(`${s.origin}/console#/tenants/inv/users/${u.body.id}`);
    await page.getByRole('heading', { name: 'Deleted user dana' }).waitFor();
    await assertAccessible(page, 'a deleted user page');
    await page.getByRole('button', { name: 'Restore dana' }).click();
    await page.getByRole('heading', { name: 'User dana' }).waitFor();
    assert.equal((await t.request('GET', `/Users/${u.body.id}`)).status, 200);
  });

  let entryId = 0;
  it('shows what the normalisers changed in a request body as a before/after line diff', async () => {
    await s.running.services.admin.createTenant('diff');
    const token = (await s.running.services.admin.createClient('diff', 'entra', { idp: 'entra' })).token;
    const r = await send(`${s.origin}/t/diff/scim/v2/Users`, 'POST', user('erin@diff.example', { active: 'True', displayName: 'Erin' }), { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' });
    assert.equal(r.status, 201, r.text);
    await s.running.services.requestLog.flush();
    entryId = (await s.running.services.requestLog.entries({ limit: 1, method: 'POST' }))[0]!.id!;
    await page.goto(`${s.origin}/console#/requests/${entryId}`);
    await page.getByRole('heading', { name: 'Body before and after the normalisers' }).waitFor();
    assert.deepEqual(await page.locator('#diff .del').allTextContents(), ['−   "active": "True",']);
    assert.deepEqual(await page.locator('#diff .ins').allTextContents(), ['+   "active": true,']);
    assert.ok((await page.locator('#diff .same').allTextContents()).some((l) => l.includes('"userName": "erin@diff.example"')));
    await assertAccessible(page, 'a request-log entry with a diff');
    await screenshot(page, 'request-diff');
    // An entry the normalisers left alone has no diff.
    await send(`${s.origin}/t/diff/scim/v2/Users/${r.body.id}`, 'GET', undefined, { authorization: `Bearer ${token}` });
    await s.running.services.requestLog.flush();
    const plain = (await s.running.services.requestLog.entries({ limit: 1, method: 'GET' }))[0]!.id!;
    await page.goto(`${s.origin}/console#/requests/${plain}`);
    await page.getByRole('heading', { name: `Request #${plain}` }).waitFor();
    assert.equal(await page.locator('#diff').count(), 0);
  });

  it('renders the paged pages on a phone without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
    const p = await phone.newPage();
    await signIn(p, s.origin, ROOT_KEY);
    for (const hash of ['#/tenants/gone/tombstones', '#/tenants?after=p-020', '#/tenants/inv/users', `#/tenants/inv/users/${danaId}`, `#/requests/${entryId}`]) {
      await p.goto(`${s.origin}/console${hash}`);
      await p.locator('main h1').waitFor();
      await p.waitForLoadState('networkidle');
      await assertNoHorizontalScroll(p, hash);
    }
    await phone.close();
  });
});
