/**
 * Upgrading a database whose change log already holds events to the lean events table (migration
 * step 11 in SQLite, 10 in PostgreSQL): every event keeps its seq, tenantSeq and fields, and new
 * events follow on from them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrationsFor, POSTGRES_DDL, SQLITE_DDL } from '../src/store/sql/migrations.ts';
import { openPostgresStore } from '../src/store/postgres/pg-store.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/types.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { tempDir } from './helpers/server.ts';

const TENANT = '11111111-1111-1111-1111-111111111111';
const at = '2026-12-01T10:00:00.000Z';

/** Events as a database before the step holds them (three, one of another tenant in between). */
const OLD_EVENTS = `
  INSERT INTO tenants (id, name, status, created_at) VALUES ('${TENANT}', 'old', 'active', '${at}');
  INSERT INTO events (tenant_id, type, resource_id, at, data, id, tenant_seq, resource_type, version, paths, actor, previous, state)
    VALUES ('${TENANT}', 'user.created', 'u1', '${at}', '{}', 'e1', 1, 'User', 1, NULL, 'scim', NULL, '{"id":"u1","userName":"ann"}');
  INSERT INTO events (tenant_id, type, resource_id, at, data, id, tenant_seq, resource_type, version, paths, actor, previous, state)
    VALUES ('other', 'user.created', 'u9', '${at}', '{}', 'e9', 1, 'User', 1, NULL, 'scim', NULL, NULL);
  INSERT INTO events (tenant_id, type, resource_id, at, data, id, tenant_seq, resource_type, version, paths, actor, previous, state)
    VALUES ('${TENANT}', 'user.updated', 'u1', '${at}', '{}', 'e2', 2, 'User', 2, '["title"]', 'scim', '{"title":null}', NULL);
  INSERT INTO event_counters (tenant_id, seq) VALUES ('${TENANT}', 2), ('other', 1);
`;

async function checkUpgraded(store: Store): Promise<void> {
  const before = await store.tenantEvents(TENANT, 0, 10);
  assert.deepEqual(
    before.map((e) => [e.seq, e.tenantSeq, e.id, e.type]),
    [
      [1, 1, 'e1', 'user.created'],
      [3, 2, 'e2', 'user.updated'],
    ],
  );
  assert.deepEqual(before[0]!.state, { id: 'u1', userName: 'ann' });
  assert.deepEqual(before[1]!.previous, { title: null });
  await store.transaction((tx) => tx.appendEvent({ tenantId: TENANT, type: 'user.deleted', resourceType: 'User', resourceId: 'u1', version: 2, at, data: {} }));
  const next = (await store.tenantEvents(TENANT, 2, 10))[0]!;
  assert.equal(next.tenantSeq, 3);
  assert.ok(next.seq! > 3, `a new seq (${next.seq}) after the old ones`);
  assert.deepEqual(
    (await store.events({ tenantId: TENANT, afterSeq: 0, limit: 10 })).map((e) => e.tenantSeq),
    [1, 2, 3],
  );
}

describe('upgrading a change log to the lean events table', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });

  it('SQLite: the rebuilt table keeps every event', async () => {
    const file = join(tempDir('scimd-lean-'), 'scimd.db');
    const raw = new Database(file);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const steps = migrationsFor(SQLITE_DDL);
    steps.slice(0, 10).forEach((sql, i) => {
      raw.exec(sql);
      raw.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(i + 1, at);
    });
    raw.exec(OLD_EVENTS);
    raw.close();
    const store = openSqliteStore(file, { synchronous: 'NORMAL' });
    closers.push(() => store.close());
    await checkUpgraded(store);
  });

  it('PostgreSQL: the (tenant_id, seq) index goes, the events stay', async () => {
    const db: TestDatabase = await freshDatabase('lean-events');
    closers.push(() => db.drop());
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const steps = migrationsFor(POSTGRES_DDL);
    for (const [i, sql] of steps.slice(0, 9).entries()) {
      await c.query(sql);
      await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [i + 1, at]);
    }
    await c.query(OLD_EVENTS);
    await c.end();
    const store = await openPostgresStore(db.url, { poolSize: 2, watchAuth: false });
    closers.push(() => store.close());
    await checkUpgraded(store);
  });
});
