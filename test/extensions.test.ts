/**
 * Per-tenant profile extensions (RFC 7643 §7 schema documents), end to end: loaded with the real
 * `scimd schema add`, served by /Schemas and /ResourceTypes of that tenant only, validated like
 * the core (types, required attributes and sub-attributes, canonical values as suggestions,
 * unknown attributes ignored, readOnly ignored, writeOnly discarded, uniqueness), round-tripped
 * through POST, GET, PUT and PATCH with URN-qualified paths, and filtered and sorted on — on
 * SQLite and on PostgreSQL, where the filters compile to each database's SQL. Removing a schema
 * hides its stored values (adding it again brings them back); --purge deletes them.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AdminError } from '../src/provisioning/tenants/directory-admin.ts';
import { scimdCli, scimdJson } from './helpers/cli.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { ERROR_SCHEMA, group, GROUP_SCHEMA, patch, startTestServer, tempDir, user, USER_SCHEMA, type Reply, type ScimTenant, type TestServer } from './helpers/server.ts';

const HR = 'urn:example:params:scim:schemas:extension:hr:2.0:User';
const SCHEMA_DOC = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
  id: HR,
  name: 'HrUser',
  description: 'What HR knows about an employee',
  attributes: [
    { name: 'badge', type: 'string', required: true, uniqueness: 'server', description: 'Badge number' },
    { name: 'level', type: 'integer' },
    { name: 'remote', type: 'boolean' },
    { name: 'startDate', type: 'dateTime' },
    { name: 'costCenter', type: 'string', caseExact: true },
    { name: 'shirtSize', type: 'string', canonicalValues: ['S', 'M', 'L'] },
    {
      name: 'skills',
      type: 'complex',
      multiValued: true,
      subAttributes: [
        { name: 'name', type: 'string', required: true },
        { name: 'years', type: 'integer' },
      ],
    },
    {
      name: 'office',
      type: 'complex',
      subAttributes: [
        { name: 'building', type: 'string' },
        { name: 'floor', type: 'integer' },
      ],
    },
    { name: 'pin', type: 'string', mutability: 'writeOnly' },
    { name: 'hrId', type: 'string', mutability: 'readOnly' },
    { name: 'salaryBand', type: 'string', returned: 'request' },
  ],
};

const dirs: string[] = [];
function file(name: string, content: unknown): string {
  const dir = tempDir('scimd-ext-');
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

type Tenant = ScimTenant;

function assertError(r: Reply, status: number, scimType: string | undefined, detail: RegExp, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  assert.deepEqual(r.body.schemas, [ERROR_SCHEMA], what);
  assert.equal(r.body.scimType, scimType, what);
  assert.match(r.body.detail, detail, what);
}

const hrUser = (userName: string, hr: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ schemas: [USER_SCHEMA, HR], userName, [HR]: hr, ...extra });
const q = (filter: string, more = '') => `/Users?filter=${encodeURIComponent(filter)}${more}`;

function suite(backend: 'sqlite' | 'postgres', open: () => Promise<{ s: TestServer; close(): Promise<void> }>): void {
  describe(`a custom extension schema on ${backend}`, () => {
    let s: TestServer;
    let close: () => Promise<void>;
    let acme: Tenant;
    let globex: Tenant;
    let seq = 0;
    const tenant = (): Promise<Tenant> => s.scimTenant(`ext-${backend.slice(0, 2)}-${++seq}`);

    before(async () => {
      ({ s, close } = await open());
      [acme, globex] = [await tenant(), await tenant()];
      if (backend === 'sqlite') {
        // The real CLI, against the data directory of the running server.
        const r = await scimdCli(['schema', 'add', acme.name, file('hr.json', SCHEMA_DOC)], s.dataDir);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`Tenant '${acme.name}' now has extension ${HR} on Users`));
        const list = await scimdJson(['schema', 'list', acme.name], s.dataDir);
        assert.deepEqual(
          list.map((x: { urn: string; resourceType: string; kind: string }) => [x.urn, x.resourceType, x.kind]),
          [[HR, 'User', 'custom']],
        );
      } else {
        await s.running.services.tenantAdmin.addSchema(acme.name, SCHEMA_DOC);
      }
    });
    after(() => close?.());

    it('is served by /Schemas, /Schemas/{urn} and /ResourceTypes of its tenant, with the RFC 7643 §2.2 defaults filled in', async () => {
      const all = await acme.request('GET', '/Schemas');
      assert.ok(all.body.Resources.some((x: { id: string }) => x.id === HR), 'listed');
      const one = await acme.request('GET', `/Schemas/${HR.toUpperCase()}`);
      assert.equal(one.status, 200, 'the URN is case-insensitive');
      assert.equal(one.body.id, HR);
      assert.equal(one.body.name, 'HrUser');
      assert.equal(one.body.meta.location, `${s.base}/Schemas/${HR}`);
      const badge = one.body.attributes.find((a: { name: string }) => a.name === 'badge');
      assert.deepEqual(badge, {
        name: 'badge',
        type: 'string',
        multiValued: false,
        description: 'Badge number',
        required: true,
        caseExact: false,
        mutability: 'readWrite',
        returned: 'default',
        uniqueness: 'server',
      });
      const pin = one.body.attributes.find((a: { name: string }) => a.name === 'pin');
      assert.equal(pin.returned, 'never', 'a writeOnly attribute is never returned (RFC 7643 §2.2)');
      const skills = one.body.attributes.find((a: { name: string }) => a.name === 'skills');
      assert.deepEqual(
        skills.subAttributes.map((x: { name: string; required: boolean }) => [x.name, x.required]),
        [
          ['name', true],
          ['years', false],
        ],
      );
      const rt = await acme.request('GET', '/ResourceTypes/User');
      assert.deepEqual(rt.body.schemaExtensions.at(-1), { schema: HR, required: false });
      const rts = await acme.request('GET', '/ResourceTypes');
      const userRt = rts.body.Resources.find((r: { id: string }) => r.id === 'User');
      assert.ok(userRt.schemaExtensions.some((e: { schema: string }) => e.schema === HR));
      assert.ok(!rts.body.Resources.find((r: { id: string }) => r.id === 'Group').schemaExtensions.some((e: { schema: string }) => e.schema === HR), 'not on Groups');
    });

    it('another tenant does not see it anywhere, and cannot use it', async () => {
      const all = await globex.request('GET', '/Schemas');
      assert.ok(!all.body.Resources.some((x: { id: string }) => x.id === HR));
      assert.equal((await globex.request('GET', `/Schemas/${HR}`)).status, 404);
      const rt = await globex.request('GET', '/ResourceTypes/User');
      assert.ok(!rt.body.schemaExtensions.some((e: { schema: string }) => e.schema === HR));
      assertError(await globex.request('POST', '/Users', hrUser('x', { badge: '1' })), 400, 'invalidValue', /"schemas" lists ".*hr:2\.0:User", which is not a schema of User resources/, 'POST');
      assertError(await globex.request('GET', q(`${HR}:badge eq "1"`)), 400, 'invalidFilter', /Unknown attribute/, 'filter');
      // Without "schemas" naming it, the URN key is just an unknown attribute: ignored as the core does.
      const ignored = await globex.request('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'plain', [HR]: { badge: '1' } });
      assert.equal(ignored.status, 201, ignored.text);
      assert.equal(ignored.body[HR], undefined);
    });

    it('round-trips through POST, GET and PUT: normalised like the core, readOnly ignored, writeOnly discarded, returned: request honoured', async () => {
      const body = hrUser('ada', {
        BADGE: 'B-100', // attribute names are case-insensitive on input
        level: 3,
        remote: true,
        startDate: '2024-01-01T10:00:00+02:00',
        costCenter: 'CC-Ops',
        shirtSize: 'XL', // not a canonical value: a suggestion, as for the core (RFC 7643 §2.4)
        skills: [{ name: 'Go', years: 2 }, { name: 'TS' }],
        office: { building: 'HQ', floor: 4 },
        pin: '1234',
        hrId: 'set-by-hr',
        salaryBand: 'E3',
        unknownThing: 'ignored',
      });
      const created = await acme.request('POST', '/Users', body);
      assert.equal(created.status, 201, created.text);
      const expected = {
        badge: 'B-100',
        level: 3,
        remote: true,
        startDate: '2024-01-01T08:00:00.000Z',
        costCenter: 'CC-Ops',
        shirtSize: 'XL',
        skills: [{ name: 'Go', years: 2 }, { name: 'TS' }],
        office: { building: 'HQ', floor: 4 },
      };
      assert.deepEqual(created.body[HR], expected);
      assert.deepEqual(created.body.schemas, [USER_SCHEMA, HR]);
      const id = created.body.id;
      const got = await acme.request('GET', `/Users/${id}`);
      assert.deepEqual(got.body[HR], expected, 'GET: the same, without pin, hrId, salaryBand or the unknown attribute');
      const band = await acme.request('GET', `/Users/${id}?attributes=${HR}:salaryBand`);
      assert.deepEqual(band.body[HR], { salaryBand: 'E3' }, 'returned: request comes when asked for');
      const pin = await acme.request('GET', q(`${HR}:pin pr`));
      assert.equal(pin.status === 400 || pin.body.totalResults === 0, true, 'the write-only pin was not stored');

      const put = await acme.request('PUT', `/Users/${id}`, hrUser('ada', { badge: 'B-100', level: 4, skills: [{ name: 'Rust' }] }));
      assert.equal(put.status, 200, put.text);
      assert.deepEqual(put.body[HR], { badge: 'B-100', level: 4, skills: [{ name: 'Rust' }] }, 'PUT replaces the extension values');
      const dropped = await acme.request('PUT', `/Users/${id}`, user('ada'));
      assert.equal(dropped.body[HR], undefined, 'a PUT without the extension removes its values');
      assert.deepEqual(dropped.body.schemas, [USER_SCHEMA]);
    });

    it('PATCH with URN-qualified paths: replace, add, sub-attributes, value filters, and a path-less value', async () => {
      const created = await acme.request('POST', '/Users', hrUser('grace', { badge: 'B-200', level: 1, skills: [{ name: 'COBOL', years: 30 }, { name: 'Go' }], office: { building: 'Navy', floor: 1 } }));
      const id = created.body.id;
      const r = await acme.request(
        'PATCH',
        `/Users/${id}`,
        patch(
          { op: 'replace', path: `${HR}:level`, value: 7 },
          { op: 'add', path: `${HR}:skills`, value: [{ name: 'Fortran', years: 5 }] },
          { op: 'replace', path: `${HR}:office.floor`, value: 3 },
          { op: 'remove', path: `${HR}:skills[name eq "go"]` },
          { op: 'replace', path: `${HR}:skills[name eq "COBOL"].years`, value: 31 },
          { op: 'add', path: `${HR}:remote`, value: false },
        ),
      );
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body[HR], {
        badge: 'B-200',
        level: 7,
        remote: false,
        skills: [
          { name: 'COBOL', years: 31 },
          { name: 'Fortran', years: 5 },
        ],
        office: { building: 'Navy', floor: 3 },
      });
      const noPath = await acme.request('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { [HR]: { costCenter: 'CC-1' }, displayName: 'Grace' } }));
      assert.equal(noPath.status, 200, noPath.text);
      assert.equal(noPath.body[HR].costCenter, 'CC-1');
      assert.equal(noPath.body[HR].level, 7, 'a path-less replace of the extension merges, as for complex attributes');
      const removed = await acme.request('PATCH', `/Users/${id}`, patch({ op: 'remove', path: `${HR}:office` }));
      assert.equal(removed.body[HR].office, undefined);
    });

    it('validates values like core attributes: 400 invalidValue, and nothing stored', async () => {
      const before = (await acme.request('GET', '/Users?count=0')).body.totalResults;
      const bad: [Record<string, unknown>, RegExp][] = [
        [{ badge: 'x', level: 'three' }, /'.*hr:2\.0:User:level' must be an integer, not string "three"/],
        [{ badge: 'x', level: 1.5 }, /level' must be an integer/],
        [{ badge: 'x', remote: 'yes' }, /remote' must be a boolean/],
        [{ badge: 'x', startDate: 'tomorrow' }, /startDate' must be an xsd:dateTime/],
        [{ badge: 'x', office: { floor: '4' } }, /office\.floor' must be an integer/],
        [{ badge: 'x', office: 'HQ' }, /office' must be an object/],
        // (An object where the array belongs would be wrapped by the tolerant default's objectForArray.)
        [{ badge: 'x', skills: 'Go' }, /skills' is multi-valued and must be an array/],
        [{ badge: 'x', skills: [{ years: 3 }] }, /skills\.name' is required/],
        [{ level: 2 }, /hr:2\.0:User:badge' is required/],
        [{ badge: 42 }, /badge' must be a string/],
        [{ badge: 'x\u0000y' }, /NUL/],
      ];
      let n = 0;
      for (const [hr, why] of bad) assertError(await acme.request('POST', '/Users', hrUser(`bad${++n}`, hr)), 400, 'invalidValue', why, JSON.stringify(hr));
      assertError(await acme.request('POST', '/Users', { schemas: [USER_SCHEMA, HR], userName: 'bad-obj', [HR]: 'B-1' }), 400, 'invalidValue', /must be an object holding the extension's attributes/, 'not an object');
      assert.equal((await acme.request('GET', '/Users?count=0')).body.totalResults, before, 'nothing was stored');

      const u = await acme.request('POST', '/Users', hrUser('val', { badge: 'B-300', level: 1 }));
      assert.equal(u.status, 201, u.text);
      assertError(await acme.request('PATCH', `/Users/${u.body.id}`, patch({ op: 'replace', path: `${HR}:level`, value: 'x' })), 400, 'invalidValue', /must be an integer/, 'PATCH type error');
      assertError(await acme.request('PATCH', `/Users/${u.body.id}`, patch({ op: 'add', path: `${HR}:skills`, value: [{ years: 1 }] })), 400, 'invalidValue', /skills\.name' is required/, 'PATCH required sub-attribute');
      assertError(await acme.request('PATCH', `/Users/${u.body.id}`, patch({ op: 'remove', path: `${HR}:badge` })), 400, 'mutability', /badge' is required and cannot be removed/, 'PATCH remove required');
      assertError(await acme.request('PATCH', `/Users/${u.body.id}`, patch({ op: 'replace', path: `${HR}:nope`, value: 1 })), 400, 'invalidPath', /nope/, 'PATCH unknown attribute');
      const after = await acme.request('GET', `/Users/${u.body.id}`);
      assert.equal(after.body.meta.version, u.body.meta.version, 'the user did not change');
    });

    it('uniqueness: server is enforced in the tenant (409 uniqueness, without regard to case unless caseExact)', async () => {
      const first = await acme.request('POST', '/Users', hrUser('uniq1', { badge: 'U-1' }));
      assert.equal(first.status, 201, first.text);
      assertError(await acme.request('POST', '/Users', hrUser('uniq2', { badge: 'u-1' })), 409, 'uniqueness', /hr:2\.0:User:badge' 'u-1' is already another User's in this tenant \(uniqueness = server\)/, 'a second badge U-1');
      const second = await acme.request('POST', '/Users', hrUser('uniq2', { badge: 'U-2' }));
      assertError(await acme.request('PATCH', `/Users/${second.body.id}`, patch({ op: 'replace', path: `${HR}:badge`, value: 'U-1' })), 409, 'uniqueness', /already another User's/, 'PATCH onto a taken badge');
      const own = await acme.request('PUT', `/Users/${first.body.id}`, hrUser('uniq1', { badge: 'u-1', level: 2 }));
      assert.equal(own.status, 200, 'a user keeps (and may re-case) its own value');
    });

    it('uniqueness: a value longer than a client filter may be is checked too (the check builds no filter text)', async () => {
      const badge = `L-"\\-${'b'.repeat(4995)}`;
      assert.equal(badge.length, 5000);
      const first = await acme.request('POST', '/Users', hrUser('uniq-long1', { badge }));
      assert.equal(first.status, 201, first.text);
      assertError(await acme.request('POST', '/Users', hrUser('uniq-long2', { badge: badge.toUpperCase() })), 409, 'uniqueness', /is already another User's in this tenant/, 'the same long badge');
    });

    it('filters on every operator and type, sub-attributes and value filters included, and sorts', async () => {
      const t = await tenant();
      await s.running.services.tenantAdmin.addSchema(t.name, SCHEMA_DOC);
      const people: [string, Record<string, unknown>][] = [
        ['f-ann', { badge: 'F-Ann', level: 2, remote: true, startDate: '2020-03-01T00:00:00Z', costCenter: 'CC-Ops', skills: [{ name: 'Go', years: 4 }], office: { building: 'HQ', floor: 4 } }],
        ['f-bob', { badge: 'F-Bob', level: 5, remote: false, startDate: '2023-06-15T12:00:00Z', costCenter: 'cc-ops', skills: [{ name: 'go', years: 1 }, { name: 'SQL', years: 9 }] }],
        ['f-cyd', { badge: 'F-Cyd', level: 9 }],
      ];
      const ids = new Map<string, string>();
      for (const [name, hr] of people) ids.set(name, (await t.request('POST', '/Users', hrUser(name, hr))).body.id);
      await t.request('POST', '/Users', user('f-plain'));
      const names = async (filter: string, more = '') => {
        const r = await t.request('GET', q(filter, more));
        assert.equal(r.status, 200, `${filter}: ${r.text}`);
        return r.body.Resources.map((x: { userName: string }) => x.userName).sort();
      };
      const cases: [string, string[]][] = [
        [`${HR}:badge eq "f-ann"`, ['f-ann']],
        [`${HR}:badge co "-b"`, ['f-bob']],
        [`${HR}:badge sw "F-"`, ['f-ann', 'f-bob', 'f-cyd']],
        [`${HR}:badge ew "YD"`, ['f-cyd']],
        [`${HR}:costCenter eq "CC-Ops"`, ['f-ann']], // caseExact
        [`${HR}:costCenter co "ops"`, ['f-bob']],
        [`${HR}:level gt 2`, ['f-bob', 'f-cyd']],
        [`${HR}:level le 5 and ${HR}:remote eq false`, ['f-bob']],
        [`${HR}:remote pr`, ['f-ann', 'f-bob']],
        [`not (${HR}:remote pr)`, ['f-cyd', 'f-plain']],
        [`${HR}:startDate gt "2021-01-01T00:00:00+01:00"`, ['f-bob']],
        [`${HR}:skills.name eq "GO"`, ['f-ann', 'f-bob']],
        [`${HR}:skills[name eq "go" and years ge 2]`, ['f-ann']],
        [`${HR}:skills[name eq "sql" and years gt 5]`, ['f-bob']],
        [`${HR}:office.floor eq 4`, ['f-ann']],
        [`${HR}:office.building pr`, ['f-ann']],
        [`schemas eq "${HR}"`, ['f-ann', 'f-bob', 'f-cyd']],
        [`${HR}:badge eq "f-ann" or userName eq "f-plain"`, ['f-ann', 'f-plain']],
      ];
      for (const [filter, want] of cases) assert.deepEqual(await names(filter), want, filter);
      const search = await t.request('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: `${HR}:level ge 5`, sortBy: `${HR}:level`, sortOrder: 'descending' });
      assert.deepEqual(
        search.body.Resources.map((x: { userName: string }) => x.userName),
        ['f-cyd', 'f-bob'],
      );
      const sorted = await t.request('GET', `/Users?sortBy=${encodeURIComponent(`${HR}:level`)}`);
      assert.deepEqual(
        sorted.body.Resources.map((x: { userName: string }) => x.userName),
        ['f-ann', 'f-bob', 'f-cyd', 'f-plain'],
        'absent values sort last ascending',
      );
      assertError(await t.request('GET', q(`${HR}:level eq "five"`)), 400, 'invalidFilter', /level/, 'a string for an integer');
    });

    it('removing the schema hides its values; adding it again brings them back, filterable; --purge deletes them', async () => {
      const t = await tenant();
      const admin = s.running.services.tenantAdmin;
      await admin.addSchema(t.name, SCHEMA_DOC);
      const u = await t.request('POST', '/Users', hrUser('keep', { badge: 'K-1', level: 8 }));
      const id = u.body.id;
      await admin.removeSchema(t.name, HR);
      const hidden = await t.request('GET', `/Users/${id}`);
      assert.equal(hidden.body[HR], undefined, 'not served');
      assert.deepEqual(hidden.body.schemas, [USER_SCHEMA]);
      assert.equal((await t.request('GET', `/Schemas/${HR}`)).status, 404);
      assertError(await t.request('GET', q(`${HR}:level eq 8`)), 400, 'invalidFilter', /Unknown attribute/, 'not filterable');
      assertError(await t.request('POST', '/Users', hrUser('new', { badge: 'K-2' })), 400, 'invalidValue', /not a schema of User resources/, 'not writable');
      const renamed = await t.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'displayName', value: 'Kept' }));
      assert.equal(renamed.status, 200, 'the user can still be changed');

      await admin.addSchema(t.name, SCHEMA_DOC);
      const back = await t.request('GET', `/Users/${id}`);
      assert.deepEqual(back.body[HR], { badge: 'K-1', level: 8 }, 'the stored values are back');
      assert.equal(back.body.displayName, 'Kept');
      const found = await t.request('GET', q(`${HR}:badge eq "k-1"`));
      assert.equal(found.body.totalResults, 1, 'and filterable again (search forms are rewritten)');

      const purged = await admin.removeSchema(t.name, HR, { purge: true });
      assert.equal(purged.purged, 1);
      await admin.addSchema(t.name, SCHEMA_DOC);
      assert.equal((await t.request('GET', `/Users/${id}`)).body[HR], undefined, 'purged values stay gone');
      assert.equal((await t.request('GET', q(`${HR}:badge pr`))).body.totalResults, 0);
    });

    it('replacing a schema re-reads stored values with the new case rules', async () => {
      const t = await tenant();
      const admin = s.running.services.tenantAdmin;
      await admin.addSchema(t.name, SCHEMA_DOC);
      await t.request('POST', '/Users', hrUser('cc', { badge: 'C-1', costCenter: 'CC-Mixed' }));
      assert.equal((await t.request('GET', q(`${HR}:costCenter eq "cc-mixed"`))).body.totalResults, 0, 'caseExact: no match');
      const relaxed = { ...SCHEMA_DOC, attributes: SCHEMA_DOC.attributes.map((a) => (a.name === 'costCenter' ? { ...a, caseExact: false } : a)) };
      await admin.addSchema(t.name, relaxed);
      assert.equal((await t.request('GET', q(`${HR}:costCenter eq "cc-mixed"`))).body.totalResults, 1, 'now without regard to case');
    });

    it('an extension of Groups works the same way', async () => {
      const t = await tenant();
      const G = 'urn:example:params:scim:schemas:extension:team:1.0:Group';
      await s.running.services.tenantAdmin.addSchema(t.name, { id: G, attributes: [{ name: 'channel', type: 'string' }, { name: 'size', type: 'integer' }] }, 'Group');
      const rt = await t.request('GET', '/ResourceTypes/Group');
      assert.deepEqual(rt.body.schemaExtensions, [{ schema: G, required: false }]);
      const g = await t.request('POST', '/Groups', { ...group('Ops'), schemas: [GROUP_SCHEMA, G], [G]: { channel: '#ops', size: 3 } });
      assert.equal(g.status, 201, g.text);
      assert.deepEqual(g.body[G], { channel: '#ops', size: 3 });
      const p = await t.request('PATCH', `/Groups/${g.body.id}?attributes=${G}:size`, patch({ op: 'replace', path: `${G}:size`, value: 4 }));
      assert.deepEqual(p.body[G], { size: 4 });
      const f = await t.request('GET', `/Groups?filter=${encodeURIComponent(`${G}:channel eq "#OPS"`)}`);
      assert.equal(f.body.totalResults, 1);
      assertError(await t.request('POST', '/Users', { schemas: [USER_SCHEMA, G], userName: 'x', [G]: { size: 1 } }), 400, 'invalidValue', /not a schema of User resources/, 'not on Users');
    });

    it('a role rule that uses the schema keeps it from being removed', async () => {
      const t = await tenant();
      const admin = s.running.services.tenantAdmin;
      await admin.addSchema(t.name, SCHEMA_DOC);
      await admin.addRole(t.name, 'senior', `${HR}:level ge 5`);
      await assert.rejects(admin.removeSchema(t.name, HR), /Role 'senior': Unknown attribute/);
      assert.equal((await t.request('GET', `/Schemas/${HR}`)).status, 200, 'still there');
      await admin.removeRole(t.name, 'senior');
      await admin.removeSchema(t.name, HR);
    });
  });
}

suite('sqlite', async () => {
  const s = await startTestServer();
  return { s, close: () => s.close() };
});

let db: TestDatabase | undefined;
suite('postgres', async () => {
  db = await freshDatabase('ext');
  const s = await startTestServer({ databaseUrl: db.url });
  return {
    s,
    async close() {
      await s.close();
      await db!.drop();
    },
  };
});

describe('scimd schema add refuses bad schema files with a clear message', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.tenant('acme');
  });
  after(() => s?.close());

  it('exit 1 and one line naming the problem; exit 2 for wrong usage; nothing is added', async () => {
    // Every malformed document is in src/scim/schema/document.test.ts; here a few go through the real CLI.
    const cases: [string, unknown, RegExp][] = [
      ['not JSON', '{ "id": ', /^scimd: \/.*bad\.json is not JSON: /],
      ['the core URN in capitals', { id: USER_SCHEMA.toUpperCase(), attributes: [{ name: 'a' }] }, /is a schema scimd already has/],
      ["Wire's URN in capitals", { id: 'URN:WIRE:SCIM:SCHEMAS:PROFILE:1.0', attributes: [{ name: 'a' }] }, /urn:wire:scim:schemas:profile:1\.0 is built in/],
      ["Wire's built-in URN", { id: 'urn:wire:scim:schemas:profile:1.0', attributes: [{ name: 'a' }] }, /is built in: use 'scimd schema enable acme urn:wire:scim:schemas:profile:1\.0'/],
      ['complex in complex', { id: 'urn:example:x:1.0:User', attributes: [{ name: 'a', type: 'complex', subAttributes: [{ name: 'b', type: 'complex', subAttributes: [{ name: 'c' }] }] }] }, /'b': a sub-attribute cannot be complex \(RFC 7643 §2\.3\.8\)/],
    ];
    const hr = file('hr.json', SCHEMA_DOC);
    const [missing, usage, ...results] = await Promise.all([
      scimdCli(['schema', 'add', 'acme', '/nonexistent/hr.json'], s.dataDir),
      scimdCli(['schema', 'add', 'acme', hr, '--resource-type', 'Device'], s.dataDir),
      ...cases.slice(0, 2).map(([, doc]) => scimdCli(['schema', 'add', 'acme', file('bad.json', doc)], s.dataDir)),
    ]);
    for (const [i, [what, , why]] of cases.slice(0, 2).entries()) {
      const r = results[i]!;
      assert.equal(r.code, 1, `${what}: exit ${r.code}, ${r.stderr}`);
      assert.match(r.stderr, why, what);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line, no stack trace:\n${r.stderr}`);
    }
    assert.equal(missing!.code, 1);
    assert.match(missing!.stderr, /Cannot read \/nonexistent\/hr\.json: no such file/);
    assert.equal(usage!.code, 2, 'a bad option value is a usage error');
    assert.match(usage!.stderr, /--resource-type takes User or Group/);
    // The same admin operation in-process, for the other messages (AdminError 'invalid' is exit 1).
    const admin = s.running.services.tenantAdmin;
    for (const [what, doc, why] of cases.slice(2)) {
      await assert.rejects(admin.addSchemaFile('acme', file('bad.json', doc)), (e: unknown) => e instanceof AdminError && e.code === 'invalid' && why.test(e.message), what);
    }
    await assert.rejects(admin.addSchemaFile('nope', hr), (e: unknown) => e instanceof AdminError && e.code === 'not_found' && /No tenant named 'nope'/.test(e.message));
    assert.deepEqual(await s.running.services.tenantAdmin.listSchemas('acme'), [], 'nothing was added');
  });

  it('one schema per URN whatever its case; a schema does not move from Users to Groups unseen; remove says what it kept', async () => {
    const admin = s.running.services.tenantAdmin;
    await admin.addSchema('acme', SCHEMA_DOC);
    await assert.rejects(admin.addSchema('acme', { ...SCHEMA_DOC, id: HR.toUpperCase() }), /already has urn:example:params:scim:schemas:extension:hr:2\.0:User \(schema URNs are case-insensitive\)/);
    await assert.rejects(admin.addSchema('acme', SCHEMA_DOC, 'Group'), /extends Users in tenant 'acme'; remove it first/);
    const removed = await scimdCli(['schema', 'remove', 'acme', HR.toUpperCase()], s.dataDir);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Stored values are kept hidden \(--purge deletes them\)/);
    await assert.rejects(admin.removeSchema('acme', HR), /Tenant 'acme' has no extension schema/);
  });
});
