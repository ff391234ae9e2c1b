/**
 * Hostile input (issue 6, item 3), end to end: prototype-pollution keys and path segments,
 * SQL- and template-looking strings (stored and matched literally on SQLite and PostgreSQL),
 * filters on `password`, duplicate keys, overlong names, extreme numbers, bytes that are not
 * UTF-8, wrong media types and empty bodies. Each refusal is an RFC 7644 §3.12 error that changes
 * nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fold } from '../src/scim/values.ts';
import { assertScimError, stored } from './helpers/assert.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { ENTERPRISE, group, PATCH_OP, patch, SEARCH_REQUEST, send, startTestServer, user, USER_SCHEMA, type Reply, type TestServer } from './helpers/server.ts';

// Taken before any server runs in this process, to show afterwards that nothing was added.
const OBJECT_PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const POLLUTE = '{"polluted":"yes"}';

describe('hostile input', () => {
  let s: TestServer;
  let pg: TestServer;
  let db: TestDatabase;
  let victim: string;
  let groupId: string;

  before(async () => {
    db = await freshDatabase('hostile');
    [s, pg] = await Promise.all([startTestServer(), startTestServer({ databaseUrl: db.url })]);
    victim = (await s.request('POST', '/Users', user('victim', { name: { givenName: 'Vic' }, emails: [{ value: 'v@x.com', type: 'work' }] }))).body.id;
    groupId = (await s.request('POST', '/Groups', group('victims'))).body.id;
  });
  after(async () => {
    await Promise.all([s?.close(), pg?.close()]);
    await db?.drop();
  });

  /** The victim as stored, to show a refused request left it as it was. */
  const victimNow = async () => (await s.request('GET', `/Users/${victim}`)).body;

  describe('__proto__, constructor and prototype', () => {
    const U = `"schemas":["${USER_SCHEMA}"]`;
    const bodies: [string, string, string][] = [
      ['POST', '/Users', `{${U},"userName":"p1","__proto__":${POLLUTE}}`],
      ['POST', '/Users', `{${U},"userName":"p2","name":{"givenName":"a","__proto__":${POLLUTE}}}`],
      ['POST', '/Users', `{"schemas":["${USER_SCHEMA}","${ENTERPRISE}"],"userName":"p3","${ENTERPRISE}":{"constructor":{"prototype":${POLLUTE}}}}`],
      ['POST', '/Users', `{${U},"userName":"p4","emails":[{"value":"a@x.com","__proto__":${POLLUTE}}]}`],
      ['POST', '/Users', `{${U},"userName":"p5","Constructor":{"Prototype":${POLLUTE}}}`],
      ['POST', '/Users', `{${U},"userName":"p6","PROTOTYPE":1}`],
      ['POST', '/Users', `{${U},"userName":"p7","\\u005f_proto__":${POLLUTE}}`],
      ['POST', '/Groups', `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"x","__proto__":${POLLUTE}}]}`],
      ['PUT', '/Users/:victim', `{${U},"userName":"victim","__proto__":${POLLUTE}}`],
      ['PATCH', '/Users/:victim', `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","value":{"__proto__":${POLLUTE}}}]}`],
      ['PATCH', '/Users/:victim', `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"title","value":"x","__proto__":${POLLUTE}}]}`],
      ['PATCH', '/Users/:victim', `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"replace","path":"name","value":{"constructor":{"prototype":${POLLUTE}}}}]}`],
      ['PATCH', '/Groups/:group', `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"members","value":[{"value":"x","__proto__":${POLLUTE}}]}]}`],
      ['POST', '/Bulk', `{"schemas":["${BULK_REQUEST}"],"Operations":[{"method":"POST","path":"/Users","bulkId":"b","data":{${U},"userName":"pb","__proto__":${POLLUTE}}}]}`],
      ['POST', '/Bulk', `{"schemas":["${BULK_REQUEST}"],"Operations":[{"method":"PATCH","path":"/Users/:victim","data":{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","value":{"constructor":${POLLUTE}}}]}}]}`],
      ['POST', '/Users/.search', `{"schemas":["${SEARCH_REQUEST}"],"__proto__":${POLLUTE}}`],
    ];
    for (const [method, path, text] of bodies) {
      it(`as a body key: ${method} ${path} ${text.slice(text.indexOf('"userName"') > 0 ? text.indexOf('"userName"') : 0, 90)}… → 400, nothing changed`, async () => {
        const before = await stored(s);
        const was = await victimNow();
        const r = await s.request(method, path.replace(':victim', victim).replace(':group', groupId), text);
        assertScimError(r, 400, 'invalidSyntax', /not an attribute name scimd accepts/);
        assert.deepEqual(await stored(s), before);
        assert.deepEqual(await victimNow(), was);
      });
    }

    for (const path of ['__proto__', 'constructor', 'prototype', 'name.constructor', 'name.__proto__', `${USER_SCHEMA}:constructor`, `${ENTERPRISE}:__proto__`, 'emails[type eq "work"].constructor', 'emails[constructor eq "x"]', 'emails[__proto__ pr]', 'emails[type eq "work"].prototype']) {
      it(`as a PATCH path: ${path} → 400 invalidPath, nothing changed`, async () => {
        const was = await victimNow();
        for (const op of ['add', 'replace', 'remove']) {
          const r = await s.request('PATCH', `/Users/${victim}`, patch({ op, path, ...(op === 'remove' ? {} : { value: JSON.parse(POLLUTE) }) }));
          assertScimError(r, 400, 'invalidPath');
        }
        assert.deepEqual(await victimNow(), was);
      });
    }

    for (const filter of ['constructor eq "x"', '__proto__ pr', 'name.prototype eq "x"', `${USER_SCHEMA}:constructor pr`, 'emails[constructor pr]', 'userName eq "victim" or prototype pr', 'not (constructor pr)']) {
      it(`in a filter: ${filter} → 400 invalidFilter on GET, .search and root .search`, async () => {
        assertScimError(await s.request('GET', `/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
        assertScimError(await s.request('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter }), 400, 'invalidFilter');
        assertScimError(await s.request('POST', '/.search', { schemas: [SEARCH_REQUEST], filter }), 400, 'invalidFilter');
      });
    }

    for (const name of ['constructor', '__proto__', 'name.prototype', 'userName,constructor', `${USER_SCHEMA}:__proto__`]) {
      it(`in attributes, excludedAttributes and sortBy: ${name} → 400 invalidValue`, async () => {
        for (const param of ['attributes', 'excludedAttributes', 'sortBy']) {
          if (param === 'sortBy' && name.includes(',')) continue;
          assertScimError(await s.request('GET', `/Users?${param}=${encodeURIComponent(name)}`), 400, 'invalidValue');
          // A single resource has no sort order: sortBy there is ignored, like any unknown parameter.
          if (param !== 'sortBy') assertScimError(await s.request('GET', `/Users/${victim}?${param}=${encodeURIComponent(name)}`), 400, 'invalidValue');
        }
      });
    }

    it('as query parameter names, which name no SCIM parameter: ignored', async () => {
      const r = await s.request('GET', '/Users?__proto__=1&constructor=2&prototype=3&count=1');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.itemsPerPage, 1);
    });

    it('inside a roles JSON string that the Entra normaliser parses → 400', async () => {
      const entra = (await s.running.services.admin.createClient('default', 'entra-hostile', { idp: 'entra' })).token;
      const r = await s.request('POST', '/Users', user('roles-proto', { roles: `{"value":"admin","__proto__":${POLLUTE}}` }), { authorization: `Bearer ${entra}` });
      assertScimError(r, 400, 'invalidSyntax', /The roles value has the key "__proto__"/);
      const ok = await s.request('POST', '/Users', user('roles-ok', { roles: '{"value":"admin"}' }), { authorization: `Bearer ${entra}` });
      assert.equal(ok.status, 201, ok.text);
      assert.deepEqual(ok.body.roles, [{ value: 'admin' }]);
    });

    it('as values they are plain strings: stored and found literally', async () => {
      const made = await s.request('POST', '/Users', user('constructor', { title: '__proto__', nickName: 'prototype' }));
      assert.equal(made.status, 201, made.text);
      const found = await s.request('GET', `/Users?filter=${encodeURIComponent('userName eq "constructor" and title eq "__proto__" and nickName eq "prototype"')}`);
      assert.equal(found.body.totalResults, 1);
    });

    it('afterwards no object anywhere gained a property, and a new user comes back clean', async () => {
      const r = await s.request('POST', '/Users', user('clean-after', { name: { givenName: 'Clean' }, emails: [{ value: 'c@x.com' }] }));
      assert.equal(r.status, 201, r.text);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal((Object.create(null) as Record<string, unknown>).polluted, undefined);
      assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), OBJECT_PROTOTYPE_KEYS);
      assert.deepEqual(Object.keys(r.body).sort(), ['emails', 'id', 'meta', 'name', 'schemas', 'userName']);
      const got = await s.request('GET', `/Users/${r.body.id}`);
      assert.deepEqual(got.body, r.body);
      assert.doesNotMatch(got.text, /polluted/);
      // In the server's own objects, prototype chains included ('in' looks up the chain).
      for (const id of [r.body.id, victim]) {
        const rec = await s.running.store.getResource((await s.running.services.admin.tenant('default')).id, 'User', id);
        assert.ok(rec);
        assert.equal(Object.getPrototypeOf(rec.data), Object.prototype);
        assert.equal('polluted' in rec.data, false);
        assert.equal(JSON.stringify(rec.data).includes('polluted'), false);
      }
      const all = await s.request('GET', '/Users?count=1000');
      assert.doesNotMatch(all.text, /polluted/);
    });
  });

  describe('SQL- and template-looking strings are stored and matched literally', () => {
    const LITERALS = ["'; DROP TABLE resources; --", '" OR 1=1 --', "' OR '1'='1", '${7*7}', '{{7*7}}', '#{7*7}', '<%= 7*7 %>', '%', '_', '\\', '*', '100%', 'a_b', '%_\\*', '\\%', 'x\\_y', '[a-z]', '?', '.*'];
    const CONTROLS = ['plain', 'abc', 'ab', 'xy', 'a%', '49'];
    const ALL = [...LITERALS, ...CONTROLS];
    const OPS: Record<string, (v: string, l: string) => boolean> = {
      eq: (v, l) => v === l,
      co: (v, l) => v.includes(l),
      sw: (v, l) => v.startsWith(l),
      ew: (v, l) => v.endsWith(l),
    };

    before(async () => {
      for (const server of [s, pg]) {
        for (const v of ALL) {
          const r = await server.request('POST', '/Users', user(`lit:${v}`, { title: v, displayName: v }));
          assert.equal(r.status, 201, r.text);
        }
      }
    });

    for (const backend of ['SQLite', 'PostgreSQL']) {
      it(`${backend}: each value comes back exactly as sent`, async () => {
        const server = backend === 'SQLite' ? s : pg;
        for (const v of ALL) {
          const r = await server.request('GET', `/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(`lit:${v}`)}`)}`);
          assert.equal(r.body.totalResults, 1, v);
          assert.equal(r.body.Resources[0].title, v);
          assert.equal(r.body.Resources[0].displayName, v);
        }
      });

      it(`${backend}: eq, co, sw, ew match exactly the values holding the characters themselves (no LIKE wildcards)`, async () => {
        const server = backend === 'SQLite' ? s : pg;
        for (const l of LITERALS) {
          for (const [op, holds] of Object.entries(OPS)) {
            const filter = `title ${op} ${JSON.stringify(l)} and userName sw "lit:"`;
            const r = await server.request('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter, attributes: ['title'], count: 1000 });
            assert.equal(r.status, 200, `${filter}: ${r.text}`);
            const got = (r.body.Resources as { title: string }[]).map((x) => x.title).sort();
            const want = ALL.filter((v) => holds(fold(v), fold(l))).sort();
            assert.deepEqual(got, want, filter);
          }
        }
      });

      it(`${backend}: the tables are all still there`, async () => {
        const server = backend === 'SQLite' ? s : pg;
        const r = await server.request('GET', `/Users?count=0&filter=${encodeURIComponent('userName sw "lit:"')}`);
        assert.equal(r.body.totalResults, ALL.length);
        assert.equal((await server.request('POST', '/Groups', group("'; DROP TABLE group_members; --"))).status, 201);
      });
    }
  });

  describe('password is not searchable: 400, never a match', () => {
    before(async () => {
      await s.running.services.admin.setTenantSetting('default', 'passwords', 'hash');
      assert.equal((await s.request('POST', '/Users', user('has-password', { password: 'pw-Hunter2' }))).status, 201);
    });

    for (const filter of [
      'password eq "pw-Hunter2"',
      'password pr',
      'PASSWORD co "Hunter"',
      'PassWord sw "pw"',
      `${USER_SCHEMA}:password eq "pw-Hunter2"`,
      `${USER_SCHEMA.toUpperCase()}:PASSWORD pr`,
      'not (password eq "x")',
      'userName pr or password pr',
      'password eq null',
      'emails[password eq "x"]',
    ]) {
      it(`filter ${filter} → 400 invalidFilter on GET, .search and root .search`, async () => {
        for (const r of [
          await s.request('GET', `/Users?filter=${encodeURIComponent(filter)}`),
          await s.request('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter }),
          await s.request('POST', '/.search', { schemas: [SEARCH_REQUEST], filter }),
        ]) {
          assertScimError(r, 400, 'invalidFilter');
          assert.equal(r.body.Resources, undefined);
        }
      });
    }

    for (const sortBy of ['password', 'PASSWORD', `${USER_SCHEMA}:password`]) {
      it(`sortBy=${sortBy} → 400 invalidValue`, async () => {
        assertScimError(await s.request('GET', `/Users?sortBy=${encodeURIComponent(sortBy)}`), 400, 'invalidValue');
        assertScimError(await s.request('POST', '/.search', { schemas: [SEARCH_REQUEST], sortBy }), 400, 'invalidValue');
      });
    }

    it('a password of the wrong type is refused without being repeated back', async () => {
      for (const password of [123456789, true, ['pw-in-array']]) {
        const r = await s.request('POST', '/Users', user('typed-password', { password }));
        assertScimError(r, 400, 'invalidValue');
        assert.doesNotMatch(r.text, /123456789|true|pw-in-array/);
      }
    });
  });

  describe('duplicate keys', () => {
    const U = `"schemas":["${USER_SCHEMA}"]`;
    for (const [what, method, path, text] of [
      ['userName and USERNAME', 'POST', '/Users', `{${U},"userName":"dup-a","USERNAME":"dup-b"}`],
      ['the same key twice', 'POST', '/Users', `{${U},"userName":"dup-c","userName":"dup-d"}`],
      ['givenName and GivenName in name', 'POST', '/Users', `{${U},"userName":"dup-e","name":{"givenName":"a","GivenName":"b"}}`],
      ['schemas and Schemas', 'POST', '/Users', `{${U},"Schemas":["${USER_SCHEMA}"],"userName":"dup-f"}`],
      ['op and OP in a PATCH operation', 'PATCH', '/Users/:victim', `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","OP":"remove","path":"title","value":"x"}]}`],
      ['path and Path in a PATCH operation', 'PATCH', '/Users/:victim', `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"replace","path":"title","Path":"nickName","value":"x"}]}`],
      ['Operations twice in Bulk', 'POST', '/Bulk', `{"schemas":["${BULK_REQUEST}"],"Operations":[],"operations":[]}`],
      ['filter and FILTER in a search', 'POST', '/Users/.search', `{"schemas":["${SEARCH_REQUEST}"],"filter":"userName pr","FILTER":"title pr"}`],
    ] as const) {
      it(`${what} → 400 invalidSyntax, nothing changed`, async () => {
        const before = await stored(s);
        const was = await victimNow();
        assertScimError(await s.request(method, path.replace(':victim', victim), text), 400, 'invalidSyntax', /twice in one object/);
        assert.deepEqual(await stored(s), before);
        assert.deepEqual(await victimNow(), was);
      });
    }

    it('the same key in sibling objects is fine', async () => {
      const r = await s.request('POST', '/Users', user('siblings', { emails: [{ value: 'a@x.com', type: 'work' }, { value: 'b@x.com', type: 'home' }] }));
      assert.equal(r.status, 201, r.text);
    });
  });

  describe('extremely long names', () => {
    it('a JSON key of 100,000 characters → 400 invalidSyntax naming the limit', async () => {
      const before = await stored(s);
      assertScimError(await s.request('POST', '/Users', user('long-key', { ['k'.repeat(100_000)]: 'v' })), 400, 'invalidSyntax', /key of 100000 characters; the limit is 512/);
      assert.deepEqual(await stored(s), before);
    });

    it('in a filter, a PATCH path, attributes and the URL: 400 or 414, never a 5xx', async () => {
      const long = `a${'b'.repeat(5000)}`;
      assertScimError(await s.request('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: `${long} pr` }), 400, 'invalidFilter', /the limit is 4096/);
      assertScimError(await s.request('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: `${long.slice(0, 3000)} pr` }), 400, 'invalidFilter', /Unknown attribute/);
      assertScimError(await s.request('PATCH', `/Users/${victim}`, patch({ op: 'remove', path: long })), 400, 'invalidPath', /the limit is 4096/);
      assertScimError(await s.request('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], attributes: [long] }), 400, 'invalidValue', /the limit is 512/);
      assertScimError(await s.request('GET', `/Users?attributes=${'a'.repeat(10_000)}`), 414, undefined, /the limit is 8192/);
    });
  });

  describe('numbers', () => {
    const NUMBERS = 'urn:example:scim:schemas:extension:numbers:1.0:User';
    before(async () => {
      for (const server of [s, pg]) {
        await server.running.services.tenantAdmin.addSchema('default', { id: NUMBERS, attributes: [{ name: 'level', type: 'integer' }, { name: 'score', type: 'decimal' }] });
      }
    });
    const withNumbers = (userName: string, numbers: string) => `{"schemas":["${USER_SCHEMA}","${NUMBERS}"],"userName":"${userName}","${NUMBERS}":${numbers}}`;

    for (const [what, numbers] of [
      ['an integer of 1e400', '{"level":1e400}'],
      ['a decimal of 1e400', '{"score":1e400}'],
      ['a decimal of -1e400', '{"score":-1e400}'],
      ['an integer beyond 2^53', '{"level":12345678901234567890}'],
      ['an integer with a fraction', '{"level":1.5}'],
    ] as const) {
      it(`${what} → 400 invalidValue on both databases, nothing stored`, async () => {
        for (const server of [s, pg]) {
          const before = await stored(server);
          assertScimError(await server.request('POST', '/Users', withNumbers('num-bad', numbers)), 400, 'invalidValue');
          assert.deepEqual(await stored(server), before);
        }
      });
    }

    it('-0, the largest safe integer and the largest double are stored and compared alike on both databases', async () => {
      for (const server of [s, pg]) {
        const a = await server.request('POST', '/Users', withNumbers('num-zero', '{"level":-0,"score":-0}'));
        assert.equal(a.status, 201, a.text);
        assert.equal(Object.is(a.body[NUMBERS].level, 0), true);
        const b = await server.request('POST', '/Users', withNumbers('num-max', '{"level":9007199254740991,"score":1.7976931348623157e308}'));
        assert.equal(b.status, 201, b.text);
        assert.equal(b.body[NUMBERS].level, Number.MAX_SAFE_INTEGER);
        assert.equal(b.body[NUMBERS].score, Number.MAX_VALUE);
        for (const [filter, want] of [
          [`${NUMBERS}:level eq 0`, ['num-zero']],
          [`${NUMBERS}:level eq -0`, ['num-zero']],
          [`${NUMBERS}:level eq 9007199254740991`, ['num-max']],
          [`${NUMBERS}:score gt 1e308`, ['num-max']],
          [`${NUMBERS}:score lt 1`, ['num-zero']],
        ] as const) {
          const r = await server.request('GET', `/Users?filter=${encodeURIComponent(filter)}&attributes=userName`);
          assert.equal(r.status, 200, `${filter}: ${r.text}`);
          assert.deepEqual(r.body.Resources.map((x: { userName: string }) => x.userName).sort(), want, filter);
        }
      }
    });

    it('1e400 in a filter, and numbers where strings, booleans or paging belong → 400', async () => {
      assertScimError(await s.request('GET', `/Users?filter=${encodeURIComponent(`${NUMBERS}:level gt 1e400`)}`), 400, 'invalidFilter', /out of range/);
      assertScimError(await s.request('POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":"n1","title":1e400}`), 400, 'invalidValue');
      assertScimError(await s.request('POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":"n2","active":-0}`), 400, 'invalidValue');
      assertScimError(await s.request('POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":1e400}`), 400, 'invalidValue');
      assertScimError(await s.request('POST', '/Users/.search', `{"schemas":["${SEARCH_REQUEST}"],"count":1e400}`), 400, 'invalidValue');
      assertScimError(await s.request('POST', '/Users/.search', `{"schemas":["${SEARCH_REQUEST}"],"startIndex":123456789012345678901}`), 400, 'invalidValue');
      assertScimError(await s.request('GET', '/Users?count=1e400'), 400, 'invalidValue');
      const zero = await s.request('POST', '/Users/.search', `{"schemas":["${SEARCH_REQUEST}"],"count":-0}`);
      assert.equal(zero.status, 200);
      assert.equal(zero.body.itemsPerPage, 0);
      const bulk = await s.request('POST', '/Bulk', `{"schemas":["${BULK_REQUEST}"],"failOnErrors":1e400,"Operations":[]}`);
      assertScimError(bulk, 400, 'invalidValue');
    });
  });

  describe('bytes, media types and empty bodies', () => {
    const post = (body: Buffer | string | undefined, contentType: string | null): Promise<Reply> =>
      fetch(`${s.base}/Users`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, ...(contentType ? { 'content-type': contentType } : {}) }, ...(body !== undefined ? { body } : {}) }).then(async (r) => {
        const text = await r.text();
        return { status: r.status, headers: r.headers, text, body: text ? JSON.parse(text) : undefined };
      });
    const head = Buffer.from(`{"schemas":["${USER_SCHEMA}"],"userName":"`);
    const tail = Buffer.from('"}');

    for (const [what, bytes] of [
      ['a stray 0xFF byte', [0xff]],
      ['a truncated sequence', [0xe2, 0x82]],
      ['an overlong encoding of "/"', [0xc0, 0xaf]],
      ['an encoded UTF-16 surrogate', [0xed, 0xa0, 0x80]],
      ['Latin-1 "é"', [0xe9]],
    ] as const) {
      it(`a body with ${what} → 400 invalidSyntax (not silently replaced), nothing stored`, async () => {
        const before = await stored(s);
        const r = await post(Buffer.concat([head, Buffer.from([0x61, ...bytes, 0x62]), tail]), 'application/scim+json');
        assertScimError(r, 400, 'invalidSyntax', /not valid UTF-8/);
        assert.deepEqual(await stored(s), before);
      });
    }

    it('UTF-8, with or without a byte order mark, is read as sent', async () => {
      const r = await post(Buffer.concat([head, Buffer.from('ünïcødé-😀'), tail]), 'application/scim+json; charset=UTF-8');
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.userName, 'ünïcødé-😀');
      const bom = await post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), head, Buffer.from('with-bom'), tail]), 'application/json');
      assert.equal(bom.status, 201, bom.text);
    });

    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/scim+json; charset=iso-8859-1', 'application/json; charset=utf-16']) {
      it(`Content-Type ${contentType} → 415, nothing stored`, async () => {
        const before = await stored(s);
        const r = await post(Buffer.concat([head, Buffer.from('media'), tail]), contentType);
        assertScimError(r, 415, undefined);
        assert.deepEqual(await stored(s), before);
      });
    }

    for (const [method, path] of [['POST', '/Users'], ['POST', '/Groups'], ['PUT', '/Users/:victim'], ['PATCH', '/Users/:victim'], ['POST', '/Bulk'], ['POST', '/Users/.search'], ['POST', '/.search']] as const) {
      it(`an empty body on ${method} ${path}, with and without a Content-Type → 400 invalidSyntax`, async () => {
        const url = `${s.base}${path.replace(':victim', victim)}`;
        for (const contentType of ['application/scim+json', null]) {
          const r = await send(url, method, undefined, { authorization: `Bearer ${s.token}`, ...(contentType ? { 'content-type': contentType, 'content-length': '0' } : {}) });
          assertScimError(r, 400, 'invalidSyntax');
        }
      });
    }
  });
});
