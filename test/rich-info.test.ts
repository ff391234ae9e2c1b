/**
 * Wire's rich-info profile (urn:wire:scim:schemas:profile:1.0), built in and turned on
 * per tenant with the real `scimd schema enable`: an ordered list of {type, value} fields whose
 * names and values together may not exceed 5000 characters (code points). Order is kept through
 * POST, PUT and PATCH; the limit is a 400 invalidValue naming it; the fields are filterable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scimdCli, scimdJson } from './helpers/cli.ts';
import { ERROR_SCHEMA, patch, startTestServer, user, USER_SCHEMA, type Reply, type TestServer } from './helpers/server.ts';

const WIRE = 'urn:wire:scim:schemas:profile:1.0';

let s: TestServer;
let wire: (method: string, path: string, body?: unknown) => Promise<Reply>;
let plain: (method: string, path: string, body?: unknown) => Promise<Reply>;
before(async () => {
  s = await startTestServer();
  const [w, p] = [await s.tenant('wire'), await s.tenant('plain')];
  wire = (method, path, body) => s.request(method, path, body, { authorization: `Bearer ${w}` });
  plain = (method, path, body) => s.request(method, path, body, { authorization: `Bearer ${p}` });
  const r = await scimdCli(['schema', 'enable', 'wire', WIRE], s.dataDir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Tenant 'wire' now has extension urn:wire:scim:schemas:profile:1\.0/);
});
after(() => s?.close());

type Field = { type: string; value: string };
const profile = (userName: string, richInfo: Field[]) => ({ schemas: [USER_SCHEMA, WIRE], userName, [WIRE]: { richInfo } });

function assertInvalid(r: Reply, detail: RegExp, what: string): void {
  assert.equal(r.status, 400, `${what}: ${r.text}`);
  assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
  assert.equal(r.body.scimType, 'invalidValue', what);
  assert.match(r.body.detail, detail, what);
}

describe("Wire's rich-info profile", () => {
  it('is listed by /Schemas and /ResourceTypes of the tenant that enabled it, and of no other', async () => {
    const schema = await wire('GET', `/Schemas/${WIRE}`);
    assert.equal(schema.status, 200);
    const richInfo = schema.body.attributes[0];
    assert.equal(richInfo.name, 'richInfo');
    assert.equal(richInfo.type, 'complex');
    assert.equal(richInfo.multiValued, true);
    assert.match(richInfo.description, /5000 characters/);
    assert.deepEqual(
      richInfo.subAttributes.map((a: { name: string; type: string; required: boolean }) => [a.name, a.type, a.required]),
      [
        ['type', 'string', true],
        ['value', 'string', true],
      ],
    );
    assert.ok((await wire('GET', '/ResourceTypes/User')).body.schemaExtensions.some((e: { schema: string }) => e.schema === WIRE));
    assert.equal((await plain('GET', `/Schemas/${WIRE}`)).status, 404);
    assert.equal((await plain('POST', '/Users', profile('x', [{ type: 'a', value: 'b' }]))).status, 400);
    const list = await scimdJson(['schema', 'list', 'wire'], s.dataDir);
    assert.deepEqual(list.map((x: { urn: string; kind: string }) => [x.urn, x.kind]), [[WIRE, 'built-in']]);
  });

  it('keeps the order of the fields through POST, GET, PUT and PATCH', async () => {
    const fields = [
      { type: 'Department', value: 'Sales & Marketing' },
      { type: 'Favorite color', value: 'Blue' },
      { type: 'Building', value: '7' },
      { type: 'Alpha', value: 'first alphabetically, last here' },
    ];
    const created = await wire('POST', '/Users', profile('jane', fields));
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body[WIRE].richInfo, fields);
    const id = created.body.id;
    assert.deepEqual((await wire('GET', `/Users/${id}`)).body[WIRE].richInfo, fields);
    const reversed = [...fields].reverse();
    assert.deepEqual((await wire('PUT', `/Users/${id}`, profile('jane', reversed))).body[WIRE].richInfo, reversed, 'PUT: the new order');
    const added = await wire('PATCH', `/Users/${id}`, patch({ op: 'add', path: `${WIRE}:richInfo`, value: [{ type: 'Desk', value: '3.14' }] }));
    assert.deepEqual(added.body[WIRE].richInfo, [...reversed, { type: 'Desk', value: '3.14' }], 'PATCH add appends');
    const changed = await wire('PATCH', `/Users/${id}`, patch({ op: 'replace', path: `${WIRE}:richInfo[type eq "Building"].value`, value: '8' }));
    assert.deepEqual(
      changed.body[WIRE].richInfo.map((f: Field) => f.type),
      ['Alpha', 'Building', 'Favorite color', 'Department', 'Desk'],
      'a changed field keeps its place',
    );
    assert.equal(changed.body[WIRE].richInfo[1].value, '8');
    const removed = await wire('PATCH', `/Users/${id}`, patch({ op: 'remove', path: `${WIRE}:richInfo[type eq "favorite color"]` }));
    assert.deepEqual(
      removed.body[WIRE].richInfo.map((f: Field) => f.type),
      ['Alpha', 'Building', 'Department', 'Desk'],
    );
  });

  it('enforces the 5000-character total in code points, on POST, PUT and PATCH (400 invalidValue naming the limit)', async () => {
    const exact = await wire('POST', '/Users', profile('at-limit', [{ type: 'x', value: 'y'.repeat(4999) }]));
    assert.equal(exact.status, 201, 'exactly 5000 characters is allowed');
    // 5000 code points in 9998 UTF-16 units: the limit counts characters, not units.
    const emoji = [
      { type: 'a', value: '😀'.repeat(2499) },
      { type: 'b', value: '😀'.repeat(2499) },
    ];
    assert.equal((await wire('POST', '/Users', profile('emoji', emoji))).status, 201);
    const over = await wire('POST', '/Users', profile('over', [{ type: 'xy', value: 'y'.repeat(4999) }]));
    assertInvalid(over, /'urn:wire:scim:schemas:profile:1\.0': richInfo holds 5001 characters; Wire's limit is 5000/, 'POST over the limit');
    assertInvalid(await wire('POST', '/Users', profile('over2', [...emoji, { type: 'c', value: '' + '😀' }])), /holds 5002 characters/, 'emoji over the limit');
    assert.equal((await wire('GET', `/Users?filter=${encodeURIComponent('userName sw "over"')}`)).body.totalResults, 0, 'nothing was stored');

    const id = exact.body.id;
    assertInvalid(await wire('PATCH', `/Users/${id}`, patch({ op: 'add', path: `${WIRE}:richInfo`, value: [{ type: 'one', value: 'more' }] })), /holds 5007 characters/, 'PATCH over the limit');
    assertInvalid(await wire('PUT', `/Users/${id}`, profile('at-limit', [{ type: 'x', value: 'y'.repeat(5000) }])), /holds 5001 characters/, 'PUT over the limit');
    const now = await wire('GET', `/Users/${id}`);
    assert.equal(now.body.meta.version, exact.body.meta.version, 'unchanged');
  });

  it('each field needs a type and a value (required sub-attributes)', async () => {
    assertInvalid(await wire('POST', '/Users', profile('novalue', [{ type: 'Department' } as Field])), /richInfo\.value' is required/, 'no value');
    assertInvalid(await wire('POST', '/Users', profile('notype', [{ value: 'Sales' } as Field])), /richInfo\.type' is required/, 'no type');
    assertInvalid(await wire('POST', '/Users', { schemas: [USER_SCHEMA, WIRE], userName: 'obj', [WIRE]: { richInfo: { version: 0, fields: [] } } }), /richInfo' is multi-valued and must be an array/, "Wire's GET format is not the SCIM one");
    const u = await wire('POST', '/Users', profile('fields', [{ type: 'a', value: 'b' }]));
    assertInvalid(await wire('PATCH', `/Users/${u.body.id}`, patch({ op: 'add', path: `${WIRE}:richInfo`, value: [{ type: 'c' }] })), /richInfo\.value' is required/, 'PATCH add without value');
  });

  it('is filterable: by field name and value together, and by either', async () => {
    await wire('POST', '/Users', profile('sales1', [{ type: 'Department', value: 'Sales' }, { type: 'City', value: 'Berlin' }]));
    await wire('POST', '/Users', profile('sales2', [{ type: 'City', value: 'Sales' }]));
    const names = async (filter: string) => {
      const r = await wire('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(r.status, 200, `${filter}: ${r.text}`);
      return r.body.Resources.map((x: { userName: string }) => x.userName).sort();
    };
    assert.deepEqual(await names(`${WIRE}:richInfo[type eq "department" and value eq "SALES"]`), ['sales1']);
    assert.deepEqual(await names(`${WIRE}:richInfo.value eq "sales"`), ['sales1', 'sales2']);
    assert.deepEqual(await names(`${WIRE}:richInfo[type eq "City" and value co "erl"]`), ['sales1']);
  });

  it('scimd schema enable: an unknown URN is refused with the list of built-ins; enabling twice is harmless', async () => {
    const bad = await scimdCli(['schema', 'enable', 'wire', 'urn:example:nope'], s.dataDir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /No built-in extension 'urn:example:nope'\. Built in: urn:wire:scim:schemas:profile:1\.0/);
    await s.running.services.tenantAdmin.enableSchema('wire', WIRE.toUpperCase());
    const list = await s.running.services.tenantAdmin.listSchemas('wire');
    assert.deepEqual(
      list.map((x) => x.urn),
      [WIRE],
    );
    const u = await wire('GET', `/Users?filter=${encodeURIComponent('userName eq "jane"')}`);
    assert.equal(u.body.Resources[0][WIRE].richInfo.length, 4, 'the stored fields are untouched');
    const ok = await plain('POST', '/Users', user('plain-user'));
    assert.equal(ok.status, 201);
  });
});
