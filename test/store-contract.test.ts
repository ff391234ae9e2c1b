/**
 * The store contract: every Repo method and the behaviours the service relies on, run against both
 * adapters (SQLite file, PostgreSQL database) by the same scenarios. Each scenario asserts what
 * the contract says and returns what it saw; the last suite checks that both adapters saw exactly
 * the same (ids, timestamps and data are chosen by the test, so outputs are deterministic;
 * request-log ids are compared by rank, since a PostgreSQL sequence does not roll back).
 *
 * A few checks need rows no Repo method shows (resource_values, group_members): they read them
 * through the Driver under the transaction's Repo (sqlDriverOf), in SQL both databases accept.
 *
 * One more suite, PostgreSQL only, forces two transactions to meet on row locks (several
 * processes share one database there): no deadlock, writers still serialise, and a membership
 * racing its member's delete is retried instead of failing on the foreign key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { bindFilter, type BoundFilter, type Target } from '../src/scim/filter/bind.ts';
import { parseFilter } from '../src/scim/filter/parse.ts';
import type { MemberDelta } from '../src/scim/patch/members.ts';
import type { GroupMembership, StoredResource } from '../src/scim/resource.ts';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import type { ResourceTypeName } from '../src/scim/schema/types.ts';
import type { Json } from '../src/scim/schema/validate.ts';
import { searchForm } from '../src/scim/search-form.ts';
import { compareCodePoints, fold } from '../src/scim/values.ts';
import { sqlDriverOf } from '../src/store/sql/sql-repo.ts';
import {
  StoreUnavailable,
  UniqueViolation,
  type Repo,
  type RequestLogEntry,
  type ResourceQuery,
  type ScimClient,
  type ScimdEvent,
  type SortSpec,
  type Store,
  type Tenant,
  type TokenRecord,
} from '../src/store/types.ts';
import { openPostgresStore } from '../src/store/postgres/pg-store.ts';
import { BACKENDS } from './helpers/backends.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { eventually } from './helpers/eventually.ts';

const registry = defaultRegistry();
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// ---------------------------------------------------------------------------------------------
// Builders

const BASE = Date.UTC(2024, 0, 1);
/** A fixed instant, `n` seconds after 2024-01-01T00:00:00Z. */
const at = (n: number) => new Date(BASE + n * 1000).toISOString();

const tenantRec = (id: string, name: string, createdAt = at(0), settings: Record<string, string> = {}): Tenant => ({ id, name, status: 'active', createdAt, settings });

const clientRec = (id: string, tenantId: string, name: string, extra: Partial<ScimClient> = {}): ScimClient => ({ id, tenantId, name, createdAt: at(0), settings: {}, ...extra });

const tokenRec = (id: string, tenantId: string, clientId: string, createdAt: string, extra: Partial<TokenRecord> = {}): TokenRecord => ({
  id,
  tenantId,
  clientId,
  hash: `hash-${id}`,
  prefix: `pre-${id}`.slice(0, 10),
  createdAt,
  ...extra,
});

const userRes = (id: string, userName: string, extra: Json = {}, version = 1): StoredResource => ({
  id,
  type: 'User',
  version,
  created: at(0),
  lastModified: at(version),
  data: { userName, ...extra },
});

const groupRes = (id: string, displayName?: string, version = 1): StoredResource => ({
  id,
  type: 'Group',
  version,
  created: at(0),
  lastModified: at(version),
  data: displayName === undefined ? {} : { displayName },
});

const searchOf = (r: StoredResource) => searchForm(r.data, registry.resource(r.type));
const insert = (repo: Repo, tenantId: string, r: StoredResource) => repo.insertResource(tenantId, r, searchOf(r));

function delta(add: Record<string, 'User' | 'Group'> = {}, remove: string[] = [], clear = false): MemberDelta {
  return { clear, add: new Map(Object.entries(add)), remove: new Set(remove) };
}

function filtered(type: ResourceTypeName, filter: string, root = false): ReadonlyMap<ResourceTypeName, BoundFilter> {
  return new Map([[type, bindFilter(parseFilter(filter), registry.resource(type), root)]]);
}

function sortBy(types: readonly ResourceTypeName[], name: string, descending: boolean): ReadonlyMap<ResourceTypeName, SortSpec> {
  return new Map(
    types.map((type) => {
      const ref = registry.resource(type).resolve(undefined, name)!;
      const target: Target = { ref, leaf: ref.attr, relative: false };
      return [type, { target, descending }];
    }),
  );
}

async function ids(repo: Repo, tenantId: string, q: Partial<ResourceQuery> & { types: readonly ResourceTypeName[] }): Promise<{ total: number; ids: string[] }> {
  const page = await repo.queryResources(tenantId, { startIndex: 1, count: 1000, ...q });
  return { total: page.total, ids: page.resources.map((r) => r.id) };
}

const isUserNameViolation = (e: unknown) => e instanceof UniqueViolation && e.attribute === 'userName';

/** One number from SQL both databases accept, read through the Driver under a transaction's Repo. */
async function count(store: Store, sql: string, params: readonly unknown[]): Promise<number> {
  return store.transaction(async (tx) => {
    const driver = sqlDriverOf(tx);
    assert.ok(driver && typeof driver.query === 'function', 'the transaction repo is a SqlRepo over a Driver');
    return Number((await driver.query(sql, params))[0]!.n);
  });
}

const resourceValues = (store: Store, tenantId: string) => count(store, 'SELECT COUNT(*) AS n FROM resource_values WHERE tenant_id = ?', [tenantId]);
const membershipRows = (store: Store, tenantId: string) =>
  count(store, 'SELECT COUNT(*) AS n FROM group_members gm JOIN resources g ON g.seq = gm.group_seq WHERE g.tenant_id = ?', [tenantId]);

const groupsObject = (m: Map<string, GroupMembership[]>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));

// ---------------------------------------------------------------------------------------------
// Scenarios. Each gets its own tenants (ids and names prefixed by `p`), in one store per adapter.

interface Scenario {
  readonly name: string;
  run(store: Store, p: string): Promise<unknown>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'tenants: create, look up by name and id, list in creation order, status, settings',
    async run(store, p) {
      await store.createTenant(tenantRec(`${p}z`, `${p}-zeta`, at(10), { a: '1' }));
      await store.createTenant(tenantRec(`${p}a`, `${p}-alpha`, at(10)));
      await store.createTenant(tenantRec(`${p}m`, `${p}-mid`, at(5)));
      // A new tenant reads back with schema version 0: no extension schemas or role rules yet.
      assert.deepEqual(await store.tenantByName(`${p}-zeta`), { ...tenantRec(`${p}z`, `${p}-zeta`, at(10), { a: '1' }), schemaVersion: 0 });
      assert.deepEqual(await store.tenantById(`${p}a`), { ...tenantRec(`${p}a`, `${p}-alpha`, at(10)), schemaVersion: 0 });
      assert.equal(await store.tenantByName(`${p}-nope`), undefined);
      assert.equal(await store.tenantByName(`${p}-ZETA`), undefined, 'tenant names are exact');
      assert.equal(await store.tenantById(`${p}-nope`), undefined);
      const mine = async () => (await store.listTenants()).filter((t) => t.id.startsWith(p));
      assert.deepEqual(
        (await mine()).map((t) => t.name),
        [`${p}-mid`, `${p}-alpha`, `${p}-zeta`],
        'ordered by creation time, then name',
      );

      await store.setTenantStatus(`${p}a`, 'disabled');
      assert.equal((await store.tenantById(`${p}a`))!.status, 'disabled');
      assert.equal((await store.tenantById(`${p}z`))!.status, 'active', 'only that tenant');
      await store.setTenantSettings(`${p}a`, { 'identity.match': 'adopt', 'x.y': 'ünïcode ✓' });
      assert.deepEqual((await store.tenantByName(`${p}-alpha`))!.settings, { 'identity.match': 'adopt', 'x.y': 'ünïcode ✓' });
      await store.setTenantSettings(`${p}z`, {});
      assert.deepEqual((await store.tenantById(`${p}z`))!.settings, {});
      await store.setTenantStatus(`${p}-nope`, 'disabled');

      await assert.rejects(store.createTenant(tenantRec(`${p}other`, `${p}-alpha`)), 'a second tenant of the same name');
      await assert.rejects(store.createTenant(tenantRec(`${p}a`, `${p}-another`)), 'a second tenant of the same id');
      const after = await mine();
      assert.equal(after.length, 3, 'the failed creations left nothing');
      return after;
    },
  },
  {
    name: 'clients: create, look up, list, revoke once, updateClient fields and settings',
    async run(store, p) {
      await store.createTenant(tenantRec(`${p}t`, `${p}-t`));
      await store.createTenant(tenantRec(`${p}u`, `${p}-u`));
      const okta = clientRec(`${p}c1`, `${p}t`, 'okta', { idp: 'okta', settings: { 'normaliser.x': 'on' }, createdAt: at(2) });
      const entra = clientRec(`${p}c2`, `${p}t`, 'entra', { createdAt: at(1) });
      const same = clientRec(`${p}c3`, `${p}u`, 'okta');
      for (const c of [okta, entra, same]) await store.createClient(c);

      assert.deepEqual(await store.clientByName(`${p}t`, 'okta'), okta);
      assert.deepEqual(await store.clientByName(`${p}u`, 'okta'), same, 'names are per tenant');
      assert.equal(await store.clientByName(`${p}t`, 'OKTA'), undefined);
      assert.equal(await store.clientByName(`${p}u`, 'entra'), undefined);
      assert.deepEqual(await store.clientById(`${p}c2`), entra);
      assert.equal(await store.clientById(`${p}nope`), undefined);
      assert.deepEqual(await store.listClients(`${p}t`), [entra, okta], 'ordered by creation time');
      assert.deepEqual(await store.listClients(`${p}nope`), []);
      await assert.rejects(store.createClient(clientRec(`${p}c4`, `${p}t`, 'okta')), 'a second client of the same name in one tenant');

      await store.updateClient(`${p}c2`, { detectedIdp: 'entra', detectedReason: 'User-Agent: Azure AD SCIM' });
      assert.deepEqual(await store.clientById(`${p}c2`), { ...entra, detectedIdp: 'entra', detectedReason: 'User-Agent: Azure AD SCIM' });
      await store.updateClient(`${p}c1`, { idp: null });
      const { idp: _idp, ...oktaWithoutIdp } = okta;
      assert.deepEqual(await store.clientById(`${p}c1`), oktaWithoutIdp, 'null clears; settings kept');
      await store.updateClient(`${p}c1`, { settings: { 'normaliser.y': 'off' }, idp: 'generic' });
      assert.deepEqual(await store.clientById(`${p}c1`), { ...okta, idp: 'generic', settings: { 'normaliser.y': 'off' } }, 'settings replaced');
      await store.updateClient(`${p}c1`, {});
      assert.deepEqual(await store.clientById(`${p}c1`), { ...okta, idp: 'generic', settings: { 'normaliser.y': 'off' } }, 'no change is no change');
      await store.updateClient(`${p}c2`, { detectedIdp: null, detectedReason: null });
      assert.deepEqual(await store.clientById(`${p}c2`), entra);
      await store.updateClient(`${p}nope`, { idp: 'okta' });
      assert.deepEqual(await store.clientById(`${p}c3`), same, 'another client is untouched');

      await store.revokeClient(`${p}c2`, at(50));
      await store.revokeClient(`${p}c2`, at(60));
      assert.equal((await store.clientById(`${p}c2`))!.revokedAt, at(50), 'the first revocation time stays');
      assert.equal((await store.clientById(`${p}c1`))!.revokedAt, undefined);
      return { t: await store.listClients(`${p}t`), u: await store.listClients(`${p}u`) };
    },
  },
  {
    name: 'tokens: by hash, list filters, expire all but one, revoke, touch',
    async run(store, p) {
      const A = `${p}A`;
      const B = `${p}B`;
      await store.createTenant(tenantRec(A, `${p}-a`));
      await store.createTenant(tenantRec(B, `${p}-b`));
      for (const c of [clientRec(`${p}a1`, A, 'a1'), clientRec(`${p}a2`, A, 'a2'), clientRec(`${p}a3`, A, 'a3'), clientRec(`${p}b1`, B, 'b1')]) await store.createClient(c);
      const t1 = tokenRec(`${p}t1`, A, `${p}a1`, at(1));
      const t2 = tokenRec(`${p}t2`, A, `${p}a1`, at(2), { expiresAt: at(100) });
      const t3 = tokenRec(`${p}t3`, A, `${p}a1`, at(3), { expiresAt: at(10) });
      const t4 = tokenRec(`${p}t4`, A, `${p}a2`, at(4));
      const t5 = tokenRec(`${p}t5`, A, `${p}a3`, at(5));
      const t6 = tokenRec(`${p}t6`, B, `${p}b1`, at(6));
      // Inserted out of order: listings order by creation time.
      for (const t of [t4, t1, t6, t3, t2, t5]) await store.createToken(t);

      assert.deepEqual(await store.tokenByHash(`hash-${p}t1`), t1);
      assert.deepEqual(await store.tokenByHash(`hash-${p}t2`), t2);
      assert.equal(await store.tokenByHash(`hash-${p}nope`), undefined);
      assert.equal(await store.tokenByHash(`HASH-${p}t1`), undefined, 'hashes compare exactly');
      await assert.rejects(store.createToken(tokenRec(`${p}t7`, A, `${p}a1`, at(7), { hash: `hash-${p}t1` })), 'one hash, one token');

      const listed = async (f: { tenantId?: string; clientId?: string }) => (await store.listTokens(f)).filter((t) => t.id.startsWith(p)).map((t) => t.id);
      assert.deepEqual(await listed({}), [t1, t2, t3, t4, t5, t6].map((t) => t.id));
      assert.deepEqual(await listed({ tenantId: A }), [t1, t2, t3, t4, t5].map((t) => t.id));
      assert.deepEqual(await listed({ clientId: `${p}a1` }), [t1, t2, t3].map((t) => t.id));
      assert.deepEqual(await listed({ tenantId: B, clientId: `${p}b1` }), [t6.id]);
      assert.deepEqual(await listed({ tenantId: A, clientId: `${p}b1` }), [], 'both filters apply');

      // t5: revoked, then a second revocation keeps the first time and expiry leaves it alone.
      await store.revokeTokens(`${p}a3`, at(20));
      await store.revokeTokens(`${p}a3`, at(30));
      await store.expireTokens(`${p}a3`, at(40), `${p}none`);
      assert.deepEqual(await store.tokenByHash(t5.hash), { ...t5, revokedAt: at(20) });

      // Expire every live token of a1 that would outlive at(50), except t1.
      await store.expireTokens(`${p}a1`, at(50), t1.id);
      assert.deepEqual(await store.tokenByHash(t1.hash), t1, 'the excepted token');
      assert.deepEqual(await store.tokenByHash(t2.hash), { ...t2, expiresAt: at(50) }, 'would have outlived at(50)');
      assert.deepEqual(await store.tokenByHash(t3.hash), t3, 'already expires earlier');
      assert.deepEqual(await store.tokenByHash(t4.hash), t4, 'another client');
      await store.expireTokens(`${p}a2`, at(55), `${p}none`);
      assert.deepEqual(await store.tokenByHash(t4.hash), { ...t4, expiresAt: at(55) }, 'no expiry at all outlives everything');

      await store.touchToken(t6.id, at(60));
      assert.equal((await store.tokenByHash(t6.hash))!.lastUsedAt, at(60));
      await store.touchToken(t6.id, at(61));
      assert.equal((await store.tokenByHash(t6.hash))!.lastUsedAt, at(61));

      await store.revokeTokens(`${p}a1`, at(70));
      for (const t of [t1, t2, t3]) assert.equal((await store.tokenByHash(t.hash))!.revokedAt, at(70));
      assert.equal((await store.tokenByHash(t6.hash))!.revokedAt, undefined);
      return { A: await store.listTokens({ tenantId: A }), B: await store.listTokens({ tenantId: B }) };
    },
  },
  {
    name: 'resources: insert and get round-trip the document; getResource is scoped by type and tenant',
    async run(store, p) {
      const T = `${p}t`;
      const U = `${p}u`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      await store.createTenant(tenantRec(U, `${p}-u`));
      const zoe = userRes('u-1', 'Zoë.Ünïcode', {
        displayName: 'Zoë 🚀 "quoted" \\ back',
        name: { givenName: 'Zoë', familyName: "O'Brien" },
        active: true,
        emails: [
          { value: 'Zoe@Example.com', type: 'work', primary: true },
          { value: 'zoe@home.example', type: 'home' },
        ],
        [ENTERPRISE]: { employeeNumber: '00042', manager: { value: 'u-9' } },
        x509Certificates: [{ value: 'TUlJQw==' }],
      });
      const team = groupRes('g-1', 'Team');
      await insert(store, T, zoe);
      await insert(store, T, team);
      await insert(store, U, userRes('u-1', 'other tenant, same id'));

      assert.deepEqual(await store.getResource(T, 'User', 'u-1'), zoe);
      assert.deepEqual(await store.getResource(T, 'Group', 'g-1'), team);
      assert.equal(await store.getResource(T, 'Group', 'u-1'), undefined, 'a User id asked as Group');
      assert.equal(await store.getResource(T, 'User', 'g-1'), undefined, 'a Group id asked as User');
      assert.equal(await store.getResource(T, 'User', 'U-1'), undefined, 'ids compare exactly');
      assert.equal(await store.getResource(T, 'User', 'nope'), undefined);
      assert.equal((await store.getResource(U, 'User', 'u-1'))!.data.userName, 'other tenant, same id');
      assert.equal(await store.getResource(U, 'Group', 'g-1'), undefined, 'another tenant');
      const locked = await store.transaction((tx) => tx.getResource(T, 'User', 'u-1', { lock: true }));
      assert.deepEqual(locked, zoe, 'a locked read inside a transaction');
      await assert.rejects(insert(store, T, groupRes('g-1', 'Again')), 'one id per tenant');
      await assert.rejects(insert(store, T, userRes('u-1', 'someone-else')), 'one id per tenant, whatever the type');
      assert.deepEqual(await store.getResource(T, 'Group', 'g-1'), team);
      return { zoe: await store.getResource(T, 'User', 'u-1'), team: await store.getResource(T, 'Group', 'g-1') };
    },
  },
  {
    name: 'updateResource: writes only at the expected version; a stale version returns false and writes nothing',
    async run(store, p) {
      const T = `${p}t`;
      const U = `${p}u`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      await store.createTenant(tenantRec(U, `${p}-u`));
      const v1 = userRes('u-1', 'bjensen', { title: 'Boss', displayName: 'One', emails: [{ value: 'one@example.com' }] });
      await insert(store, T, v1);
      await insert(store, U, userRes('u-1', 'bjensen'));

      const v2 = { ...userRes('u-1', 'bjensen', { title: 'Chief', displayName: 'Two', emails: [{ value: 'two@example.com' }, { value: 'TWO@example.com' }] }, 2), created: at(999) };
      assert.equal(await store.updateResource(T, v2, 1, searchOf(v2)), true);
      assert.deepEqual(await store.getResource(T, 'User', 'u-1'), { ...v2, created: v1.created }, 'created never changes');
      assert.equal(await resourceValues(store, T), 1, 'one folded emails.value row (two spellings of one address)');

      const stale = userRes('u-1', 'stale', { title: 'Stale', displayName: 'Three', emails: [{ value: 'three@example.com' }] }, 3);
      assert.equal(await store.updateResource(T, stale, 1, searchOf(stale)), false, 'stale version');
      assert.equal(await store.updateResource(T, stale, 7, searchOf(stale)), false, 'future version');
      assert.equal(await store.updateResource(T, { ...stale, type: 'Group' }, 2, searchOf(stale)), false, 'wrong type');
      assert.equal(await store.updateResource(T, { ...stale, id: 'nope' }, 2, searchOf(stale)), false, 'no such id');
      assert.equal(await store.updateResource(`${p}-nope`, stale, 2, searchOf(stale)), false, 'no such tenant');
      assert.deepEqual(await store.getResource(T, 'User', 'u-1'), { ...v2, created: v1.created }, 'nothing written');
      const q = (f: string) => ids(store, T, { types: ['User'], filters: filtered('User', f) });
      assert.equal((await q('displayName eq "three"')).total, 0);
      assert.equal((await q('title eq "stale"')).total, 0);
      assert.equal((await q('emails.value eq "three@example.com"')).total, 0, 'resource_values untouched');
      assert.equal((await q('emails.value eq "Two@Example.com"')).total, 1);
      assert.equal((await q('userName eq "STALE"')).total, 0);
      assert.equal(await resourceValues(store, T), 1);
      assert.equal((await store.getResource(U, 'User', 'u-1'))!.version, 1, "another tenant's resource of the same id");

      // Without a search form the stored one is kept (title is read from it); key columns follow the data.
      const v3 = userRes('u-1', 'bjensen', { title: 'Captain', displayName: 'Three', emails: [{ value: 'three@example.com' }] }, 3);
      assert.equal(await store.updateResource(T, v3, 2), true);
      assert.equal((await store.getResource(T, 'User', 'u-1'))!.data.title, 'Captain');
      assert.equal((await q('title eq "chief"')).total, 1, 'the stored search form is kept');
      assert.equal((await q('title eq "captain"')).total, 0);
      assert.equal((await q('displayName eq "THREE"')).total, 1, 'displayName has its own column');
      assert.equal((await q('emails.value eq "three@example.com"')).total, 1);
      assert.equal(await resourceValues(store, T), 1);

      // Versions need not be consecutive: whatever the caller writes is what the next check expects.
      const v10 = userRes('u-1', 'bjensen', { title: 'Ten' }, 10);
      assert.equal(await store.updateResource(T, v10, 3, searchOf(v10)), true);
      assert.equal(await store.updateResource(T, { ...v10, version: 11 }, 3, searchOf(v10)), false);
      assert.equal(await resourceValues(store, T), 0, 'no emails, no rows');
      return { t: await store.getResource(T, 'User', 'u-1'), u: await store.getResource(U, 'User', 'u-1') };
    },
  },
  {
    name: 'deleteResource: true once, scoped by type and tenant; cascades memberships and resource_values',
    async run(store, p) {
      const T = `${p}t`;
      const U = `${p}u`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      await store.createTenant(tenantRec(U, `${p}-u`));
      await insert(store, T, userRes('u-1', 'one', { emails: [{ value: 'a@example.com' }, { value: 'b@example.com' }] }));
      await insert(store, T, userRes('u-2', 'two', { emails: [{ value: 'c@example.com' }] }));
      await insert(store, T, groupRes('g-1', 'Inner'));
      await insert(store, T, groupRes('g-2', 'Outer'));
      await insert(store, U, userRes('u-1', 'one'));
      await store.applyMemberDelta(T, 'g-1', delta({ 'u-1': 'User', 'u-2': 'User' }));
      await store.applyMemberDelta(T, 'g-2', delta({ 'g-1': 'Group', 'u-1': 'User' }));
      assert.equal(await resourceValues(store, T), 3);
      assert.equal(await membershipRows(store, T), 4);

      assert.equal(await store.deleteResource(T, 'Group', 'u-1'), false, 'a User id deleted as Group');
      assert.equal(await store.deleteResource(T, 'User', 'nope'), false);
      assert.equal(await store.deleteResource(`${p}-nope`, 'User', 'u-1'), false);
      assert.equal(await store.deleteResource(T, 'User', 'u-1'), true);
      assert.equal(await store.deleteResource(T, 'User', 'u-1'), false, 'only once');
      assert.equal(await store.getResource(T, 'User', 'u-1'), undefined);
      assert.ok(await store.getResource(U, 'User', 'u-1'), "another tenant's resource of the same id stays");
      assert.deepEqual(
        (await store.membersOf(T, 'g-1')).map((m) => m.value),
        ['u-2'],
      );
      assert.deepEqual(
        (await store.membersOf(T, 'g-2')).map((m) => m.value),
        ['g-1'],
      );
      assert.equal((await store.groupsOf(T, ['u-1'])).size, 0);
      assert.equal(await resourceValues(store, T), 1, "the deleted user's emails.value rows are gone");
      assert.equal(await membershipRows(store, T), 2, "the deleted user's membership rows are gone");
      assert.equal((await ids(store, T, { types: ['User'], filters: filtered('User', 'emails.value eq "a@example.com"') })).total, 0);

      assert.equal(await store.deleteResource(T, 'Group', 'g-1'), true);
      assert.deepEqual(await store.membersOf(T, 'g-2'), [], 'a deleted group leaves the groups it was in');
      assert.equal((await store.groupsOf(T, ['u-2'])).size, 0);
      assert.equal(await membershipRows(store, T), 0, "the deleted group's own rows are gone");
      // A new resource never inherits the rows of a deleted one.
      await insert(store, T, userRes('u-1', 'one again'));
      assert.deepEqual(await store.groupsOf(T, ['u-1']), new Map());
      return {
        users: await ids(store, T, { types: ['User'] }),
        groups: await ids(store, T, { types: ['Group'] }),
        values: await resourceValues(store, T),
      };
    },
  },
  {
    name: 'userName is unique per tenant without regard to case (UniqueViolation), on insert and update',
    async run(store, p) {
      const T = `${p}t`;
      const U = `${p}u`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      await store.createTenant(tenantRec(U, `${p}-u`));
      await insert(store, T, userRes('u-alice', 'Alice'));
      for (const [i, name] of ['alice', 'ALICE', 'aLiCe'].entries()) {
        await assert.rejects(insert(store, T, userRes(`u-dup-${i}`, name)), isUserNameViolation, name);
      }
      await insert(store, U, userRes('u-alice-2', 'alice'));
      await insert(store, T, userRes('u-strasse', 'straße'));
      await assert.rejects(insert(store, T, userRes('u-dup-ss', 'STRASSE')), isUserNameViolation, 'ß folds to ss');
      await assert.rejects(insert(store, T, userRes('u-dup-ss2', 'Strasse')), isUserNameViolation);
      await insert(store, U, userRes('u-strasse-2', 'STRASSE'));
      await insert(store, T, userRes('u-odos', 'ΟΔΟΣ'));
      await assert.rejects(insert(store, T, userRes('u-dup-odos', 'οδος')), isUserNameViolation, 'final sigma folds to sigma');
      await insert(store, T, userRes('u-i', 'İstanbul'));
      await assert.rejects(insert(store, T, userRes('u-dup-i', 'i̇stanbul')), isUserNameViolation, 'İ folds as JavaScript folds it');

      // Groups have no userName: any number of them.
      await insert(store, T, groupRes('g-1', 'Same'));
      await insert(store, T, groupRes('g-2', 'Same'));

      await insert(store, T, userRes('u-bob', 'bob'));
      const clash = userRes('u-bob', 'ALICE', {}, 2);
      await assert.rejects(store.updateResource(T, clash, 1, searchOf(clash)), isUserNameViolation, 'an update onto a taken name');
      assert.deepEqual(await store.getResource(T, 'User', 'u-bob'), userRes('u-bob', 'bob'), 'the failed update wrote nothing');
      const recased = userRes('u-bob', 'BOB', {}, 2);
      assert.equal(await store.updateResource(T, recased, 1, searchOf(recased)), true, 'a user may change the case of its own name');

      // In a transaction the violation propagates and rolls back what came before it.
      await assert.rejects(
        store.transaction(async (tx) => {
          await insert(tx, T, userRes('u-carol', 'carol'));
          await insert(tx, T, userRes('u-carol-2', 'CAROL'));
        }),
        isUserNameViolation,
      );
      assert.equal(await store.getResource(T, 'User', 'u-carol'), undefined, 'rolled back');
      // The store is fine afterwards.
      await insert(store, T, userRes('u-carol', 'Carol'));

      const names = async (tenantId: string) => (await store.queryResources(tenantId, { types: ['User'], startIndex: 1, count: 100 })).resources.map((r) => r.data.userName);
      const t = await names(T);
      assert.deepEqual(t, ['Alice', 'straße', 'ΟΔΟΣ', 'İstanbul', 'BOB', 'Carol']);
      const found = await ids(store, T, { types: ['User'], filters: filtered('User', 'userName eq "STRASSE"') });
      assert.deepEqual(found, { total: 1, ids: ['u-strasse'] });
      return { t, u: await names(U) };
    },
  },
  {
    name: 'queryResources: totals, paging, sorting with stable ties, count 0, types and tenants',
    async run(store, p) {
      const T = `${p}t`;
      const U = `${p}u`;
      const E = `${p}e`;
      for (const id of [T, U, E]) await store.createTenant(tenantRec(id, `${p}-${id}`));
      // Insertion order is the order of this list; displayName ties must keep it.
      const rows: StoredResource[] = [
        userRes('u1', 'user1', { displayName: 'b' }),
        groupRes('g1', 'B'),
        userRes('u2', 'user2', { displayName: 'a' }),
        userRes('u3', 'user3', { displayName: 'b' }),
        userRes('u4', 'user4'),
        groupRes('g2', 'a'),
        userRes('u5', 'user5', { displayName: 'c' }),
        userRes('u6', 'user6', { displayName: 'A' }),
        userRes('u7', 'user7', { displayName: 'B' }),
      ];
      for (const r of rows) await insert(store, T, r);
      await insert(store, U, userRes('x1', 'user1', { displayName: 'a' }));

      const users = (q: Partial<ResourceQuery> = {}) => ids(store, T, { types: ['User'], ...q });
      const out: Record<string, unknown> = {};
      const check = async (label: string, got: Promise<{ total: number; ids: string[] }>, want: { total: number; ids: string[] }) => {
        const v = await got;
        assert.deepEqual(v, want, label);
        out[label] = v;
      };
      await check('insertion order', users(), { total: 7, ids: ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'] });
      await check('root: both types in insertion order', ids(store, T, { types: ['User', 'Group'] }), { total: 9, ids: rows.map((r) => r.id) });
      await check('groups', ids(store, T, { types: ['Group'] }), { total: 2, ids: ['g1', 'g2'] });
      await check('ascending: folded, ties by insertion, no value last', users({ sort: sortBy(['User'], 'displayName', false), descending: false }), {
        total: 7,
        ids: ['u2', 'u6', 'u1', 'u3', 'u7', 'u5', 'u4'],
      });
      await check('descending: no value first, ties still by insertion', users({ sort: sortBy(['User'], 'displayName', true), descending: true }), {
        total: 7,
        ids: ['u4', 'u5', 'u1', 'u3', 'u7', 'u2', 'u6'],
      });
      await check('sorted page', users({ sort: sortBy(['User'], 'displayName', false), startIndex: 2, count: 3 }), { total: 7, ids: ['u6', 'u1', 'u3'] });
      await check('last partial page', users({ startIndex: 6, count: 5 }), { total: 7, ids: ['u6', 'u7'] });
      await check('beyond the end', users({ startIndex: 8, count: 5 }), { total: 7, ids: [] });
      await check('count 0: the total only', users({ count: 0 }), { total: 7, ids: [] });
      await check('filter', users({ filters: filtered('User', 'displayName eq "B"') }), { total: 3, ids: ['u1', 'u3', 'u7'] });
      await check('filter, paged', users({ filters: filtered('User', 'displayName eq "B"'), startIndex: 2, count: 1 }), { total: 3, ids: ['u3'] });
      await check('filter, count 0', users({ filters: filtered('User', 'displayName eq "B"'), count: 0 }), { total: 3, ids: [] });
      await check('filter matching nothing', users({ filters: filtered('User', 'displayName eq "zzz"') }), { total: 0, ids: [] });
      await check(
        'root: sorted across types',
        ids(store, T, { types: ['User', 'Group'], sort: sortBy(['User', 'Group'], 'displayName', false) }),
        { total: 9, ids: ['u2', 'g2', 'u6', 'u1', 'g1', 'u3', 'u7', 'u5', 'u4'] },
      );
      await check(
        'root: filter on one type only',
        ids(store, T, { types: ['User', 'Group'], filters: new Map([['Group', bindFilter(parseFilter('displayName eq "a"'), registry.resource('Group'), true)]]) }),
        { total: 8, ids: ['u1', 'u2', 'u3', 'u4', 'g2', 'u5', 'u6', 'u7'] },
      );
      await check('another tenant', ids(store, U, { types: ['User', 'Group'] }), { total: 1, ids: ['x1'] });
      await check('an empty tenant', ids(store, E, { types: ['User', 'Group'] }), { total: 0, ids: [] });
      await check('an empty tenant, count 0', ids(store, E, { types: ['User'], count: 0 }), { total: 0, ids: [] });
      const page = await store.queryResources(T, { types: ['User'], startIndex: 1, count: 1 });
      assert.deepEqual(page.resources, [rows[0]], 'the page holds whole stored resources');
      return out;
    },
  },
  {
    name: 'queryResources: strings sort by code point of their folded form, pages of ties neither repeat nor skip',
    async run(store, p) {
      const T = `${p}t`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      const names = ['éclair', 'Eclair', 'zebra', 'Zebra', 'ß', 'SS', 'ss', '𝒜lpha', '\uFFFD', 'Ωmega', 'ωmega', '10', '9', 'a', 'A', 'a b', 'a-b', 'a_b', 'ab', 'İ', 'i'];
      const rows = names.map((n, i) => userRes(`u${String(i).padStart(2, '0')}`, `user${i}`, { displayName: n }));
      for (const r of rows) await insert(store, T, r);
      // What the in-memory evaluator does: fold, then code points; ties by insertion order.
      const expected = [...rows].sort((x, y) => compareCodePoints(fold(x.data.displayName as string), fold(y.data.displayName as string))).map((r) => r.id);
      const asc = await ids(store, T, { types: ['User'], sort: sortBy(['User'], 'displayName', false) });
      assert.deepEqual(asc.ids.map((id) => names[Number(id.slice(1))]), expected.map((id) => names[Number(id.slice(1))]));
      const paged: string[] = [];
      for (let start = 1; start <= rows.length; start += 2) {
        const page = await ids(store, T, { types: ['User'], sort: sortBy(['User'], 'displayName', false), startIndex: start, count: 2 });
        assert.equal(page.total, rows.length);
        paged.push(...page.ids);
      }
      assert.deepEqual(paged, expected, 'two at a time, the same order');
      const desc = await ids(store, T, { types: ['User'], sort: sortBy(['User'], 'displayName', true), descending: true });
      const tieKey = (id: string) => fold(rows[Number(id.slice(1))]!.data.displayName as string);
      const expectedDesc = [...expected].sort((x, y) => compareCodePoints(tieKey(y), tieKey(x)));
      assert.deepEqual(desc.ids, expectedDesc, 'descending: reversed keys, ties still in insertion order');
      return { asc: asc.ids, desc: desc.ids };
    },
  },
  {
    name: 'memberships: applyMemberDelta (clear, remove, add; idempotent), memberFacts, membersOf with display',
    async run(store, p) {
      const T = `${p}t`;
      const U = `${p}u`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      await store.createTenant(tenantRec(U, `${p}-u`));
      await insert(store, T, userRes('u1', 'uno.user', { displayName: 'Uno' }));
      await insert(store, T, userRes('u2', 'dos.user'));
      await insert(store, T, userRes('u3', 'tres.user', { displayName: 'Tres' }));
      await insert(store, T, groupRes('g1', 'G1'));
      await insert(store, T, groupRes('g2', 'G2'));
      await insert(store, T, groupRes('g3'));
      await insert(store, U, userRes('x1', 'other'));
      const members = async () => store.membersOf(T, 'g1');
      const snapshots: unknown[] = [];
      const step = async (d: MemberDelta, want: unknown[]) => {
        await store.applyMemberDelta(T, 'g1', d);
        const got = await members();
        assert.deepEqual(got, want);
        snapshots.push(got);
      };
      const u1 = { value: 'u1', type: 'User', display: 'Uno' };
      const u2 = { value: 'u2', type: 'User', display: 'dos.user' };
      const u3 = { value: 'u3', type: 'User', display: 'Tres' };
      const g2 = { value: 'g2', type: 'Group', display: 'G2' };
      const g3 = { value: 'g3', type: 'Group' };

      // Added in the order u2, u1: listed by member insertion order, display = displayName, else userName.
      await step(delta({ 'u2': 'User', 'u1': 'User' }), [u1, u2]);
      await step(delta({ 'u1': 'User' }), [u1, u2]);
      await step(delta({ 'nope': 'User', 'x1': 'User' }), [u1, u2]);
      await step(delta({}, ['u3', 'nope', 'x1']), [u1, u2]);
      await step(delta({ 'g3': 'Group', 'g2': 'Group' }), [u1, u2, g2, g3]);
      await step(delta({}, ['u1']), [u2, g2, g3]);
      await step(delta({}, ['u1']), [u2, g2, g3]);
      await step(delta({ 'u3': 'User' }, [], true), [u3]);
      await step(delta({ 'u3': 'User' }, [], true), [u3]);
      await step(delta({ 'u3': 'User' }, ['u3'], true), [u3]);
      await step(delta({ 'u1': 'User' }, ['u3']), [u1]);
      await step(delta({}, [], true), []);
      await step(delta({ 'u1': 'User', 'u2': 'User', 'g2': 'Group' }), [u1, u2, g2]);

      await store.applyMemberDelta(T, 'nope', delta({ 'u1': 'User' }));
      await store.applyMemberDelta(T, 'u3', delta({ 'u1': 'User' }));
      await store.applyMemberDelta(U, 'g1', delta({ 'x1': 'User' }, [], true));
      assert.deepEqual(await members(), [u1, u2, g2], 'deltas on no group, on a user, or from another tenant change nothing');
      assert.deepEqual(await store.membersOf(T, 'nope'), []);
      assert.deepEqual(await store.membersOf(T, 'u1'), [], 'a user has no members');
      assert.deepEqual(await store.membersOf(U, 'g1'), []);
      assert.equal(await membershipRows(store, T), 3);

      const facts = await store.memberFacts(T, 'g1', ['u3', 'u1', 'g2', 'nope', 'x1', 'u3', 'g3']);
      const plain = (f: { members: Set<string>; types: Map<string, string> }) => ({ members: [...f.members].sort(), types: Object.fromEntries([...f.types].sort()) });
      assert.deepEqual(plain(facts), { members: ['g2', 'u1'], types: { g2: 'Group', g3: 'Group', u1: 'User', u3: 'User' } });
      const noGroup = await store.memberFacts(T, 'nope', ['u1', 'g1']);
      assert.deepEqual(plain(noGroup), { members: [], types: { g1: 'Group', u1: 'User' } });
      const empty = await store.memberFacts(T, 'g1', []);
      assert.deepEqual(plain(empty), { members: [], types: {} });
      return { snapshots, facts: plain(facts), noGroup: plain(noGroup) };
    },
  },
  {
    name: 'groupsOf: direct and indirect memberships through nested groups and cycles',
    async run(store, p) {
      const T = `${p}t`;
      const U = `${p}u`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      await store.createTenant(tenantRec(U, `${p}-u`));
      for (const u of ['u1', 'u2', 'u3', 'u4']) await insert(store, T, userRes(u, `${u}.name`));
      for (const [g, name] of [
        ['eng', 'Engineering'],
        ['platform', 'Platform'],
        ['all', 'All staff'],
        ['cyc-a', 'Cycle A'],
        ['cyc-b', 'Cycle B'],
        ['lonely', undefined],
      ] as const) {
        await insert(store, T, groupRes(g, name));
      }
      await insert(store, U, userRes('u1', 'other tenant'));
      await insert(store, U, groupRes('eng', 'Other engineering'));
      await store.applyMemberDelta(U, 'eng', delta({ u1: 'User' }));
      await store.applyMemberDelta(T, 'eng', delta({ u1: 'User' }));
      await store.applyMemberDelta(T, 'platform', delta({ eng: 'Group', u2: 'User' }));
      await store.applyMemberDelta(T, 'all', delta({ platform: 'Group', u1: 'User' }));
      await store.applyMemberDelta(T, 'cyc-a', delta({ 'cyc-b': 'Group', u3: 'User' }));
      await store.applyMemberDelta(T, 'cyc-b', delta({ 'cyc-a': 'Group', lonely: 'Group' }));
      await store.applyMemberDelta(T, 'lonely', delta({ u3: 'User' }));

      const got = await store.groupsOf(T, ['u1', 'u2', 'u3', 'u4', 'nope', 'u1']);
      const want = {
        // Ordered by group creation; a group reached both directly and through nesting is direct.
        u1: [
          { value: 'eng', type: 'direct', display: 'Engineering' },
          { value: 'platform', type: 'indirect', display: 'Platform' },
          { value: 'all', type: 'direct', display: 'All staff' },
        ],
        u2: [
          { value: 'platform', type: 'direct', display: 'Platform' },
          { value: 'all', type: 'indirect', display: 'All staff' },
        ],
        // cyc-a ⊃ cyc-b ⊃ cyc-a …: the walk ends, each group once.
        u3: [
          { value: 'cyc-a', type: 'direct', display: 'Cycle A' },
          { value: 'cyc-b', type: 'indirect', display: 'Cycle B' },
          { value: 'lonely', type: 'direct' },
        ],
      };
      assert.deepEqual(groupsObject(got), want);
      assert.equal(got.has('u4'), false, 'a user in no group has no entry');
      assert.deepEqual(groupsObject(await store.groupsOf(U, ['u1'])), { u1: [{ value: 'eng', type: 'direct', display: 'Other engineering' }] }, 'per tenant');
      assert.equal((await store.groupsOf(T, [])).size, 0);

      // Leaving `lonely`, u3 is still in cyc-b through cyc-a; once cyc-b drops cyc-a, only cyc-a is left.
      await store.applyMemberDelta(T, 'lonely', delta({}, ['u3']));
      assert.deepEqual(groupsObject(await store.groupsOf(T, ['u3'])), {
        u3: [
          { value: 'cyc-a', type: 'direct', display: 'Cycle A' },
          { value: 'cyc-b', type: 'indirect', display: 'Cycle B' },
        ],
      });
      await store.applyMemberDelta(T, 'cyc-b', delta({}, ['cyc-a']));
      assert.deepEqual(groupsObject(await store.groupsOf(T, ['u3'])), { u3: [{ value: 'cyc-a', type: 'direct', display: 'Cycle A' }] });
      return { before: groupsObject(got), after: groupsObject(await store.groupsOf(T, ['u1', 'u2', 'u3'])) };
    },
  },
  {
    name: 'memberFacts, membersOf and groupsOf over more ids than one statement takes (chunks of 500)',
    async run(store, p) {
      const T = `${p}t`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      const N = 620;
      const userIds = Array.from({ length: N }, (_, i) => `u${String(i).padStart(4, '0')}`);
      const memberIds = userIds.filter((_, i) => i % 10 !== 0);
      await store.transaction(async (tx) => {
        for (const id of userIds) await insert(tx, T, userRes(id, id));
        await insert(tx, T, groupRes('big', 'Big'));
        await insert(tx, T, groupRes('outer', 'Outer'));
        await tx.applyMemberDelta(T, 'big', delta(Object.fromEntries(memberIds.map((id) => [id, 'User' as const]))));
        await tx.applyMemberDelta(T, 'outer', delta({ big: 'Group' }));
      });
      const asked = [...userIds, ...Array.from({ length: 100 }, (_, i) => `missing-${i}`)];
      const facts = await store.memberFacts(T, 'big', asked);
      assert.equal(facts.types.size, N);
      assert.deepEqual([...facts.members].sort(), memberIds);
      const members = await store.membersOf(T, 'big');
      assert.deepEqual(
        members.map((m) => m.value),
        memberIds,
      );
      const groups = await store.groupsOf(T, userIds);
      assert.equal(groups.size, memberIds.length);
      for (const id of memberIds) {
        assert.deepEqual(groups.get(id), [
          { value: 'big', type: 'direct', display: 'Big' },
          { value: 'outer', type: 'indirect', display: 'Outer' },
        ]);
      }
      return { members: members.length, groups: groups.size, facts: facts.members.size };
    },
  },
  {
    name: 'request log: append, newest first, filters by tenant and status, afterId, limit, one entry',
    async run(store) {
      await store.pruneRequestLog('9999-12-31T00:00:00.000Z', 0);
      assert.deepEqual(await store.requestLog({ limit: 100 }), [], 'emptied');
      const full: RequestLogEntry = {
        at: at(3),
        tenantId: 'tenant-1',
        tenantName: 'acme',
        clientId: 'client-1',
        clientName: 'okta',
        idp: 'okta',
        method: 'PATCH',
        path: '/scim/v2/Users/u-1',
        status: 400,
        scimType: 'invalidPath',
        durationMs: 12,
        notes: ['okta: members[value eq "x"] rewritten', 'ignored: meta'],
        requestBody: '{"Operations":[{"op":"Replace"}]}',
        responseBody: '{"status":"400","detail":"ünïcode ✓"}',
      };
      const entries: RequestLogEntry[] = [
        { at: at(1), method: 'GET', path: '/scim/v2/Users', status: 401, durationMs: 1, notes: [] },
        { at: at(2), tenantId: 'tenant-1', tenantName: 'acme', method: 'POST', path: '/scim/v2/Users', status: 201, durationMs: 5, notes: [] },
        full,
        { at: at(4), tenantId: 'tenant-2', tenantName: 'beta', method: 'GET', path: '/scim/v2/Groups', status: 200, durationMs: 2, notes: ['n'] },
        { at: at(5), tenantId: 'tenant-1', tenantName: 'acme', method: 'DELETE', path: '/scim/v2/Users/u-1', status: 204, durationMs: 3, notes: [] },
        { at: at(6), tenantId: 'tenant-1', tenantName: 'acme', method: 'PUT', path: '/scim/v2/Users/u-1', status: 503, durationMs: 4, notes: [] },
      ];
      await store.appendRequestLog(entries.slice(0, 2));
      await store.appendRequestLog(entries.slice(2));
      await store.appendRequestLog([]);
      const all = await store.requestLog({ limit: 100 });
      assert.equal(all.length, entries.length);
      const logIds = all.map((e) => e.id!);
      assert.deepEqual(logIds, [...logIds].sort((x, y) => y - x), 'newest (largest id) first');
      assert.deepEqual(
        all.map(({ id: _id, ...rest }) => rest),
        [...entries].reverse(),
        'each entry as appended; absent fields stay absent',
      );
      const rank = new Map([...logIds].reverse().map((id, i) => [id, i]));
      const idOf = (i: number) => [...logIds].reverse()[i]!;
      const q = async (query: Parameters<Store['requestLog']>[0]) => (await store.requestLog(query)).map((e) => rank.get(e.id!));

      const seen: Record<string, unknown> = {};
      const check = async (label: string, query: Parameters<Store['requestLog']>[0], want: number[]) => {
        const got = await q(query);
        assert.deepEqual(got, want, label);
        seen[label] = got;
      };
      await check('tenant', { tenantId: 'tenant-1', limit: 100 }, [5, 4, 2, 1]);
      await check('min status', { minStatus: 400, limit: 100 }, [5, 2, 0]);
      await check('max status', { maxStatus: 299, limit: 100 }, [4, 3, 1]);
      await check('status range', { minStatus: 200, maxStatus: 399, limit: 100 }, [4, 3, 1]);
      await check('tenant and status', { tenantId: 'tenant-1', minStatus: 400, maxStatus: 499, limit: 100 }, [2]);
      await check('after an id', { afterId: idOf(2), limit: 100 }, [5, 4, 3]);
      await check('after the newest', { afterId: idOf(5), limit: 100 }, []);
      await check('limit', { limit: 2 }, [5, 4]);
      await check('limit with after: the newest ones', { afterId: idOf(0), limit: 2 }, [5, 4]);
      await check('no such tenant', { tenantId: 'nope', limit: 100 }, []);

      assert.deepEqual(await store.requestLogEntry(idOf(2)), { ...full, id: idOf(2) });
      assert.deepEqual(await store.requestLogEntry(idOf(0)), { ...entries[0], id: idOf(0) });
      assert.equal(await store.requestLogEntry(idOf(5) + 1000), undefined);

      // Fractional durations are stored as whole milliseconds.
      await store.appendRequestLog([{ at: at(7), method: 'GET', path: '/x', status: 200, durationMs: 12.6, notes: [] }]);
      assert.equal((await store.requestLog({ limit: 1 }))[0]!.durationMs, 13);
      return seen;
    },
  },
  {
    name: 'webhooks: endpoints, leases for one owner at a time, cursor compare-and-set, dead-letter and resume, attempts and pruning',
    async run(store, p) {
      const T = `${p}t`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      const ep = (id: string, deliveredSeq: number) => ({ id: `${p}-${id}`, tenantId: T, url: `https://h.example/${id}`, secret: 'whsec_AAAA', types: ['user.created'], enabled: true, createdAt: at(0), deliveredSeq, state: 'active' as const, attempts: 0 });
      assert.equal(await store.lastTenantSeq(T), 0);
      await store.createWebhookEndpoint(ep('a', 0));
      await store.createWebhookEndpoint(ep('b', 0));
      assert.deepEqual(await store.claimWebhookEndpoints('one', at(1), at(5), 10), [], 'no events: no work');
      assert.equal(await store.webhooksDue(at(1)), false);
      for (let i = 0; i < 3; i++) await store.appendEvent({ tenantId: T, type: 'user.created', at: at(1), data: {} });
      assert.equal(await store.lastTenantSeq(T), 3);
      assert.equal(await store.webhooksDue(at(1)), true);
      const first = await store.claimWebhookEndpoints('one', at(1), at(5), 1);
      assert.equal(first.length, 1);
      assert.equal(first[0]!.leaseOwner, 'one');
      const second = await store.claimWebhookEndpoints('two', at(1), at(5), 10);
      assert.deepEqual(
        second.map((e) => e.id),
        [`${p}-a`, `${p}-b`].filter((id) => id !== first[0]!.id),
        'a leased endpoint is not leased again',
      );
      const a = `${p}-a`;
      const ownerA = first[0]!.id === a ? 'one' : 'two';
      const other = ownerA === 'one' ? 'two' : 'one';
      assert.equal(await store.renewWebhookLease(a, other, at(9)), false);
      assert.equal(await store.renewWebhookLease(a, ownerA, at(6)), true);
      assert.equal(await store.advanceWebhookCursor(a, other, 0, 1), false, 'not the owner');
      assert.equal(await store.advanceWebhookCursor(a, ownerA, 1, 2), false, 'not where the cursor is');
      assert.equal(await store.advanceWebhookCursor(a, ownerA, 0, 1), true);
      assert.equal(await store.webhookAttemptFailed(a, ownerA, 1, { nextAttemptAt: at(8) }), true);
      await store.releaseWebhookLease(a, ownerA);
      assert.deepEqual(
        (await store.claimWebhookEndpoints('three', at(7), at(9), 10)).map((e) => e.id),
        [`${p}-b`],
        'a has a retry due later; the lease on b has run out',
      );
      await store.releaseWebhookLease(`${p}-b`, 'three');
      const retried = await store.claimWebhookEndpoints('three', at(8), at(9), 10);
      assert.deepEqual(
        retried.map((e) => [e.id, e.deliveredSeq, e.attempts]).sort(),
        [
          [a, 1, 1],
          [`${p}-b`, 0, 0],
        ],
        'a is due again, b is free',
      );
      await store.releaseWebhookLease(`${p}-b`, 'three');
      assert.equal(await store.webhookAttemptFailed(a, 'three', 2, { failedSeq: 2, reason: 'HTTP 500' }), true);
      await store.releaseWebhookLease(a, 'three');
      const failing = (await store.webhookEndpoint(a))!;
      assert.deepEqual([failing.state, failing.failedSeq, failing.failedReason, failing.attempts], ['failing', 2, 'HTTP 500', 2]);
      assert.deepEqual(
        (await store.claimWebhookEndpoints('four', at(9), at(10), 10)).map((e) => e.id),
        [`${p}-b`],
        'a failing endpoint is not worked on',
      );
      assert.equal(await store.resumeWebhook(a), true);
      const resumed = (await store.webhookEndpoint(a))!;
      assert.deepEqual([resumed.state, resumed.failedSeq, resumed.attempts, resumed.deliveredSeq, resumed.nextAttemptAt], ['active', undefined, 0, 1, undefined]);
      assert.equal(await store.resumeWebhook(a, 0), true);
      assert.equal((await store.webhookEndpoint(a))!.deliveredSeq, 0);
      assert.equal(await store.updateWebhookEndpoint(a, { url: 'https://h.example/new', types: [], enabled: false }), true);
      const changed = (await store.webhookEndpoint(a))!;
      assert.deepEqual([changed.url, changed.types, changed.enabled], ['https://h.example/new', [], false]);
      assert.equal(await store.rotateWebhookSecret(a, 'whsec_BBBB', { secret: 'whsec_AAAA', until: at(20) }), true);
      const rotated = (await store.webhookEndpoint(a))!;
      assert.deepEqual([rotated.secret, rotated.previousSecret, rotated.previousSecretUntil], ['whsec_BBBB', 'whsec_AAAA', at(20)]);

      for (let n = 0; n < 6; n++) {
        await store.recordWebhookAttempt({ endpointId: a, eventId: `e${n}`, tenantSeq: n + 1, eventType: 'user.created', attempt: 1, at: at(n), ...(n % 2 ? { status: 500, responseExcerpt: 'no' } : { status: 200 }), durationMs: n + 0.4 });
      }
      await store.recordWebhookAttempt({ endpointId: a, eventId: 'e6', eventType: 'webhook.test', attempt: 1, at: at(6), durationMs: 3, error: 'timed out' });
      const attempts = await store.webhookAttempts(a, { limit: 100 });
      assert.deepEqual(
        attempts.map((x) => x.eventId),
        ['e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e0'],
      );
      assert.deepEqual(
        (await store.webhookAttempts(a, { limit: 100, failedOnly: true })).map((x) => x.eventId),
        ['e6', 'e5', 'e3', 'e1'],
      );
      assert.equal(attempts[0]!.status, undefined);
      assert.equal(attempts[0]!.tenantSeq, undefined);
      assert.equal(attempts[1]!.durationMs, 5);
      assert.equal(await store.pruneWebhookAttempts(at(2), 100), 2);
      assert.equal(await store.pruneWebhookAttempts(at(0), 3), 2);
      assert.deepEqual(
        (await store.webhookAttempts(a, { limit: 100 })).map((x) => x.eventId),
        ['e6', 'e5', 'e4'],
      );
      assert.deepEqual(
        (await store.webhookEndpoints(T)).map((e) => e.id),
        [a, `${p}-b`],
      );
      assert.equal(await store.deleteWebhookEndpoint(a), true);
      assert.equal(await store.deleteWebhookEndpoint(a), false);
      assert.deepEqual(await store.webhookAttempts(a, { limit: 100 }), []);
      return { rotated: { ...rotated, leaseOwner: undefined, leaseUntil: undefined }, attempts: attempts.map(({ id: _, ...x }) => x) };
    },
  },
  {
    name: 'request log: pruneRequestLog by age and by row count',
    async run(store) {
      await store.pruneRequestLog('9999-12-31T00:00:00.000Z', 0);
      assert.deepEqual(await store.requestLog({ limit: 100 }), []);
      await store.pruneRequestLog(at(0), 10);
      assert.deepEqual(await store.requestLog({ limit: 100 }), [], 'pruning an empty log');
      const entry = (n: number): RequestLogEntry => ({ at: at(n), method: 'GET', path: `/e/${n}`, status: 200, durationMs: n, notes: [] });
      await store.appendRequestLog(Array.from({ length: 10 }, (_, n) => entry(n)));
      const paths = async () => (await store.requestLog({ limit: 100 })).map((e) => e.path);
      const steps: Record<string, string[]> = {};
      const check = async (label: string, before: string, keep: number, want: number[]) => {
        await store.pruneRequestLog(before, keep);
        const got = await paths();
        assert.deepEqual(
          got,
          want.map((n) => `/e/${n}`),
          label,
        );
        steps[label] = got;
      };
      await check('nothing old enough, room for all', at(0), 100, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      await check('exactly as many as kept', at(0), 10, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      await check('older than at(3)', at(3), 100, [9, 8, 7, 6, 5, 4, 3]);
      await check('keep the newest 4', at(0), 4, [9, 8, 7, 6]);
      await check('again: nothing changes', at(0), 4, [9, 8, 7, 6]);
      await check('age and count at once', at(7), 1, [9]);
      await check('keep 0', at(0), 0, []);
      return steps;
    },
  },
  {
    name: 'transactions: a throwing fn rolls back every write and rethrows its error',
    async run(store, p) {
      const T = `${p}t`;
      await store.createTenant(tenantRec(T, `${p}-t`, at(0), { s: 'before' }));
      await store.createClient(clientRec(`${p}c`, T, 'client'));
      await store.createToken(tokenRec(`${p}k`, T, `${p}c`, at(1)));
      await insert(store, T, userRes('u0', 'zero', { emails: [{ value: 'zero@example.com' }] }));
      await insert(store, T, groupRes('g0', 'Zero'));
      await store.applyMemberDelta(T, 'g0', delta({ u0: 'User' }));
      const logBefore = (await store.requestLog({ tenantId: T, limit: 100 })).length;
      const snapshot = async () => ({
        tenants: (await store.listTenants()).filter((t) => t.id.startsWith(p)),
        clients: await store.listClients(T),
        tokens: await store.listTokens({ tenantId: T }),
        resources: (await store.queryResources(T, { types: ['User', 'Group'], startIndex: 1, count: 100 })).resources,
        members: await store.membersOf(T, 'g0'),
        groups: groupsObject(await store.groupsOf(T, ['u0', 'u1'])),
        values: await resourceValues(store, T),
      });
      const before = await snapshot();

      const boom = new Error('boom');
      const inside: Record<string, unknown> = {};
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.createTenant(tenantRec(`${p}new`, `${p}-new`));
          await tx.setTenantSettings(T, { s: 'after' });
          await tx.setTenantStatus(T, 'disabled');
          await tx.createClient(clientRec(`${p}c2`, T, 'client2'));
          await tx.updateClient(`${p}c`, { idp: 'okta' });
          await tx.revokeClient(`${p}c`, at(5));
          await tx.createToken(tokenRec(`${p}k2`, T, `${p}c2`, at(2)));
          await tx.revokeTokens(`${p}c`, at(5));
          await tx.touchToken(`${p}k`, at(5));
          await insert(tx, T, userRes('u1', 'one', { emails: [{ value: 'one@example.com' }] }));
          const v2 = userRes('u0', 'zero-renamed', {}, 2);
          assert.equal(await tx.updateResource(T, v2, 1, searchOf(v2)), true);
          await tx.applyMemberDelta(T, 'g0', delta({ u1: 'User' }, ['u0']));
          assert.equal(await tx.deleteResource(T, 'Group', 'g0'), true);
          await tx.appendRequestLog([{ at: at(9), tenantId: T, method: 'GET', path: '/rolled-back', status: 200, durationMs: 1, notes: [] }]);
          // Inside, the transaction reads its own writes; outside, nobody sees them yet.
          inside.own = (await tx.getResource(T, 'User', 'u1'))?.id;
          inside.ownVersion = (await tx.getResource(T, 'User', 'u0'))?.version;
          inside.ownGroup = await tx.getResource(T, 'Group', 'g0');
          inside.outside = await store.getResource(T, 'User', 'u1');
          inside.outsideVersion = (await store.getResource(T, 'User', 'u0'))?.version;
          throw boom;
        }),
        (e: unknown) => e === boom,
      );
      assert.deepEqual(inside, { own: 'u1', ownVersion: 2, ownGroup: undefined, outside: undefined, outsideVersion: 1 });
      const afterwards = await snapshot();
      assert.deepEqual(afterwards, before, 'every write rolled back');
      assert.equal(await store.tenantByName(`${p}-new`), undefined);
      assert.deepEqual((await store.tenantById(T))!.settings, { s: 'before' });
      assert.equal((await store.tenantById(T))!.status, 'active');
      assert.equal((await store.requestLog({ tenantId: T, limit: 100 })).length, logBefore);
      assert.equal(await store.tokenByHash(`hash-${p}k2`), undefined);
      assert.equal((await store.tokenByHash(`hash-${p}k`))!.lastUsedAt, undefined);
      return { before, inside };
    },
  },
  {
    name: 'transactions: a committed fn returns its value and is visible to reads outside at once',
    async run(store, p) {
      const T = `${p}t`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      await insert(store, T, groupRes('g', 'G'));
      const result = await store.transaction(async (tx) => {
        await insert(tx, T, userRes('u1', 'one', { emails: [{ value: 'one@example.com' }] }));
        await tx.applyMemberDelta(T, 'g', delta({ u1: 'User' }));
        await tx.setTenantSettings(T, { committed: 'yes' });
        return { answer: 42 };
      });
      assert.deepEqual(result, { answer: 42 });
      // No wait, no retry: the reads right after the commit see it.
      assert.equal((await store.getResource(T, 'User', 'u1'))?.id, 'u1');
      assert.deepEqual(await store.membersOf(T, 'g'), [{ value: 'u1', type: 'User', display: 'one' }]);
      assert.deepEqual((await store.tenantById(T))!.settings, { committed: 'yes' });
      const found = await ids(store, T, { types: ['User'], filters: filtered('User', 'emails.value eq "ONE@example.com"') });
      assert.deepEqual(found, { total: 1, ids: ['u1'] });
      assert.deepEqual(await store.transaction(async () => undefined), undefined, 'an empty transaction');
      return { found, members: await store.membersOf(T, 'g') };
    },
  },
  {
    name: 'transactions: concurrent locked read → versioned write all succeed, one after another',
    async run(store, p) {
      const T = `${p}t`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      await insert(store, T, userRes('u', 'counter', { title: '0' }));
      const N = 12;
      const results = await Promise.all(
        Array.from({ length: N }, () =>
          store.transaction(async (tx) => {
            const current = (await tx.getResource(T, 'User', 'u', { lock: true }))!;
            const next = { ...current, version: current.version + 1, data: { ...current.data, title: String(Number(current.data.title) + 1) } };
            return tx.updateResource(T, next, current.version, searchOf(next));
          }),
        ),
      );
      assert.deepEqual(results, Array(N).fill(true), 'no lost update: every writer saw the version before it');
      const final = (await store.getResource(T, 'User', 'u'))!;
      assert.equal(final.version, N + 1);
      assert.equal(final.data.title, String(N));
      return final;
    },
  },
  {
    name: 'userNames across tenants: userNameTakenElsewhere (any tenant, or global ones only), userNamesHeldElsewhere',
    async run(store, p) {
      const [A, B, G] = [`${p}a`, `${p}b`, `${p}g`];
      for (const t of [A, B, G]) await store.createTenant(tenantRec(t, `${p}-${t}`));
      // userName.scope is mirrored into its own column by setTenantSettings, both ways.
      await store.setTenantSettings(G, { 'userName.scope': 'global' });
      await store.setTenantSettings(B, { 'userName.scope': 'global' });
      await store.setTenantSettings(B, { 'userName.scope': 'tenant' });
      const name = (s: string) => `${p}-${s}`;
      await insert(store, A, userRes(`${p}u1`, name('Ann')));
      await insert(store, A, userRes(`${p}u2`, name('zed')));
      await insert(store, G, userRes(`${p}u3`, name('gus')));
      await insert(store, B, userRes(`${p}u4`, name('ZED')));
      await insert(store, B, groupRes(`${p}g1`, name('ann')));
      const taken = (t: string, s: string, among: 'all' | 'global') => store.userNameTakenElsewhere(t, fold(name(s)), among);
      const seen = {
        annFromG: await taken(G, 'ann', 'all'),
        annFromBAmongGlobal: await taken(B, 'ann', 'global'),
        annFromA: await taken(A, 'ann', 'all'),
        gusFromA: await taken(A, 'GUS', 'global'),
        gusFromG: await taken(G, 'gus', 'all'),
        nobody: await taken(A, 'nobody', 'all'),
      };
      assert.deepEqual(seen, { annFromG: true, annFromBAmongGlobal: false, annFromA: false, gusFromA: true, gusFromG: false, nobody: false }, 'folded names; groups never count');
      const held = { a: await store.userNamesHeldElsewhere(A, 5), b: await store.userNamesHeldElsewhere(B, 5), g: await store.userNamesHeldElsewhere(G, 5) };
      assert.deepEqual(held, { a: { names: [name('zed')], total: 1 }, b: { names: [name('ZED')], total: 1 }, g: { names: [], total: 0 } });
      return { seen, held };
    },
  },
  {
    name: 'groups: groupWithDisplayName (folded, scoped by tenant and type, one id excepted), memberCountUpTo (bounded)',
    async run(store, p) {
      const T = `${p}t`;
      const U = `${p}u`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      await store.createTenant(tenantRec(U, `${p}-u`));
      await insert(store, T, groupRes('g1', 'Straße Team'));
      await insert(store, T, groupRes('g2'));
      await insert(store, T, userRes('u1', 'u1', { displayName: 'Users Only' }));
      await insert(store, U, groupRes('x1', 'Elsewhere'));
      for (let i = 0; i < 5; i++) await insert(store, T, userRes(`m${i}`, `member${i}`));
      const holder = (name: string, except = '') => store.groupWithDisplayName(T, fold(name), except);
      const found = {
        folded: await holder('STRASSE team'),
        excepted: await holder('straße team', 'g1'),
        aUsersName: await holder('users only'),
        otherTenant: await holder('elsewhere'),
        inTransaction: await store.transaction((tx) => tx.groupWithDisplayName(T, fold('Straße Team'), 'g2')),
      };
      assert.deepEqual(found, { folded: 'g1', excepted: undefined, aUsersName: undefined, otherTenant: undefined, inTransaction: 'g1' });
      await store.applyMemberDelta(T, 'g1', delta(Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`m${i}`, 'User' as const]))));
      const counts = {
        upTo3: await store.memberCountUpTo(T, 'g1', 3),
        upTo5: await store.memberCountUpTo(T, 'g1', 5),
        upTo100: await store.memberCountUpTo(T, 'g1', 100),
        empty: await store.memberCountUpTo(T, 'g2', 100),
        noGroup: await store.memberCountUpTo(T, 'nope', 100),
        aUser: await store.memberCountUpTo(T, 'u1', 100),
        otherTenant: await store.memberCountUpTo(U, 'g1', 100),
      };
      assert.deepEqual(counts, { upTo3: 3, upTo5: 5, upTo100: 5, empty: 0, noGroup: 0, aUser: 0, otherTenant: 0 });
      return { found, counts };
    },
  },
  {
    name: 'event log: takeEventSeqs numbers each tenant apart and gaplessly (a rollback gives its numbers back), insertEvents, tenantEvents, appendEvent',
    async run(store, p) {
      const T = `${p}t`;
      const U = `${p}u`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      await store.createTenant(tenantRec(U, `${p}-u`));
      const ev = (tenantId: string, tenantSeq: number, extra: Partial<ScimdEvent> = {}): ScimdEvent => ({
        id: `${p}-${tenantId}-${tenantSeq}`,
        tenantId,
        tenantSeq,
        type: 'user.updated',
        resourceType: 'User',
        resourceId: 'u1',
        version: tenantSeq,
        paths: ['name.givenName', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'],
        at: at(tenantSeq),
        clientId: 'c1',
        requestId: 'req-1',
        actor: 'scim',
        data: {},
        ...extra,
      });
      const firsts = {
        t: await store.transaction((tx) => tx.takeEventSeqs(T, 3)),
        u: await store.transaction((tx) => tx.takeEventSeqs(U, 1)),
        t2: await store.transaction((tx) => tx.takeEventSeqs(T, 1)),
      };
      assert.deepEqual(firsts, { t: 1, u: 1, t2: 4 });
      await assert.rejects(
        store.transaction(async (tx) => {
          const first = await tx.takeEventSeqs(T, 5);
          await tx.insertEvents([ev(T, first)]);
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      const afterRollback = await store.transaction((tx) => tx.takeEventSeqs(T, 600));
      assert.equal(afterRollback, 5, 'the rolled-back numbers are given out again');
      // 600 rows: three statements of 250 at most.
      const many = Array.from({ length: 600 }, (_, i): ScimdEvent => {
        const { paths: _p, clientId: _c, requestId: _r, ...e } = ev(T, afterRollback + i, { type: 'group.member.added', resourceType: 'Group', resourceId: 'g1', actor: 'admin', data: { value: `m${i}`, type: 'User' } });
        return e;
      });
      await store.transaction((tx) => tx.insertEvents([ev(T, 1), ev(T, 2), ev(T, 3), ev(T, 4, { type: 'user.deactivated', paths: ['active'] })]));
      await store.insertEvents(many);
      await store.appendEvent({ tenantId: U, type: 'user.restored', resourceType: 'User', resourceId: 'u9', version: 3, at: at(9), actor: 'admin', data: { userName: 'nine' } });
      await store.appendEvent({ tenantId: U, type: 'user.restored', resourceId: 'u9', at: at(10), data: {} });
      await assert.rejects(store.insertEvents([ev(T, 2)]), 'a tenant sequence number is taken once');
      const strip = ({ seq: _, ...e }: ScimdEvent) => e;
      const tEvents = (await store.tenantEvents(T, 0, 1000)).map(strip);
      assert.deepEqual(
        tEvents.map((e) => e.tenantSeq),
        Array.from({ length: 604 }, (_, i) => i + 1),
      );
      assert.deepEqual(tEvents[0], ev(T, 1));
      assert.deepEqual(tEvents[3], ev(T, 4, { type: 'user.deactivated', paths: ['active'] }));
      assert.deepEqual(tEvents[603], many[599]);
      assert.deepEqual(
        (await store.tenantEvents(T, 600, 2)).map((e) => e.tenantSeq),
        [601, 602],
      );
      const uEvents = (await store.tenantEvents(U, 0, 10)).map(strip);
      assert.equal(uEvents.length, 2);
      assert.match(uEvents[0]!.id ?? '', /^[0-9a-f-]{36}$/, 'appendEvent gives the event an id');
      assert.deepEqual(
        uEvents.map(({ id: _, ...e }) => e),
        [
          { tenantId: U, tenantSeq: 2, type: 'user.restored', resourceType: 'User', resourceId: 'u9', version: 3, at: at(9), actor: 'admin', data: { userName: 'nine' } },
          { tenantId: U, tenantSeq: 3, type: 'user.restored', resourceId: 'u9', at: at(10), data: {} },
        ],
        'appendEvent numbers from the same counter (1 was taken above)',
      );
      // The whole log, in storage order, still lists every tenant's events.
      const all = (await store.events({ limit: 100_000 })).filter((e) => e.tenantId === T || e.tenantId === U);
      assert.equal(all.length, 606);
      return { firsts, tEvents: tEvents.slice(0, 5), last: tEvents[603], uEvents: uEvents.map(({ id: _, ...e }) => e) };
    },
  },
  {
    name: 'event log: appendEvents numbers in order from the counter, is seen by later statements of its transaction, and rolls back with it',
    async run(store, p) {
      const T = `${p}t`;
      const U = `${p}u`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      await store.createTenant(tenantRec(U, `${p}-u`));
      const ev = (tenantId: string, n: number): ScimdEvent => ({ id: `${p}-${tenantId}-${n}`, tenantId, type: 'group.member.added', resourceType: 'Group', resourceId: 'g1', version: n, at: at(n), actor: 'scim', data: { value: `m${n}`, type: 'User' } });
      const seen = await store.transaction(async (tx) => {
        await tx.appendEvents(T, [ev(T, 1), ev(T, 2)]);
        // A read after it in the same transaction sees the events (PostgreSQL held the statement back for the commit).
        const inside = (await tx.tenantEvents(T, 0, 10)).map((e) => e.tenantSeq);
        await tx.appendEvents(T, [ev(T, 3)]);
        await tx.appendEvents(U, [ev(U, 1)]);
        await tx.appendEvents(T, [ev(T, 4)]);
        return inside;
      });
      assert.deepEqual(seen, [1, 2]);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.appendEvents(T, [ev(T, 5)]);
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      await store.appendEvents(T, [ev(T, 6), ev(T, 7)]);
      await assert.rejects(store.appendEvents(T, Array.from({ length: 251 }, (_, i) => ev(T, 100 + i))), /at most 250/);
      const strip = ({ seq: _, ...e }: ScimdEvent) => e;
      const tEvents = (await store.tenantEvents(T, 0, 100)).map(strip);
      assert.deepEqual(
        tEvents.map((e) => [e.tenantSeq, e.id]),
        [1, 2, 3, 4, 6, 7].map((n, i) => [i + 1, `${p}-${T}-${n}`]),
        'gapless: the rolled-back event gave its number back',
      );
      assert.deepEqual(tEvents[0], { ...ev(T, 1), tenantSeq: 1 });
      const uEvents = (await store.tenantEvents(U, 0, 10)).map(strip);
      assert.deepEqual(uEvents, [{ ...ev(U, 1), tenantSeq: 1 }]);
      assert.deepEqual(await store.eventHorizon(T), { first: 1, last: 6 });
      return { tEvents, uEvents };
    },
  },
  {
    name: 'writes outside a transaction are atomic one by one',
    async run(store, p) {
      const T = `${p}t`;
      await store.createTenant(tenantRec(T, `${p}-t`));
      const ok = (n: number): RequestLogEntry => ({ at: at(n), tenantId: T, method: 'GET', path: `/ok/${n}`, status: 200, durationMs: 1, notes: [] });
      const bad = { ...ok(3), method: null } as unknown as RequestLogEntry;
      await assert.rejects(store.appendRequestLog([ok(1), ok(2), bad]), 'method is required');
      assert.deepEqual(await store.requestLog({ tenantId: T, limit: 10 }), [], 'none of the batch was written');
      await store.appendRequestLog([ok(1), ok(2)]);
      const written = (await store.requestLog({ tenantId: T, limit: 10 })).map((e) => e.path);
      assert.deepEqual(written, ['/ok/2', '/ok/1'], 'the store is fine afterwards');
      return written;
    },
  },
];

// ---------------------------------------------------------------------------------------------

/** scenario → backend → what it returned (as JSON, so Maps and Sets must be converted). */
const observed = new Map<string, Map<string, unknown>>();

for (const backend of BACKENDS) {
  describe(`store contract: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>> | undefined;
    before(async () => {
      opened = await backend.open('contract');
    });
    after(async () => {
      await opened?.close();
    });

    SCENARIOS.forEach((scenario, i) => {
      it(scenario.name, async () => {
        const out = await scenario.run(opened!.store, `s${String(i).padStart(2, '0')}`);
        const perBackend = observed.get(scenario.name) ?? new Map<string, unknown>();
        perBackend.set(backend.name, JSON.parse(JSON.stringify(out ?? null)));
        observed.set(scenario.name, perBackend);
      });
    });

    it('close: later writes are StoreUnavailable, reads fail, a second close is harmless', async () => {
      const own = await backend.open('contractclose');
      try {
        await own.store.createTenant(tenantRec('t', 'closing'));
        await own.store.close();
        await assert.rejects(own.store.transaction(async () => 1), StoreUnavailable);
        await assert.rejects(own.store.createTenant(tenantRec('t2', 'after-close')), StoreUnavailable);
        await assert.rejects(insert(own.store, 't', userRes('u', 'late')), StoreUnavailable);
        await assert.rejects(own.store.tenantById('t'));
        await own.store.close();
      } finally {
        await own.close();
      }
    });
  });
}

/**
 * PostgreSQL only: transactions of several processes run at once, so how their row locks meet
 * matters. Each case holds one transaction open at a chosen point and watches the other through
 * pg_stat_activity (is it waiting for a lock?), so the order of events is forced, not hoped for.
 */
describe('store contract: postgres row locks between concurrent transactions', () => {
  let db: TestDatabase;
  let store: Store;
  let admin: pg.Client;
  const T = 'locks';

  before(async () => {
    db = await freshDatabase('contractlocks');
    store = await openPostgresStore(db.url, { poolSize: 6 });
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await store.createTenant(tenantRec(T, 'locks'));
  });
  after(async () => {
    await admin?.end();
    await store?.close();
    await db?.drop();
  });

  const lockWaiters = async () =>
    Number((await admin.query("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n);

  function gate() {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { opened, open };
  }

  it('a row held by a locked read does not block adding it as a member elsewhere (no FOR UPDATE / FOR KEY SHARE deadlock)', async () => {
    await insert(store, T, groupRes('lk-g1', 'One'));
    await insert(store, T, groupRes('lk-g2', 'Two'));
    const locked = gate();
    const release = gate();
    const holder = store.transaction(async (tx) => {
      await tx.getResource(T, 'Group', 'lk-g1', { lock: true });
      locked.open();
      await release.opened;
    });
    try {
      await locked.opened;
      let runs = 0;
      let done = false;
      const adder = store
        .transaction(async (tx) => {
          runs++;
          await tx.getResource(T, 'Group', 'lk-g2', { lock: true });
          await tx.applyMemberDelta(T, 'lk-g2', delta({ 'lk-g1': 'Group' }));
        })
        .finally(() => (done = true));
      let blocked = false;
      // Until the insert waits for a lock, or (the question being moot) is done.
      await eventually(async () => done || (blocked = (await lockWaiters()) > 0), { what: 'the membership insert to wait for a lock or finish' });
      assert.equal(blocked, false, 'the membership insert waited for the locked group');
      await adder;
      assert.equal(runs, 1, 'no deadlock, no retry');
    } finally {
      release.open();
      await holder;
    }
    assert.deepEqual(await store.membersOf(T, 'lk-g2'), [{ value: 'lk-g1', type: 'Group', display: 'One' }]);
  });

  it('locked read → write transactions on one row still wait for each other', async () => {
    await insert(store, T, userRes('lk-u', 'locked.user', { title: 'first' }));
    const locked = gate();
    const release = gate();
    const first = store.transaction(async (tx) => {
      const cur = (await tx.getResource(T, 'User', 'lk-u', { lock: true }))!;
      locked.open();
      await release.opened;
      const next = { ...cur, version: cur.version + 1, data: { ...cur.data, title: 'second' } };
      return tx.updateResource(T, next, cur.version, searchOf(next));
    });
    try {
      await locked.opened;
      const second = store.transaction(async (tx) => (await tx.getResource(T, 'User', 'lk-u', { lock: true }))!);
      await eventually(async () => (await lockWaiters()) > 0, { what: 'a transaction waiting for the lock' });
      release.open();
      assert.equal(await first, true);
      const seen = await second;
      assert.equal(seen.version, 2, 'the second locked read saw the first commit');
      assert.equal(seen.data.title, 'second');
    } finally {
      release.open();
      await first.catch(() => undefined);
    }
  });

  it('event sequence: a second writer waits on the tenant counter until the first commits, so numbers follow commit order', async () => {
    const taken = gate();
    const release = gate();
    const first = store.transaction(async (tx) => {
      const n = await tx.takeEventSeqs(T, 2);
      taken.open();
      await release.opened;
      return n;
    });
    try {
      await taken.opened;
      const second = store.transaction((tx) => tx.takeEventSeqs(T, 1));
      await eventually(async () => (await lockWaiters()) > 0, { what: 'the second writer to wait on the tenant counter' });
      release.open();
      const [a, b] = [await first, await second];
      assert.equal(b, a + 2, 'the second got the number after the first one\'s');
    } finally {
      release.open();
      await first.catch(() => undefined);
    }
  });

  it("adding a member that another transaction is deleting: retried, then the member is gone (no foreign-key error)", async () => {
    await insert(store, T, userRes('lk-doomed', 'doomed'));
    await insert(store, T, groupRes('lk-g3', 'Three'));
    const deleted = gate();
    const release = gate();
    const deleter = store.transaction(async (tx) => {
      assert.equal(await tx.deleteResource(T, 'User', 'lk-doomed'), true);
      deleted.open();
      await release.opened;
    });
    try {
      await deleted.opened;
      let runs = 0;
      const adder = store.transaction(async (tx) => {
        runs++;
        // Read committed: the uncommitted delete is invisible, so the member still exists here…
        const facts = await tx.memberFacts(T, 'lk-g3', ['lk-doomed']);
        if (!facts.types.has('lk-doomed')) return 'gone';
        // …and the foreign key check of the insert waits for the deleting transaction.
        await tx.applyMemberDelta(T, 'lk-g3', delta({ 'lk-doomed': 'User' }));
        return 'added';
      });
      adder.catch(() => undefined);
      await eventually(async () => (await lockWaiters()) > 0, { what: 'a transaction waiting for the lock' });
      release.open();
      await deleter;
      assert.equal(await adder, 'gone', 'after the delete commits, the retried transaction finds no member');
      assert.equal(runs, 2);
    } finally {
      release.open();
      await deleter.catch(() => undefined);
    }
    assert.deepEqual(await store.membersOf(T, 'lk-g3'), []);
    assert.equal(await store.getResource(T, 'User', 'lk-doomed'), undefined);
  });
});

describe('store contract: both adapters give identical results', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, () => {
      const per = observed.get(scenario.name);
      assert.deepEqual([...(per?.keys() ?? [])].sort(), BACKENDS.map((b) => b.name).sort(), 'the scenario passed on every adapter');
      const [first, ...rest] = [...per!.entries()];
      for (const [name, value] of rest) assert.deepEqual(value, first![1], `${name} and ${first![0]} differ`);
    });
  }
});
