/**
 * Store.insertResources (bulk loads, used by `npm run bench` to seed a million users) on both
 * adapters: the same rows as one insertResource each — documents, indexed columns, the emails.value
 * index — across statement boundaries, and all or nothing on a uniqueness violation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bindFilter } from '../src/scim/filter/bind.ts';
import { parseFilter } from '../src/scim/filter/parse.ts';
import type { StoredResource } from '../src/scim/resource.ts';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import { searchForm } from '../src/scim/search-form.ts';
import { UniqueViolation, type Store } from '../src/store/types.ts';
import { BACKENDS } from './helpers/backends.ts';

const USER = defaultRegistry().resource('User');
const AT = '2024-01-01T00:00:00.000Z';

function user(i: number, name = `User${i}@Example.com`): { resource: StoredResource; search: Record<string, unknown> } {
  const data = { userName: name, displayName: `User ${i}`, externalId: `ext-${i}`, emails: [{ value: `Mail${i}@Example.com`, type: 'work' }, { value: `alt${i}@example.com` }] };
  return { resource: { id: `u-${i}`, type: 'User', version: 1, created: AT, lastModified: AT, data }, search: searchForm(data, USER) };
}

const find = async (store: Store, tenant: string, filter: string) =>
  (await store.queryResources(tenant, { types: ['User'], filters: new Map([['User', bindFilter(parseFilter(filter), USER)]]), startIndex: 1, count: 10 })).resources.map((r) => r.id);

for (const backend of BACKENDS) {
  describe(`insertResources: ${backend.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, close } = await backend.open('bulk'));
      await store.createTenant({ id: 't1', name: 't1', status: 'active', createdAt: AT, settings: {} });
    });
    after(() => close());

    it('stores what insertResource would, in more rows than one statement takes', async () => {
      const items = Array.from({ length: 250 }, (_, i) => user(i));
      await store.transaction((tx) => tx.insertResources('t1', items));
      await store.insertResource('t1', user(999).resource, user(999).search);
      for (const i of [0, 99, 100, 249]) assert.deepEqual(await store.getResource('t1', 'User', `u-${i}`), items[i]!.resource);
      assert.deepEqual(await find(store, 't1', 'userName eq "user249@example.com"'), ['u-249']);
      assert.deepEqual(await find(store, 't1', 'emails.value eq "MAIL130@example.com"'), ['u-130']);
      assert.deepEqual(await find(store, 't1', 'emails.value eq "alt200@example.com"'), ['u-200']);
      assert.deepEqual(await find(store, 't1', 'externalId eq "ext-7"'), ['u-7']);
      assert.equal((await store.queryResources('t1', { types: ['User'], startIndex: 1, count: 0 })).total, 251);
    });

    it('writes none of a batch with a userName already taken (without regard to case)', async () => {
      const items = [user(300), user(301, 'USER5@example.com'), user(302)];
      await assert.rejects(store.transaction((tx) => tx.insertResources('t1', items)), (e) => e instanceof UniqueViolation && e.attribute === 'userName');
      assert.equal(await store.getResource('t1', 'User', 'u-300'), undefined);
      assert.equal(await store.getResource('t1', 'User', 'u-302'), undefined);
      assert.deepEqual(await find(store, 't1', 'emails.value eq "mail300@example.com"'), []);
    });
  });
}
