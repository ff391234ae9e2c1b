/**
 * Concurrency on SQLite (issue 6 item 5), against a real `scimd serve` process and its default
 * synchronous=FULL. The PostgreSQL versions with two replicas are in test/replicas.test.ts; both
 * share the races of test/helpers/races.ts.
 *
 * (a) 50 parallel POSTs of one userName in mixed case: exactly one 201, 49 × 409 uniqueness, one row.
 * (b) Requests racing with one If-Match (PUT, PATCH, DELETE, alone and mixed): exactly one succeeds;
 *     the others get 412, or 404 once the winner was a DELETE (RFC 9110 §13.2.1: a 404 found
 *     before the precondition takes precedence); the stored resource is the winner's, one version on.
 * (c) 50 parallel single-member PATCH adds to one group: all 50 members stored, one version step each.
 * (d) Pages read with startIndex/count (RFC 7644 §3.4.2.4), unsorted and sorted, while users are
 *     being inserted: a pass over the pages never repeats an id and never skips one that existed
 *     before it started. Offset paging can only promise that when new resources sort after the
 *     reader's position, so the new users do: unsorted (creation order), by userName ('zz-…'),
 *     by title ascending (they have none: absent sorts last) and by displayName descending (all
 *     '0 new', below every other: a tie). Ties break on creation order, which keeps pages stable.
 * No response anywhere is a 5xx, and the server logs no error.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { serveProcess, type Serving } from './helpers/process.ts';
import { memberAddRace, PARALLEL, statusCounts, uniquenessRace, type Call, type Endpoint } from './helpers/races.ts';
import { ERROR_SCHEMA, PATCH_OP, group, send, tempDir, user, type Reply } from './helpers/server.ts';

const token = `concurrency-${randomBytes(24).toString('base64url')}`;
const dataDir = tempDir('scimd-concurrency-');
let serving: Serving;
let scimd: Endpoint;

/** Every reply, for the final "no 5xx anywhere". */
const replies: { what: string; reply: Reply }[] = [];
const call: Call = async (to, method, path, body, headers = {}) => {
  const reply = await send(`${to.base}${path}`, method, body, { authorization: `Bearer ${token}`, ...headers });
  replies.push({ what: `${method} ${path}`, reply });
  return reply;
};

before(async () => {
  serving = await serveProcess(['--data-dir', dataDir], { SCIMD_BOOTSTRAP_TOKEN: token });
  scimd = { name: 'sqlite', base: serving.base };
});
after(async () => {
  if (serving.child.exitCode === null) await serving.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type Method = 'PUT' | 'PATCH' | 'DELETE';
/** Users inserted, one after the other, while (d) reads pages. */
const INSERTS = 120;

/**
 * Creates a resource, then sends `methods` at once, all with its ETag, each writing its own tag.
 * Returns which one won.
 */
async function ifMatchRace(type: 'User' | 'Group', methods: readonly Method[], label: string): Promise<Method> {
  const endpoint = type === 'User' ? 'Users' : 'Groups';
  const attr = type === 'User' ? 'title' : 'displayName';
  const name = `if-match-${label}`;
  const made = await call(scimd, 'POST', `/${endpoint}`, type === 'User' ? user(name, { title: 'start' }) : group(name));
  assert.equal(made.status, 201, made.text);
  const id = made.body.id as string;
  const etag = made.headers.get('etag')!;
  const tagOf = (i: number) => `${label}-${i}`;
  const sent = await Promise.all(
    methods.map((m, i) => {
      const headers = { 'if-match': etag };
      if (m === 'DELETE') return call(scimd, 'DELETE', `/${endpoint}/${id}`, undefined, headers);
      if (m === 'PUT') return call(scimd, 'PUT', `/${endpoint}/${id}`, type === 'User' ? user(name, { title: tagOf(i) }) : group(tagOf(i)), headers);
      return call(scimd, 'PATCH', `/${endpoint}/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: attr, value: tagOf(i) }] }, headers);
    }),
  );
  const winners = sent.map((r, i) => ({ r, i })).filter(({ r }) => r.status >= 200 && r.status < 300);
  assert.equal(winners.length, 1, `${label}: exactly one success, got ${JSON.stringify(statusCounts(sent))}`);
  const w = winners[0]!;
  const won = methods[w.i]!;
  for (const [i, r] of sent.entries()) {
    if (i === w.i) continue;
    assert.equal(r.status, won === 'DELETE' ? 404 : 412, `${label}: ${methods[i]} after a winning ${won}: ${r.text}`);
    assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
    assert.equal(r.body.scimType, undefined, 'RFC 7644 §3.14: 412 has no scimType');
  }
  const now = await call(scimd, 'GET', `/${endpoint}/${id}`);
  if (won === 'DELETE') {
    assert.equal(now.status, 404, now.text);
  } else {
    assert.equal(now.status, 200, now.text);
    assert.equal(now.body.meta.version, 'W/"2"', `${label}: one version step`);
    assert.equal(now.body[attr], tagOf(w.i), `${label}: the winner's write is stored`);
    assert.equal(w.r.headers.get('etag'), 'W/"2"');
  }
  return won;
}

/** Reads every page of a list with `startIndex`/`count`; returns the ids in the order read. */
async function pass(query: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 1; ; start += count) {
    const page = await call(scimd, 'GET', `/Users?${query}${query ? '&' : ''}startIndex=${start}&count=${count}&attributes=id`);
    assert.equal(page.status, 200, page.text);
    const got = ((page.body.Resources ?? []) as { id: string }[]).map((r) => r.id);
    ids.push(...got);
    if (got.length < count || start + count > (page.body.totalResults as number)) return ids;
  }
}

describe('concurrency on SQLite (one scimd process, synchronous=FULL)', () => {
  it('(a) 50 parallel POSTs of one userName in mixed case: one 201, 49 × 409 uniqueness, one row', async () => {
    const result = await uniquenessRace([scimd], call);
    assert.deepEqual(result, { statuses: { 201: 1, 409: PARALLEL - 1 }, stored: 1 });
  });

  it('(b) one If-Match, many requests at once: exactly one success, the rest 412 (404 after a DELETE), the winner stored', async () => {
    const winners: Method[] = [];
    for (const type of ['User', 'Group'] as const) {
      const t = type.toLowerCase();
      winners.push(await ifMatchRace(type, Array(10).fill('PUT'), `${t}-put`));
      winners.push(await ifMatchRace(type, Array(10).fill('PATCH'), `${t}-patch`));
      winners.push(await ifMatchRace(type, Array(10).fill('DELETE'), `${t}-delete`));
      for (let round = 0; round < 4; round++) {
        const mixed: Method[] = Array.from({ length: 12 }, (_, i) => (['PUT', 'PATCH', 'DELETE'] as const)[(i + round) % 3]!);
        winners.push(await ifMatchRace(type, mixed, `${t}-mixed-${round}`));
      }
    }
    assert.equal(winners.length, 14);
  });

  it('(b) rounds on one resource: each round one success on the current ETag, the version moves by exactly one per round', async () => {
    const made = await call(scimd, 'POST', '/Users', user('contested', { title: 'start' }));
    assert.equal(made.status, 201, made.text);
    const id = made.body.id as string;
    let etag = made.headers.get('etag')!;
    for (let round = 1; round <= 8; round++) {
      const sent = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i % 2
            ? call(scimd, 'PUT', `/Users/${id}`, user('contested', { title: `put-${round}-${i}` }), { 'if-match': etag })
            : call(scimd, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `patch-${round}-${i}` }] }, { 'if-match': etag }),
        ),
      );
      assert.deepEqual(statusCounts(sent), { 200: 1, 412: 9 }, `round ${round}`);
      const winner = sent.find((r) => r.status === 200)!;
      etag = winner.headers.get('etag')!;
      assert.equal(etag, `W/"${round + 1}"`);
      const now = await call(scimd, 'GET', `/Users/${id}`);
      assert.equal(now.body.title, winner.body.title);
      assert.equal(now.headers.get('etag'), etag);
    }
  });

  it('(c) 50 parallel single-member PATCH adds to one group: all 50 members stored, each user lists the group', async () => {
    const { groupId } = await memberAddRace([scimd], call);
    const viaUsers = await call(scimd, 'GET', `/Users?count=0&filter=${encodeURIComponent(`groups.value eq "${groupId}"`)}`);
    assert.equal(viaUsers.body.totalResults, PARALLEL, viaUsers.text);
  });

  it('(d) pages read while users are inserted never repeat an id and never skip one that existed before the pass', async (t) => {
    // 150 users whose names do not follow creation order, sharing five titles (ties).
    const seeded = await Promise.all(
      Array.from({ length: 150 }, (_, i) => {
        const n = (i * 37) % 150;
        return call(scimd, 'POST', '/Users', user(`page-${String(n).padStart(3, '0')}`, { title: `title-${n % 5}`, displayName: `Page ${n % 7}` }));
      }),
    );
    for (const r of seeded) assert.equal(r.status, 201, r.text);
    const before = await call(scimd, 'GET', '/Users?count=1000&attributes=id');
    const existing = new Set((before.body.Resources as { id: string }[]).map((r) => r.id));
    assert.equal(existing.size, before.body.totalResults);

    const READS: [string, string, number][] = [
      ['unsorted', '', 7],
      ['by userName', 'sortBy=userName', 9],
      ['by title, ties on creation order', 'sortBy=title&sortOrder=ascending', 11],
      ['by displayName descending', 'sortBy=displayName&sortOrder=descending', 13],
    ];
    let inserting = true;
    const inserted = new Set<string>();
    // One insert after the other, so that each new user sorts after the ones before it: by
    // creation order, by userName (zero-padded), by title (none: absent sorts last ascending) and
    // by displayName descending (all the same, '0 new', below every 'Page …': a tie on creation order).
    const inserter = (async () => {
      try {
        for (let i = 0; i < INSERTS; i++) {
          const r = await call(scimd, 'POST', '/Users', user(`zz-insert-${String(i).padStart(3, '0')}`, { displayName: '0 new' }));
          assert.equal(r.status, 201, r.text);
          inserted.add(r.body.id as string);
        }
      } finally {
        inserting = false;
      }
    })();
    const passes = new Map<string, number>();
    const readers = READS.map(async ([label, query, count]) => {
      // Passes until the inserts are over (at least one), each checked on its own.
      do {
        const ids = await pass(query, count);
        const seen = new Set(ids);
        assert.equal(seen.size, ids.length, `${label}: a pass repeats ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')}`);
        const skipped = [...existing].filter((id) => !seen.has(id));
        assert.deepEqual(skipped, [], `${label}: a pass skips users that existed before it`);
        passes.set(label, (passes.get(label) ?? 0) + 1);
      } while (inserting);
    });
    await Promise.all([inserter, ...readers]);
    assert.equal(inserted.size, INSERTS);
    t.diagnostic(`passes while inserting: ${JSON.stringify(Object.fromEntries(passes))}`);
    const all = await call(scimd, 'GET', '/Users?count=0');
    assert.equal(all.body.totalResults, existing.size + INSERTS);
  });

  it('no 5xx on any request, no error in the log, and a clean exit', async () => {
    const bad = replies.filter(({ reply }) => reply.status >= 500).map(({ what, reply }) => `${what} → ${reply.status} ${reply.text.slice(0, 200)}`);
    assert.deepEqual(bad, []);
    assert.ok(replies.length > 800, `${replies.length} requests`);
    const errors = serving.stdout().split('\n').filter((l) => /"level":(5\d|6\d)/.test(l));
    assert.deepEqual(errors, []);
    const exit = await serving.stop();
    assert.equal(exit.code, 0, serving.stderr());
  });
});
