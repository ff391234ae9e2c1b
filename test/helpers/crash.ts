/**
 * The crash-safety harness of test/crash-safety*.test.ts (issue 6 item 6): a real `scimd serve`
 * takes writes from 100 concurrent writers (POST users, PATCH group member adds, PUTs of shared
 * users) and is killed with SIGKILL in the middle of it; restarted on the same data, it must hold
 * every write it acknowledged with a 2xx, with exactly the ETag it acknowledged — or a later
 * version, but only as many later as there were writes to that resource still unanswered when it
 * died (those may or may not have committed). The content must be that of the acknowledged write
 * (or of one of the unanswered ones), `PRAGMA integrity_check` must say ok (SQLite), and the
 * restarted server must take and serve new writes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import Database from 'better-sqlite3';
import { serveProcess, type Serving } from './process.ts';
import { freshDatabase, type TestDatabase } from './postgres.ts';
import { PATCH_OP, group, send, tempDir, user, type Reply } from './server.ts';
import { eventually } from './eventually.ts';

const WRITERS = 100;
/** Acknowledged writes to wait for before the kill (then it lands among many in flight). */
const ACKED_BEFORE_KILL = 150;
const SHARED_USERS = 10;
const GROUPS = 5;

const dirs: string[] = [];
const databases: TestDatabase[] = [];
const servers = new Set<Serving>();
after(async () => {
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const db of databases) await db.drop().catch(() => undefined);
});

/** What the client knows about one resource. */
interface Known {
  readonly path: string;
  /** Highest version acknowledged with a 2xx, and what that write stored. */
  acked: number;
  ackedTitle?: string;
  /** Members that acknowledged PATCHes added (groups). */
  readonly ackedMembers: Set<string>;
  /** Writes sent and not answered yet, with what each would store. */
  readonly pending: Map<number, { title?: string; member?: string }>;
}

class Ledger {
  readonly known = new Map<string, Known>();
  acks = 0;
  private seq = 0;

  entry(id: string, path: string): Known {
    let k = this.known.get(id);
    if (!k) {
      k = { path, acked: 0, ackedMembers: new Set(), pending: new Map() };
      this.known.set(id, k);
    }
    return k;
  }

  /** Sends a write to resource `id`; on a 2xx records the acknowledged version. Connection errors are expected after the kill. */
  async write(id: string, path: string, what: { title?: string; member?: string }, send: () => Promise<Reply>): Promise<Reply | undefined> {
    const k = this.entry(id, path);
    const n = ++this.seq;
    k.pending.set(n, what);
    let r: Reply;
    try {
      r = await send();
    } catch {
      return undefined; // the kill: this write stays pending, committed or not
    }
    k.pending.delete(n);
    assert.ok(r.status < 500, `${path}: ${r.status} ${r.text}`);
    if (r.status >= 200 && r.status < 300) this.ack(k, r, what);
    return r;
  }

  ack(k: Known, r: Reply, what: { title?: string; member?: string }): void {
    this.acks++;
    const version = Number(/^W\/"(\d+)"$/.exec(r.headers.get('etag') ?? '')?.[1]);
    assert.ok(Number.isSafeInteger(version), `ETag of ${k.path}: ${r.headers.get('etag')}`);
    if (what.member) k.ackedMembers.add(what.member);
    if (version >= k.acked) {
      k.acked = version;
      if (what.title !== undefined) k.ackedTitle = what.title;
    }
  }
}

export interface Harness {
  start(): Promise<Serving>;
  /** PRAGMA integrity_check, or nothing to check. */
  integrity(): string[] | undefined;
}

export function sqliteHarness(synchronous: 'FULL' | 'NORMAL', token: string): Harness {
  const dir = tempDir('scimd-crash-');
  dirs.push(dir);
  // FULL is the default: no flag, so that the default is what is tested.
  const args = synchronous === 'FULL' ? ['--data-dir', dir] : ['--data-dir', dir, '--sqlite-synchronous', synchronous];
  return {
    start: () => serveProcess(args, { SCIMD_BOOTSTRAP_TOKEN: token }),
    integrity() {
      const db = new Database(join(dir, 'scimd.db'), { readonly: true });
      try {
        return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
      } finally {
        db.close();
      }
    },
  };
}

export async function postgresHarness(token: string): Promise<Harness> {
  const db = await freshDatabase('crash');
  databases.push(db);
  const dir = tempDir('scimd-crash-pg-');
  dirs.push(dir);
  return { start: () => serveProcess(['--data-dir', dir], { SCIMD_BOOTSTRAP_TOKEN: token, SCIMD_DATABASE_URL: db.url }), integrity: () => undefined };
}

async function started(h: Harness): Promise<Serving> {
  const s = await h.start();
  servers.add(s);
  return s;
}

/** 100 writers until the kill: each POSTs a user, adds it to a group, and PUTs a shared user, over and over. */
async function loadAndKill(s: Serving, token: string, ledger: Ledger, shared: readonly string[], groups: readonly string[], round: number): Promise<void> {
  const auth = { authorization: `Bearer ${token}` };
  let killed = false;
  const writer = async (w: number) => {
    for (let i = 0; !killed; i++) {
      const userName = `crash-${round}-${w}-${i}`;
      let created: Reply;
      try {
        created = await send(`${s.base}/Users`, 'POST', user(userName, { title: 'new' }), auth);
      } catch {
        return;
      }
      assert.ok(created.status < 500, created.text);
      if (created.status !== 201) continue;
      const id = created.body.id as string;
      ledger.ack(ledger.entry(id, `/Users/${id}`), created, { title: 'new' });
      const g = groups[(w + i) % groups.length]!;
      const added = await ledger.write(g, `/Groups/${g}`, { member: id }, () =>
        send(`${s.base}/Groups/${g}`, 'PATCH', { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] }, auth),
      );
      if (!added) return;
      const u = shared[(w * 7 + i) % shared.length]!;
      const title = `put-${round}-${w}-${i}`;
      if (!(await ledger.write(u, `/Users/${u}`, { title }, () => send(`${s.base}/Users/${u}`, 'PUT', user(`shared-${u}`, { title }), auth)))) return;
    }
  };
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => s.child.once('exit', (_code, signal) => resolve(signal)));
  const start = ledger.acks;
  await eventually(() => ledger.acks - start >= ACKED_BEFORE_KILL, {
    what: `${ACKED_BEFORE_KILL} acknowledged writes`,
    timeoutMs: 60_000,
    intervalMs: 10,
    detail: () => `only ${ledger.acks - start} writes acknowledged before the kill`,
  });
  assert.ok(ledger.acks - start >= ACKED_BEFORE_KILL, `only ${ledger.acks - start} writes acknowledged before the kill`);
  s.child.kill('SIGKILL');
  killed = true;
  assert.equal(await exited, 'SIGKILL');
  await Promise.all(writers);
}

/** Every acknowledged write is there with its ETag (or a later one an unanswered write explains). */
async function verify(s: Serving, token: string, ledger: Ledger): Promise<{ checked: number; later: number }> {
  const auth = { authorization: `Bearer ${token}` };
  let later = 0;
  const entries = [...ledger.known.values()].filter((k) => k.acked > 0);
  for (let i = 0; i < entries.length; i += 50) {
    await Promise.all(
      entries.slice(i, i + 50).map(async (k) => {
        const r = await send(`${s.base}${k.path}`, 'GET', undefined, auth);
        assert.equal(r.status, 200, `${k.path} was acknowledged at W/"${k.acked}" and is gone: ${r.text}`);
        const version = Number(/^W\/"(\d+)"$/.exec(r.body.meta.version)?.[1]);
        assert.equal(r.headers.get('etag'), r.body.meta.version);
        const unanswered = [...k.pending.values()];
        assert.ok(
          version >= k.acked && version <= k.acked + unanswered.length,
          `${k.path}: acknowledged W/"${k.acked}", ${unanswered.length} unanswered at the kill, stored ${r.body.meta.version}`,
        );
        if (version > k.acked) later++;
        if (k.ackedTitle !== undefined) {
          const allowed = version === k.acked ? [k.ackedTitle] : [k.ackedTitle, ...unanswered.map((p) => p.title)];
          assert.ok(allowed.includes(r.body.title), `${k.path} at ${r.body.meta.version}: title ${r.body.title}, expected one of ${allowed.join(', ')}`);
        }
        if (k.ackedMembers.size > 0) {
          const members = new Set(((r.body.members ?? []) as { value: string }[]).map((m) => m.value));
          const missing = [...k.ackedMembers].filter((m) => !members.has(m));
          assert.deepEqual(missing, [], `${k.path}: acknowledged members lost`);
          const extra = [...members].filter((m) => !k.ackedMembers.has(m) && !unanswered.some((p) => p.member === m));
          assert.deepEqual(extra, [], `${k.path}: members nobody added`);
        }
      }),
    );
  }
  return { checked: entries.length, later };
}

/** The restarted server takes and serves new writes (recorded in the ledger like any other). */
async function servesNormally(s: Serving, token: string, ledger: Ledger, groups: readonly string[]): Promise<void> {
  const auth = { authorization: `Bearer ${token}` };
  const made = await send(`${s.base}/Users`, 'POST', user(`after-${randomBytes(4).toString('hex')}`), auth);
  assert.equal(made.status, 201, made.text);
  ledger.ack(ledger.entry(made.body.id, `/Users/${made.body.id}`), made, {});
  const g = groups[0]!;
  const patched = await ledger.write(g, `/Groups/${g}`, { member: made.body.id }, () =>
    send(`${s.base}/Groups/${g}`, 'PATCH', { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: made.body.id }] }] }, auth),
  );
  assert.ok(patched?.status === 200 || patched?.status === 204, patched?.text);
  const found = await send(`${s.base}/Users?filter=${encodeURIComponent(`groups.value eq "${groups[0]}"`)}&count=0`, 'GET', undefined, auth);
  assert.equal(found.status, 200, found.text);
  assert.ok(found.body.totalResults >= 1);
}

export async function crashTest(h: Harness, token: string, rounds: number, t: { diagnostic(m: string): void }): Promise<void> {
  const auth = { authorization: `Bearer ${token}` };
  const ledger = new Ledger();
  let s = await started(h);
  const shared: string[] = [];
  for (let i = 0; i < SHARED_USERS; i++) {
    const r = await send(`${s.base}/Users`, 'POST', user(`shared-${i}`), auth);
    assert.equal(r.status, 201, r.text);
    // PUTs keep the userName each shared user was created with: `shared-<id>` after the first.
    const put = await send(`${s.base}/Users/${r.body.id}`, 'PUT', user(`shared-${r.body.id}`, { title: 'start' }), auth);
    assert.equal(put.status, 200, put.text);
    ledger.ack(ledger.entry(r.body.id, `/Users/${r.body.id}`), put, { title: 'start' });
    shared.push(r.body.id);
  }
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) {
    const r = await send(`${s.base}/Groups`, 'POST', group(`crash group ${i}`), auth);
    assert.equal(r.status, 201, r.text);
    ledger.ack(ledger.entry(r.body.id, `/Groups/${r.body.id}`), r, {});
    groups.push(r.body.id);
  }
  for (let round = 1; round <= rounds; round++) {
    const acksBefore = ledger.acks;
    const pendingBefore = [...ledger.known.values()].reduce((n, k) => n + k.pending.size, 0);
    await loadAndKill(s, token, ledger, shared, groups, round);
    const pending = [...ledger.known.values()].reduce((n, k) => n + k.pending.size, 0) - pendingBefore;
    s = await started(h);
    const integrity = h.integrity();
    if (integrity) assert.deepEqual(integrity, ['ok']);
    const { checked, later } = await verify(s, token, ledger);
    t.diagnostic(`round ${round}: ${ledger.acks - acksBefore} writes acknowledged, ${pending} unanswered at the kill; ${checked} resources checked (all rounds), ${later} at a version past their last acknowledgement`);
    await servesNormally(s, token, ledger, groups);
  }
  const exit = await s.stop();
  assert.equal(exit.code, 0, s.stderr());
  const integrity = h.integrity();
  if (integrity) assert.deepEqual(integrity, ['ok']);
}
