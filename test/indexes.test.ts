/**
 * Design for speed (issue acceptance): hot lookups are index lookups, and adding one member to a
 * huge group touches one membership row without reading the others. Checked structurally with
 * SQLite's query plans and by recording which store calls a PATCH makes: no timing involved.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bindFilter } from '../src/scim/filter/bind.ts';
import { parseFilter } from '../src/scim/filter/parse.ts';
import type { StoredResource } from '../src/scim/resource.ts';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import type { ResourceTypeName } from '../src/scim/schema/types.ts';
import { createServices } from '../src/server.ts';
import { compileSearch } from '../src/store/sql/compile.ts';
import type { Connection } from '../src/store/sqlite/connection.ts';
import { sqliteDialect } from '../src/store/sqlite/sqlite-dialect.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Repo, Store } from '../src/store/types.ts';
import { planDatabase } from './helpers/plan-db.ts';
import { PATCH_OP, tempDir } from './helpers/server.ts';
import { testSession } from './helpers/session.ts';

const registry = defaultRegistry();
const named = (params: readonly unknown[]) => Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]));

function plan(db: Connection, type: ResourceTypeName, filter: string): string[] {
  const bound = bindFilter(parseFilter(filter), registry.resource(type));
  const c = compileSearch(sqliteDialect, 'tenant-1', { types: [type], filters: new Map([[type, bound]]), startIndex: 1, count: 10 });
  return (db.prepare(`EXPLAIN QUERY PLAN ${c.pageSql}`).all(named(c.pageParams)) as { detail: string }[]).map((r) => r.detail);
}

describe('hot lookups use indexes (EXPLAIN QUERY PLAN)', () => {
  const planDb = planDatabase((db) => db.exec('ANALYZE'));

  const cases: [ResourceTypeName, string, RegExp][] = [
    ['User', 'id eq "2819c223"', /SEARCH r USING INDEX resources_id/],
    ['User', 'userName eq "Bjensen"', /SEARCH r USING INDEX resources_user_name/],
    ['User', 'externalId eq "e-1"', /SEARCH r USING INDEX resources_external_id/],
    ['User', 'displayName eq "Babs"', /SEARCH r USING INDEX resources_display_name/],
    ['Group', 'displayName eq "Admins"', /SEARCH r USING INDEX resources_display_name/],
    ['User', 'emails.value eq "b@example.com"', /SEARCH rv USING INDEX resource_values_lookup/],
    ['User', 'emails eq "b@example.com"', /SEARCH rv USING INDEX resource_values_lookup/],
    ['Group', 'members.value eq "u-1"', /SEARCH gm USING COVERING INDEX group_members_member/],
    ['Group', 'id eq "g-1" and members eq "u-1"', /SEARCH r USING INDEX resources_id/],
    ['User', 'groups.value eq "g-1"', /SEARCH .* USING (PRIMARY KEY|COVERING INDEX)/],
  ];
  for (const [type, filter, expected] of cases) {
    it(`${type} ${filter}`, () => {
      const details = plan(planDb(), type, filter);
      assert.ok(details.some((d) => expected.test(d)), details.join('\n'));
      // The resources table itself is never scanned: every access to it is a SEARCH by index.
      assert.ok(!details.some((d) => /^SCAN r\b/.test(d)), details.join('\n'));
    });
  }
});

/** A Store that records the name and size of every call, passing each through unchanged. */
function recording(store: Store, calls: string[]): Store {
  const size = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.length}]`;
    if (v && typeof v === 'object' && 'add' in v && 'remove' in v) {
      const d = v as { clear: boolean; add: Map<string, unknown>; remove: Set<string> };
      return `{clear:${d.clear},add:${d.add.size},remove:${d.remove.size}}`;
    }
    return typeof v === 'string' ? 's' : typeof v;
  };
  const wrap = (repo: Repo): Repo =>
    new Proxy(repo, {
      get(target, prop) {
        const v = Reflect.get(target, prop) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          calls.push(`${String(prop)}(${args.map(size).join(',')})`);
          if (prop === 'transaction') return (v as Store['transaction']).call(target, (tx: Repo) => (args[0] as (tx: Repo) => Promise<unknown>)(wrap(tx)));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return wrap(store) as Store;
}

describe('one member added to a huge group touches one membership row', () => {
  const N = 3000;
  let dir: string;
  let store: Store;
  let tenantId: string;
  let groupId: string;
  const ctx = () => testSession(tenantId);

  before(async () => {
    dir = tempDir();
    store = openSqliteStore(join(dir, 'members.db'), { synchronous: 'NORMAL' });
    tenantId = 'tenant-members';
    await store.createTenant({ id: tenantId, name: 'members', status: 'active', createdAt: new Date().toISOString(), settings: {} });
    const now = new Date().toISOString();
    const mk = (id: string, type: ResourceTypeName, data: Record<string, unknown>): StoredResource => ({ id, type, version: 1, created: now, lastModified: now, data });
    groupId = 'group-big';
    await store.transaction(async (tx) => {
      await tx.insertResource(tenantId, mk(groupId, 'Group', { displayName: 'Everyone' }), { displayName: 'everyone' });
      const add = new Map<string, 'User' | 'Group'>();
      for (let i = 0; i <= N + 1; i++) {
        await tx.insertResource(tenantId, mk(`user-${i}`, 'User', { userName: `user${i}` }), { userName: `user${i}` });
        if (i < N) add.set(`user-${i}`, 'User');
      }
      await tx.applyMemberDelta(tenantId, groupId, { clear: false, add, remove: new Set() });
    });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('PATCH add of one member asks about one id, writes one row, never lists the members', async () => {
    const calls: string[] = [];
    const services = createServices(recording(store, calls), { maxResults: 100 });
    const op = { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: `user-${N}` }] }] };
    const r = await services.resources.patch(ctx(), 'Group', groupId, op, undefined, null);
    assert.equal(r.etag, 'W/"2"');
    assert.ok(calls.includes('memberFacts(s,s,[1])'), calls.join(' '));
    assert.ok(calls.includes('applyMemberDelta(s,s,{clear:false,add:1,remove:0})'), calls.join(' '));
    assert.ok(!calls.some((c) => c.startsWith('membersOf')), calls.join(' '));
    assert.equal((await store.membersOf(tenantId, groupId)).length, N + 1);
  });

  it('PATCH remove of members[value eq "…"] does the same', async () => {
    const calls: string[] = [];
    const services = createServices(recording(store, calls), { maxResults: 100 });
    const op = { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members[value eq "user-7"]' }] };
    await services.resources.patch(ctx(), 'Group', groupId, op, undefined, null);
    assert.ok(calls.includes('memberFacts(s,s,[1])'), calls.join(' '));
    assert.ok(calls.includes('applyMemberDelta(s,s,{clear:false,add:0,remove:1})'), calls.join(' '));
    assert.ok(!calls.some((c) => c.startsWith('membersOf')), calls.join(' '));
    assert.equal((await store.membersOf(tenantId, groupId)).length, N);
  });

  it('re-adding an existing member writes nothing and keeps the version (RFC 7644 §3.5.2.1)', async () => {
    const calls: string[] = [];
    const services = createServices(recording(store, calls), { maxResults: 100 });
    const before = (await store.getResource(tenantId, 'Group', groupId))!.version;
    const op = { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: 'user-1' }] }] };
    const r = await services.resources.patch(ctx(), 'Group', groupId, op, undefined, null);
    assert.equal(r.version, before);
    assert.ok(!calls.some((c) => c.startsWith('applyMemberDelta') || c.startsWith('updateResource')), calls.join(' '));
  });
});
