/** The WAL flusher on a real SQLite file: flushes asked for during one share the next, in order. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openConnection } from './connection.ts';
import { WalSync } from './wal-sync.ts';

const dir = mkdtempSync(join(tmpdir(), 'scimd-wal-sync-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('WalSync', () => {
  it('resolves flushes in the order they were asked for; those asked for during one share the next', async () => {
    const file = join(dir, 'a.db');
    const db = openConnection(file, { synchronous: 'NORMAL' });
    db.exec('CREATE TABLE t (k TEXT)');
    const w = new WalSync(`${file}-wal`);
    const order: number[] = [];
    const all = Array.from({ length: 6 }, (_, i) => w.sync().then(() => order.push(i)));
    await Promise.all(all);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
    await w.close();
    await assert.rejects(w.sync(), /closed/);
    db.close();
  });

  it('fails with the reason when the WAL file cannot be opened', async () => {
    const w = new WalSync(join(dir, 'missing.db-wal'));
    await assert.rejects(w.sync(), /ENOENT/);
    await w.close();
  });
});
