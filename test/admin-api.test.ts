/**
 * The admin API over real HTTP, on SQLite and on PostgreSQL: every route, admin keys for every
 * tenant and for one (404 for the others), revoked and unknown keys, problem details, and a key
 * that never shows in the process log, the request log, the database or the metrics.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { group, patch, send, startTestServer, user, type Reply, type TestServer } from './helpers/server.ts';

const ROOT_KEY = 'root_admin_key_0123456789abcdefghijklmnopqrstuvwxyz';
const PROBLEM = /^application\/problem\+json/;

interface Admin {
  (method: string, path: string, body?: unknown, key?: string | null): Promise<Reply>;
}

function adminClient(s: TestServer): Admin {
  return (method, path, body, key = ROOT_KEY) =>
    send(`${s.origin}/admin/v1${path}`, method, body === undefined ? undefined : body, {
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    });
}

function assertProblem(r: Reply, status: number, type: string, detail?: RegExp): void {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') ?? '', PROBLEM);
  assert.equal(r.body.type, `urn:scimd:problem:${type}`);
  assert.equal(r.body.status, status);
  assert.equal(typeof r.body.title, 'string');
  assert.equal(r.body.requestId, r.headers.get('x-request-id'));
  if (detail) assert.match(r.body.detail, detail);
}

/** Every text value of every table of the database, as one string. */
async function databaseText(s: TestServer, db: TestDatabase | undefined): Promise<string> {
  if (!db) {
    await s.running.services.requestLog.flush();
    return readdirSync(s.dataDir)
      .filter((f) => f.startsWith('scimd.db'))
      .map((f) => readFileSync(join(s.dataDir, f)).toString('latin1'))
      .join('\n');
  }
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const tables = (await c.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'")).rows.map((r) => r.t);
    const parts: string[] = [];
    for (const t of tables) for (const row of (await c.query(`SELECT t::text AS v FROM "${t}" t`)).rows as { v: string }[]) parts.push(row.v);
    return parts.join('\n');
  } finally {
    await c.end();
  }
}

function suite(backend: 'sqlite' | 'postgres'): void {
  describe(`admin API (${backend})`, () => {
    let db: TestDatabase | undefined;
    let s: TestServer;
    let admin: Admin;
    const lines: string[] = [];
    /** Keys minted during the suite: none may be stored or logged. */
    const secrets: string[] = [ROOT_KEY];

    before(async () => {
      if (backend === 'postgres') db = await freshDatabase('admin-api');
      const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
      s = await startTestServer({ bootstrapAdminKey: ROOT_KEY, ...(db ? { databaseUrl: db.url } : {}) }, { logger });
      admin = adminClient(s);
    });
    after(async () => {
      await s.close();
      await db?.drop();
    });

    it('SCIMD_BOOTSTRAP_ADMIN_KEY is a key for every tenant; no key, a wrong key or a malformed header is 401 with problem details', async () => {
      assert.equal(s.running.bootstrap.adminKeyCreated, true);
      const list = await admin('GET', '/tenants');
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.map((t: { name: string }) => t.name),
        ['default'],
      );
      assertProblem(await admin('GET', '/tenants', undefined, null), 401, 'unauthorized', /Authorization: Bearer/);
      assertProblem(await admin('GET', '/tenants', undefined, 'scimd_admin_wrongwrongwrongwrongwrongwrongwrongwrong'), 401, 'unauthorized', /not valid/);
      const basic = await send(`${s.origin}/admin/v1/tenants`, 'GET', undefined, { authorization: 'Basic dXNlcjpwYXNz' });
      assertProblem(basic, 401, 'unauthorized');
      assert.match(basic.headers.get('www-authenticate') ?? '', /^Bearer/);
      // A SCIM token is not an admin key, and an admin key is not a SCIM token.
      assertProblem(await admin('GET', '/tenants', undefined, s.token), 401, 'unauthorized');
      assert.equal((await s.request('GET', '/Users', undefined, { authorization: `Bearer ${ROOT_KEY}` })).status, 401);
      assert.equal(list.headers.get('cache-control'), 'no-store');
    });

    it('tenants: create (with settings), list, show with counts and every setting, change settings and status', async () => {
      const created = await admin('POST', '/tenants', { name: 'acme', settings: { 'userName.policy': 'handle' } });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers.get('location'), '/admin/v1/tenants/acme');
      assert.equal(created.body.name, 'acme');
      assert.equal(created.body.settings['userName.policy'], 'handle');
      assert.equal(created.body.settings['userName.scope'], 'tenant', 'settings left alone show their default');
      assert.ok(created.body.defaults.includes('userName.scope'));
      assert.ok(!created.body.defaults.includes('userName.policy'));
      const info = created.body.settingsInfo.find((x: { key: string }) => x.key === 'userName.policy');
      assert.deepEqual({ value: info.value, default: info.default, isDefault: info.isDefault, allowed: info.allowed }, { value: 'handle', default: 'rfc', isDefault: false, allowed: ['rfc', 'handle'] });
      assert.equal(created.body.scimEndpoint, `${s.origin}/t/acme/scim/v2`);

      assertProblem(await admin('POST', '/tenants', { name: 'acme' }), 409, 'conflict', /already exists/);
      assertProblem(await admin('POST', '/tenants', { name: 'Bad Name' }), 400, 'invalid-request', /not valid/);
      assertProblem(await admin('POST', '/tenants', { name: 'x', bogus: 1 }), 400, 'invalid-request', /unknown field 'bogus'/);
      assertProblem(await admin('POST', '/tenants', {}), 400, 'invalid-request', /'name' is required/);
      assertProblem(await admin('POST', '/tenants', { name: 'y', settings: { 'userName.policy': 'nope' } }), 400, 'invalid-request');
      assertProblem(await admin('GET', '/tenants/y'), 404, 'not-found', /No tenant named 'y'/);
      const notJson = await send(`${s.origin}/admin/v1/tenants`, 'POST', '{"name":', { authorization: `Bearer ${ROOT_KEY}`, 'content-type': 'application/json' });
      assertProblem(notJson, 400, 'invalid-request', /not valid JSON/);

      const changed = await admin('PATCH', '/tenants/acme', { settings: { 'userName.policy': null, 'invitation.ttl': '2d' } });
      assert.equal(changed.status, 200, changed.text);
      assert.equal(changed.body.settings['userName.policy'], 'rfc');
      assert.equal(changed.body.settings['invitation.ttl'], '2d');
      // All or nothing: one refused setting leaves the others unapplied.
      assertProblem(await admin('PATCH', '/tenants/acme', { settings: { 'invitation.ttl': '3d', 'emails.validate': 'maybe' } }), 400, 'invalid-request', /emails\.validate/);
      assert.equal((await admin('GET', '/tenants/acme')).body.settings['invitation.ttl'], '2d');
      assertProblem(await admin('PATCH', '/tenants/acme', {}), 400, 'invalid-request');
      assertProblem(await admin('PATCH', '/tenants/acme', { status: 'paused' }), 400, 'invalid-request');

      const client = await admin('POST', '/tenants/acme/clients', { name: 'okta' });
      const scim = (method: string, path: string, body?: unknown) => send(`${s.origin}/t/acme/scim/v2${path}`, method, body, { authorization: `Bearer ${client.body.token}` });
      assert.equal((await scim('POST', '/Users', user('ann'))).status, 201);
      const disabled = await admin('PATCH', '/tenants/acme', { status: 'disabled' });
      assert.equal(disabled.body.status, 'disabled');
      assert.equal((await scim('GET', '/Users')).status, 403);
      assert.equal((await admin('PATCH', '/tenants/acme', { status: 'active' })).body.status, 'active');
      assert.equal((await scim('GET', '/Users')).status, 200);
      const shown = await admin('GET', '/tenants/acme');
      assert.deepEqual({ users: shown.body.users, groups: shown.body.groups, clients: shown.body.clients }, { users: 1, groups: 0, clients: 1 });
    });

    it('clients and tokens: create (token once), show, pin the IdP, switch normalisers and rate limit, rotate with grace, revoke', async () => {
      const created = await admin('POST', '/tenants/acme/clients', { name: 'entra', idp: 'entra', expiresIn: '90d' });
      assert.equal(created.status, 201, created.text);
      assert.match(created.body.token, /^scimd_/);
      assert.ok(created.body.expiresAt);
      assert.equal(created.body.scimEndpoint, `${s.origin}/t/acme/scim/v2`);
      const token = created.body.token as string;
      const scim = (t: string) => send(`${s.origin}/t/acme/scim/v2/Users`, 'GET', undefined, { authorization: `Bearer ${t}` });
      assert.equal((await scim(token)).status, 200);

      const shown = await admin('GET', '/tenants/acme/clients/entra');
      assert.equal(shown.status, 200);
      assert.equal(shown.body.profile, 'entra');
      assert.equal(shown.body.profileSource, 'pinned');
      assert.equal(shown.body.liveTokens, 1);
      assert.ok(!JSON.stringify(shown.body).includes(token), 'the secret is never shown again');
      assert.ok(shown.body.tokens.every((t: Record<string, unknown>) => !('hash' in t)));
      assertProblem(await admin('POST', '/tenants/acme/clients', { name: 'entra' }), 409, 'conflict');
      assertProblem(await admin('POST', '/tenants/acme/clients', { name: 'x', expiresIn: 'soon' }), 400, 'invalid-request', /duration/);
      assertProblem(await admin('POST', '/tenants/acme/clients', { name: 'x', idp: 'myidp' }), 400, 'invalid-request');
      assertProblem(await admin('GET', '/tenants/acme/clients/nope'), 404, 'not-found');

      const updated = await admin('PATCH', '/tenants/acme/clients/entra', { idp: 'auto', settings: { 'normaliser.opCase': 'off', rateLimit: '50' } });
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.body.profileSource, 'default');
      assert.equal(updated.body.settings['normaliser.opCase'], 'off');
      assert.equal(updated.body.settings.rateLimit, '50');
      assert.ok(!updated.body.normalisers.includes('opCase'));
      assertProblem(await admin('PATCH', '/tenants/acme/clients/entra', { settings: { 'normaliser.nope': 'on', rateLimit: '60' } }), 400, 'invalid-request');
      assert.equal((await admin('GET', '/tenants/acme/clients/entra')).body.settings.rateLimit, '50', 'nothing applied');
      const list = await admin('GET', '/tenants/acme/clients');
      assert.deepEqual(list.body.map((c: { name: string }) => c.name).sort(), ['entra', 'okta']);

      const rotated = await admin('POST', '/tenants/acme/clients/entra/tokens', { grace: '1h' });
      assert.equal(rotated.status, 201, rotated.text);
      assert.notEqual(rotated.body.token, token);
      assert.equal((await scim(token)).status, 200, 'the old token works during the grace period');
      assert.equal((await scim(rotated.body.token)).status, 200);
      const tokens = await admin('GET', '/tenants/acme/clients/entra/tokens');
      assert.equal(tokens.body.length, 2);
      const noGrace = await admin('POST', '/tenants/acme/clients/entra/tokens', {});
      assert.equal(noGrace.status, 201);
      assert.equal((await scim(rotated.body.token)).status, 401, 'without grace older tokens stop at once');
      secrets.push(token, rotated.body.token, noGrace.body.token);

      const revoked = await admin('DELETE', '/tenants/acme/clients/entra');
      assert.equal(revoked.status, 200);
      assert.ok(revoked.body.revokedAt);
      assert.equal((await scim(noGrace.body.token)).status, 401);
      assertProblem(await admin('POST', '/tenants/acme/clients/entra/tokens', {}), 409, 'conflict', /revoked/);
    });

    it('users and groups: SCIM filters, sorting, paging, projection, one resource with its ETag', async () => {
      const t = await s.scimTenant('dir');
      const ids: string[] = [];
      for (const name of ['carol', 'alice', 'bob']) ids.push((await t.request('POST', '/Users', user(name, { name: { givenName: name.toUpperCase() }, emails: [{ value: `${name}@example.com`, primary: true }] }))).body.id);
      const g = await t.request('POST', '/Groups', group('staff', { members: [{ value: ids[0] }] }));
      assert.equal(g.status, 201);
      await t.request('PATCH', `/Groups/${g.body.id}`, patch({ op: 'add', path: 'members', value: [{ value: ids[1] }] }));

      const all = await admin('GET', '/tenants/dir/users?sortBy=userName&count=2');
      assert.equal(all.status, 200, all.text);
      assert.equal(all.body.totalResults, 3);
      assert.deepEqual(
        all.body.Resources.map((u: { userName: string }) => u.userName),
        ['alice', 'bob'],
      );
      const page2 = await admin('GET', '/tenants/dir/users?sortBy=userName&count=2&startIndex=3');
      assert.deepEqual(
        page2.body.Resources.map((u: { userName: string }) => u.userName),
        ['carol'],
      );
      const filtered = await admin('GET', `/tenants/dir/users?filter=${encodeURIComponent('emails.value ew "@example.com" and userName sw "b"')}&attributes=userName`);
      assert.equal(filtered.body.totalResults, 1);
      assert.deepEqual(Object.keys(filtered.body.Resources[0]).sort(), ['id', 'schemas', 'userName']);
      assertProblem(await admin('GET', `/tenants/dir/users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalid-filter');
      assertProblem(await admin('GET', '/tenants/dir/users?count=many'), 400, 'invalid-request');
      assertProblem(await admin('GET', '/tenants/dir/users?colour=blue'), 400, 'invalid-request', /unknown field 'colour'/);

      const one = await admin('GET', `/tenants/dir/users/${ids[0]}?excludedAttributes=emails`);
      assert.equal(one.status, 200);
      assert.equal(one.body.userName, 'carol');
      assert.equal(one.body.emails, undefined);
      assert.ok(one.headers.get('etag'));
      assert.equal(one.body.meta.location, `${s.origin}/t/dir/scim/v2/Users/${ids[0]}`);
      assertProblem(await admin('GET', '/tenants/dir/users/00000000-0000-0000-0000-000000000000'), 404, 'not-found');

      const groups = await admin('GET', '/tenants/dir/groups?filter=displayName%20eq%20%22staff%22');
      assert.equal(groups.body.totalResults, 1);
      assert.deepEqual(groups.body.Resources[0].members.map((m: { value: string }) => m.value).sort(), [ids[0], ids[1]].sort());
      const oneGroup = await admin('GET', `/tenants/dir/groups/${g.body.id}?attributes=displayName`);
      assert.deepEqual(Object.keys(oneGroup.body).sort(), ['displayName', 'id', 'schemas']);
      // The admin's reads are not provisioning requests: the request log holds none of them.
      await s.running.services.requestLog.flush();
      const log = await admin('GET', '/requests?tenant=dir&limit=1000');
      assert.ok(log.body.every((e: { path: string }) => !e.path.startsWith('/admin')));
    });

    it('the request log: filters by tenant, client, status, time; one entry with redacted bodies; paging with before', async () => {
      const t = await s.scimTenant('logs');
      assert.equal((await t.request('POST', '/Users', user('dana', { password: 'Secret-Passw0rd!' }))).status, 201);
      assert.equal((await t.request('GET', '/Users/nope')).status, 404);
      assert.equal((await t.request('POST', '/Users', user('dana'))).status, 409);
      await s.running.services.requestLog.flush();
      const all = await admin('GET', '/requests?tenant=logs');
      assert.equal(all.status, 200, all.text);
      assert.equal(all.body.length, 3);
      assert.ok(all.body.every((e: Record<string, unknown>) => e.requestBody === undefined && e.responseBody === undefined), 'listings leave bodies out');
      assert.deepEqual(
        (await admin('GET', '/requests?tenant=logs&status=4xx')).body.map((e: { status: number }) => e.status).sort(),
        [404, 409],
      );
      assert.equal((await admin('GET', '/requests?tenant=logs&status=409')).body.length, 1);
      assert.equal((await admin('GET', '/requests?tenant=logs&client=idp')).body.length, 3);
      assertProblem(await admin('GET', '/requests?tenant=logs&client=nobody'), 404, 'not-found');
      assertProblem(await admin('GET', '/requests?client=idp'), 400, 'invalid-request', /client needs tenant/);
      assert.equal((await admin('GET', `/requests?tenant=logs&since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).body.length, 0);
      assert.equal((await admin('GET', `/requests?tenant=logs&until=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).body.length, 3);
      assertProblem(await admin('GET', '/requests?since=yesterday'), 400, 'invalid-request', /ISO 8601/);
      assertProblem(await admin('GET', '/requests?status=bad'), 400, 'invalid-request');
      const [newest, middle] = all.body as { id: number }[];
      const older = await admin('GET', `/requests?tenant=logs&before=${middle!.id}`);
      assert.equal(older.body.length, 1);
      assert.ok(older.body[0].id < middle!.id && middle!.id < newest!.id);

      const create = all.body.find((e: { status: number }) => e.status === 201);
      const entry = await admin('GET', `/requests/${create.id}`);
      assert.equal(entry.status, 200);
      assert.match(entry.body.requestBody, /dana/);
      assert.ok(!entry.body.requestBody.includes('Secret-Passw0rd!'), 'passwords are redacted');
      assert.ok(entry.body.requestId);
      assertProblem(await admin('GET', '/requests/999999999'), 404, 'not-found');
      assertProblem(await admin('GET', '/requests/abc'), 400, 'invalid-request');

      const health = await admin('GET', '/tenants/logs/clients/idp/health');
      assert.equal(health.status, 200, health.text);
      assert.deepEqual(health.body.lastHour, { requests: 3, errors: 2 });
      assert.deepEqual(health.body.lastDay, { requests: 3, errors: 2 });
      assert.equal(health.body.lastRequest.status, 409, 'the newest request');
      assert.ok([404, 409].includes(health.body.commonError.status));
      assert.equal(health.body.commonError.count, 1);
      assert.equal(typeof health.body.commonError.detail, 'string', 'with the detail the client was answered');
      assert.equal(health.body.truncated, false);
      assertProblem(await admin('GET', '/tenants/logs/clients/nobody/health'), 404, 'not-found');
      assertProblem(await admin('GET', '/tenants/nowhere/clients/idp/health'), 404, 'not-found');
    });

    it('schemas, roles, tombstones and restore, invitations, mail, events', async () => {
      const t = await s.scimTenant('data', { 'deprovision.delete': 'tombstone', 'externalId.mode': 'email' });
      const ext = {
        id: 'urn:example:scim:schemas:badge:1.0',
        name: 'Badge',
        description: 'Badge numbers',
        attributes: [{ name: 'badge', type: 'string', multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' }],
      };
      const added = await admin('POST', '/tenants/data/schemas', { schema: ext });
      assert.equal(added.status, 201, added.text);
      assert.equal(added.body.urn, ext.id);
      assert.equal(added.body.definition.name, 'Badge');
      assert.equal((await admin('POST', '/tenants/data/schemas', { builtin: 'urn:wire:scim:schemas:profile:1.0' })).status, 201);
      assertProblem(await admin('POST', '/tenants/data/schemas', { builtin: 'urn:nope' }), 404, 'not-found');
      assertProblem(await admin('POST', '/tenants/data/schemas', { schema: { id: 'bad' } }), 400, 'invalid-request');
      assertProblem(await admin('POST', '/tenants/data/schemas', {}), 400, 'invalid-request');
      assert.deepEqual((await admin('GET', '/tenants/data/schemas')).body.map((x: { urn: string }) => x.urn).sort(), [ext.id, 'urn:wire:scim:schemas:profile:1.0'].sort());
      const removed = await admin('DELETE', `/tenants/data/schemas/${encodeURIComponent('urn:wire:scim:schemas:profile:1.0')}?purge=true`);
      assert.equal(removed.status, 200, removed.text);
      assert.equal(removed.body.purged, 0);
      assertProblem(await admin('DELETE', `/tenants/data/schemas/${encodeURIComponent('urn:wire:scim:schemas:profile:1.0')}`), 404, 'not-found');

      const role = await admin('PUT', '/tenants/data/roles/badged', { filter: `${ext.id}:badge pr` });
      assert.equal(role.status, 200, role.text);
      assert.deepEqual((await admin('GET', '/tenants/data/roles')).body, [{ role: 'badged', filter: `${ext.id}:badge pr` }]);
      assertProblem(await admin('PUT', '/tenants/data/roles/bad', { filter: 'nope eq' }), 400, 'invalid-request');
      assert.equal((await admin('DELETE', '/tenants/data/roles/badged')).status, 204);
      assertProblem(await admin('DELETE', '/tenants/data/roles/badged'), 404, 'not-found');

      // An invited user (externalId.mode email), then deleted and restored.
      const u = await t.request('POST', '/Users', user('erin', { externalId: 'erin@example.com' }));
      assert.equal(u.status, 201, u.text);
      const mail = await admin('GET', '/tenants/data/mail');
      assert.equal(mail.status, 200);
      assert.equal(mail.body.length, 1);
      assert.equal(mail.body[0].recipient, 'erin@example.com');
      assert.equal(mail.body[0].state, 'pending');
      const resent = await admin('POST', '/tenants/data/invitations/erin/resend', { print: true });
      assert.equal(resent.status, 200, resent.text);
      assert.match(resent.body.url, new RegExp(`^${s.origin}/`));
      assertProblem(await admin('POST', '/tenants/data/invitations/nobody/resend', {}), 404, 'not-found');
      const pending = await admin('GET', '/tenants/data/mail?pending=true');
      assert.ok(pending.body.every((m: { state: string }) => m.state === 'pending'));

      assert.equal((await t.request('DELETE', `/Users/${u.body.id}`)).status, 204);
      const stones = await admin('GET', '/tenants/data/tombstones');
      assert.deepEqual(
        stones.body.tombstones.map((x: { id: string }) => x.id),
        [u.body.id],
      );
      assert.deepEqual([stones.body.next, stones.body.previous], [null, null], 'one page');
      assert.ok(stones.body.tombstones.every((x: Record<string, unknown>) => !('passwordHash' in x)));
      const one = await admin('GET', `/tenants/data/tombstones/${u.body.id}`);
      assert.equal(one.body.id, u.body.id);
      assert.ok(!('passwordHash' in one.body));
      const restored = await admin('POST', `/tenants/data/tombstones/${u.body.id}/restore`);
      assert.equal(restored.status, 200, restored.text);
      assert.equal((await t.request('GET', `/Users/${u.body.id}`)).status, 200);
      assertProblem(await admin('POST', `/tenants/data/tombstones/${u.body.id}/restore`), 404, 'not-found');

      const events = await admin('GET', '/tenants/data/events');
      assert.equal(events.status, 200, events.text);
      const types = events.body.events.map((e: { type: string }) => e.type);
      assert.ok(types.includes('user.created') && types.includes('user.deleted') && types.includes('user.restored'), types.join());
      const first = events.body.events[0];
      const later = await admin('GET', `/tenants/data/events?after=${first.tenantSeq}&limit=1`);
      assert.equal(later.body.events.length, 1);
      assert.equal(later.body.events[0].tenantSeq, first.tenantSeq + 1);
      assert.equal(later.body.hasMore, true);
      assertProblem(await admin('GET', '/tenants/data/events?limit=0'), 400, 'invalid-request');
    });

    it('a key limited to one tenant: its tenant only; others are 404, as if they did not exist; no key management', async () => {
      const k = await admin('POST', '/admin-keys', { name: 'acme-admin', tenant: 'acme' });
      assert.equal(k.status, 201, k.text);
      assert.match(k.body.key, /^scimd_admin_/);
      assert.equal(k.body.tenant, 'acme');
      secrets.push(k.body.key);
      const key = k.body.key as string;
      assert.deepEqual(
        (await admin('GET', '/tenants', undefined, key)).body.map((t: { name: string }) => t.name),
        ['acme'],
      );
      assert.equal((await admin('GET', '/tenants/acme', undefined, key)).status, 200);
      assert.equal((await admin('GET', '/tenants/acme/users', undefined, key)).status, 200);
      for (const path of ['/tenants/dir', '/tenants/dir/users', '/tenants/dir/clients', '/tenants/dir/events', '/tenants/dir/schemas', '/requests?tenant=dir', '/tenants/nonexistent']) {
        const r = await admin('GET', path, undefined, key);
        assertProblem(r, 404, 'not-found');
        assert.equal(r.body.detail, `No tenant named '${path.includes('nonexistent') ? 'nonexistent' : 'dir'}'`, 'the same answer as for a tenant that does not exist');
      }
      assertProblem(await admin('PATCH', '/tenants/dir', { status: 'disabled' }, key), 404, 'not-found');
      assertProblem(await admin('POST', '/tenants/dir/clients', { name: 'x' }, key), 404, 'not-found');
      assert.equal((await admin('GET', '/tenants/dir')).body.status, 'active', 'nothing changed in the other tenant');
      // The request log without a tenant is its own tenant's.
      await s.running.services.requestLog.flush();
      const mine = await admin('GET', '/requests?limit=1000', undefined, key);
      assert.ok(mine.body.length > 0);
      assert.ok(mine.body.every((e: { tenantName?: string }) => e.tenantName === 'acme'));
      const other = (await admin('GET', '/requests?tenant=logs')).body[0];
      assertProblem(await admin('GET', `/requests/${other.id}`, undefined, key), 404, 'not-found');
      assertProblem(await admin('POST', '/tenants', { name: 'mine' }, key), 403, 'forbidden');
      assertProblem(await admin('GET', '/admin-keys', undefined, key), 403, 'forbidden');
      assertProblem(await admin('POST', '/admin-keys', { name: 'more' }, key), 403, 'forbidden');
      assertProblem(await admin('POST', '/admin-keys', { name: 'x', tenant: 'nope' }), 404, 'not-found');
    });

    it('admin keys: list without secrets, revoke by name: the key stops at once', async () => {
      const k = await admin('POST', '/admin-keys', { name: 'ci' });
      secrets.push(k.body.key);
      assert.equal((await admin('GET', '/tenants', undefined, k.body.key)).status, 200);
      const list = await admin('GET', '/admin-keys');
      assert.deepEqual(list.body.map((x: { name: string }) => x.name).sort(), ['acme-admin', 'bootstrap', 'ci']);
      assert.ok(!list.text.includes(k.body.key));
      assert.ok(list.body.every((x: Record<string, unknown>) => !('hash' in x) && !('key' in x)));
      const revoked = await admin('DELETE', '/admin-keys/ci');
      assert.equal(revoked.status, 200);
      assert.equal(revoked.body.state, 'revoked');
      assertProblem(await admin('GET', '/tenants', undefined, k.body.key), 401, 'unauthorized', /revoked/);
      assertProblem(await admin('DELETE', '/admin-keys/nope'), 404, 'not-found');
    });

    it('unknown routes and methods are problem details too', async () => {
      assertProblem(await admin('GET', '/nothing-here'), 404, 'not-found');
      assertProblem(await admin('PUT', '/tenants'), 404, 'not-found');
    });

    it('no admin key or SCIM token in the process log, the request log, the database or the metrics', async () => {
      const logged = lines.join('\n');
      assert.ok(lines.length > 20);
      const store = await databaseText(s, db);
      assert.ok(store.includes('acme-admin'), 'the database was read');
      const requestLog = JSON.stringify(await s.running.services.requestLog.entries({ limit: 10_000 }));
      const metrics = (await send(`${s.origin}/metrics`, 'GET')).text;
      assert.match(metrics, /scimd_/);
      for (const secret of secrets) {
        for (const [where, text] of [
          ['process log', logged],
          ['database', store],
          ['request log', requestLog],
          ['metrics', metrics],
        ] as const) {
          assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 14)}…) in the ${where}`);
        }
      }
    });
  });
}

suite('sqlite');
suite('postgres');

describe('admin API: guessing keys is rate-limited per address', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ bootstrapAdminKey: ROOT_KEY, unauthenticatedRateLimit: 1, unauthenticatedRateLimitBurst: 3, rateLimitHold: 0 });
  });
  after(() => s.close());

  it('past the budget of failed authentications an address gets 429 problem details with Retry-After', async () => {
    const admin = adminClient(s);
    assert.equal((await admin('GET', '/tenants')).status, 200, 'the valid key, looked up once');
    const answers: Reply[] = [];
    for (let i = 0; i < 6; i++) answers.push(await admin('GET', '/tenants', undefined, `scimd_admin_guess_${i}_0123456789abcdefghijklmnopqrstu`));
    assert.deepEqual(
      answers.map((r) => r.status),
      [401, 401, 401, 429, 429, 429],
    );
    assertProblem(answers[5]!, 429, 'too-many-requests');
    assert.ok(Number(answers[5]!.headers.get('retry-after')) >= 1);
  });
});
