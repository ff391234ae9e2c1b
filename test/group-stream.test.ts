/**
 * GET of a huge group, streamed (src/provisioning/resources/group-read.ts), on SQLite and on
 * PostgreSQL, over real HTTP. Two servers on one database: `streamed` streams groups of more than
 * 100 members (64 at a time), `whole` never does; their answers must be the same bytes. A PATCH
 * that commits while a streamed read is under way must not show in it: the document is the
 * version its ETag names. A client that goes mid-stream frees the snapshot it held.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../src/config.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { group, patch, startTestServer, user, type Reply, type TestServer } from './helpers/server.ts';

const MEMBERS = 2_000;
/** Long display names make the document ~2 MB: far more than socket buffers hold, so a paused client pauses the read. */
const LONG = 'd'.repeat(1_000);
const TUNING = { streamMembersOver: 100, memberPage: 64 };

interface Rig {
  streamed: TestServer;
  whole: TestServer;
  groupId: string;
  userIds: string[];
  close(): Promise<void>;
}

async function rig(backend: 'sqlite' | 'postgres'): Promise<Rig> {
  let db: TestDatabase | undefined;
  let storage: Partial<Config> = {};
  if (backend === 'postgres') {
    db = await freshDatabase('groupstream');
    storage = { databaseUrl: db.url };
  }
  const streamed = await startTestServer(storage, TUNING);
  // The second server reads the same database (for SQLite, the first one's data directory).
  const whole = await startTestServer(backend === 'sqlite' ? { dataDir: streamed.dataDir } : storage, { streamMembersOver: 1e9 });
  const userIds: string[] = [];
  for (let start = 0; start < MEMBERS; start += 500) {
    const Operations = Array.from({ length: 500 }, (_, k) => {
      const i = start + k;
      // Every third user has no displayName: its member display is its userName.
      const extra = i % 3 === 0 ? {} : { displayName: `${i} ${LONG}` };
      return { method: 'POST', path: '/Users', bulkId: `u${i}`, data: user(`user-${i}`, extra) };
    });
    const r = await streamed.request('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations });
    assert.equal(r.status, 200, r.text.slice(0, 500));
    for (const op of r.body.Operations as { status: string; location: string }[]) {
      assert.equal(op.status, '201');
      userIds.push(op.location.split('/').pop()!);
    }
  }
  const nested = await streamed.request('POST', '/Groups', group('nested'));
  assert.equal(nested.status, 201, nested.text);
  const members = [...userIds.map((value) => ({ value })), { value: nested.body.id }];
  const g = await streamed.request('POST', '/Groups', group('huge', { externalId: 'ext-huge', members }));
  assert.equal(g.status, 201, g.text.slice(0, 500));
  return {
    streamed,
    whole,
    groupId: g.body.id,
    userIds,
    async close() {
      // The data directory is the first server's: it removes it.
      await whole.running.close();
      await streamed.close();
      await db?.drop();
    },
  };
}

/**
 * A GET on `whole` with the token of `streamed` (the servers share the tenant and its clients),
 * its text as `streamed` would write it (the $ref and location URLs name the server asked).
 */
async function wholeGet(r: Rig, path: string): Promise<Reply> {
  const b = await r.whole.request('GET', path, undefined, { authorization: `Bearer ${r.streamed.token}` });
  const text = b.text.replaceAll(r.whole.origin, r.streamed.origin);
  const headers = new Headers(b.headers);
  const location = headers.get('location');
  if (location) headers.set('location', location.replace(r.whole.origin, r.streamed.origin));
  return { ...b, text, headers, body: text ? JSON.parse(text) : undefined };
}

/** Equal texts, or a failure that shows where they part (not two 2 MB strings). */
function sameText(actual: string, expected: string, what: string): void {
  if (actual === expected) return;
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  assert.fail(`${what}: the texts part at ${i} (lengths ${actual.length}, ${expected.length}): …${actual.slice(Math.max(0, i - 80), i + 80)}… vs …${expected.slice(Math.max(0, i - 80), i + 80)}…`);
}

/** The body of an HTTP/1.1 response in chunked transfer coding. */
function unchunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; ; ) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

interface Paused {
  /** The response's head (status line and headers, lower-cased names). */
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Reads the rest, to the end, and gives the body. */
  resume(): Promise<string>;
  destroy(): void;
}

/**
 * A GET on a raw socket that reads only the first bytes that come (the head and a little of the
 * body) and then nothing until `resume`: the kernel's buffers fill, and the server must wait with
 * its read under way. (An HTTP client reading on would let buffers grow to megabytes first.)
 */
function pausedGet(s: TestServer, path: string): Promise<Paused> {
  const url = new URL(`${s.base}${path}`);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    socket.once('error', reject);
    socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${s.token}\r\nConnection: close\r\n\r\n`);
    const got: Buffer[] = [];
    socket.once('readable', () => {
      for (let c: Buffer | null; (c = socket.read() as Buffer | null) !== null; ) got.push(c);
      const start = Buffer.concat(got);
      const end = start.indexOf('\r\n\r\n');
      const lines = start.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(lines[0]!.split(' ')[1]),
        headers,
        resume: () =>
          new Promise((done, fail) => {
            socket.on('data', (c: Buffer) => got.push(c));
            socket.once('end', () => {
              const all = Buffer.concat(got);
              done(unchunked(all.subarray(all.indexOf('\r\n\r\n') + 4)).toString('utf8'));
            });
            socket.once('error', fail);
          }),
        destroy: () => socket.destroy(),
      });
    });
  });
}

/** `p`, or a failure after `ms` (a read that waits for a snapshot nobody frees would wait for ever). */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`streamed group GET (${backend})`, () => {
    let r: Rig;
    before(async () => {
      r = await rig(backend);
    });
    after(() => r.close());

    it('is the same document, byte for byte, as the one built in memory', async () => {
      const path = `/Groups/${r.groupId}`;
      const [a, b] = [await r.streamed.request('GET', path), await wholeGet(r, path)];
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      // Streamed: no length known up front. In memory: one body with its length.
      assert.equal(a.headers.get('transfer-encoding'), 'chunked');
      assert.equal(a.headers.get('content-length'), null);
      assert.ok(b.headers.get('content-length'));
      sameText(a.text, b.text, 'GET');
      for (const h of ['etag', 'location', 'content-type']) assert.equal(a.headers.get(h), b.headers.get(h), h);
      assert.equal(a.body.members.length, MEMBERS + 1);
      assert.equal(a.body.meta.version, a.headers.get('etag'));
      assert.ok(a.text.length > 1_000_000, `the document is ${a.text.length} characters`);
    });

    it('projects as the document in memory does (attributes, excludedAttributes)', async () => {
      const queries = [
        'attributes=members',
        'attributes=displayName,members.value',
        'attributes=members.type,externalId',
        'attributes=members.display',
        'excludedAttributes=members.display,meta',
        'excludedAttributes=members',
        'excludedAttributes=displayName,externalId',
        'attributes=displayName',
      ];
      for (const q of queries) {
        const path = `/Groups/${r.groupId}?${q}`;
        const [a, b] = [await r.streamed.request('GET', path), await wholeGet(r, path)];
        assert.equal(a.status, 200, `${q}: ${a.text.slice(0, 300)}`);
        sameText(a.text, b.text, q);
        assert.equal(a.headers.get('etag'), b.headers.get('etag'), q);
      }
      // The forms that stream did stream; the others are short.
      const members = (await r.streamed.request('GET', `/Groups/${r.groupId}?attributes=members.value`)).headers.get('transfer-encoding');
      assert.equal(members, 'chunked');
    });

    it('answers If-None-Match with 304, and a missing group with a SCIM 404', async () => {
      const etag = (await r.streamed.request('GET', `/Groups/${r.groupId}`)).headers.get('etag')!;
      const notModified = await r.streamed.request('GET', `/Groups/${r.groupId}`, undefined, { 'if-none-match': etag });
      assert.equal(notModified.status, 304);
      assert.equal(notModified.text, '');
      const missing = await r.streamed.request('GET', '/Groups/00000000-0000-4000-8000-000000000000');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.status, '404');
      // Neither left a snapshot held: a full read still comes (see the last test for the bound).
      assert.equal((await r.streamed.request('GET', `/Groups/${r.groupId}`)).body.members.length, MEMBERS + 1);
    });

    it('shows the version its ETag names when a PATCH commits during the read', async () => {
      const path = `/Groups/${r.groupId}`;
      const before = await wholeGet(r, path);
      const paused = await pausedGet(r.streamed, path);
      assert.equal(paused.status, 200);
      assert.equal(paused.headers['transfer-encoding'], 'chunked');
      assert.equal(paused.headers.etag, before.headers.get('etag'));
      const removed = r.userIds.slice(0, 10);
      const added = await r.streamed.request('POST', '/Users', user('late-comer'));
      const p = await r.streamed.request(
        'PATCH',
        path,
        patch(
          { op: 'replace', path: 'displayName', value: 'huge, renamed' },
          { op: 'add', path: 'members', value: [{ value: added.body.id }] },
          ...removed.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })),
        ),
      );
      assert.ok(p.status === 200 || p.status === 204, p.text.slice(0, 300));
      const text = await paused.resume();
      // The whole document of the version before the PATCH, not a mix.
      sameText(text, before.text, 'the read during the PATCH');
      const now = await r.streamed.request('GET', path);
      assert.notEqual(now.headers.get('etag'), before.headers.get('etag'));
      assert.equal(now.body.displayName, 'huge, renamed');
      const ids = new Set((now.body.members as { value: string }[]).map((m) => m.value));
      assert.ok(ids.has(added.body.id));
      for (const id of removed) assert.ok(!ids.has(id));
      sameText(now.text, (await wholeGet(r, path)).text, 'after the PATCH');
    });

    it('reads, in a snapshot, the members of the version it began with while a PATCH commits', async () => {
      // The HTTP read above is mid-stream when the PATCH commits on PostgreSQL, but SQLite can write
      // the whole 2 MB into loopback socket buffers first; here the pages are read around the PATCH.
      const store = r.streamed.running.store;
      const tenant = (await store.tenantByName('default'))!.id;
      const path = `/Groups/${r.groupId}`;
      const before = (await wholeGet(r, path)).body;
      const snapshot = (await store.readSnapshot!())!;
      try {
        const group = (await snapshot.reads.getResource(tenant, 'Group', r.groupId))!;
        const pages = [await snapshot.reads.memberPage(tenant, r.groupId, 100)];
        const added = await r.streamed.request('POST', '/Users', user('later-still'));
        const dropped = pages[0]!.members.slice(-5).map((m) => m.value).concat(r.userIds.slice(-5));
        const p = await r.streamed.request(
          'PATCH',
          path,
          patch({ op: 'add', path: 'members', value: [{ value: added.body.id }] }, ...dropped.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` }))),
        );
        assert.ok(p.status === 200 || p.status === 204, p.text.slice(0, 300));
        for (let from = pages[0]!.next; from; from = pages[pages.length - 1]!.next) pages.push(await snapshot.reads.memberPage(tenant, r.groupId, 100, from));
        assert.equal(`W/"${group.version}"`, before.meta.version);
        const read = pages.flatMap((page) => page.members.map((m) => m.value));
        assert.deepEqual(read, (before.members as { value: string }[]).map((m) => m.value));
        // Outside the snapshot the PATCH shows.
        const now = (await r.streamed.request('GET', path)).body;
        assert.notEqual(now.meta.version, before.meta.version);
        assert.ok(now.members.some((m: { value: string }) => m.value === added.body.id));
      } finally {
        await snapshot.release();
      }
    });

    it('frees the read of a client that goes mid-stream', async () => {
      const path = `/Groups/${r.groupId}`;
      // More clients than the store keeps snapshots (4 on SQLite, half the pool of 10 on PostgreSQL), each gone after its first chunk.
      for (let i = 0; i < 6; i++) {
        const paused = await within(60_000, `client ${i}`, pausedGet(r.streamed, path));
        assert.equal(paused.status, 200);
        paused.destroy();
      }
      // Were any snapshot still held by a client that went, these would wait for ever.
      const reads = await within(60_000, 'the reads after', Promise.all(Array.from({ length: 6 }, () => r.streamed.request('GET', path))));
      for (const a of reads) assert.equal(a.body.members.length, MEMBERS - 10 + 1 + 1 - 10 + 1);
    });
  });
}
