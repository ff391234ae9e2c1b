/**
 * Inputs one database would accept and the other refuse (issue: PostgreSQL backend, item 5):
 * U+0000 (PostgreSQL cannot store it; SQLite's string functions stop at it), unpaired surrogates,
 * overlong strings. scimd refuses them itself, before either database sees them, with the same
 * 400 on both.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { group, startTestServer, user, type TestServer } from './helpers/server.ts';

const CASES: [string, Record<string, unknown>][] = [
  ['U+0000 in userName', user('nul\u0000name')],
  ['U+0000 in a sub-attribute', user('ok-nul', { name: { givenName: 'a\u0000b' } })],
  ['an unpaired high surrogate', user('half\ud83d')],
  ['an unpaired low surrogate in an email', user('ok-low', { emails: [{ value: '\ude00@x.com' }] })],
  ['a string over 8192 characters', user('ok-long', { title: 'x'.repeat(8193) })],
];
const FILTERS = ['userName eq "a\\u0000b"', 'userName sw "\\ud83d"'];

describe('inputs refused the same way on SQLite and PostgreSQL', () => {
  let sqlite: TestServer;
  let postgres: TestServer;
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase('inputs');
    [sqlite, postgres] = await Promise.all([startTestServer(), startTestServer({ databaseUrl: db.url })]);
  });
  after(async () => {
    await Promise.all([sqlite?.close(), postgres?.close()]);
    await db?.drop();
  });

  for (const [what, body] of CASES) {
    it(`${what}: 400 invalidValue with the same body on both, nothing stored`, async () => {
      const [a, b] = await Promise.all([sqlite.request('POST', '/Users', body), postgres.request('POST', '/Users', body)]);
      assert.equal(a.status, 400, a.text);
      assert.equal(a.body.scimType, 'invalidValue');
      assert.deepEqual(b.body, a.body);
      assert.equal(b.status, a.status);
      for (const s of [sqlite, postgres]) assert.equal((await s.request('GET', '/Users?count=0')).body.totalResults, 0);
    });
  }

  for (const f of FILTERS) {
    it(`filter ${f}: 400 invalidFilter with the same body on both`, async () => {
      const q = `/Users?filter=${encodeURIComponent(f)}`;
      const [a, b] = await Promise.all([sqlite.request('GET', q), postgres.request('GET', q)]);
      assert.equal(a.status, 400, a.text);
      assert.equal(a.body.scimType, 'invalidFilter');
      assert.deepEqual(b.body, a.body);
    });
  }

  it('the same valid non-ASCII data is stored and found alike on both', async () => {
    const body = user('Ĳssel-😀-STRASSE', { name: { givenName: 'Œdipe' }, title: 'Ⅻ' });
    const [a, b] = await Promise.all([sqlite.request('POST', '/Users', body), postgres.request('POST', '/Users', body)]);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    for (const filter of ['userName eq "ĳssel-😀-straße"', 'name.givenName sw "œ"', 'title co "ⅻ"']) {
      const q = `/Users?filter=${encodeURIComponent(filter)}`;
      const [x, y] = await Promise.all([sqlite.request('GET', q), postgres.request('GET', q)]);
      assert.equal(x.body.totalResults, 1, `${filter} on SQLite`);
      assert.equal(y.body.totalResults, 1, `${filter} on PostgreSQL`);
    }
  });

  // A known difference, until the PostgreSQL indexes take values of any length: its B-tree holds
  // at most 2,704 bytes per entry after compression, so 5,000 characters that do not compress
  // (within the 8,192-character limit on a string) cannot be indexed there. Never a 500.
  it('an indexed value of 5,000 characters that does not compress: SQLite stores it; PostgreSQL answers 400 invalidValue naming the index limit and stores nothing', async () => {
    const long = () => randomBytes(2500).toString('hex');
    const bodies: [string, string, Record<string, unknown>][] = [
      ['userName', '/Users', user(long())],
      ['externalId', '/Users', user('long-ext', { externalId: long() })],
      ['an email address', '/Users', user('long-mail', { emails: [{ value: `${long().slice(0, 4980)}@x.example` }] })],
      ['displayName', '/Groups', group(long())],
    ];
    const count = async (path: string) => (await postgres.request('GET', `${path}?count=0`)).body.totalResults as number;
    const before = [await count('/Users'), await count('/Groups')];
    for (const [what, path, body] of bodies) {
      const [a, b] = await Promise.all([sqlite.request('POST', path, body), postgres.request('POST', path, body)]);
      assert.equal(a.status, 201, `${what} on SQLite: ${a.text}`);
      assert.equal(b.status, 400, `${what} on PostgreSQL: ${b.text}`);
      assert.equal(b.body.scimType, 'invalidValue');
      assert.match(b.body.detail, /too long for the database to index \(PostgreSQL indexes at most 2,704 bytes/);
    }
    assert.deepEqual([await count('/Users'), await count('/Groups')], before, 'nothing stored on PostgreSQL');
  });
});
