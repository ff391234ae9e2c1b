/**
 * Seeds users and groups straight through the store (src/store), in big transactions, not over
 * HTTP: a million users over the API would take the bench longer than everything else together.
 * Each document is normalised by the same code as a POST and stored with its search form, so the
 * seeded users are indistinguishable from provisioned ones.
 */
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import { normalizeAttributes } from '../src/scim/schema/validate.ts';
import { searchForm } from '../src/scim/search-form.ts';
import type { StoredResource } from '../src/scim/resource.ts';
import type { Json } from '../src/scim/schema/validate.ts';
import type { Store } from '../src/store/types.ts';
import { userBody, userId, userName } from './data.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');

export interface SeedOptions {
  /** Users per transaction. */
  readonly batch?: number;
  /** Transactions in flight at once (PostgreSQL takes several; SQLite serialises them anyway). */
  readonly parallel?: number;
}

/** Inserts users `from` … `to - 1` of the tenant. */
export async function seedUsers(store: Store, tenantId: string, from: number, to: number, opts: SeedOptions = {}): Promise<void> {
  const batch = opts.batch ?? 20_000;
  const now = new Date().toISOString();
  const ranges: [number, number][] = [];
  for (let a = from; a < to; a += batch) ranges.push([a, Math.min(to, a + batch)]);
  const run = async ([a, b]: [number, number]) => {
    // One transaction per batch, documents built 1,000 at a time: a big batch of prepared rows kept
    // the garbage collector busier than the inserts.
    await store.transaction(async (tx) => {
      for (let c = a; c < b; c += 1000) {
        const items: { resource: StoredResource; search: Json }[] = [];
        for (let i = c; i < Math.min(b, c + 1000); i++) {
          const data = normalizeAttributes(userBody(userName(i), i), USER, { readOnly: 'ignore', notes: { ignored: [] } });
          items.push({ resource: { id: userId(i), type: 'User', version: 1, created: now, lastModified: now, data }, search: searchForm(data, USER) });
        }
        await tx.insertResources(tenantId, items);
      }
    });
  };
  const parallel = Math.max(1, opts.parallel ?? 1);
  let nextRange = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (nextRange < ranges.length) await run(ranges[nextRange++]!);
    }),
  );
}

/** A group named `name` whose members are users `from` … `from + size - 1`. */
export async function seedGroup(store: Store, tenantId: string, id: string, name: string, from: number, size: number): Promise<void> {
  const now = new Date().toISOString();
  const data = normalizeAttributes({ displayName: name }, GROUP, { readOnly: 'ignore', notes: { ignored: [] } });
  await store.transaction(async (tx) => {
    await tx.insertResource(tenantId, { id, type: 'Group', version: 1, created: now, lastModified: now, data }, searchForm(data, GROUP));
  });
  const chunk = 50_000;
  for (let a = from; a < from + size; a += chunk) {
    const add = new Map<string, 'User'>();
    for (let i = a; i < Math.min(from + size, a + chunk); i++) add.set(userId(i), 'User');
    await store.transaction((tx) => tx.applyMemberDelta(tenantId, id, { clear: false, add, remove: new Set() }));
  }
}
