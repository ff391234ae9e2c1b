/**
 * RFC 9865 cursor paging over real HTTP, on SQLite and PostgreSQL: /ServiceProviderConfig
 * advertises it; a walk by nextCursor (and back by previousCursor) returns what index paging
 * returns, in the same order, unsorted, sorted either way (resources without the sort value
 * included), filtered and through POST /.search; cursors are opaque, tamper-proof, bound to the
 * tenant and the query, and expire; and — a property over random runs — a walk while resources are
 * inserted and deleted between its pages never skips or repeats a resource that existed throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { SEARCH_REQUEST, startTestServer, user, type Reply, type TestServer } from './helpers/server.ts';

const PAGE = 7;

interface Seen {
  readonly id: string;
  readonly userName: string;
}

/** Follows nextCursor from an empty cursor to the last page (the one without nextCursor). */
async function walk(get: (cursor: string) => Promise<Reply>): Promise<{ pages: Seen[][]; last: Reply }> {
  const pages: Seen[][] = [];
  let cursor = '';
  for (let i = 0; i < 1000; i++) {
    const r = await get(cursor);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.Resources.length <= PAGE);
    assert.equal(r.body.itemsPerPage, r.body.Resources.length);
    pages.push(r.body.Resources.map((x: Seen) => ({ id: x.id, userName: x.userName })));
    if (r.body.nextCursor === undefined) return { pages, last: r };
    assert.match(r.body.nextCursor, /^[A-Za-z0-9._~-]+$/, 'unreserved characters only (RFC 3986 §2.3)');
    cursor = r.body.nextCursor;
  }
  throw new Error('the walk did not end');
}

function suite(backend: 'sqlite' | 'postgres'): void {
  describe(`cursor paging (RFC 9865) on ${backend}`, () => {
    let db: TestDatabase | undefined;
    let s: TestServer;
    let clock = Date.now();
    const list = (query: string) => s.request('GET', `/Users?${query}`);

    before(async () => {
      if (backend === 'postgres') db = await freshDatabase('cursors');
      s = await startTestServer(db ? { databaseUrl: db.url } : {}, { now: () => new Date(clock) });
      // 30 users; every third has no title; titles collide, so ties break on insertion order.
      for (let i = 0; i < 30; i++) {
        const r = await s.request('POST', '/Users', user(`user-${String(i).padStart(2, '0')}`, i % 3 === 0 ? {} : { title: `title-${i % 4}` }));
        assert.equal(r.status, 201, r.text);
      }
    });
    after(async () => {
      await s.close();
      await db?.drop();
    });

    it('/ServiceProviderConfig advertises both paging methods, the page sizes and the cursor timeout', async () => {
      const spc = await s.request('GET', '/ServiceProviderConfig');
      assert.deepEqual(spc.body.pagination, { cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: 1000, maxPageSize: 1000, cursorTimeout: 3600 });
    });

    for (const [label, params] of [
      ['unsorted', ''],
      ['sorted by title ascending (no title last)', '&sortBy=title'],
      ['sorted by title descending (no title first)', '&sortBy=title&sortOrder=descending'],
      ['filtered and sorted by userName descending', `&filter=${encodeURIComponent('userName sw "user-1" or title eq "title-2"')}&sortBy=userName&sortOrder=descending`],
    ] as const) {
      it(`${label}: nextCursor walks what index paging returns; previousCursor walks it back`, async () => {
        const index = await list(`startIndex=1&count=1000${params}`);
        const expected = index.body.Resources.map((x: Seen) => x.id);
        const { pages, last } = await walk((c) => list(`cursor=${c}&count=${PAGE}${params}`));
        assert.deepEqual(pages.flat().map((x) => x.id), expected);
        assert.equal(last.body.totalResults, expected.length);
        assert.equal(last.body.startIndex, undefined, 'cursor pages carry no startIndex');

        // Back from the last page to the first, page by page.
        const back: string[][] = [];
        let r = last;
        while (r.body.previousCursor !== undefined) {
          r = await list(`cursor=${r.body.previousCursor}&count=${PAGE}${params}`);
          assert.equal(r.status, 200, r.text);
          back.unshift(r.body.Resources.map((x: Seen) => x.id));
          assert.ok(r.body.nextCursor, 'a page read backwards has a next page');
        }
        assert.deepEqual(back, pages.slice(0, -1).map((p) => p.map((x) => x.id)));
        assert.equal((await list(`cursor=&count=${PAGE}${params}`)).body.previousCursor, undefined, 'the first page has no previous page');
      });
    }

    it('POST /.search takes cursor and count in the body', async () => {
      const search = (cursor: string) => s.request('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], cursor, count: PAGE, sortBy: 'userName' });
      const { pages } = await walk(search);
      const index = await list('count=1000&sortBy=userName');
      assert.deepEqual(pages.flat().map((x) => x.id), index.body.Resources.map((x: Seen) => x.id));
    });

    it('refuses with the RFC 9865 error types, and changes nothing', async () => {
      const first = await list(`cursor=&count=${PAGE}`);
      const cursor = first.body.nextCursor as string;
      const refused = async (r: Reply, scimType: string, detail: RegExp) => {
        assert.equal(r.status, 400, r.text);
        assert.equal(r.body.scimType, scimType);
        assert.match(r.body.detail, detail);
      };
      // One character changed anywhere: not a cursor this server gave.
      const flipped = `${cursor.slice(0, 20)}${cursor[20] === 'A' ? 'B' : 'A'}${cursor.slice(21)}`;
      await refused(await list(`cursor=${flipped}&count=${PAGE}`), 'invalidCursor', /not one this server gave/);
      await refused(await list(`cursor=not-a-cursor&count=${PAGE}`), 'invalidCursor', /not one this server gave/);
      await refused(await list(`cursor=${encodeURIComponent('a b/c')}`), 'invalidCursor', /not a cursor this server gave/);
      await refused(await list(`cursor=${cursor}&count=${PAGE}&sortBy=title`), 'invalidCursor', /another query/);
      await refused(await list(`cursor=${cursor}&filter=${encodeURIComponent('userName pr')}`), 'invalidCursor', /another query/);
      await refused(await s.request('GET', `/Groups?cursor=${cursor}`), 'invalidCursor', /another query/);
      await refused(await list(`cursor=&count=0`), 'invalidCount', /between 1 and 1000/);
      await refused(await list(`cursor=&count=-3`), 'invalidCount', /between 1 and 1000/);
      await refused(await list(`cursor=&startIndex=3`), 'invalidValue', /not both/);

      // Another tenant cannot use it (and learns nothing from it).
      const other = await s.scimTenant(`other-${backend}`);
      await refused(await other.request('GET', `/Users?cursor=${cursor}&count=${PAGE}`), 'invalidCursor', /another query/);

      // A count above maxPageSize is capped, as index paging's is.
      assert.equal((await list('cursor=&count=5000')).body.itemsPerPage, 30);

      // Good for an hour between pages; then expiredCursor.
      assert.equal((await list(`cursor=${cursor}&count=${PAGE}`)).status, 200);
      clock += 3601_000;
      await refused(await list(`cursor=${cursor}&count=${PAGE}`), 'expiredCursor', /expired/);
      assert.equal((await list(`cursor=&count=${PAGE}`)).status, 200, 'a new walk starts at once');
    });

    it('property: pages read while users are created and deleted between them skip and repeat none that existed throughout', async () => {
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            sortBy: fc.constantFrom(undefined, 'title', 'userName'),
            descending: fc.boolean(),
            count: fc.integer({ min: 1, max: 9 }),
            initial: fc.integer({ min: 0, max: 25 }),
            // Between two pages: how many users to create (with random titles) and which of those existing to delete.
            steps: fc.array(fc.record({ create: fc.array(fc.option(fc.constantFrom('a', 'k', 'z', 'K'), { nil: undefined }), { maxLength: 4 }), deletes: fc.array(fc.nat(), { maxLength: 3 }) }), { maxLength: 12 }),
          }),
          async ({ sortBy, descending, count, initial, steps }) => {
            const t = await s.scimTenant(`prop-${backend}-${round++}`);
            const alive = new Map<string, string>();
            let made = 0;
            const create = async (title: string | undefined) => {
              const r = await t.request('POST', '/Users', user(`p${made++}`, title === undefined ? {} : { title }));
              assert.equal(r.status, 201, r.text);
              alive.set(r.body.id, r.body.userName);
            };
            for (let i = 0; i < initial; i++) await create(i % 2 ? `t${i % 5}` : undefined);
            const throughout = new Set(alive.keys());
            const params = `count=${count}${sortBy ? `&sortBy=${sortBy}${descending ? '&sortOrder=descending' : ''}` : ''}`;
            const seen: string[] = [];
            let cursor = '';
            for (let page = 0; ; page++) {
              const r = await t.request('GET', `/Users?cursor=${cursor}&${params}`);
              assert.equal(r.status, 200, r.text);
              seen.push(...r.body.Resources.map((x: Seen) => x.id));
              if (r.body.nextCursor === undefined) break;
              cursor = r.body.nextCursor;
              const step = steps[page % Math.max(1, steps.length)];
              if (!step || page >= steps.length) continue;
              for (const title of step.create) await create(title);
              for (const n of step.deletes) {
                const ids = [...alive.keys()];
                if (ids.length === 0) break;
                const id = ids[n % ids.length]!;
                assert.equal((await t.request('DELETE', `/Users/${id}`)).status, 204);
                alive.delete(id);
                throughout.delete(id);
              }
            }
            assert.equal(new Set(seen).size, seen.length, `no resource repeated: ${seen.length} seen`);
            for (const id of throughout) assert.ok(seen.includes(id), `${alive.get(id)} existed throughout and was not skipped`);
          },
        ),
        { seed: 9865, numRuns: backend === 'postgres' ? 15 : 25 },
      );
    });
  });
}

suite('sqlite');
suite('postgres');
