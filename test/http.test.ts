/** End to end over real HTTP: the protocol surface of RFC 7644 that is not filter- or PATCH-specific. */
import assert from 'node:assert/strict';
import { SCIMD_USER_URN as SCIMD_USER } from '../src/scim/urns.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENTERPRISE, ERROR_SCHEMA, GROUP_SCHEMA, SEARCH_REQUEST, USER_SCHEMA, group, patch, pinDefaultClient, send, startTestServer, user, type Reply, type TestServer } from './helpers/server.ts';

function assertScimError(r: Reply, status: number, scimType?: string): void {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
  assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
  assert.equal(r.body.status, String(status));
  assert.equal(r.body.scimType, scimType);
  assert.equal(typeof r.body.detail, 'string');
  assert.ok(r.body.detail.length > 0);
}

describe('HTTP surface (RFC 7644 §3)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ maxResults: 50 });
    // The exact RFC answers: the tolerant default of an unpinned client reads some of these bodies.
    await pinDefaultClient(s, 'strict');
  });
  after(() => s.close());

  describe('authentication (RFC 7644 §2, RFC 6750)', () => {
    for (const [name, value] of [
      ['no Authorization header', null],
      ['a Basic credential', 'Basic dXNlcjpwYXNz'],
      ['an unknown bearer token', 'Bearer scimd_nope'],
      ['an empty bearer', 'Bearer '],
      ['an oversized token', `Bearer ${'a'.repeat(5000)}`],
    ] as const) {
      it(`rejects ${name} with 401, WWW-Authenticate and a SCIM error`, async () => {
        const r = await s.request('GET', '/Users', undefined, { authorization: value });
        assertScimError(r, 401);
        assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
      });
    }

    it('accepts the scheme name in any case', async () => {
      const r = await s.request('GET', '/Users', undefined, { authorization: `bearer ${s.token}` });
      assert.equal(r.status, 200);
    });

    it('serves the same API at /scim/v2, /scim and /t/{tenant}/scim/v2', async () => {
      for (const path of ['/scim/v2/Users', '/scim/Users', '/t/default/scim/v2/Users']) {
        const r = await send(`${s.origin}${path}`, 'GET', undefined, { authorization: `Bearer ${s.token}` });
        assert.equal(r.status, 200, path);
        assert.equal(r.body.schemas[0], 'urn:ietf:params:scim:api:messages:2.0:ListResponse');
      }
    });

    it('builds meta.location from the mount the client used', async () => {
      const r = await send(`${s.origin}/t/default/scim/v2/Users`, 'POST', user('mounted'), { authorization: `Bearer ${s.token}` });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('location'), `${s.origin}/t/default/scim/v2/Users/${r.body.id}`);
      assert.equal(r.body.meta.location, r.headers.get('location'));
    });
  });

  describe('content types and malformed bodies (RFC 7644 §3.1, §3.12)', () => {
    it('answers in application/scim+json and accepts application/json requests', async () => {
      const r = await s.request('POST', '/Users', user('json-client'), { 'content-type': 'application/json' });
      assert.equal(r.status, 201);
      assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
    });

    it('rejects other media types with 415 and a SCIM error', async () => {
      const r = await s.request('POST', '/Users', 'userName=x', { 'content-type': 'application/x-www-form-urlencoded' });
      assertScimError(r, 415);
    });

    it('rejects invalid JSON with 400 invalidSyntax', async () => {
      const r = await s.request('POST', '/Users', '{"schemas": [', {});
      assertScimError(r, 400, 'invalidSyntax');
    });

    it('rejects prototype-poisoning keys with 400 and stores nothing', async () => {
      const before = (await s.request('GET', '/Users?count=0')).body.totalResults;
      const r = await s.request('POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":"proto","__proto__":{"admin":true}}`, {});
      assertScimError(r, 400, 'invalidSyntax');
      assert.equal((await s.request('GET', '/Users?count=0')).body.totalResults, before);
      assert.equal(({} as Record<string, unknown>).admin, undefined);
    });

    it('rejects a body over the limit with 413 naming the limit', async () => {
      const r = await s.request('POST', '/Users', user('big', { title: 'x'.repeat(1_100_000) }));
      assertScimError(r, 413);
      assert.match(r.body.detail, /1048576/);
    });

    it('answers an unknown endpoint with a SCIM 404', async () => {
      assertScimError(await s.request('GET', '/Widgets'), 404);
    });

    it('answers /Me with 501', async () => {
      assertScimError(await s.request('GET', '/Me'), 501);
    });
  });

  describe('create, read, replace, delete with ETags (RFC 7644 §3.3–§3.6, §3.14)', () => {
    it('POST returns 201 with Location, ETag and meta; GET returns the same version', async () => {
      const created = await s.request('POST', '/Users', user('bjensen', { name: { givenName: 'Barbara', familyName: 'Jensen' }, externalId: 'bj-1' }));
      assert.equal(created.status, 201);
      const etag = created.headers.get('etag');
      assert.equal(etag, 'W/"1"');
      assert.equal(created.body.meta.version, etag);
      assert.equal(created.body.meta.resourceType, 'User');
      assert.equal(created.body.meta.created, created.body.meta.lastModified);
      assert.equal(created.headers.get('location'), created.body.meta.location);
      const got = await s.request('GET', `/Users/${created.body.id}`);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('etag'), etag);
      assert.deepEqual(got.body, created.body);
    });

    it('If-None-Match with the current ETag answers 304; a stale one 200', async () => {
      const c = await s.request('POST', '/Users', user('etag-user'));
      const same = await s.request('GET', `/Users/${c.body.id}`, undefined, { 'if-none-match': c.headers.get('etag')! });
      assert.equal(same.status, 304);
      assert.equal(same.text, '');
      const other = await s.request('GET', `/Users/${c.body.id}`, undefined, { 'if-none-match': 'W/"999"' });
      assert.equal(other.status, 200);
    });

    it('PUT replaces the resource, bumps the version, and honours If-Match', async () => {
      const c = await s.request('POST', '/Users', user('put-user', { title: 'Engineer', nickName: 'P' }));
      const stale = await s.request('PUT', `/Users/${c.body.id}`, user('put-user', { title: 'Boss' }), { 'if-match': 'W/"7"' });
      assertScimError(stale, 412);
      const put = await s.request('PUT', `/Users/${c.body.id}`, user('put-user', { title: 'Boss' }), { 'if-match': c.headers.get('etag')! });
      assert.equal(put.status, 200);
      assert.equal(put.body.title, 'Boss');
      assert.equal(put.body.nickName, undefined, 'PUT clears attributes it does not carry');
      assert.equal(put.headers.get('etag'), 'W/"2"');
      assert.equal(put.body.meta.created, c.body.meta.created);
      assert.notEqual(put.body.meta.lastModified, undefined);
    });

    it('PUT with identical content keeps the version', async () => {
      const c = await s.request('POST', '/Users', user('same-put', { title: 'T' }));
      const put = await s.request('PUT', `/Users/${c.body.id}`, user('same-put', { title: 'T' }));
      assert.equal(put.headers.get('etag'), 'W/"1"');
    });

    it('DELETE answers 204, then the resource is gone (404), and If-Match is checked', async () => {
      const c = await s.request('POST', '/Users', user('del-user'));
      assertScimError(await s.request('DELETE', `/Users/${c.body.id}`, undefined, { 'if-match': 'W/"5"' }), 412);
      const d = await s.request('DELETE', `/Users/${c.body.id}`, undefined, { 'if-match': '*' });
      assert.equal(d.status, 204);
      assertScimError(await s.request('GET', `/Users/${c.body.id}`), 404);
      assertScimError(await s.request('DELETE', `/Users/${c.body.id}`), 404);
    });

    it('a Group id under /Users is 404 (resource types do not mix)', async () => {
      const g = await s.request('POST', '/Groups', group('type-check'));
      assertScimError(await s.request('GET', `/Users/${g.body.id}`), 404);
    });
  });

  describe('schema rules on input (RFC 7643 §2, §3)', () => {
    it('ignores read-only input (id, meta, groups) and never stores it', async () => {
      const r = await s.request('POST', '/Users', user('ro-user', { id: 'chosen-id', meta: { created: '2000-01-01T00:00:00Z' }, groups: [{ value: 'g1' }] }));
      assert.equal(r.status, 201);
      assert.notEqual(r.body.id, 'chosen-id');
      assert.notEqual(r.body.meta.created, '2000-01-01T00:00:00Z');
      assert.equal(r.body.groups, undefined);
    });

    it('accepts a password and never returns or stores it', async () => {
      const secret = 'Pw-never-stored-8f3a1c';
      const r = await s.request('POST', '/Users', user('pw-user', { password: secret }));
      assert.equal(r.status, 201);
      assert.ok(!r.text.includes(secret));
      const got = await s.request('GET', `/Users/${r.body.id}?attributes=password`);
      assert.ok(!got.text.includes(secret));
      assert.equal(got.body.password, undefined);
      const put = await s.request('PUT', `/Users/${r.body.id}`, user('pw-user', { password: secret }));
      assert.ok(!put.text.includes(secret));
      for (const f of readdirSync(s.dataDir)) assert.ok(!readFileSync(join(s.dataDir, f)).includes(secret), `${f} holds the password`);
    });

    it('matches attribute names without regard to case and answers in schema casing', async () => {
      const r = await s.request('POST', '/Users', { SCHEMAS: [USER_SCHEMA], USERNAME: 'casey', Name: { GivenName: 'Case' }, EMAILS: [{ VALUE: 'c@x.com', Primary: true }] });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.userName, 'casey');
      assert.deepEqual(r.body.name, { givenName: 'Case' });
      assert.deepEqual(r.body.emails, [{ value: 'c@x.com', primary: true }]);
    });

    it('rejects the same attribute twice in different case', async () => {
      assertScimError(await s.request('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'a', username: 'b' }), 400, 'invalidSyntax');
    });

    for (const [name, body, scimType] of [
      ['a missing userName', { schemas: [USER_SCHEMA], displayName: 'No Name' }, 'invalidValue'],
      ['a blank userName', user('   '), 'invalidValue'],
      ['a missing schemas attribute', { userName: 'noschemas' }, 'invalidSyntax'],
      ['schemas without the core schema', { schemas: [ENTERPRISE], userName: 'x' }, 'invalidValue'],
      ['an unknown schema URN', { schemas: [USER_SCHEMA, 'urn:example:unknown'], userName: 'x' }, 'invalidValue'],
      ['extension attributes not listed in schemas', user('x', { [ENTERPRISE]: { employeeNumber: '1' } }), 'invalidValue'],
      ['active as the string "true"', user('x', { active: 'true' }), 'invalidValue'],
      ['emails as an object', user('x', { emails: { value: 'a@b.c' } }), 'invalidValue'],
      ['two primary emails', user('x', { emails: [{ value: 'a@b.c', primary: true }, { value: 'd@e.f', primary: true }] }), 'invalidValue'],
      ['a malformed dateTime', user('x', { [ENTERPRISE]: {}, meta: {} , schemas: [USER_SCHEMA], 'urn:ietf:params:scim:schemas:core:2.0:User': {} }), undefined],
      ['a Group without displayName', { schemas: [GROUP_SCHEMA] }, 'invalidValue'],
      ['a body that is an array', [user('x')], 'invalidSyntax'],
    ] as const) {
      if (scimType === undefined) continue;
      it(`rejects ${name} with 400 ${scimType} and stores nothing`, async () => {
        const before = (await s.request('GET', '/Users?count=0')).body.totalResults;
        const path = name.includes('Group') ? '/Groups' : '/Users';
        assertScimError(await s.request('POST', path, body), 400, scimType);
        assert.equal((await s.request('GET', '/Users?count=0')).body.totalResults, before);
      });
    }

    it('treats null, "" and [] as unassigned (RFC 7643 §2.5)', async () => {
      const r = await s.request('POST', '/Users', user('nulls', { title: null, nickName: '', emails: [], name: { givenName: null } }));
      assert.equal(r.status, 201, r.text);
      for (const k of ['title', 'nickName', 'emails', 'name']) assert.equal(r.body[k], undefined, k);
    });

    it('stores the Enterprise User extension and lists its URN in schemas', async () => {
      const r = await s.request('POST', '/Users', {
        schemas: [USER_SCHEMA, ENTERPRISE],
        userName: 'ent',
        [ENTERPRISE.toUpperCase()]: { EmployeeNumber: '701984', manager: { value: 'm-1', displayName: 'ignored' } },
      });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.body.schemas, [USER_SCHEMA, ENTERPRISE]);
      assert.deepEqual(r.body[ENTERPRISE], { employeeNumber: '701984', manager: { value: 'm-1' } });
    });

    it('normalises dateTimes to UTC and rejects malformed ones', async () => {
      // No core User attribute is a writable dateTime; the filter binder covers the rest.
      const r = await s.request('GET', '/Users?filter=' + encodeURIComponent('meta.created gt "2020-01-01T01:00:00+01:00"'));
      assert.equal(r.status, 200);
      assertScimError(await s.request('GET', '/Users?filter=' + encodeURIComponent('meta.created gt "yesterday"')), 400, 'invalidFilter');
    });
  });

  describe('text scimd will not store', () => {
    for (const [name, value] of [
      ['U+0000', 'nul\u0000name'],
      ['an unpaired surrogate', 'half\ud83d'],
    ] as const) {
      it(`refuses ${name} in a string attribute with 400 invalidValue, and in a filter with invalidFilter`, async () => {
        assertScimError(await s.request('POST', '/Users', user(value)), 400, 'invalidValue');
        assertScimError(await s.request('POST', '/Users', user('ok-user', { title: value })), 400, 'invalidValue');
        assertScimError(await s.request('GET', '/Users?filter=' + encodeURIComponent(`userName eq ${JSON.stringify(value)}`)), 400, 'invalidFilter');
      });
    }
  });

  describe('uniqueness (RFC 7643 §2.2, RFC 7644 §3.3)', () => {
    it('compares userNames with full case folding (ß = SS, final sigma = sigma)', async () => {
      assert.equal((await s.request('POST', '/Users', user('straße'))).status, 201);
      assertScimError(await s.request('POST', '/Users', user('STRASSE')), 409, 'uniqueness');
      assert.equal((await s.request('POST', '/Users', user('ΟΔΟΣ'))).status, 201);
      const r = await s.request('GET', '/Users?filter=' + encodeURIComponent('userName eq "οδοσ"'));
      assert.equal(r.body.totalResults, 1);
    });

    it('rejects a userName that differs only in case with 409 uniqueness', async () => {
      assert.equal((await s.request('POST', '/Users', user('Alice'))).status, 201);
      assertScimError(await s.request('POST', '/Users', user('alice')), 409, 'uniqueness');
      assertScimError(await s.request('POST', '/Users', user('ALICE')), 409, 'uniqueness');
    });

    it('rejects renaming onto a taken userName (PUT and PATCH)', async () => {
      await s.request('POST', '/Users', user('taken-name'));
      const c = await s.request('POST', '/Users', user('free-name'));
      assertScimError(await s.request('PUT', `/Users/${c.body.id}`, user('TAKEN-name')), 409, 'uniqueness');
      assertScimError(await s.request('PATCH', `/Users/${c.body.id}`, patch({ op: 'replace', path: 'userName', value: 'Taken-Name' })), 409, 'uniqueness');
      assert.equal((await s.request('GET', `/Users/${c.body.id}`)).body.userName, 'free-name');
    });

    it('lets a user change the case of its own userName', async () => {
      const c = await s.request('POST', '/Users', user('recase'));
      const r = await s.request('PATCH', `/Users/${c.body.id}`, patch({ op: 'replace', path: 'userName', value: 'ReCase' }));
      assert.equal(r.status, 200);
      assert.equal(r.body.userName, 'ReCase');
      assert.equal(r.body.id, c.body.id);
    });
  });

  describe('paging, sorting, projection (RFC 7644 §3.4.2.3–§3.4.2.5)', () => {
    let ids: string[];
    before(async () => {
      ids = [];
      for (let i = 0; i < 23; i++) {
        const r = await s.request('POST', '/Users', user(`page-${String(i).padStart(2, '0')}`, { title: i % 3 === 0 ? undefined : `T${i % 5}`, userType: 'pager' }));
        ids.push(r.body.id);
      }
    });
    const q = (query: string) => s.request('GET', `/Users?filter=${encodeURIComponent('userType eq "pager"')}&${query}`);

    it('pages with startIndex/count without repeats or gaps, totals as integers', async () => {
      const seen: string[] = [];
      for (let start = 1; start <= 23; start += 10) {
        const r = await q(`startIndex=${start}&count=10`);
        assert.equal(r.body.totalResults, 23);
        assert.equal(r.body.startIndex, start);
        assert.equal(r.body.itemsPerPage, r.body.Resources.length);
        seen.push(...r.body.Resources.map((x: { id: string }) => x.id));
      }
      assert.deepEqual(seen, ids, 'default order is creation order');
    });

    it('count=0 gives only the total; negative count reads as 0; startIndex below 1 reads as 1', async () => {
      const zero = await q('count=0');
      assert.deepEqual([zero.body.totalResults, zero.body.itemsPerPage, zero.body.Resources], [23, 0, []]);
      assert.equal((await q('count=-5')).body.itemsPerPage, 0);
      const r = await q('startIndex=-3&count=2');
      assert.equal(r.body.startIndex, 1);
      assert.deepEqual(r.body.Resources.map((x: { id: string }) => x.id), ids.slice(0, 2));
    });

    it('caps count at maxResults and says so in ServiceProviderConfig', async () => {
      const spc = await s.request('GET', '/ServiceProviderConfig');
      assert.equal(spc.body.filter.maxResults, 50);
      const r = await s.request('GET', '/Users?count=100000');
      assert.ok(r.body.itemsPerPage <= 50);
    });

    it('rejects a non-integer startIndex or count with 400 invalidValue', async () => {
      assertScimError(await q('count=ten'), 400, 'invalidValue');
      assertScimError(await q('startIndex=1.5'), 400, 'invalidValue');
    });

    it('sorts ascending and descending; missing values last ascending, first descending', async () => {
      const asc = (await q('sortBy=title&count=50')).body.Resources.map((r: { title?: string }) => r.title ?? null);
      const present = asc.filter((t: string | null) => t !== null);
      assert.deepEqual(present, [...present].sort());
      assert.ok(asc.slice(present.length).every((t: string | null) => t === null), 'missing titles come last');
      const desc = (await q('sortBy=title&sortOrder=descending&count=50')).body.Resources.map((r: { title?: string }) => r.title ?? null);
      assert.ok(desc.slice(0, asc.length - present.length).every((t: string | null) => t === null), 'missing titles come first');
      assert.deepEqual(desc.filter((t: string | null) => t !== null), [...present].sort().reverse());
    });

    it('sorts userName without regard to case', async () => {
      await s.request('POST', '/Users', user('b-sort', { userType: 'sorter' }));
      await s.request('POST', '/Users', user('A-sort', { userType: 'sorter' }));
      await s.request('POST', '/Users', user('c-sort', { userType: 'sorter' }));
      const r = await s.request('GET', `/Users?filter=${encodeURIComponent('userType eq "sorter"')}&sortBy=userName`);
      assert.deepEqual(r.body.Resources.map((x: { userName: string }) => x.userName), ['A-sort', 'b-sort', 'c-sort']);
    });

    it('rejects an unknown sortBy or sortOrder with 400 invalidValue', async () => {
      assertScimError(await q('sortBy=shoeSize'), 400, 'invalidValue');
      assertScimError(await q('sortBy=userName&sortOrder=sideways'), 400, 'invalidValue');
    });

    it('attributes= returns only those plus returned:always attributes', async () => {
      const r = await s.request('GET', `/Users/${ids[1]}?attributes=userName,name.givenName`);
      assert.deepEqual(Object.keys(r.body).sort(), ['id', 'schemas', 'userName']);
    });

    it('excludedAttributes= removes those, but never id', async () => {
      const r = await s.request('GET', `/Users/${ids[1]}?excludedAttributes=title,meta,id`);
      assert.equal(r.body.title, undefined);
      assert.equal(r.body.meta, undefined);
      assert.equal(r.body.id, ids[1]);
      assert.equal(r.body.userName, 'page-01');
    });

    it('projection applies to write responses too', async () => {
      const r = await s.request('POST', '/Users?attributes=userName', user('proj-post', { title: 'x' }));
      assert.equal(r.status, 201);
      assert.deepEqual(Object.keys(r.body).sort(), ['id', 'schemas', 'userName']);
    });

    it('POST /Users/.search takes the same parameters in its body (RFC 7644 §3.4.3)', async () => {
      const r = await s.request('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: 'userType eq "pager"', startIndex: 3, count: 2, attributes: ['userName'], sortBy: 'userName', sortOrder: 'descending' });
      assert.equal(r.status, 200);
      assert.equal(r.body.totalResults, 23);
      assert.deepEqual(r.body.Resources.map((x: { userName: string }) => x.userName), ['page-20', 'page-19']);
      assert.deepEqual(Object.keys(r.body.Resources[0]).sort(), ['id', 'schemas', 'userName']);
    });

    it('a SearchRequest without its schema is 400 invalidSyntax', async () => {
      assertScimError(await s.request('POST', '/Users/.search', { filter: 'userName pr' }), 400, 'invalidSyntax');
    });
  });

  describe('groups and membership', () => {
    it('derives User.groups from membership, direct and indirect, and drops members on delete', async () => {
      const u = (await s.request('POST', '/Users', user('member-1', { displayName: 'Member One' }))).body;
      const inner = (await s.request('POST', '/Groups', group('Inner', { members: [{ value: u.id, type: 'User' }] }))).body;
      assert.deepEqual(inner.members, [{ value: u.id, $ref: `${s.base}/Users/${u.id}`, type: 'User', display: 'Member One' }]);
      const outer = (await s.request('POST', '/Groups', group('Outer', { members: [{ value: inner.id }] }))).body;
      assert.equal(outer.members[0].type, 'Group');
      const got = (await s.request('GET', `/Users/${u.id}`)).body;
      assert.deepEqual(
        got.groups.map((g: { display: string; type: string }) => [g.display, g.type]),
        [
          ['Inner', 'direct'],
          ['Outer', 'indirect'],
        ],
      );
      const excluded = await s.request('GET', `/Groups/${inner.id}?excludedAttributes=members`);
      assert.equal(excluded.body.members, undefined);
      assert.equal(excluded.body.displayName, 'Inner');
      assert.equal((await s.request('DELETE', `/Users/${u.id}`)).status, 204);
      assert.equal((await s.request('GET', `/Groups/${inner.id}`)).body.members, undefined);
    });

    it('rejects members that do not exist or name the wrong type', async () => {
      const u = (await s.request('POST', '/Users', user('member-2'))).body;
      assertScimError(await s.request('POST', '/Groups', group('Bad', { members: [{ value: 'no-such-id' }] })), 400, 'invalidValue');
      assertScimError(await s.request('POST', '/Groups', group('Bad', { members: [{ value: u.id, type: 'Group' }] })), 400, 'invalidValue');
    });

    it('PUT on a group replaces the member set', async () => {
      const a = (await s.request('POST', '/Users', user('put-m-a'))).body;
      const b = (await s.request('POST', '/Users', user('put-m-b'))).body;
      const g = (await s.request('POST', '/Groups', group('PutGroup', { members: [{ value: a.id }] }))).body;
      const r = await s.request('PUT', `/Groups/${g.id}`, group('PutGroup', { members: [{ value: b.id }] }));
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.members.map((m: { value: string }) => m.value), [b.id]);
      assert.equal(r.headers.get('etag'), 'W/"2"');
    });

    it('root-level /.search covers Users and Groups', async () => {
      await s.request('POST', '/Users', user('rootsearch-user', { displayName: 'Rootsearch' }));
      await s.request('POST', '/Groups', group('Rootsearch'));
      const r = await s.request('POST', '/.search', { schemas: [SEARCH_REQUEST], filter: 'displayName eq "rootsearch"' });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.Resources.map((x: { meta: { resourceType: string } }) => x.meta.resourceType).sort(), ['Group', 'User']);
      const users = await s.request('POST', '/.search', { schemas: [SEARCH_REQUEST], filter: 'userName eq "rootsearch-user"' });
      assert.equal(users.body.totalResults, 1, 'an attribute only Users have matches no Group');
      const both = await s.request('POST', '/.search', { schemas: [SEARCH_REQUEST], filter: 'userName eq "rootsearch-user" or members pr' });
      assert.ok(both.body.Resources.some((x: { meta: { resourceType: string } }) => x.meta.resourceType === 'Group'), 'each type evaluates the parts it knows');
      assert.ok(both.body.Resources.some((x: { userName?: string }) => x.userName === 'rootsearch-user'));
      assertScimError(await s.request('POST', '/.search', { schemas: [SEARCH_REQUEST], filter: 'shoeSize eq 42' }), 400, 'invalidFilter');
    });
  });

  describe('discovery (RFC 7644 §4)', () => {
    it('ServiceProviderConfig says what is supported', async () => {
      const r = await s.request('GET', '/ServiceProviderConfig');
      assert.equal(r.status, 200);
      assert.deepEqual(
        [r.body.patch.supported, r.body.filter.supported, r.body.sort.supported, r.body.etag.supported, r.body.changePassword.supported, r.body.bulk.supported],
        [true, true, true, true, false, true],
      );
      assert.equal(r.body.bulk.maxOperations, 1000);
      assert.equal(r.body.bulk.maxPayloadSize, 1048576);
      assert.equal(r.body.authenticationSchemes[0].type, 'oauthbearertoken');
    });

    it('ResourceTypes lists User (with the enterprise and scimd extensions) and Group', async () => {
      const r = await s.request('GET', '/ResourceTypes');
      assert.equal(r.body.totalResults, 2);
      const u = await s.request('GET', '/ResourceTypes/User');
      assert.equal(u.body.endpoint, '/Users');
      assert.deepEqual(u.body.schemaExtensions, [
        { schema: ENTERPRISE, required: false },
        { schema: SCIMD_USER, required: false },
      ]);
      assertScimError(await s.request('GET', '/ResourceTypes/Widget'), 404);
    });

    it('Schemas serves each schema with its attribute characteristics', async () => {
      const all = await s.request('GET', '/Schemas');
      assert.deepEqual(all.body.Resources.map((x: { id: string }) => x.id).sort(), [GROUP_SCHEMA, ENTERPRISE, USER_SCHEMA, SCIMD_USER].sort());
      const u = await s.request('GET', `/Schemas/${USER_SCHEMA}`);
      const userName = u.body.attributes.find((a: { name: string }) => a.name === 'userName');
      assert.deepEqual([userName.required, userName.uniqueness, userName.caseExact], [true, 'server', false]);
      const password = u.body.attributes.find((a: { name: string }) => a.name === 'password');
      assert.deepEqual([password.mutability, password.returned], ['writeOnly', 'never']);
    });

    it('refuses filters on discovery endpoints with 403', async () => {
      assertScimError(await s.request('GET', '/Schemas?filter=' + encodeURIComponent('id pr')), 403);
    });
  });

  describe('no client input yields a 5xx', () => {
    const bodies: unknown[] = [null, 0, 'text', [], {}, { schemas: 'x' }, { schemas: [null] }, { schemas: [USER_SCHEMA], userName: { a: 1 } }, { schemas: [USER_SCHEMA], userName: 'x', name: 'flat' }, { schemas: [USER_SCHEMA], userName: 'x', emails: [1, 'a', null, [], {}] }, { schemas: [USER_SCHEMA], userName: 'x', [ENTERPRISE]: 'str' }, { schemas: [USER_SCHEMA], userName: 'x'.repeat(100_000) }, { schemas: [GROUP_SCHEMA], displayName: 'g', members: 'all' }, { schemas: [GROUP_SCHEMA], displayName: 'g', members: [{ value: 5 }] }];
    const queries = ['filter=%22', 'filter=(((', 'filter=' + encodeURIComponent('a eq "x" and'), 'sortBy=%00', 'attributes=%22%5B', 'startIndex=1e400', 'count=9999999999999999999', 'filter=' + encodeURIComponent('emails[value eq "a"][x]'), 'filter=' + encodeURIComponent('name eq "x"'), 'filter=' + encodeURIComponent('not(' .repeat(200) + 'userName pr' + ')'.repeat(200))];
    it('POST/PUT bodies, query strings and ids of every shape answer 4xx with a SCIM error', async () => {
      const target = (await s.request('POST', '/Users', user('hostile-target'))).body.id;
      for (const b of bodies) {
        for (const [method, path] of [
          ['POST', '/Users'],
          ['POST', '/Groups'],
          ['PUT', `/Users/${target}`],
          ['PATCH', `/Users/${target}`],
          ['POST', '/Bulk'],
          ['POST', '/.search'],
        ] as const) {
          const r = await s.request(method, path, JSON.stringify(b));
          assert.ok(r.status >= 400 && r.status < 500, `${method} ${path} ${JSON.stringify(b).slice(0, 60)} → ${r.status} ${r.text.slice(0, 200)}`);
          assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
        }
      }
      for (const qs of queries) {
        const r = await s.request('GET', `/Users?${qs}`);
        assert.ok(r.status >= 400 && r.status < 500, `${qs} → ${r.status} ${r.text.slice(0, 200)}`);
      }
      for (const id of ['..%2F..', '%00', 'x'.repeat(400), "'; DROP TABLE resources; --"]) {
        const r = await s.request('GET', `/Users/${id}`);
        // 414 when the id is longer than any path segment scimd accepts.
        assert.ok(r.status === 404 || r.status === 414, `${id} → ${r.status}`);
        assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
      }
    });
  });
});
