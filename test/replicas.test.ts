/**
 * Any number of stateless scimd replicas on one PostgreSQL database (issue: "PostgreSQL backend and
 * any number of stateless scimd replicas"). Two real `scimd serve` processes, started at the same
 * moment on one fresh database (so their migrations and first-start bootstrap race), take
 * concurrent SCIM writes split evenly between them:
 *
 * (a) 50 parallel POSTs of one userName in mixed case: exactly one 201, 49 × 409 uniqueness, one row;
 * (b) 50 parallel single-member PATCH adds to one group: all 50 members, one version step each;
 * (c) two writes with the same If-Match, one to each replica, at once: one success and one 412;
 * (d) what one replica writes the other reads back at once (no cache);
 * (e) groups added to each other, in both directions at once: every PATCH succeeds (no deadlock);
 * (f) a group created with a member the other replica deletes at once: 201 or 400, never a 500.
 *
 * No response anywhere may be a 5xx, and afterwards the request log in the database holds none.
 * (a) and (b) are shared with test/concurrency-sqlite.test.ts (test/helpers/races.ts), which runs
 * them against one process on SQLite.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { memberAddRace, PARALLEL, statusCounts, uniquenessRace, type Endpoint } from './helpers/races.ts';
import { ERROR_SCHEMA, PATCH_OP, group, send, tempDir, user, type Reply } from './helpers/server.ts';
import { killChildren, outputMatch, type Exit } from './helpers/children.ts';
import { spawnScimd } from './helpers/cli.ts';

/** Generous: how long to wait for a banner or an exit. */
const WAIT_MS = 30_000;
/** The last line of the banner: once it is out, the whole banner is. */
const BANNER_END = /If the IdP appends \/v2 itself, give \S+\n/;

// ---------------------------------------------------------------------------------------------
// Processes, temp dirs and databases, cleaned up even when a test fails.

const dirs: string[] = [];
const databases: TestDatabase[] = [];

// The children are killed by helpers/children.ts, before this hook removes their data.
after(async () => {
  await killChildren();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const db of databases) await db.drop().catch(() => undefined);
});

function dataDir(): string {
  const d = tempDir('scimd-replicas-');
  dirs.push(d);
  return d;
}

/** A running replica: name and SCIM base URL (from the banner), and more. */
interface Replica extends Endpoint {
  readonly banner: string;
  stderr(): string;
  /** SIGTERM, then the exit. */
  stop(): Promise<Exit>;
}

/** Starts `scimd serve --port 0` and resolves once its banner is out. */
async function serve(name: string, env: Record<string, string>): Promise<Replica> {
  const p = spawnScimd(['serve', '--port', '0', '--data-dir', dataDir(), '--log-level', 'warn'], env);
  await outputMatch(p, BANNER_END, WAIT_MS, `${name}: scimd serve`);
  const stdout = p.stdout();
  const m = /SCIM base URL\s+(http:\/\/127\.0\.0\.1:\d+\/scim\/v2)\n/.exec(stdout);
  assert.ok(m, `${name}: no base URL in the banner:\n${stdout}`);
  return {
    name,
    base: m[1]!,
    banner: stdout,
    stderr: p.stderr,
    async stop() {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      return p.exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP, with every reply kept so that the last test can look for a 5xx anywhere.

interface Sent {
  readonly replica: string;
  readonly what: string;
  readonly reply: Reply;
}

const sent: Sent[] = [];

function client(token: string) {
  return async (r: Endpoint, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const reply = await send(`${r.base}${path}`, method, body, { authorization: `Bearer ${token}`, ...headers });
    sent.push({ replica: r.name, what: `${method} ${path}`, reply });
    return reply;
  };
}

const describeReply = (s: Sent) => `${s.replica} ${s.what} → ${s.reply.status} ${s.reply.text.slice(0, 300)}`;

function assertNo5xx(replies: readonly Sent[], what: string): void {
  const bad = replies.filter((s) => s.reply.status >= 500);
  assert.deepEqual(bad.map(describeReply), [], `${what}: no 5xx`);
}

// ---------------------------------------------------------------------------------------------

describe('two scimd replicas on one PostgreSQL database', () => {
  const token = `replica-${randomBytes(24).toString('base64url')}`;
  const call = client(token);
  let db: TestDatabase;
  let a: Replica;
  let b: Replica;
  let raceResult: { statuses: Record<number, number>; stored: number } | undefined;

  before(async () => {
    db = await freshDatabase('replicas');
    databases.push(db);
    const env = { SCIMD_DATABASE_URL: db.url, SCIMD_BOOTSTRAP_TOKEN: token };
    // At the same moment: both run the migrations (under the advisory lock) and the first-start bootstrap.
    const started = await Promise.allSettled([serve('A', env), serve('B', env)]);
    const failed = started.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    assert.deepEqual(
      failed.map((f) => String(f.reason)),
      [],
      'both replicas start on the same empty database',
    );
    [a, b] = started.map((s) => (s as PromiseFulfilledResult<Replica>).value) as [Replica, Replica];
  });

  it('both replicas serve with the shared bootstrap token; the schema was migrated once', async () => {
    const shown = [a, b].filter((r) => r.banner.includes('the value of SCIMD_BOOTSTRAP_TOKEN'));
    assert.equal(shown.length, 1, 'exactly one replica created the default client and says so');
    assert.ok([a, b].every((r) => !r.banner.includes(token)), 'neither echoes a token the operator chose into its log');
    for (const r of [a, b]) {
      const reply = await call(r, 'GET', '/Users');
      assert.equal(reply.status, 200, `${r.name}: ${reply.text}`);
      assert.equal(reply.body.totalResults, 0);
    }
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const versions = (await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r: { version: number }) => r.version);
      assert.deepEqual(versions, versions.map((_, i) => i + 1), 'each migration applied exactly once');
      assert.ok(versions.length >= 1);
      const tenants = (await c.query('SELECT name FROM tenants')).rows.map((r: { name: string }) => r.name);
      assert.deepEqual(tenants, ['default']);
      assert.equal(Number((await c.query('SELECT COUNT(*) AS n FROM tokens')).rows[0].n), 1);
    } finally {
      await c.end();
    }
  });

  it('(a) 50 parallel POSTs of one userName in mixed case: one 201, 49 × 409 uniqueness, one row', async () => {
    const result = await uniquenessRace([a, b], call);
    assert.deepEqual(result, { statuses: { 201: 1, 409: PARALLEL - 1 }, stored: 1 });
    raceResult = result;
  });

  it('(b) 50 parallel single-member PATCH adds to one group: all 50 members, no 5xx', async () => {
    const { groupId, memberIds } = await memberAddRace([a, b], call);
    const viaFilter = await call(b, 'GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${memberIds[PARALLEL - 1]}"`)}`);
    assert.deepEqual(viaFilter.body.Resources.map((r: { id: string }) => r.id), [groupId]);
  });

  it('(c) the same If-Match sent to both replicas at once: exactly one success and one 412', async () => {
    const made = await call(a, 'POST', '/Users', user('contested', { title: 'start' }));
    assert.equal(made.status, 201, made.text);
    const id = made.body.id as string;
    let etag = made.headers.get('etag')!;
    assert.equal(etag, 'W/"1"');
    const ROUNDS = 6;
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which replica gets the PUT and which the PATCH; both carry the same If-Match.
      const [putTo, patchTo] = round % 2 ? [b, a] : [a, b];
      const [put, patched]: [Reply, Reply] = await Promise.all([
        call(putTo, 'PUT', `/Users/${id}`, user('contested', { title: `put-${round}` }), { 'if-match': etag }),
        call(patchTo, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `patch-${round}` }] }, { 'if-match': etag }),
      ]);
      const statuses = [put.status, patched.status].sort();
      const winner: Reply = put.status === 200 ? put : patched;
      assert.ok(
        (statuses[0] === 200 || statuses[0] === 204) && statuses[1] === 412,
        `round ${round}: one success and one 412, got PUT ${put.status} ${put.text} / PATCH ${patched.status} ${patched.text}`,
      );
      const loser: Reply = winner === put ? patched : put;
      assert.equal(loser.body.scimType, undefined, 'RFC 7644 §3.14: 412 has no scimType');
      assert.deepEqual(loser.body.schemas, [ERROR_SCHEMA]);
      const next = `W/"${round + 2}"`;
      // The loser's target replica reads the winner's write at once.
      const reread = await call(loser === put ? putTo : patchTo, 'GET', `/Users/${id}`);
      assert.equal(reread.body.meta.version, next);
      assert.equal(reread.body.title, winner === put ? `put-${round}` : `patch-${round}`);
      etag = reread.headers.get('etag')!;
      assert.equal(etag, next);
    }
  });

  it('(d) what one replica writes, the other reads back at once', async () => {
    for (const [writer, reader] of [
      [a, b],
      [b, a],
    ] as const) {
      const made = await call(writer, 'POST', '/Users', user(`seen-via-${reader.name}`, { displayName: 'First', emails: [{ value: `x-${writer.name}@example.com` }] }));
      assert.equal(made.status, 201, made.text);
      const id = made.body.id as string;
      const got = await call(reader, 'GET', `/Users/${id}`);
      assert.equal(got.status, 200, got.text);
      // Identical but for meta.location, which names the replica asked.
      const withoutLocation = (doc: { meta: Record<string, unknown> }) => ({ ...doc, meta: { ...doc.meta, location: undefined } });
      assert.deepEqual(withoutLocation(got.body), withoutLocation(made.body));
      assert.equal(got.body.meta.location, `${reader.base}/Users/${id}`);
      const byEmail = await call(reader, 'GET', `/Users?filter=${encodeURIComponent(`emails.value eq "X-${writer.name}@EXAMPLE.com"`)}`);
      assert.deepEqual(byEmail.body.Resources.map((r: { id: string }) => r.id), [id]);

      const changed = await call(writer, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Second' }] });
      assert.equal(changed.status, 200, changed.text);
      const again = await call(reader, 'GET', `/Users/${id}`);
      assert.equal(again.body.displayName, 'Second');
      assert.equal(again.body.meta.version, 'W/"2"');

      const team = await call(reader, 'POST', '/Groups', group(`Team ${writer.name}`, { members: [{ value: id }] }));
      assert.equal(team.status, 201, team.text);
      const withGroups = await call(writer, 'GET', `/Users/${id}`);
      assert.deepEqual(withGroups.body.groups.map((g: { value: string }) => g.value), [team.body.id]);

      assert.equal((await call(writer, 'DELETE', `/Users/${id}`)).status, 204);
      assert.equal((await call(reader, 'GET', `/Users/${id}`)).status, 404);
      const members = await call(reader, 'GET', `/Groups/${team.body.id}`);
      assert.equal(members.body.members, undefined, 'the deleted user left the group');
    }
  });

  it('(e) groups added to each other at once through both replicas: every PATCH succeeds (no deadlock, no 503)', async () => {
    const made = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i % 2 ? b : a, 'POST', '/Groups', group(`Nested ${i}`))));
    for (const r of made) assert.equal(r.status, 201, r.text);
    const gid = made.map((r) => r.body.id as string);
    const want = new Map(gid.map((id) => [id, new Set<string>()]));
    const add = (to: Replica, g: string, member: string) => {
      want.get(g)!.add(member);
      return call(to, 'PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: member }] }] });
    };
    // Each pair at once in both directions, one direction per replica: x gains y while y gains x.
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, k) => {
        const x = gid[k % 10]!;
        const y = gid[(k + 1 + (k % 3)) % 10]!;
        return [add(k % 2 ? b : a, x, y), add(k % 2 ? a : b, y, x)];
      }).flat(),
    );
    assert.deepEqual(
      replies.filter((r) => r.status !== 200 && r.status !== 204).map((r) => `${r.status} ${r.text.slice(0, 200)}`),
      [],
      `every PATCH succeeds: ${JSON.stringify(statusCounts(replies))}`,
    );
    for (const [i, id] of gid.entries()) {
      const got = await call(i % 2 ? a : b, 'GET', `/Groups/${id}`);
      assert.deepEqual(new Set((got.body.members as { value: string }[]).map((m) => m.value)), want.get(id), `members of group ${i}`);
    }
  });

  it('(f) a group created with a member that the other replica deletes at once: 201 or 400, never 5xx', async () => {
    const N = 100;
    const made = await Promise.all(Array.from({ length: N }, (_, i) => call(i % 2 ? b : a, 'POST', '/Users', user(`doomed-${i}`))));
    for (const r of made) assert.equal(r.status, 201, r.text);
    const uid = made.map((r) => r.body.id as string);
    const replies = await Promise.all(
      uid.map((id, i) => [call(i % 2 ? a : b, 'POST', '/Groups', group(`Doomed ${i}`, { members: [{ value: id }] })), call(i % 2 ? b : a, 'DELETE', `/Users/${id}`)]).flat(),
    );
    const posts = replies.filter((_, i) => i % 2 === 0);
    const deletes = replies.filter((_, i) => i % 2 === 1);
    for (const d of deletes) assert.equal(d.status, 204, d.text);
    for (const p of posts) {
      if (p.status === 400) {
        // Serialised after the delete: the member does not exist.
        assert.equal(p.body.scimType, 'invalidValue', p.text);
        continue;
      }
      assert.equal(p.status, 201, p.text);
      // Serialised before the delete, whose cascade took the membership away.
      const got = await call(a, 'GET', `/Groups/${p.body.id}`);
      assert.equal(got.body.members, undefined, got.text);
    }
  });

  it('no 5xx on any request; the replicas stop cleanly and their request logs hold no 5xx either', async () => {
    assertNo5xx(sent, 'PostgreSQL replicas');
    const exits = await Promise.all([a.stop(), b.stop()]);
    for (const e of exits) {
      assert.equal(e.code, 0, `exit after SIGTERM: ${e.stderr}`);
      assert.doesNotMatch(e.stderr, /deadlock|could not serialize|database unavailable/i);
    }
    // Each replica flushed its request log on the way out: every request is there, none a 5xx.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const rows = (await c.query('SELECT status, COUNT(*) AS n FROM request_log GROUP BY status ORDER BY status')).rows as { status: number; n: string }[];
      const byStatus = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      assert.deepEqual(
        Object.keys(byStatus).filter((s) => Number(s) >= 500),
        [],
        `request log by status: ${JSON.stringify(byStatus)}`,
      );
      if (raceResult) assert.ok((byStatus[409] ?? 0) >= PARALLEL - 1, `the 409s of (a) are logged: ${JSON.stringify(byStatus)}`);
    } finally {
      await c.end();
    }
  });
});
