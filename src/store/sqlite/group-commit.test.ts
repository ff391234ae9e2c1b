/**
 * Group commit on a real SQLite file: transactions that queue up together share one COMMIT, yet
 * each is atomic on its own, fails on its own, and is acknowledged only once it is durable.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { openConnection, type Connection } from './connection.ts';
import { GroupCommitter } from './group-commit.ts';

const dir = mkdtempSync(join(tmpdir(), 'scimd-group-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
let db: Connection;
let other: Connection;
let committer: GroupCommitter<Connection>;

beforeEach(() => {
  const file = join(dir, `t${n++}.db`);
  db = openConnection(file, { synchronous: 'FULL' });
  db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE t (k TEXT PRIMARY KEY, p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)');
  other = openConnection(file, {});
  committer = new GroupCommitter(db, db, { begin: async () => void db.exec('BEGIN IMMEDIATE'), mapError: (e) => e });
});

const insert = (k: string) => async (c: Connection) => {
  c.prepare('INSERT INTO t (k) VALUES (?)').run(k);
  return k;
};
const stored = () => (other.prepare('SELECT k FROM t ORDER BY k').all() as { k: string }[]).map((r) => r.k);

describe('GroupCommitter', () => {
  it('runs transactions asked for together in one COMMIT, in the order they were asked for', async () => {
    const order: string[] = [];
    const keys = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const results = await Promise.all(keys.map((k) => committer.run(async (c) => (order.push(k), insert(k)(c)))));
    assert.deepEqual(results, keys);
    assert.deepEqual(order, keys);
    assert.deepEqual(stored(), keys);
    assert.equal(committer.stats.transactions, 20);
    assert.equal(committer.stats.commits, 1);
  });

  it('reports the number of transactions of each COMMIT to onCommit', async () => {
    const sizes: number[] = [];
    const counted = new GroupCommitter(db, db, { begin: async () => void db.exec('BEGIN IMMEDIATE'), mapError: (e) => e, onCommit: (n) => sizes.push(n) });
    await Promise.all(['m1', 'm2', 'm3'].map((k) => counted.run(insert(k))));
    await counted.run(insert('m4'));
    await counted.run(async () => Promise.reject(new Error('nothing to commit'))).catch(() => undefined);
    assert.deepEqual(sizes, [3, 1]);
  });

  it('rolls a failing transaction back to its savepoint alone: its error is its own, the others commit', async () => {
    const boom = new Error('boom');
    const outcomes = await Promise.allSettled([
      committer.run(insert('a')),
      committer.run(async (c) => {
        c.prepare('INSERT INTO t (k) VALUES (?)').run('half-done');
        throw boom;
      }),
      committer.run(insert('a')), // a duplicate key: SQLite refuses the statement
      committer.run(insert('b')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    );
    assert.equal((outcomes[1] as PromiseRejectedResult).reason, boom);
    assert.match(String((outcomes[2] as PromiseRejectedResult).reason), /UNIQUE/);
    assert.deepEqual(stored(), ['a', 'b'], 'nothing of the failed transactions is stored');
  });

  it('acknowledges a transaction only once its COMMIT is done: another connection already sees it', async () => {
    const seen = await Promise.all(['x', 'y', 'z'].map((k) => committer.run(insert(k)).then(() => stored().includes(k))));
    assert.deepEqual(seen, [true, true, true]);
  });

  it('fails every transaction of a batch whose COMMIT fails, and stores none of them', async () => {
    // A deferred foreign key is checked at COMMIT: the one way to make a COMMIT itself fail here.
    const outcomes = await Promise.allSettled([
      committer.run(insert('a')),
      committer.run(async (c) => void c.prepare('INSERT INTO t (k, p) VALUES (?, ?)').run('orphan', 42)),
      committer.run(insert('b')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected', 'rejected'],
    );
    assert.match(String((outcomes[0] as PromiseRejectedResult).reason), /FOREIGN KEY/);
    assert.deepEqual(stored(), []);
    assert.equal(db.inTransaction, false);
    assert.equal(await committer.run(insert('after')), 'after', 'the next transaction works');
    assert.deepEqual(stored(), ['after']);
  });

  it('when SQLite gives up the whole transaction, fails those that ran in it and runs the rest anew', async () => {
    const outcomes = await Promise.allSettled([
      committer.run(insert('a')),
      committer.run(async (c) => {
        // What SQLite does on a full disk or an I/O error: the whole transaction is rolled back.
        c.exec('ROLLBACK');
        throw new Error('disk I/O error');
      }),
      committer.run(insert('b')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected', 'fulfilled'],
    );
    assert.match(String((outcomes[0] as PromiseRejectedResult).reason), /disk I\/O error/);
    assert.deepEqual(stored(), ['b']);
  });

  it('starts a new batch for a transaction asked for by the continuation of another', async () => {
    const chained = await committer.run(insert('first')).then(() => committer.run(insert('second')));
    assert.equal(chained, 'second');
    assert.deepEqual(stored(), ['first', 'second']);
    await committer.idle();
    assert.equal(committer.stats.commits, 2);
  });

  it('cuts a batch when it has worked longer than maxBatchMs; the rest commits in the next one', async () => {
    const slow = new GroupCommitter(db, db, { begin: async () => void db.exec('BEGIN IMMEDIATE'), mapError: (e) => e, maxBatchMs: 5 });
    const busy = (k: string) => async (c: Connection) => {
      const until = performance.now() + 10;
      while (performance.now() < until);
      return insert(k)(c);
    };
    await Promise.all(['a', 'b', 'c'].map((k) => slow.run(busy(k))));
    assert.deepEqual(stored(), ['a', 'b', 'c']);
    assert.equal(slow.stats.commits, 3);
  });
  it('flushes no batch made only of non-durable transactions; a batch with a durable one is flushed for all', async () => {
    let flushes = 0;
    const c = new GroupCommitter(db, db, { begin: async () => void db.exec('BEGIN IMMEDIATE'), mapError: (e) => e, sync: async () => void flushes++ });
    await Promise.all(['l1', 'l2'].map((k) => c.run(insert(k), { durable: false })));
    assert.equal(flushes, 0);
    await Promise.all([c.run(insert('d1')), c.run(insert('l3'), { durable: false })]);
    assert.equal(flushes, 1);
    await c.run(insert('l4'), { durable: false });
    assert.equal(flushes, 1);
    assert.deepEqual(stored(), ['d1', 'l1', 'l2', 'l3', 'l4']);
  });

});

describe('GroupCommitter with a flush after COMMIT (sync)', () => {
  /** A flush that ends when the test says so. */
  function controlledSync() {
    const pending: { resolve: () => void; reject: (e: unknown) => void }[] = [];
    const sync = () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    return { sync, pending };
  }

  it('tells callers only once the flush of their COMMIT returned; the next batch gathers until then', async () => {
    const { sync, pending } = controlledSync();
    const c = new GroupCommitter(db, db, { begin: async () => void db.exec('BEGIN IMMEDIATE'), mapError: (e) => e, sync });
    const told: unknown[] = [];
    const first = Promise.all(['a', 'b'].map((k) => c.run(insert(k)).then((v) => told.push(v))));
    while (pending.length < 1) await new Promise((r) => setImmediate(r));
    // Committed (another connection reads it) but nobody told yet.
    assert.deepEqual(stored(), ['a', 'b']);
    assert.equal(told.length, 0);
    // Asked for during the flush: they wait for it, then commit together in one batch.
    const second = Promise.all(['c', 'd'].map((k) => c.run(insert(k)).then((v) => told.push(v))));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(stored(), ['a', 'b']);
    let idle = false;
    const idling = c.idle().then(() => (idle = true));
    pending[0]!.resolve();
    await first;
    assert.deepEqual(told, ['a', 'b']);
    while (pending.length < 2) await new Promise((r) => setImmediate(r));
    assert.deepEqual(stored(), ['a', 'b', 'c', 'd']);
    assert.equal(idle, false, 'idle() waits for every flush');
    pending[1]!.resolve();
    await second;
    await idling;
    assert.deepEqual(told, ['a', 'b', 'c', 'd']);
    assert.equal(c.stats.commits, 2);
  });

  it('fails every transaction of a batch whose flush failed; a failed transaction is told at once', async () => {
    const { sync, pending } = controlledSync();
    const c = new GroupCommitter(db, db, { begin: async () => void db.exec('BEGIN IMMEDIATE'), mapError: (e) => e, sync });
    const outcomes = Promise.allSettled([c.run(insert('x')), c.run(insert('y'))]);
    const failed = c.run(async () => Promise.reject(new Error('own error')));
    await assert.rejects(failed, /own error/);
    while (pending.length < 1) await new Promise((r) => setImmediate(r));
    pending[0]!.reject(new Error('EIO: flush failed'));
    const settled = await outcomes;
    assert.deepEqual(
      settled.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status)),
      ['Error: EIO: flush failed', 'Error: EIO: flush failed'],
    );
  });

  it('does not flush when nothing committed', async () => {
    let flushes = 0;
    const c = new GroupCommitter(db, db, { begin: async () => void db.exec('BEGIN IMMEDIATE'), mapError: (e) => e, sync: async () => void flushes++ });
    await assert.rejects(c.run(async () => Promise.reject(new Error('no'))));
    assert.equal(flushes, 0);
    await c.run(insert('z'));
    assert.equal(flushes, 1);
  });
});
