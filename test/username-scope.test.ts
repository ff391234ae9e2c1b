/**
 * userName.scope (a Wire handle "must be unique across the entire Wire Cloud"), end to
 * end on both stores: a tenant with scope global cannot take a userName any other tenant holds
 * (without regard to case), and no tenant can take one a global tenant holds; tenant scope keeps
 * names per tenant. The 409 says "taken" and nothing about the other tenant. Concurrent creations
 * across tenants: on SQLite by two server processes on one file, on PostgreSQL by two replicas on
 * one database; exactly one wins each name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminError } from '../src/provisioning/tenants/directory-admin.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { killAll, serveProcess, type Serving } from './helpers/process.ts';
import { ERROR_SCHEMA, patch, send, startTestServer, user, type Reply, type ScimTenant, type TestServer } from './helpers/server.ts';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

interface Setup {
  /** The server the admin service of which creates tenants. */
  readonly s: TestServer;
  /** Base URL of a second server (process or replica) on the same data. */
  readonly otherBase: string;
  close(): Promise<void>;
}

type Tenant = ScimTenant;

function assertTaken(r: Reply, what: string, secrets: readonly string[]): void {
  assert.equal(r.status, 409, `${what}: ${r.text}`);
  assert.deepEqual(Object.keys(r.body).sort(), ['detail', 'schemas', 'scimType', 'status'], what);
  assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
  assert.equal(r.body.status, '409');
  assert.equal(r.body.scimType, 'uniqueness');
  assert.match(r.body.detail, /is already taken/, what);
  for (const secret of secrets) assert.ok(!r.text.includes(secret), `${what}: the answer does not mention ${secret}`);
}

function suite(backend: 'sqlite' | 'postgres', open: () => Promise<Setup>): void {
  describe(`userName.scope on ${backend}`, () => {
    let setup: Setup;
    let seq = 0;
    before(async () => {
      setup = await open();
    });
    after(() => setup?.close());

    const tenant = (scope: 'tenant' | 'global'): Promise<Tenant> =>
      setup.s.scimTenant(`${backend.slice(0, 2)}-${scope}-${++seq}`, scope === 'global' ? { 'userName.scope': 'global' } : {});

    it('a global tenant cannot take a userName another tenant holds, in any case; a tenant-scoped one can', async () => {
      const [g, t1, t2] = [await tenant('global'), await tenant('tenant'), await tenant('tenant')];
      const alice = await t1.request('POST', '/Users', user('Alice'));
      assert.equal(alice.status, 201, alice.text);
      for (const spelling of ['Alice', 'ALICE', 'alice']) {
        assertTaken(await g.request('POST', '/Users', user(spelling)), `global POST ${spelling}`, [t1.name, alice.body.id]);
      }
      assert.equal((await g.request('GET', '/Users?count=0')).body.totalResults, 0, 'nothing was stored');
      assert.equal((await t2.request('POST', '/Users', user('alice'))).status, 201, 'tenant scope: another tenant may hold it');

      // Renames into a taken name: PATCH with and without a path, PUT, and /Bulk.
      const carol = await g.request('POST', '/Users', user('carol'));
      assert.equal(carol.status, 201);
      const id = carol.body.id;
      assertTaken(await g.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'userName', value: 'aLiCe' })), 'PATCH rename', [t1.name]);
      assertTaken(await g.request('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { userName: 'alice' } })), 'PATCH without path', [t1.name]);
      assertTaken(await g.request('PUT', `/Users/${id}`, user('alice')), 'PUT rename', [t1.name]);
      const bulk = await g.request('POST', '/Bulk', { schemas: [BULK], Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: user('alice') }] });
      assert.equal(bulk.status, 200, bulk.text);
      assert.equal(bulk.body.Operations[0].status, '409');
      assert.equal(bulk.body.Operations[0].response.scimType, 'uniqueness');
      assert.equal((await g.request('GET', `/Users/${id}`)).body.userName, 'carol', 'unchanged');
      const recase = await g.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'userName', value: 'Carol' }));
      assert.equal(recase.status, 200, 'changing only the case of its own userName is fine');

      // Once every other holder is gone, the name is free for the global tenant.
      for (const t of [t1, t2]) {
        const found = await t.request('GET', `/Users?filter=${encodeURIComponent('userName eq "alice"')}`);
        assert.equal((await t.request('DELETE', `/Users/${found.body.Resources[0].id}`)).status, 204);
      }
      assert.equal((await g.request('POST', '/Users', user('alice'))).status, 201);
    });

    it("no tenant can take a userName a global tenant holds; the global tenant's own duplicates are the usual 409", async () => {
      const [g, t] = [await tenant('global'), await tenant('tenant')];
      const bob = await g.request('POST', '/Users', user('bob.builder'));
      assert.equal(bob.status, 201);
      assertTaken(await t.request('POST', '/Users', user('Bob.Builder')), 'tenant-scoped POST of a global name', [g.name, bob.body.id]);
      const other = await t.request('POST', '/Users', user('wendy'));
      assertTaken(await t.request('PATCH', `/Users/${other.body.id}`, patch({ op: 'replace', path: 'userName', value: 'BOB.builder' })), 'tenant-scoped rename', [g.name]);
      const again = await g.request('POST', '/Users', user('BOB.BUILDER'));
      assert.equal(again.status, 409);
      assert.match(again.body.detail, /already taken in this tenant/);
      // Two tenant-scoped tenants never block each other.
      const [a, b] = [await tenant('tenant'), await tenant('tenant')];
      assert.equal((await a.request('POST', '/Users', user('same'))).status, 201);
      assert.equal((await b.request('POST', '/Users', user('SAME'))).status, 201);
    });

    it('a tenant cannot switch to global while one of its userNames is held elsewhere', async () => {
      const [a, b] = [await tenant('tenant'), await tenant('tenant')];
      await a.request('POST', '/Users', user('dup-one'));
      await a.request('POST', '/Users', user('unique-to-a'));
      await b.request('POST', '/Users', user('DUP-ONE'));
      const { admin } = setup.s.running.services;
      await assert.rejects(admin.setTenantSetting(a.name, 'userName.scope', 'global'), (e: unknown) => {
        assert.ok(e instanceof AdminError);
        assert.equal(e.code, 'invalid');
        assert.match(e.message, /1 of its userNames is also held in other tenants \('dup-one'\)/);
        return true;
      });
      assert.equal((await admin.tenant(a.name)).settings['userName.scope'], undefined, 'the setting did not change');
      const dup = await a.request('GET', `/Users?filter=${encodeURIComponent('userName eq "dup-one"')}`);
      await a.request('DELETE', `/Users/${dup.body.Resources[0].id}`);
      await admin.setTenantSetting(a.name, 'userName.scope', 'global');
      assertTaken(await b.request('POST', '/Users', user('Unique-To-A')), 'after the switch', [a.name]);
    });

    it('concurrent creations of one userName in two tenants, through two servers: exactly one wins', async () => {
      const [g1, g2, t] = [await tenant('global'), await tenant('global'), await tenant('tenant')];
      const viaOther = (tn: Tenant, body: unknown) => send(`${setup.otherBase}/Users`, 'POST', body, { authorization: `Bearer ${tn.token}` });
      const ROUNDS = 12;
      const results = await Promise.all(
        Array.from({ length: ROUNDS }, async (_, i) => {
          const name = `race-${i}`;
          // Alternate which tenant goes through which server, and pit a tenant-scoped tenant against a global one too.
          const rival = i % 3 === 2 ? t : g2;
          const [x, y] = await Promise.all([
            i % 2 ? g1.request('POST', '/Users', user(name)) : viaOther(g1, user(name)),
            i % 2 ? viaOther(rival, user(name.toUpperCase())) : rival.request('POST', '/Users', user(name.toUpperCase())),
          ]);
          return { name, statuses: [x.status, y.status].sort(), replies: [x, y] };
        }),
      );
      for (const r of results) {
        assert.deepEqual(r.statuses, [201, 409], `${r.name}: ${r.replies.map((x) => x.text).join(' | ')}`);
        for (const reply of r.replies) if (reply.status === 409) assert.equal(reply.body.scimType, 'uniqueness');
      }
      // And the stores agree: each name is held exactly once across the three tenants.
      for (let i = 0; i < ROUNDS; i++) {
        const f = `/Users?count=0&filter=${encodeURIComponent(`userName eq "race-${i}"`)}`;
        const counts = await Promise.all([g1, g2, t].map(async (tn) => (await tn.request('GET', f)).body.totalResults as number));
        assert.equal(
          counts.reduce((a, b) => a + b, 0),
          1,
          `race-${i} is held once: ${counts.join(', ')}`,
        );
      }
    });

    it('externalId.mode = samlNameId: concurrent creations with one NameID through two servers, exactly one wins', async () => {
      const saml = await tenant('tenant');
      await setup.s.running.services.admin.setTenantSetting(saml.name, 'externalId.mode', 'samlNameId');
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const body = user(`nameid-user-${i}`, { externalId: `nameid-${i >> 1}` });
          return i % 2 ? saml.request('POST', '/Users', body) : send(`${setup.otherBase}/Users`, 'POST', body, { authorization: `Bearer ${saml.token}` });
        }),
      );
      for (let pair = 0; pair < 5; pair++) {
        const statuses = [replies[2 * pair]!.status, replies[2 * pair + 1]!.status].sort();
        assert.deepEqual(statuses, [201, 409], `nameid-${pair}: ${replies[2 * pair]!.text} | ${replies[2 * pair + 1]!.text}`);
      }
    });
  });
}

suite('sqlite', async () => {
  const s = await startTestServer();
  // A second scimd process on the same SQLite file: writers of two processes meet in SQLite's lock.
  let other: Serving | undefined;
  try {
    other = await serveProcess(['--data-dir', s.dataDir]);
  } catch (e) {
    await s.close();
    throw e;
  }
  const child = other;
  return {
    s,
    otherBase: child.base,
    async close() {
      await child.stop();
      await s.close();
    },
  };
});

suite('postgres', async () => {
  const db: TestDatabase = await freshDatabase('uscope');
  const s = await startTestServer({ databaseUrl: db.url });
  const replica = await startTestServer({ databaseUrl: db.url });
  return {
    s,
    otherBase: replica.base,
    async close() {
      await replica.close();
      await s.close();
      await db.drop();
    },
  };
});

after(() => killAll());
