/**
 * First contact (issue 10): any IdP pointed at a fresh scimd, with no pinned profile, works from
 * its very first request. Real HTTP on 127.0.0.1, real SQLite. Each tolerant case is the first
 * request of a client nobody pinned and nothing recognised (the tolerant `generic` default); the
 * same request from a client pinned to `strict` gets the exact RFC 7644 400, which names what it
 * refuses. Nothing is ever answered 200 without being applied: every change is read back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeProfile, profileOf } from '../src/provisioning/requests/idp-profile.ts';
import { scimdCli, scimdJson } from './helpers/cli.ts';
import { assertError } from './helpers/idp.ts';
import { ENTERPRISE, group, patch, startTestServer, user, USER_SCHEMA, type Reply, type TestServer } from './helpers/server.ts';

const TENANT = 'default';
let s: TestServer;
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

before(async () => {
  s = await startTestServer();
});
after(() => s?.close());

interface Client {
  readonly name: string;
  call(method: string, path: string, body?: unknown): Promise<Reply>;
}

/** A fresh SCIM client of the default tenant: unpinned (undefined) or pinned to `idp`. */
async function client(idp?: string): Promise<Client> {
  const name = unique(idp ?? 'unpinned');
  const { token } = await s.running.services.admin.createClient(TENANT, name, idp ? { idp } : {});
  return { name, call: (method, path, body) => s.request(method, path, body, { authorization: `Bearer ${token}` }) };
}

/** A user made by the bootstrap client, so the client under test sends nothing before its request. */
async function newUser(extra: Record<string, unknown> = {}): Promise<string> {
  const r = await s.request('POST', '/Users', user(unique('user'), extra));
  assert.equal(r.status, 201, r.text);
  return r.body.id as string;
}

async function read(path: string) {
  const r = await s.request('GET', path);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

/** The client is still on the default profile: nothing recognised it (`scimd client list` says "generic"). */
async function assertDefaultProfile(c: Client): Promise<void> {
  const found = (await s.running.services.admin.listClients(TENANT)).find((x) => x.name === c.name)!;
  assert.deepEqual(profileOf(found), { profile: 'generic', source: 'default' });
  assert.equal(describeProfile(profileOf(found)), 'generic (default: no IdP recognised)');
}

describe("Entra's flag-mode path-less replace with dotted keys (aadOptscim062020)", () => {
  const raw = patch({
    op: 'replace',
    value: { displayName: 'Kim Lee', 'name.givenName': 'Kim', 'name.familyName': 'Lee', [`${ENTERPRISE}:department`]: 'Eng', [`${ENTERPRISE}:manager.value`]: 'm-1' },
  });

  it('an unpinned client: every key is applied as the path it is, and read back', async () => {
    const id = await newUser({ name: { formatted: 'K. Lee' } });
    const c = await client();
    const r = await c.call('PATCH', `/Users/${id}`, raw);
    assert.equal(r.status, 200, r.text);
    const stored = await read(`/Users/${id}`);
    assert.equal(stored.displayName, 'Kim Lee');
    assert.deepEqual(stored.name, { formatted: 'K. Lee', givenName: 'Kim', familyName: 'Lee' });
    assert.deepEqual(stored[ENTERPRISE], { department: 'Eng', manager: { value: 'm-1' } });
    assert.ok(!JSON.stringify(stored).includes('name.givenName'));
    await assertDefaultProfile(c);
  });

  it('a strict client: 400 invalidValue naming the key; nothing changes (never a 200 that applied nothing)', async () => {
    const id = await newUser();
    const before = await read(`/Users/${id}`);
    const strict = await client('strict');
    const found = (await s.running.services.admin.listClients(TENANT)).find((x) => x.name === strict.name)!;
    assert.equal(describeProfile(profileOf(found)), 'strict (pinned)');
    const r = await strict.call('PATCH', `/Users/${id}`, raw);
    assertError(r, 400, 'invalidValue');
    assert.match(r.body.detail, /'name\.givenName'/);
    assert.deepEqual(await read(`/Users/${id}`), before);
  });

  it('a POST with path keys: applied on an unpinned client, refused by name on a strict one', async () => {
    const body = { schemas: [USER_SCHEMA], userName: unique('dotted'), 'name.givenName': 'Ada', [`${ENTERPRISE}:employeeNumber`]: '42' };
    const created = await (await client()).call('POST', '/Users', body);
    assert.equal(created.status, 201, created.text);
    const stored = await read(`/Users/${created.body.id}`);
    assert.deepEqual(stored.name, { givenName: 'Ada' });
    assert.equal(stored[ENTERPRISE].employeeNumber, '42');
    const refused = await (await client('strict')).call('POST', '/Users', { ...body, userName: unique('dotted') });
    assertError(refused, 400, 'invalidValue');
    assert.match(refused.body.detail, /'name\.givenName'/);
  });

  it('a dotted key naming no attribute is refused by name on every profile, not ignored', async () => {
    const id = await newUser();
    for (const c of [await client(), await client('strict')]) {
      const r = await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { 'name.givenNme': 'x' } }));
      assert.equal(r.status, 400, r.text);
      assert.match(r.body.detail, /givenNme/);
    }
  });
});

describe("Entra's default-mode user updates, each the client's very first request", () => {
  it('"op": "Replace" on an unpinned client is read as replace; strict answers 400 invalidSyntax', async () => {
    const id = await newUser();
    const c = await client();
    assert.equal((await c.call('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'title', value: 'Boss' }))).status, 200);
    assert.equal((await read(`/Users/${id}`)).title, 'Boss');
    await assertDefaultProfile(c);
    assertError(await (await client('strict')).call('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'title', value: 'x' })), 400, 'invalidSyntax');
    assert.equal((await read(`/Users/${id}`)).title, 'Boss');
  });

  it('"active": "False" on an unpinned client deactivates; strict answers 400 invalidValue', async () => {
    const id = await newUser({ active: true });
    assertError(await (await client('strict')).call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: 'False' })), 400, 'invalidValue');
    assert.equal((await read(`/Users/${id}`)).active, true);
    const c = await client();
    assert.equal((await c.call('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'False' }))).status, 200);
    assert.equal((await read(`/Users/${id}`)).active, false);
    await assertDefaultProfile(c);
  });

  it('the manager as a bare id on an unpinned client is stored as manager.value; strict answers 400 invalidValue', async () => {
    const [id, manager] = [await newUser(), await newUser()];
    const op = { op: 'Add', path: `${ENTERPRISE}:manager`, value: manager };
    assertError(await (await client('strict')).call('PATCH', `/Users/${id}`, patch({ ...op, op: 'add' })), 400, 'invalidValue');
    const c = await client();
    assert.equal((await c.call('PATCH', `/Users/${id}`, patch(op))).status, 200);
    assert.equal((await read(`/Users/${id}`))[ENTERPRISE].manager.value, manager);
    await assertDefaultProfile(c);
  });
});

describe('members whose client-sent type or $ref disagrees with the member', () => {
  it('an unpinned client: type and $ref are taken from the member itself, on POST and PATCH', async () => {
    const [u1, u2] = [await newUser(), await newUser()];
    const c = await client();
    const created = await c.call('POST', '/Groups', group(unique('g'), { members: [{ value: u1, type: 'Group', $ref: `Groups/${u1}` }] }));
    assert.equal(created.status, 201, created.text);
    const g = created.body.id as string;
    const r = await c.call('PATCH', `/Groups/${g}`, patch({ op: 'add', path: 'members', value: [{ value: u2, type: 'Group', $ref: `${s.base}/Groups/${u2}` }] }));
    assert.ok(r.status === 200 || r.status === 204, r.text);
    const members = ((await read(`/Groups/${g}`)).members as { value: string; type: string; $ref: string }[]).sort((a, b) => a.value.localeCompare(b.value));
    const expected = [u1, u2].sort().map((value) => ({ value, type: 'User', $ref: `${s.base}/Users/${value}` }));
    assert.deepEqual(
      members.map((m) => ({ value: m.value, type: m.type, $ref: m.$ref })),
      expected,
    );
  });

  it('a strict client: 400 invalidValue naming the member, for a wrong type and for a $ref to another resource', async () => {
    const [u1, u2] = [await newUser(), await newUser()];
    const c = await client('strict');
    const byType = await c.call('POST', '/Groups', group(unique('g'), { members: [{ value: u1, type: 'Group' }] }));
    assertError(byType, 400, 'invalidValue');
    assert.match(byType.body.detail, new RegExp(`Member '${u1}' is a User, not a Group`));
    const created = await c.call('POST', '/Groups', group(unique('g')));
    assert.equal(created.status, 201, created.text);
    const byRef = await c.call('PATCH', `/Groups/${created.body.id}`, patch({ op: 'add', path: 'members', value: [{ value: u1, $ref: `${s.base}/Users/${u2}` }] }));
    assertError(byRef, 400, 'invalidValue');
    assert.match(byRef.body.detail, /\$ref/);
    assert.equal((await read(`/Groups/${created.body.id}`)).members, undefined);
  });
});

describe("the operator's view: scimd client set … idp strict, client list, normaliser list", () => {
  it('a client set to strict refuses what it read before; client list says which profile and why; normaliser list shows what is on for whom', async () => {
    const id = await newUser();
    const c = await client();
    assert.equal((await c.call('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'title', value: 'A' }))).status, 200);
    const set = await scimdJson(['client', 'set', TENANT, c.name, 'idp', 'strict'], s.dataDir);
    assert.equal(set.idp, 'strict');
    assertError(await c.call('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'title', value: 'B' })), 400, 'invalidSyntax');
    const listed = (await scimdJson(['client', 'list', TENANT], s.dataDir)) as { name: string; profile: string; profileSource: string; normalisers: string[] }[];
    const strict = listed.find((x) => x.name === c.name)!;
    assert.deepEqual([strict.profile, strict.profileSource, strict.normalisers], ['strict', 'pinned', []]);
    const unpinned = listed.find((x) => x.profileSource === 'default')!;
    assert.equal(unpinned.profile, 'generic');
    assert.ok(unpinned.normalisers.includes('opCase') && unpinned.normalisers.includes('pathKeyedReplace') && !unpinned.normalisers.includes('userGroupsMembership'));
    const out = await scimdCli(['normaliser', 'list', '--json']);
    assert.equal(out.code, 0, out.stderr);
    const normalisers = JSON.parse(out.stdout) as { name: string; profiles: string | string[] }[];
    const onFor = Object.fromEntries(normalisers.map((n) => [n.name, n.profiles]));
    assert.equal(onFor.opCase, 'all');
    assert.equal(onFor.addCreatesFilteredElement, 'all');
    assert.deepEqual(onFor.userGroupsMembership, ['okta']);
  });
});
