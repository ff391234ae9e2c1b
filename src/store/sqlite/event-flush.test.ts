import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from '../types.ts';

// Durable SQLite commits are flushed off the event loop (wal-sync.ts), so a reader can see a commit
// a moment before it is on disk. Whatever hands the change log out flushes the WAL first: the events
// themselves, and the horizon whose `last` becomes a consumer's cursor on an empty page.
describe('SQLite: the change log is on disk before it is handed out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-event-flush-'));
  let store: Store;
  let flushes = 0;
  let restore: () => void;
  const tenantId = randomUUID();

  before(async () => {
    // Every fsync of a file opened through fs/promises (the WAL flusher's) is counted.
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const sync = proto.sync;
    proto.sync = function (this: unknown) {
      flushes++;
      return sync.call(this);
    };
    restore = () => (proto.sync = sync);
    store = openSqliteStore(join(dir, 'scimd.db'));
    await store.transaction((tx) => tx.appendEvents(tenantId, [{ id: randomUUID(), tenantId, type: 'user.deleted', at: new Date().toISOString(), data: {} }]));
  });
  after(async () => {
    restore();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the horizon of a tenant with events flushes; that of a tenant without none', async () => {
    const n = flushes;
    assert.deepEqual(await store.eventHorizon(tenantId), { first: 1, last: 1 });
    assert.ok(flushes > n, 'eventHorizon flushed the WAL');
    const m = flushes;
    assert.deepEqual(await store.eventHorizon(randomUUID()), { last: 0 });
    assert.equal(flushes, m);
  });

  it('a page of events flushes; an empty one does not', async () => {
    const n = flushes;
    assert.equal((await store.tenantEvents(tenantId, 0, 10)).length, 1);
    assert.ok(flushes > n);
    const m = flushes;
    assert.equal((await store.tenantEvents(tenantId, 1, 10)).length, 0);
    assert.equal(flushes, m);
  });
});
