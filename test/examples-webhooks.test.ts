/**
 * examples/mirror-webhooks: scimd as its own server posts each tenant's events to the example's
 * receiver, which verifies every Standard Webhooks signature and mirrors users, groups and
 * memberships into its tables. After an Entra and an Okta lifecycle, the tables hold exactly the
 * users, groups and memberships scimd holds; a forged request changes nothing; an event the
 * receiver fails on is delivered again and applied once, in order.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type Database from 'better-sqlite3';
import { eventually } from './helpers/eventually.ts';
import { directoryOf, entraLifecycle, mirrorOf, oktaLifecycle } from './helpers/idp-lifecycles.ts';
import { ROOT } from './helpers/scimd-bin.ts';
import { send, startTestServer, tempDir, type Reply, type TestServer } from './helpers/server.ts';

const KEY = 'webhook_example_admin_key_0123456789abcdefghijklmnop';

interface Receiver {
  readonly origin: string;
  readonly db: Database.Database;
  readonly stats: { verified: number; refused: number; applied: number; repeated: number };
  close(): Promise<void>;
}
interface ReceiverModule {
  startReceiver(o: { mirrorFile: string; secrets: Map<string, string>; port: number; onEvent?: (e: { id: string; type: string; tenant: string }) => unknown }): Promise<Receiver>;
}
const example = (await import(pathToFileURL(join(ROOT, 'examples', 'mirror-webhooks', 'receiver.mjs')).href)) as ReceiverModule;

describe('examples/mirror-webhooks: a receiver that mirrors scimd through signed webhooks', () => {
  let s: TestServer;
  let receiver: Receiver;
  const secrets = new Map<string, string>();
  const tokens: Record<string, string> = {};
  /** The first Okta member event fails twice at the receiver (its database is busy). */
  let failing: { id: string; attempts: number } | undefined;
  const onEvent = (e: { id: string; type: string; tenant: string }) => {
    if (e.tenant === 'okta' && e.type === 'group.member.added' && (failing === undefined || failing.id === e.id)) {
      failing ??= { id: e.id, attempts: 0 };
      if (++failing.attempts <= 2) throw new Error('the mirror database is busy');
    }
  };

  const admin = async (path: string, method = 'GET', body?: unknown): Promise<any> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await send(`${s.origin}/admin/v1${path}`, method, body, { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) });
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
    return r.body;
  };
  const scim = (tenant: string) => async (method: string, path: string, body?: unknown, expected?: number): Promise<Reply> => {
    const r = await send(`${s.origin}/scim/v2${path}`, method, body, { authorization: `Bearer ${tokens[tenant]!}` });
    assert.ok(r.status < 300 && (expected === undefined || r.status === expected), `${tenant} ${method} ${path}: ${r.status} ${r.text}`);
    return r;
  };
  /** Waits until the receiver applied every event scimd's log holds for the tenant, then compares. */
  const assertMirrored = async (tenant: string) => {
    let page = await admin(`/tenants/${tenant}/events?limit=1000`);
    while (page.hasMore) page = await admin(`/tenants/${tenant}/events?after=${page.cursor}&limit=1000`);
    const last = Number(page.cursor);
    const applied = () => (receiver.db.prepare('SELECT tenant_seq FROM applied WHERE tenant = ?').get(tenant) as { tenant_seq: number } | undefined)?.tenant_seq;
    await eventually(() => applied() === last, { what: `the receiver's mirror of ${tenant} to reach event ${last}`, detail: () => `applied ${applied()} ${JSON.stringify(receiver.stats)}`, timeoutMs: 60_000 });
    const expected = await directoryOf(admin, tenant);
    assert.deepEqual(mirrorOf(receiver.db, tenant), expected, `the mirror of ${tenant}`);
    return expected;
  };

  before(async () => {
    s = await startTestServer({ bootstrapAdminKey: KEY, webhookAllowPrivate: true }, { webhooks: { pollMs: 50, retryBaseMs: 50, retryCapMs: 200 } });
    receiver = await example.startReceiver({ mirrorFile: join(tempDir('scimd-hook-mirror-'), 'mirror.db'), secrets, port: 0, onEvent });
    for (const [tenant, idp] of [
      ['entra', 'entra'],
      ['okta', 'okta'],
    ] as const) {
      await admin('/tenants', 'POST', { name: tenant });
      tokens[tenant] = (await admin(`/tenants/${tenant}/clients`, 'POST', { name: idp, idp })).token;
      const endpoint = await admin(`/tenants/${tenant}/webhooks`, 'POST', { url: `${receiver.origin}/hooks/${tenant}` });
      secrets.set(tenant, endpoint.secret);
    }
  });
  after(async () => {
    await s.close();
    await receiver.close();
  });

  it('Entra: the receiver ends with exactly the users, groups and memberships scimd holds', async () => {
    const { u1, g } = await entraLifecycle(scim('entra'));
    const state = await assertMirrored('entra');
    assert.deepEqual(
      state.users.map((u) => `${u.userName} ${u.active}`).sort(),
      ['Renamed_1@contoso.com true', 'Test_User_2@contoso.com false'],
    );
    assert.deepEqual(state.memberships, [`${g} ${u1}`]);
  });

  it('Okta: the same, with an event the receiver failed on twice applied once, in order', async () => {
    const { p2, p3, p4, g } = await oktaLifecycle(scim('okta'));
    const state = await assertMirrored('okta');
    assert.deepEqual(state.memberships, [p2, p3, p4].map((id) => `${g} ${id}`).sort());
    assert.equal(failing?.attempts, 3, 'delivered again until the receiver took it');
    assert.equal((receiver.db.prepare('SELECT COUNT(*) AS n FROM changes WHERE event_id = ?').get(failing!.id) as { n: number }).n, 1);
    const seqs = (receiver.db.prepare("SELECT tenant_seq FROM changes WHERE tenant = 'okta' ORDER BY seq").all() as { tenant_seq: number }[]).map((r) => r.tenant_seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'applied in the tenant order');
    await assertMirrored('entra');
  });

  it('a request whose signature does not verify is refused and changes nothing', async () => {
    const before = mirrorOf(receiver.db, 'entra');
    const refused = receiver.stats.refused;
    const forged = { type: 'user.deleted', timestamp: new Date().toISOString(), data: { tenant: 'entra', tenantSeq: 999, type: 'user.deleted', resourceId: before.users[0]!.id, id: 'forged' } };
    const r = await send(`${receiver.origin}/hooks/entra`, 'POST', forged, {
      'content-type': 'application/json',
      'webhook-id': 'forged',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': 'v1,bm90IGEgc2lnbmF0dXJl',
    });
    assert.equal(r.status, 401);
    assert.equal(receiver.stats.refused, refused + 1);
    assert.deepEqual(mirrorOf(receiver.db, 'entra'), before);
  });
});
