/**
 * Request limits (issue 6, item 1), end to end: for each limit, a request exactly at it is
 * accepted, one just over it is refused with a SCIM error naming the limit and its value, nothing
 * is stored, and no write transaction began. One server runs with small limits (which shows they
 * are configurable), another with the defaults.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { assertScimError, countTransactions, stored } from './helpers/assert.ts';
import { chunked, writeAllThenRead } from './helpers/raw-http.ts';
import { ENTERPRISE, group, patch, SEARCH_REQUEST, send, startTestServer, user, type TestServer } from './helpers/server.ts';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const DEPARTMENT = `${ENTERPRISE}:department`;

/** Small limits, each exactly what the cases below are built for. */
const SMALL = {
  bodyLimit: 4096,
  maxJsonDepth: 8,
  maxFilterLength: 200,
  maxFilterDepth: 3,
  patchMaxOperations: 5,
  maxMembers: 5,
  maxValues: 5,
  maxAttributeNames: 5,
  // The longest name the cases need: the enterprise department path.
  maxNameLength: DEPARTMENT.length,
  maxResults: 5,
  bulkMaxOperations: 3,
  maxUrlLength: 1024,
  maxHeaderBytes: 4096,
} as const;

/** A body of exactly `bytes` UTF-8 bytes: `make(pad)` with the pad grown to fit. */
function sized(bytes: number, make: (pad: string) => unknown): string {
  const base = JSON.stringify(make('')).length;
  const text = JSON.stringify(make('x'.repeat(bytes - base)));
  assert.equal(Buffer.byteLength(text), bytes);
  return text;
}

/** `n` levels of objects: nest(1) is {}. */
const nest = (n: number): unknown => (n <= 1 ? {} : { a: nest(n - 1) });

/** A filter of exactly `length` characters. */
const filterOf = (length: number) => `userName eq "${'a'.repeat(length - 'userName eq ""'.length)}"`;

describe('request limits, configured small', () => {
  let s: TestServer;
  let tx: () => number;
  const ids: string[] = [];

  before(async () => {
    s = await startTestServer(SMALL);
    for (let i = 0; i < 6; i++) ids.push((await s.request('POST', '/Users', user(`member-${i}`))).body.id);
    tx = countTransactions(s);
  });
  after(() => s.close());

  /** Runs a request that must be refused before any transaction, and checks nothing was stored. */
  async function refusedBeforeWork(run: () => Promise<void>): Promise<void> {
    const before = await stored(s);
    const t = tx();
    await run();
    assert.equal(tx(), t, 'no write transaction began');
    assert.deepEqual(await stored(s), before, 'nothing stored');
  }

  describe('request body size (413)', () => {
    it('a body of exactly the limit is accepted; one byte more is 413 naming the limit', async () => {
      const t = tx();
      const ok = await s.request('POST', '/Users', sized(4096, (pad) => user('size-ok', { title: pad })));
      assert.equal(ok.status, 201, ok.text);
      assert.equal(tx(), t + 1, 'an accepted write runs in a transaction the counter sees');
      await refusedBeforeWork(async () => {
        const r = await s.request('POST', '/Users', sized(4097, (pad) => user('size-no', { title: pad })));
        assertScimError(r, 413, undefined, /limit of 4096 bytes/);
      });
    });

    it('/Bulk: exactly maxPayloadSize is accepted; one byte more is 413 naming maxPayloadSize', async () => {
      const bulk = (name: string) => (pad: string) => ({ schemas: [BULK_REQUEST], Operations: [{ method: 'POST', path: '/Users', bulkId: 'b', data: user(name, { title: pad }) }] });
      const ok = await s.request('POST', '/Bulk', sized(4096, bulk('bulk-size-ok')));
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.Operations[0].status, '201');
      await refusedBeforeWork(async () => {
        const r = await s.request('POST', '/Bulk', sized(4097, bulk('bulk-size-no')));
        assertScimError(r, 413, undefined, /4096 bytes \(the maxPayloadSize of \/Bulk\)/);
      });
    });
  });

  describe('JSON nesting depth', () => {
    it('a body nested exactly to the limit is accepted; one level deeper is 400 invalidSyntax naming it', async () => {
      // The body is level 1, so `deep` holds 7 more levels: 8 in all.
      const ok = await s.request('POST', '/Users', user('depth-ok', { deep: nest(7) }));
      assert.equal(ok.status, 201, ok.text);
      await refusedBeforeWork(async () => {
        assertScimError(await s.request('POST', '/Users', user('depth-no', { deep: nest(8) })), 400, 'invalidSyntax', /deeper than the limit of 8 levels/);
      });
    });

    it('a body that is all brackets is refused at the limit, wherever it is sent', async () => {
      const text = '['.repeat(2000) + ']'.repeat(2000);
      for (const [method, path] of [['POST', '/Users'], ['PUT', `/Users/${ids[0]}`], ['PATCH', `/Users/${ids[0]}`], ['POST', '/Bulk'], ['POST', '/.search']] as const) {
        await refusedBeforeWork(async () => {
          assertScimError(await s.request(method, path, text), 400, 'invalidSyntax', /limit of 8 levels/);
        });
      }
    });
  });

  describe('filter length and nesting depth', () => {
    it('a filter of exactly the limit is accepted; one character more is 400 invalidFilter naming it', async () => {
      const ok = await s.request('GET', `/Users?filter=${encodeURIComponent(filterOf(200))}`);
      assert.equal(ok.status, 200, ok.text);
      assertScimError(await s.request('GET', `/Users?filter=${encodeURIComponent(filterOf(201))}`), 400, 'invalidFilter', /201 characters long; the limit is 200/);
      const search = (f: string) => s.request('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: f });
      assert.equal((await search(filterOf(200))).status, 200);
      assertScimError(await search(filterOf(201)), 400, 'invalidFilter', /the limit is 200/);
    });

    it('nesting exactly to the limit is accepted; one level deeper is 400 invalidFilter naming it', async () => {
      for (const [ok, over] of [
        ['(((userName pr)))', '((((userName pr))))'],
        ['not (not (not (userName pr)))', 'not (not (not (not (userName pr))))'],
        ['emails[((value pr))]', 'emails[(((value pr)))]'],
      ]) {
        const r = await s.request('GET', `/Users?filter=${encodeURIComponent(ok!)}`);
        assert.equal(r.status, 200, `${ok}: ${r.text}`);
        assertScimError(await s.request('GET', `/Users?filter=${encodeURIComponent(over!)}`), 400, 'invalidFilter', /nesting is deeper than 3/);
      }
    });
  });

  describe('PATCH', () => {
    it('exactly the limit of operations is accepted; one more is 400 invalidSyntax naming it, before any transaction', async () => {
      const id = (await s.request('POST', '/Users', user('patch-ops'))).body.id;
      const op = (i: number) => ({ op: 'replace', path: 'displayName', value: `name ${i}` });
      const ok = await s.request('PATCH', `/Users/${id}`, patch(...[1, 2, 3, 4, 5].map(op)));
      assert.equal(ok.status, 200, ok.text);
      const version = ok.body.meta.version;
      await refusedBeforeWork(async () => {
        assertScimError(await s.request('PATCH', `/Users/${id}`, patch(...[1, 2, 3, 4, 5, 6].map(op))), 400, 'invalidSyntax', /6 entries; the limit is 5 operations/);
      });
      assert.equal((await s.request('GET', `/Users/${id}`)).body.meta.version, version, 'unchanged');
    });

    it('a path of exactly the filter length limit is accepted; one character more is 400 invalidPath naming it', async () => {
      const value = 'e'.repeat(200 - 'emails[value eq ""].type'.length);
      const id = (await s.request('POST', '/Users', user('patch-path', { emails: [{ value }] }))).body.id;
      const path = `emails[value eq "${value}"].type`;
      assert.equal(path.length, 200);
      const ok = await s.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path, value: 'work' }));
      assert.equal(ok.status, 200, ok.text);
      const version = ok.body.meta.version;
      await refusedBeforeWork(async () => {
        const r = await s.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: `emails[value eq "${value}x"].type`, value: 'home' }));
        assertScimError(r, 400, 'invalidPath', /201 characters long; the limit is 200/);
      });
      assert.equal((await s.request('GET', `/Users/${id}`)).body.meta.version, version);
    });

    it('a path nested exactly to the depth limit is accepted; one level deeper is 400 invalidPath, before any transaction', async () => {
      const id = (await s.request('POST', '/Users', user('patch-depth', { emails: [{ value: 'd@x.com' }] }))).body.id;
      const ok = await s.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'emails[((value pr))].type', value: 'work' }));
      assert.equal(ok.status, 200, ok.text);
      await refusedBeforeWork(async () => {
        const r = await s.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'emails[(((value pr)))].type', value: 'home' }));
        assertScimError(r, 400, 'invalidPath', /nesting is deeper than 3/);
      });
      assert.equal((await s.request('GET', `/Users/${id}`)).body.emails[0].type, 'work');
    });
  });

  describe('members per request', () => {
    const members = (n: number) => ids.slice(0, n).map((value) => ({ value }));

    it('POST and PUT: exactly the limit of members is accepted; one more is 400 invalidValue naming it', async () => {
      const made = await s.request('POST', '/Groups', group('five', { members: members(5) }));
      assert.equal(made.status, 201, made.text);
      await refusedBeforeWork(async () => {
        assertScimError(await s.request('POST', '/Groups', group('six', { members: members(6) })), 400, 'invalidValue', /6 members; the limit is 5 members per request/);
      });
      const put = await s.request('PUT', `/Groups/${made.body.id}`, group('five', { members: members(5).reverse() }));
      assert.equal(put.status, 200, put.text);
      await refusedBeforeWork(async () => {
        assertScimError(await s.request('PUT', `/Groups/${made.body.id}`, group('five', { members: members(6) })), 400, 'invalidValue', /the limit is 5 members/);
      });
      const got = await s.request('GET', `/Groups/${made.body.id}`);
      assert.equal(got.body.members.length, 5);
      assert.equal(got.body.meta.version, put.body.meta.version);
    });

    it('PATCH: member values across all operations count; exactly the limit is accepted, one more refused', async () => {
      const id = (await s.request('POST', '/Groups', group('patched'))).body.id;
      await refusedBeforeWork(async () => {
        assertScimError(await s.request('PATCH', `/Groups/${id}`, patch({ op: 'add', path: 'members', value: members(6) })), 400, 'invalidValue', /6 members; the limit is 5/);
        const split = patch({ op: 'add', path: 'members', value: members(3) }, { op: 'add', path: 'members', value: members(6).slice(3) });
        assertScimError(await s.request('PATCH', `/Groups/${id}`, split), 400, 'invalidValue', /6 members/);
        const pathless = patch({ op: 'add', value: { members: members(6) } });
        assertScimError(await s.request('PATCH', `/Groups/${id}`, pathless), 400, 'invalidValue', /6 members/);
      });
      const ok = await s.request('PATCH', `/Groups/${id}`, patch({ op: 'add', path: 'members', value: members(2) }, { op: 'add', path: 'members', value: members(5).slice(2) }));
      assert.equal(ok.status, 200, ok.text);
      assert.equal((await s.request('GET', `/Groups/${id}`)).body.members.length, 5);
    });
  });

  describe('values of a multi-valued attribute', () => {
    const emails = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ value: `${tag}${i}@x.com` }));

    it('POST: exactly the limit is accepted; one more is 400 invalidValue naming it', async () => {
      assert.equal((await s.request('POST', '/Users', user('values-ok', { emails: emails(5, 'ok') }))).status, 201);
      await refusedBeforeWork(async () => {
        assertScimError(await s.request('POST', '/Users', user('values-no', { emails: emails(6, 'no') })), 400, 'invalidValue', /'emails' has 6 values; the limit is 5 values per attribute/);
        const ext = user('values-ext', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE], [ENTERPRISE]: { department: 'x', extra: [1, 2, 3, 4, 5, 6] } });
        assertScimError(await s.request('POST', '/Users', ext), 400, 'invalidValue', /enterprise:2\.0:User:extra' has 6 values/);
      });
    });

    it('PATCH: an operation carrying one value too many is refused before any transaction; one growing the attribute past it, before anything is written', async () => {
      const made = await s.request('POST', '/Users', user('values-patch', { emails: emails(4, 'p') }));
      await refusedBeforeWork(async () => {
        assertScimError(await s.request('PATCH', `/Users/${made.body.id}`, patch({ op: 'add', path: 'emails', value: emails(6, 'q') })), 400, 'invalidValue', /has 6 values; the limit is 5/);
        assertScimError(await s.request('PATCH', `/Users/${made.body.id}`, patch({ op: 'replace', value: { emails: emails(6, 'q') } })), 400, 'invalidValue', /has 6 values/);
      });
      const fifth = await s.request('PATCH', `/Users/${made.body.id}`, patch({ op: 'add', path: 'emails', value: emails(1, 'fifth') }));
      assert.equal(fifth.status, 200, fifth.text);
      assert.equal(fifth.body.emails.length, 5);
      const sixth = await s.request('PATCH', `/Users/${made.body.id}`, patch({ op: 'add', path: 'emails', value: emails(1, 'sixth') }));
      assertScimError(sixth, 400, 'invalidValue', /'emails' would have 6 values; the limit is 5/);
      const now = await s.request('GET', `/Users/${made.body.id}`);
      assert.equal(now.body.emails.length, 5);
      assert.equal(now.body.meta.version, fifth.body.meta.version);
    });
  });

  describe('attributes, excludedAttributes and sortBy', () => {
    const five = 'userName,displayName,title,emails,name';

    it('exactly the limit of names is accepted; one more is 400 invalidValue naming it', async () => {
      for (const param of ['attributes', 'excludedAttributes']) {
        const ok = await s.request('GET', `/Users?${param}=${five}`);
        assert.equal(ok.status, 200, ok.text);
        assertScimError(await s.request('GET', `/Users?${param}=${five},nickName`), 400, 'invalidValue', new RegExp(`'${param}' names 6 attributes or more; the limit is 5`));
        assertScimError(await s.request('GET', `/Users/${ids[0]}?${param}=${five},nickName`), 400, 'invalidValue', /the limit is 5/);
        const search = (names: string[]) => s.request('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], [param]: names });
        assert.equal((await search(five.split(','))).status, 200);
        assertScimError(await search([...five.split(','), 'nickName']), 400, 'invalidValue', /names 6 attributes; the limit is 5/);
      }
      await refusedBeforeWork(async () => {
        assertScimError(await s.request('POST', `/Users?attributes=${five},nickName`, user('projected')), 400, 'invalidValue', /the limit is 5/);
      });
    });

    it('a name of exactly the length limit is accepted; one character more is 400 invalidValue naming it', async () => {
      const max = SMALL.maxNameLength;
      const sorted = await s.request('GET', `/Users?sortBy=${encodeURIComponent(DEPARTMENT)}`);
      assert.equal(sorted.status, 200, sorted.text);
      assertScimError(await s.request('GET', `/Users?sortBy=${encodeURIComponent(`${DEPARTMENT}x`)}`), 400, 'invalidValue', new RegExp(`'sortBy' is ${max + 1} characters long; the limit is ${max}`));
      assert.equal((await s.request('GET', `/Users?attributes=${encodeURIComponent(DEPARTMENT)}`)).status, 200);
      assertScimError(await s.request('GET', `/Users?attributes=${encodeURIComponent(`${DEPARTMENT}x`)}`), 400, 'invalidValue', new RegExp(`name of ${max + 1} characters; the limit is ${max}`));
    });

    it('a JSON key of exactly the length limit is accepted; one character more is 400 invalidSyntax naming it', async () => {
      const max = SMALL.maxNameLength;
      assert.equal((await s.request('POST', '/Users', user('key-ok', { ['k'.repeat(max)]: 1 }))).status, 201);
      await refusedBeforeWork(async () => {
        assertScimError(await s.request('POST', '/Users', user('key-no', { ['k'.repeat(max + 1)]: 1 })), 400, 'invalidSyntax', new RegExp(`key of ${max + 1} characters; the limit is ${max}`));
      });
    });
  });

  describe('count and maxResults', () => {
    it('caps count at maxResults (RFC 7644 §3.4.2.4) and advertises maxResults', async () => {
      assert.ok((await stored(s)).users > 5);
      for (const count of [5, 6, 1_000_000]) {
        const r = await s.request('GET', `/Users?count=${count}`);
        assert.equal(r.status, 200);
        assert.equal(r.body.itemsPerPage, 5, `count=${count}`);
        assert.equal(r.body.Resources.length, 5);
      }
      const searched = await s.request('POST', '/.search', { schemas: [SEARCH_REQUEST], count: 6 });
      assert.equal(searched.body.Resources.length, 5);
    });
  });

  describe('/Bulk operations', () => {
    const op = (i: number) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: user(`bulk-${i}`) });

    it('exactly maxOperations is accepted; one more is 413 naming maxOperations, nothing stored', async () => {
      await refusedBeforeWork(async () => {
        const r = await s.request('POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: [1, 2, 3, 4].map(op) });
        assertScimError(r, 413, undefined, /4 operations; the maximum is 3 \(maxOperations\)/);
      });
      const ok = await s.request('POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: [1, 2, 3].map(op) });
      assert.deepEqual(ok.body.Operations.map((o: { status: string }) => o.status), ['201', '201', '201']);
    });

    it('the per-request limits hold for each operation, which fails alone', async () => {
      const r = await s.request('POST', '/Bulk', {
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Groups', bulkId: 'g', data: group('bulk-six', { members: ids.map((value) => ({ value })) }) },
          { method: 'PATCH', path: `/Users/${ids[0]}`, data: patch(...[1, 2, 3, 4, 5, 6].map(() => ({ op: 'replace', path: 'title', value: 't' }))) },
        ],
      });
      assert.equal(r.status, 200, r.text);
      const [a, b] = r.body.Operations;
      assert.equal(a.status, '400');
      assert.match(a.response.detail, /the limit is 5 members/);
      assert.equal(b.status, '400');
      assert.match(b.response.detail, /the limit is 5 operations/);
    });
  });

  describe('URL and header size', () => {
    it('a URL of exactly the limit is accepted; one character more is 414 naming it', async () => {
      const url = (length: number) => {
        const head = '/scim/v2/Users?count=1&pad=';
        return head + 'p'.repeat(length - head.length);
      };
      const ok = await s.request('GET', `${s.origin}${url(1024)}`);
      assert.equal(ok.status, 200, ok.text);
      assertScimError(await s.request('GET', `${s.origin}${url(1025)}`), 414, undefined, /1025 characters long; the limit is 1024/);
      assertScimError(await s.request('GET', `${s.origin}${url(1025)}`, undefined, { authorization: null }), 414, undefined, /the limit is 1024/);
    });

    it('headers under the byte limit are accepted; over it, 431 with a SCIM body naming the limit', async () => {
      // Node counts the header bytes itself (roughly: names, values and separators).
      const ok = await s.request('GET', '/Users?count=0', undefined, { 'x-pad': 'h'.repeat(3500) });
      assert.equal(ok.status, 200, ok.text);
      const r = await send(`${s.base}/Users`, 'GET', undefined, { authorization: `Bearer ${s.token}`, 'x-pad': 'h'.repeat(4200) });
      assertScimError(r, 431, undefined, /larger than the limit of 4096 bytes/);
      assert.equal((await s.request('GET', '/Users?count=0')).status, 200, 'the server goes on serving');
    });
  });

  it('ServiceProviderConfig advertises exactly the limits RFC 7643 §5 and RFC 9865 §4 have fields for', async () => {
    const spc = (await s.request('GET', '/ServiceProviderConfig')).body;
    assert.deepEqual(spc.bulk, { supported: true, maxOperations: 3, maxPayloadSize: 4096 });
    assert.deepEqual(spc.filter, { supported: true, maxResults: 5 });
    assert.deepEqual(spc.pagination, { cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: 5, maxPageSize: 5, cursorTimeout: 3600 });
    assert.deepEqual(Object.keys(spc).sort(), ['authenticationSchemes', 'bulk', 'changePassword', 'etag', 'filter', 'meta', 'pagination', 'patch', 'schemas', 'sort']);
  });
});

describe('request limits, defaults', () => {
  let s: TestServer;
  let pg: TestServer;
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase('limits');
    [s, pg] = await Promise.all([startTestServer({ maxFilterLength: 16_384, maxUrlLength: 100_000 }), startTestServer({ databaseUrl: db.url, maxFilterLength: 16_384 })]);
  });
  after(async () => {
    await Promise.all([s?.close(), pg?.close()]);
    await db?.drop();
  });

  it('advertises the default bulk limits and page size', async () => {
    const d = await startTestServer();
    try {
      const spc = (await d.request('GET', '/ServiceProviderConfig')).body;
      assert.deepEqual(spc.bulk, { supported: true, maxOperations: 1000, maxPayloadSize: 1_048_576 });
      assert.equal(spc.filter.maxResults, 1000);
      const deep = (n: number) => user(`deep-${n}`, { deep: nest(n - 1) });
      assert.equal((await d.request('POST', '/Users', deep(32))).status, 201);
      assertScimError(await d.request('POST', '/Users', deep(33)), 400, 'invalidSyntax', /limit of 32 levels/);
      assert.equal((await d.request('GET', `/Users?filter=${encodeURIComponent(filterOf(4096))}`)).status, 200);
      assertScimError(await d.request('GET', `/Users?filter=${encodeURIComponent(filterOf(4097))}`), 400, 'invalidFilter', /the limit is 4096/);
      // A megabyte of brackets costs one scan up to the limit, not a parse.
      const brackets = '['.repeat(500_000) + ']'.repeat(500_000);
      assertScimError(await d.request('POST', '/Users', brackets), 400, 'invalidSyntax', /limit of 32 levels/);
    } finally {
      await d.close();
    }
  });

  it('a 4 MB body from a client that writes it all before reading the answer gets the 413 and its SCIM body, not a reset', async () => {
    const body = Buffer.from(JSON.stringify(user('big', { title: 'x'.repeat(4 * 1024 * 1024) })));
    for (const server of [s, pg]) {
      const head = `POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/scim+json\r\n`;
      for (const [how, request] of [
        ['with its Content-Length', () => writeAllThenRead(server, `${head}Content-Length: ${body.length}\r\n\r\n`, body)],
        ['chunked', () => writeAllThenRead(server, `${head}Transfer-Encoding: chunked\r\n\r\n`, chunked(body))],
      ] as const) {
        const r = await request();
        assert.equal(r.error, undefined, `${how}: the whole body was taken`);
        assertScimError(r, 413, undefined, /larger than the limit of 1048576 bytes/);
      }
      assert.equal((await server.request('GET', '/Users?filter=userName%20eq%20%22big%22')).body.totalResults, 0, 'nothing stored');
    }
  });

  it('the longest configurable filter, a chain of 1,800 terms, runs on SQLite and PostgreSQL', async () => {
    let f = 'id pr';
    while (f.length + ' or id pr'.length <= 16_384) f += ' or id pr';
    let g = 'userName eq "alice"';
    while (g.length + ' and userName pr'.length <= 16_384) g += ' and userName pr';
    for (const server of [s, pg]) {
      await server.request('POST', '/Users', user('alice'));
      for (const filter of [f, g]) {
        const r = await server.request('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.totalResults, 1);
      }
    }
  });
});
