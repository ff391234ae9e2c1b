/**
 * examples/mirror-library: the host app that mounts scimd in Fastify (library mode) and mirrors
 * users, groups and memberships into its own SQLite tables through subscriptions. An Entra and an
 * Okta provisioning lifecycle, in the shapes those IdPs send (Entra's capitalised PATCH ops and
 * "False" strings, Okta's PUT and path-less replaces, member pushes), go through the host's HTTP
 * port; once the subscriber has caught up, the mirror holds exactly the users, groups and
 * memberships scimd holds (read through the admin API). A handler that fails twice on one event
 * still ends with the right tables, and a restart resumes from the checkpoint: no event is handed
 * over again and the mirror's audit trail has no duplicate.
 *
 * The example imports the built package (`scimd` → dist/index.js), as a host app would.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type Database from 'better-sqlite3';
import { eventually } from './helpers/eventually.ts';
import { ROOT } from './helpers/scimd-bin.ts';
import { directoryOf, entraLifecycle, mirrorOf, oktaLifecycle } from './helpers/idp-lifecycles.ts';
import { PATCH_OP, USER_SCHEMA, send, tempDir, type Reply } from './helpers/server.ts';

const ADMIN_KEY = 'mirror_admin_key_0123456789abcdefghijklmnopqrstuvwxyz';

/** What the example's subscriptions hand it (the fields the test looks at). */
interface Delivered {
  readonly id: string;
  readonly type: string;
  readonly tenant: string;
  readonly tenantSeq: number;
}

interface MirrorHost {
  readonly origin: string;
  readonly db: Database.Database;
  readonly scimd: { readonly services: { readonly admin: { createTenant(name: string): Promise<unknown>; createClient(t: string, c: string, o: { idp: string }): Promise<{ token: string }> } } };
  close(): Promise<void>;
}

interface MirrorModule {
  startMirrorHost(o: { dataDir: string; mirrorFile: string; port: number; scimd: object; onDeliver?: (e: Delivered) => unknown }): Promise<MirrorHost>;
}

const example = (await import(pathToFileURL(join(ROOT, 'examples', 'mirror-library', 'mirror.mjs')).href)) as MirrorModule;

const scimdOptions = { logger: false, config: { bootstrapAdminKey: ADMIN_KEY, rateLimit: 0, unauthenticatedRateLimit: 0, clientConcurrency: 0, metrics: 'off' } };
const patchOf = (...Operations: object[]) => ({ schemas: [PATCH_OP], Operations });

describe('examples/mirror-library: scimd mounted in Fastify, mirrored into the host tables', () => {
  const dataDir = tempDir('scimd-mirror-');
  const mirrorFile = join(dataDir, 'mirror.db');
  let host: MirrorHost;
  const tokens: Record<string, string> = {};
  const delivered: Delivered[] = [];
  let failing: { id: string; attempts: number } | undefined;

  /** Fails the first two deliveries of the first Okta member event; records every delivery. */
  const onDeliver = (e: Delivered) => {
    delivered.push({ id: e.id, type: e.type, tenant: e.tenant, tenantSeq: e.tenantSeq });
    if (e.tenant === 'okta' && e.type === 'group.member.added' && (failing === undefined || failing.id === e.id)) {
      failing ??= { id: e.id, attempts: 0 };
      if (++failing.attempts <= 2) throw new Error(`the host's database is busy (attempt ${failing.attempts})`);
    }
  };

  const start = async () => {
    host = await example.startMirrorHost({ dataDir, mirrorFile, port: 0, scimd: scimdOptions, onDeliver });
  };
  const scim = async (tenant: string, method: string, path: string, body?: unknown, expected?: number): Promise<Reply> => {
    const r = await send(`${host.origin}/scim/v2${path}`, method, body, { authorization: `Bearer ${tokens[tenant]!}` });
    assert.ok(r.status < 300 && (expected === undefined || r.status === expected), `${tenant} ${method} ${path}: ${r.status} ${r.text}`);
    return r;
  };
  const admin = async (path: string) => {
    const r = await send(`${host.origin}/admin/v1${path}`, 'GET', undefined, { authorization: `Bearer ${ADMIN_KEY}` });
    assert.equal(r.status, 200, r.text);
    return r.body;
  };

  /** Waits until the mirror applied every event scimd's log holds for the tenant. */
  const caughtUp = async (tenant: string) => {
    let page = (await admin(`/tenants/${tenant}/events?limit=1000`)) as { cursor: string; hasMore: boolean };
    while (page.hasMore) page = await admin(`/tenants/${tenant}/events?after=${page.cursor}&limit=1000`);
    const last = Number(page.cursor);
    const applied = () => (host.db.prepare('SELECT tenant_seq FROM applied WHERE tenant = ?').get(tenant) as { tenant_seq: number } | undefined)?.tenant_seq;
    await eventually(() => applied() === last, { what: `the mirror of ${tenant} to reach event ${last}`, detail: () => `applied ${applied()}` });
  };

  const assertMirrored = async (tenant: string) => {
    await caughtUp(tenant);
    const expected = await directoryOf(admin, tenant);
    assert.deepEqual(mirrorOf(host.db, tenant), expected, `the mirror of ${tenant}`);
    return expected;
  };

  before(async () => {
    await start();
    for (const [tenant, idp] of [
      ['entra', 'entra'],
      ['okta', 'okta'],
    ] as const) {
      await host.scimd.services.admin.createTenant(tenant);
      tokens[tenant] = (await host.scimd.services.admin.createClient(tenant, idp, { idp })).token;
    }
  });
  after(async () => {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('Entra: users created, updated, disabled and deleted, a group with members added and removed, renamed', async () => {
    const { u1, g } = await entraLifecycle((method, path, body, expected) => scim('entra', method, path, body, expected));
    const state = await assertMirrored('entra');
    assert.deepEqual(
      state.users.map((u) => `${u.userName} ${u.active}`).sort(),
      ['Renamed_1@contoso.com true', 'Test_User_2@contoso.com false'],
    );
    assert.deepEqual(state.groups, [{ id: g, displayName: 'Renamed group' }]);
    assert.deepEqual(state.memberships, [`${g} ${u1}`]);
  });

  it('Okta: users created, PUT, deactivated, a pushed group with members added, removed and replaced, renamed, deleted; a handler that fails twice', async () => {
    const { p1, p2, p3, p4, g } = await oktaLifecycle((method, path, body, expected) => scim('okta', method, path, body, expected));
    const state = await assertMirrored('okta');
    assert.deepEqual(
      state.users.map((u) => `${u.userName} ${u.active}`).sort(),
      ['user1@okta.local true', 'user2@okta.local true', 'user3@okta.local true', 'user4@okta.local false'],
    );
    assert.deepEqual(state.groups, [{ id: g, displayName: 'Engineering (all)' }]);
    assert.deepEqual(state.memberships, [p2, p3, p4].map((id) => `${g} ${id}`).sort());
    assert.deepEqual(
      host.db.prepare("SELECT display_name FROM users WHERE tenant = 'okta' AND id = ?").get(p1),
      { display_name: 'Okta First' },
    );
    // The failing event was handed over three times, and applied once.
    assert.equal(failing?.attempts, 3);
    assert.equal(delivered.filter((e) => e.id === failing!.id).length, 3);
    assert.equal((host.db.prepare('SELECT COUNT(*) AS n FROM changes WHERE event_id = ?').get(failing!.id) as { n: number }).n, 1);
    // Still the Entra tenant's mirror, untouched by Okta's events.
    await assertMirrored('entra');
  });

  it('a restart resumes from the checkpoint: nothing is handed over again, the mirror has no duplicate, new changes follow', async () => {
    await caughtUp('entra');
    await caughtUp('okta');
    const before = new Set(delivered.map((e) => e.id));
    const changesBefore = (host.db.prepare('SELECT COUNT(*) AS n FROM changes').get() as { n: number }).n;
    await host.close();
    delivered.length = 0;
    await start();
    const created = await scim('entra', 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'after.restart@contoso.com', active: true }, 201);
    assert.ok(created.body.id);
    const okta = (await directoryOf(admin, 'okta')).groups[0]!;
    await scim('okta', 'PATCH', `/Groups/${okta.id}`, patchOf({ op: 'replace', value: { id: okta.id, displayName: 'Engineering (renamed)' } }));
    await assertMirrored('entra');
    const state = await assertMirrored('okta');
    assert.equal(state.groups[0]!.displayName, 'Engineering (renamed)');

    assert.deepEqual(
      delivered.map((e) => `${e.tenant} ${e.type}`).sort(),
      ['entra user.created', 'okta group.updated'],
      'only the events after the checkpoint',
    );
    assert.ok(delivered.every((e) => !before.has(e.id)));
    const total = (host.db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM changes').get() as { n: number; d: number });
    assert.equal(total.n, changesBefore + 2);
    assert.equal(total.d, total.n, 'no event applied twice');
  });
});
