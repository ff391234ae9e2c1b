/**
 * PATCH end to end (RFC 7644 §3.5.2): a real scimd on 127.0.0.1 with a real SQLite file. Covers
 * the response and versioning of User PATCH, group membership forms, User.groups after membership
 * changes, atomicity, If-Match, unknown ids, malformed PatchOp messages, and that no hostile body
 * ever yields a 5xx.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENTERPRISE, ERROR_SCHEMA, group, PATCH_OP, patch, pinDefaultClient, startTestServer, user, USER_SCHEMA, type Reply, type TestServer } from './helpers/server.ts';

let s: TestServer;
let seq = 0;
/** A userName / displayName no other test in this file uses. */
const unique = (prefix: string) => `${prefix}-${++seq}`;

before(async () => {
  s = await startTestServer();
  // The exact RFC answers: the tolerant default would read "Replace" or a missing "schemas".
  await pinDefaultClient(s, 'strict');
});
after(() => s.close());

async function created(path: string, body: unknown): Promise<Reply> {
  const r = await s.request('POST', path, body);
  assert.equal(r.status, 201, r.text);
  return r;
}
const createUser = async (extra: Record<string, unknown> = {}) => (await created('/Users', user(unique('user'), extra))).body;
const createGroup = async (extra: Record<string, unknown> = {}) => (await created('/Groups', group(unique('group'), extra))).body;

async function get(path: string): Promise<Reply> {
  const r = await s.request('GET', path);
  assert.equal(r.status, 200, r.text);
  return r;
}

/** Member ids of a group, sorted. */
async function memberIds(groupId: string): Promise<string[]> {
  const g = (await get(`/Groups/${groupId}`)).body;
  return ((g.members ?? []) as { value: string }[]).map((m) => m.value).sort();
}

/** RFC 7644 §3.5.2: success is 200 with the resource, or 204; either way with the new ETag (§3.14). */
function assertPatched(r: Reply): string {
  assert.ok(r.status === 200 || r.status === 204, `expected 200 or 204, got ${r.status}: ${r.text}`);
  const etag = r.headers.get('etag');
  assert.ok(etag, 'a successful PATCH carries an ETag');
  return etag;
}

/** RFC 7644 §3.12 error response. */
function assertError(r: Reply, status: number, scimType?: string): void {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(r.body?.schemas, [ERROR_SCHEMA], r.text);
  assert.equal(r.body.status, String(status));
  if (scimType !== undefined) assert.equal(r.body.scimType, scimType, r.text);
}

/** Waits until the clock has moved past `iso`, so a write now gets a later timestamp. Not a timing assertion. */
async function clockPast(iso: string): Promise<void> {
  while (Date.now() <= Date.parse(iso)) await new Promise((r) => setTimeout(r, 1));
}

describe('User PATCH over HTTP (RFC 7644 §3.5.2)', () => {
  it('answers 200 with the whole resource, a bumped ETag and a later meta.lastModified (RFC 7644 §3.5.2, §3.14)', async () => {
    const u = await createUser({ name: { givenName: 'Barbara', familyName: 'Jensen' }, emails: [{ value: 'b@example.com', type: 'work', primary: true }] });
    const before = await get(`/Users/${u.id}`);
    await clockPast(u.meta.lastModified);

    const r = await s.request(
      'PATCH',
      `/Users/${u.id}`,
      patch(
        { op: 'replace', path: 'name.givenName', value: 'Babs' },
        { op: 'add', path: 'emails', value: [{ value: 'b@home.org', type: 'home' }] },
        { op: 'add', path: `${ENTERPRISE}:employeeNumber`, value: '701984' },
      ),
    );
    assert.equal(r.status, 200, r.text);
    const etag = r.headers.get('etag');
    assert.ok(etag);
    assert.notEqual(etag, before.headers.get('etag'));
    assert.equal(r.body.meta.version, etag);
    assert.ok(Date.parse(r.body.meta.lastModified) > Date.parse(u.meta.lastModified), 'meta.lastModified moves forward');
    assert.equal(r.body.meta.created, u.meta.created);

    // The entire resource, not only what changed.
    assert.equal(r.body.id, u.id);
    assert.equal(r.body.userName, u.userName);
    assert.deepEqual(r.body.name, { givenName: 'Babs', familyName: 'Jensen' });
    assert.deepEqual(r.body.emails, [
      { value: 'b@example.com', type: 'work', primary: true },
      { value: 'b@home.org', type: 'home' },
    ]);
    assert.deepEqual(r.body[ENTERPRISE], { employeeNumber: '701984' });
    assert.deepEqual([...r.body.schemas].sort(), [ENTERPRISE, USER_SCHEMA].sort());

    // …and what was written is what a GET reads.
    const after = await get(`/Users/${u.id}`);
    assert.equal(after.headers.get('etag'), etag);
    assert.deepEqual(after.body, r.body);
  });

  it('applies every path form and persists the result (RFC 7644 §3.5.2.1, §3.5.2.2, §3.5.2.3)', async () => {
    const u = await createUser({
      displayName: 'Babs',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [
        { value: 'b@example.com', type: 'work', primary: true },
        { value: 'b@home.org', type: 'home' },
      ],
      addresses: [
        { type: 'work', locality: 'Hollywood' },
        { type: 'home', locality: 'Oslo' },
      ],
      [ENTERPRISE]: { employeeNumber: '1', manager: { value: 'm-1' } },
      schemas: [USER_SCHEMA, ENTERPRISE],
    });
    const r = await s.request(
      'PATCH',
      `/Users/${u.id}`,
      patch(
        { op: 'add', value: { nickName: 'B', name: { middleName: 'J' } } },
        { op: 'remove', path: 'displayName' },
        { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:name.familyName', value: 'Jensen-Smith' },
        { op: 'replace', path: 'emails[type eq "work" and value co "@example.com"].value', value: 'barbara@example.com' },
        { op: 'replace', path: 'emails[type eq "home"].primary', value: true },
        { op: 'remove', path: 'emails[not(type eq "work")]' },
        { op: 'replace', path: 'addresses[type eq "work"].locality', value: 'Beverly Hills' },
        { op: 'replace', path: `${ENTERPRISE}:manager.value`, value: 'm-2' },
        { op: 'add', path: ENTERPRISE, value: { department: 'Tours' } },
      ),
    );
    assert.equal(r.status, 200, r.text);
    const got = (await get(`/Users/${u.id}`)).body;
    assert.equal(got.displayName, undefined);
    assert.equal(got.nickName, 'B');
    assert.deepEqual(got.name, { givenName: 'Barbara', familyName: 'Jensen-Smith', middleName: 'J' });
    // Moving primary to the home address cleared it on the work one; then the home address went.
    assert.deepEqual(got.emails, [{ value: 'barbara@example.com', type: 'work' }]);
    assert.deepEqual(got.addresses, [
      { type: 'work', locality: 'Beverly Hills' },
      { type: 'home', locality: 'Oslo' },
    ]);
    assert.deepEqual(got[ENTERPRISE], { employeeNumber: '1', manager: { value: 'm-2' }, department: 'Tours' });

    const removed = await s.request('PATCH', `/Users/${u.id}`, patch({ op: 'remove', path: ENTERPRISE }));
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.body[ENTERPRISE], undefined);
    assert.deepEqual(removed.body.schemas, [USER_SCHEMA]);
  });

  it('a no-op PATCH answers success and keeps the version and lastModified (RFC 7644 §3.5.2.1, §3.14)', async () => {
    const u = await createUser({ displayName: 'Same', emails: [{ value: 'same@example.com', type: 'work' }] });
    const etag = (await get(`/Users/${u.id}`)).headers.get('etag');
    await clockPast(u.meta.lastModified);
    for (const body of [
      patch({ op: 'add', path: 'displayName', value: 'Same' }),
      patch({ op: 'add', path: 'emails', value: [{ type: 'work', value: 'same@example.com' }] }),
      patch({ op: 'remove', path: 'nickName' }),
      patch({ op: 'replace', value: { displayName: 'Same' } }),
      patch({ op: 'add', path: 'title', value: 'Temp' }, { op: 'remove', path: 'title' }),
    ]) {
      const r = await s.request('PATCH', `/Users/${u.id}`, body);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('etag'), etag, `no change, no new version: ${JSON.stringify(body.Operations)}`);
      assert.equal(r.body.meta.lastModified, u.meta.lastModified);
    }
    assert.equal((await get(`/Users/${u.id}`)).headers.get('etag'), etag);
  });

  it('errors carry the RFC scimType: noTarget, invalidPath, mutability, invalidValue, invalidSyntax (RFC 7644 §3.5.2, §3.12)', async () => {
    const u = await createUser({ emails: [{ value: 'e@example.com', type: 'work' }] });
    const cases: [Record<string, unknown>, string][] = [
      [{ op: 'remove', path: 'emails[type eq "home"]' }, 'noTarget'],
      [{ op: 'remove' }, 'noTarget'],
      [{ op: 'replace', path: 'bogus', value: 'x' }, 'invalidPath'],
      [{ op: 'replace', path: 'emails[type eq "work"', value: 'x' }, 'invalidPath'],
      [{ op: 'replace', path: 'id', value: 'x' }, 'mutability'],
      [{ op: 'add', path: 'groups', value: [{ value: 'g' }] }, 'mutability'],
      [{ op: 'replace', path: 'meta.lastModified', value: '2020-01-01T00:00:00Z' }, 'mutability'],
      [{ op: 'replace', path: 'active', value: 'yes' }, 'invalidValue'],
      [{ op: 'remove', path: 'userName' }, 'mutability'],
      [{ op: 'Replace', path: 'active', value: true }, 'invalidSyntax'],
      [{ op: 'remove', path: 'emails', value: [{ value: 'e@example.com' }] }, 'invalidSyntax'],
    ];
    for (const [op, scimType] of cases) {
      assertError(await s.request('PATCH', `/Users/${u.id}`, patch(op)), 400, scimType);
    }
    const malformed = await s.request('PATCH', `/Users/${u.id}`, patch({ op: 'add', path: 'emails[type eq "work"', value: 'x' }));
    assert.match(malformed.body.detail, /position 22/);
  });
});

describe('Group membership PATCH over HTTP (RFC 7644 §3.5.2, RFC 7643 §4.2)', () => {
  it('add with path "members" adds several members in one operation (RFC 7644 §3.5.2.1)', async () => {
    const [a, b, c] = [await createUser(), await createUser(), await createGroup()];
    const g = await createGroup();
    const r = await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: a.id }, { value: b.id, type: 'User' }, { value: c.id }] }));
    const etag = assertPatched(r);
    assert.notEqual(etag, g.meta.version);
    assert.deepEqual(await memberIds(g.id), [a.id, b.id, c.id].sort());
    const got = (await get(`/Groups/${g.id}`)).body;
    assert.equal(got.meta.version, etag);
    const byId = new Map((got.members as { value: string; type: string; display?: string }[]).map((m) => [m.value, m]));
    assert.equal(byId.get(a.id)?.type, 'User');
    assert.equal(byId.get(a.id)?.display, a.userName);
    assert.equal(byId.get(c.id)?.type, 'Group');
  });

  it('re-adding an existing member changes nothing and keeps the version (RFC 7644 §3.5.2.1)', async () => {
    const a = await createUser();
    const g = await createGroup({ members: [{ value: a.id }] });
    const r = await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: a.id }] }));
    assert.equal(assertPatched(r), g.meta.version);
    assert.equal((await get(`/Groups/${g.id}`)).body.meta.version, g.meta.version);
    assert.deepEqual(await memberIds(g.id), [a.id]);
  });

  it('remove with members[value eq "id"] removes only that member (RFC 7644 §3.5.2.2)', async () => {
    const [a, b] = [await createUser(), await createUser()];
    const g = await createGroup({ members: [{ value: a.id }, { value: b.id }] });
    assertPatched(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'remove', path: `members[value eq "${a.id}"]` })));
    assert.deepEqual(await memberIds(g.id), [b.id]);
  });

  it('remove with a filter beyond "value eq" (members[type eq "Group"]) uses the full member list (RFC 7644 §3.5.2.2)', async () => {
    const [a, sub] = [await createUser(), await createGroup()];
    const g = await createGroup({ members: [{ value: a.id }, { value: sub.id }] });
    assertPatched(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'remove', path: 'members[type eq "Group"]' })));
    assert.deepEqual(await memberIds(g.id), [a.id]);
  });

  it('remove with path "members" clears all members (RFC 7644 §3.5.2.2)', async () => {
    const [a, b] = [await createUser(), await createUser()];
    const g = await createGroup({ members: [{ value: a.id }, { value: b.id }] });
    assertPatched(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'remove', path: 'members' })));
    const got = (await get(`/Groups/${g.id}`)).body;
    assert.equal(got.members, undefined, 'a group without members has no members attribute (RFC 7643 §2.5)');
    assert.equal(got.displayName, g.displayName);
  });

  it('replace with path "members" replaces the whole set (RFC 7644 §3.5.2.3)', async () => {
    const [a, b, c] = [await createUser(), await createUser(), await createUser()];
    const g = await createGroup({ members: [{ value: a.id }, { value: b.id }] });
    assertPatched(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'replace', path: 'members', value: [{ value: b.id }, { value: c.id }] })));
    assert.deepEqual(await memberIds(g.id), [b.id, c.id].sort());
  });

  it('replacing the member set with the same set writes nothing and keeps the version (RFC 7644 §3.5.2.1)', async () => {
    const [a, b] = [await createUser(), await createUser()];
    const g = await createGroup({ members: [{ value: a.id }, { value: b.id }] });
    const r = await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'replace', path: 'members', value: [{ value: b.id }, { value: a.id }] }));
    assert.equal(assertPatched(r), 'W/"1"');
    assert.equal((await get(`/Groups/${g.id}`)).headers.get('etag'), 'W/"1"');
  });

  it('member entries without a value, or members not given as an array, are 400 invalidValue (RFC 7643 §2.4, §4.2)', async () => {
    const g = await createGroup();
    for (const value of [[{ value: null }], [{ display: 'x' }], [null], { value: 'x' }]) {
      assertError(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value })), 400, 'invalidValue');
    }
  });

  it('replace without path sets displayName and members together (RFC 7644 §3.5.2.3)', async () => {
    const [a, b] = [await createUser(), await createUser()];
    const g = await createGroup({ members: [{ value: a.id }] });
    const name = unique('renamed');
    assertPatched(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'replace', value: { displayName: name, members: [{ value: b.id }] } })));
    const got = (await get(`/Groups/${g.id}`)).body;
    assert.equal(got.displayName, name);
    assert.deepEqual(
      got.members.map((m: { value: string }) => m.value),
      [b.id],
    );
  });

  it('a mix of remove and add in one request is applied in order (RFC 7644 §3.5.2)', async () => {
    const [a, b, c] = [await createUser(), await createUser(), await createUser()];
    const g = await createGroup({ members: [{ value: a.id }, { value: b.id }] });
    const r = await s.request(
      'PATCH',
      `/Groups/${g.id}`,
      patch(
        { op: 'remove', path: `members[value eq "${a.id}"]` },
        { op: 'add', path: 'members', value: [{ value: c.id }] },
        // c is a member now, so this filter finds it…
        { op: 'remove', path: `members[value eq "${c.id}"]` },
        // …and a, removed above, can come back.
        { op: 'add', path: 'members', value: [{ value: a.id }] },
      ),
    );
    assertPatched(r);
    assert.deepEqual(await memberIds(g.id), [a.id, b.id].sort());
  });

  it('removing a non-member is 400 noTarget and changes nothing (RFC 7644 §3.5.2.2, §3.12)', async () => {
    const [a, b] = [await createUser(), await createUser()];
    const g = await createGroup({ members: [{ value: a.id }] });
    assertError(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'remove', path: `members[value eq "${b.id}"]` })), 400, 'noTarget');
    assertError(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'remove', path: 'members[value eq "no-such-id"]' })), 400, 'noTarget');
    const got = (await get(`/Groups/${g.id}`)).body;
    assert.equal(got.meta.version, g.meta.version);
    assert.deepEqual(await memberIds(g.id), [a.id]);
  });

  it('adding a member id that does not exist is 400 invalidValue (RFC 7644 §3.5.2.1, §3.12)', async () => {
    const g = await createGroup();
    const r = await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: '2819c223-7f76-453a-919d-413861904646' }] }));
    assertError(r, 400, 'invalidValue');
    assert.match(r.body.detail, /does not exist/);
    assert.deepEqual(await memberIds(g.id), []);
  });

  it('a member id from another tenant does not exist in this one: 400 invalidValue (RFC 7644 §3.5.2.1, §3.12)', async () => {
    const token = await s.tenant(unique('tenant'));
    const other = await s.request('POST', '/Users', user(unique('elsewhere')), { authorization: `Bearer ${token}` });
    assert.equal(other.status, 201, other.text);
    const g = await createGroup();
    assertError(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: other.body.id }] })), 400, 'invalidValue');
  });

  it('adding a group to itself is 400 (RFC 7644 §3.5.2.1, §3.12)', async () => {
    const g = await createGroup();
    assertError(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: g.id }] })), 400, 'invalidValue');
    assertError(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'replace', value: { members: [{ value: g.id, type: 'Group' }] } })), 400, 'invalidValue');
    assert.deepEqual(await memberIds(g.id), []);
  });

  it('a member whose declared type is wrong is 400 invalidValue (RFC 7644 §3.5.2.1, RFC 7643 §4.2)', async () => {
    const a = await createUser();
    const g = await createGroup();
    assertError(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: a.id, type: 'Group' }] })), 400, 'invalidValue');
  });

  it('member sub-attributes cannot be changed in place: 400 mutability (RFC 7644 §3.5.2, RFC 7643 §4.2)', async () => {
    const a = await createUser();
    const g = await createGroup({ members: [{ value: a.id }] });
    assertError(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'replace', path: `members[value eq "${a.id}"].value`, value: 'x' })), 400, 'mutability');
  });
});

describe('User.groups follows membership PATCHes (RFC 7643 §4.1.2, RFC 7644 §3.5.2)', () => {
  it('direct membership, then indirect through a nested group, then none (RFC 7644 §3.5.2.1, §3.5.2.2)', async () => {
    const u = await createUser();
    const inner = await createGroup();
    const outer = await createGroup();
    const groupsOf = async () => {
      const got = (await get(`/Users/${u.id}`)).body;
      return ((got.groups ?? []) as { value: string; type: string; display?: string }[]).map((g) => ({ value: g.value, type: g.type, display: g.display })).sort((x, y) => x.value.localeCompare(y.value));
    };
    const sorted = (xs: { value: string; type: string; display?: string }[]) => xs.sort((x, y) => x.value.localeCompare(y.value));

    assertPatched(await s.request('PATCH', `/Groups/${inner.id}`, patch({ op: 'add', path: 'members', value: [{ value: u.id }] })));
    assert.deepEqual(await groupsOf(), [{ value: inner.id, type: 'direct', display: inner.displayName }]);

    assertPatched(await s.request('PATCH', `/Groups/${outer.id}`, patch({ op: 'add', path: 'members', value: [{ value: inner.id, type: 'Group' }] })));
    assert.deepEqual(
      await groupsOf(),
      sorted([
        { value: inner.id, type: 'direct', display: inner.displayName },
        { value: outer.id, type: 'indirect', display: outer.displayName },
      ]),
    );

    // A direct membership in the outer group too: direct wins over indirect.
    assertPatched(await s.request('PATCH', `/Groups/${outer.id}`, patch({ op: 'add', path: 'members', value: [{ value: u.id }] })));
    assert.deepEqual(
      await groupsOf(),
      sorted([
        { value: inner.id, type: 'direct', display: inner.displayName },
        { value: outer.id, type: 'direct', display: outer.displayName },
      ]),
    );

    assertPatched(await s.request('PATCH', `/Groups/${outer.id}`, patch({ op: 'remove', path: `members[value eq "${u.id}"]` })));
    assertPatched(await s.request('PATCH', `/Groups/${inner.id}`, patch({ op: 'remove', path: 'members' })));
    assert.deepEqual(await groupsOf(), [], 'with no membership left, direct or indirect, groups is empty');

    // User.groups is readOnly: a PATCH on it is refused (RFC 7643 §4.1.2).
    assertError(await s.request('PATCH', `/Users/${u.id}`, patch({ op: 'add', path: 'groups', value: [{ value: inner.id }] })), 400, 'mutability');
  });

  it('a user\'s groups in the PATCH response reflect the membership (RFC 7644 §3.5.2)', async () => {
    const u = await createUser();
    const g = await createGroup({ members: [{ value: u.id }] });
    const r = await s.request('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'title', value: 'Guide' }));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      r.body.groups.map((x: { value: string; type: string }) => [x.value, x.type]),
      [[g.id, 'direct']],
    );
  });
});

describe('values PATCH may not leave behind (RFC 7643 §2.2, §2.5)', () => {
  it('a blank userName is refused as on POST and PUT, and null clears an attribute', async () => {
    const u = await createUser({ title: 'Boss' });
    assertError(await s.request('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'userName', value: '   ' })), 400, 'invalidValue');
    assertError(await s.request('PATCH', `/Users/${u.id}`, patch({ op: 'replace', value: { userName: null } })), 400, 'mutability');
    const r = await s.request('PATCH', `/Users/${u.id}`, patch({ op: 'replace', value: { title: null } }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.title, undefined);
  });

  it('a filtered replace whose value names no sub-attribute is 400 invalidValue, not a silent delete', async () => {
    const u = await createUser({ emails: [{ value: 'w@example.com', type: 'work' }] });
    assertError(await s.request('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'emails[type eq "work"]', value: { typo: 1 } })), 400, 'invalidValue');
    assert.deepEqual((await get(`/Users/${u.id}`)).body.emails, [{ value: 'w@example.com', type: 'work' }]);
  });
});

describe('atomicity and preconditions over HTTP (RFC 7644 §3.5.2, §3.14)', () => {
  it('a request whose second operation is invalid is 400 and changes nothing (RFC 7644 §3.5.2)', async () => {
    const u = await createUser({ displayName: 'Before', emails: [{ value: 'keep@example.com', type: 'work' }] });
    const before = await get(`/Users/${u.id}`);
    const r = await s.request(
      'PATCH',
      `/Users/${u.id}`,
      patch(
        { op: 'replace', path: 'displayName', value: 'After' },
        { op: 'replace', path: 'emails[type eq "home"].value', value: 'x@example.com' },
        { op: 'add', path: 'title', value: 'Never' },
      ),
    );
    assertError(r, 400, 'noTarget');
    const now = await get(`/Users/${u.id}`);
    assert.equal(now.headers.get('etag'), before.headers.get('etag'));
    assert.deepEqual(now.body, before.body);
  });

  it('a group request failing after a membership change leaves the members unchanged (RFC 7644 §3.5.2)', async () => {
    const [a, b] = [await createUser(), await createUser()];
    const g = await createGroup({ members: [{ value: a.id }] });
    const r = await s.request(
      'PATCH',
      `/Groups/${g.id}`,
      patch(
        { op: 'remove', path: 'members' },
        { op: 'add', path: 'members', value: [{ value: b.id }] },
        { op: 'replace', path: 'displayName', value: 'renamed' },
        { op: 'add', path: 'members', value: [{ value: 'no-such-id' }] },
      ),
    );
    assertError(r, 400, 'invalidValue');
    const got = (await get(`/Groups/${g.id}`)).body;
    assert.equal(got.meta.version, g.meta.version);
    assert.equal(got.displayName, g.displayName);
    assert.deepEqual(await memberIds(g.id), [a.id]);
  });

  it('If-Match with a stale ETag is 412 and changes nothing; the current ETag succeeds (RFC 7644 §3.5.2, §3.14)', async () => {
    const u = await createUser({ displayName: 'v1' });
    const stale = u.meta.version;
    const first = await s.request('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'displayName', value: 'v2' }), { 'if-match': stale });
    assert.equal(first.status, 200, first.text);
    const current = first.headers.get('etag')!;

    const r = await s.request('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'displayName', value: 'v3' }), { 'if-match': stale });
    assertError(r, 412);
    const got = await get(`/Users/${u.id}`);
    assert.equal(got.body.displayName, 'v2');
    assert.equal(got.headers.get('etag'), current);

    const ok = await s.request('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'displayName', value: 'v3' }), { 'if-match': current });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.displayName, 'v3');
  });

  it('If-Match with a stale ETag on a group is 412 and membership is unchanged (RFC 7644 §3.5.2, §3.14)', async () => {
    const [a, b] = [await createUser(), await createUser()];
    const g = await createGroup({ members: [{ value: a.id }] });
    assertPatched(await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'replace', path: 'displayName', value: unique('renamed') })));
    const r = await s.request('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: b.id }] }), { 'if-match': g.meta.version });
    assertError(r, 412);
    assert.deepEqual(await memberIds(g.id), [a.id]);
  });

  it('PATCH of an unknown id is 404 (RFC 7644 §3.5.2, §3.12)', async () => {
    const body = patch({ op: 'replace', path: 'displayName', value: 'x' });
    assertError(await s.request('PATCH', '/Users/2819c223-7f76-453a-919d-413861904646', body), 404);
    assertError(await s.request('PATCH', '/Groups/2819c223-7f76-453a-919d-413861904646', body), 404);
    // A user id is not a group id.
    const u = await createUser();
    assertError(await s.request('PATCH', `/Groups/${u.id}`, body), 404);
  });
});

describe('malformed PatchOp messages over HTTP (RFC 7644 §3.5.2, §3.12)', () => {
  it('a body without the PatchOp schema or without Operations is 400 invalidSyntax (RFC 7644 §3.5.2)', async () => {
    const u = await createUser();
    const op = { op: 'replace', path: 'displayName', value: 'x' };
    for (const body of [
      { Operations: [op] },
      { schemas: [USER_SCHEMA], Operations: [op] },
      { schemas: [PATCH_OP] },
      { schemas: [PATCH_OP], Operations: [] },
      { schemas: [PATCH_OP], Operations: op },
    ]) {
      assertError(await s.request('PATCH', `/Users/${u.id}`, body), 400, 'invalidSyntax');
    }
    assert.equal((await get(`/Users/${u.id}`)).body.meta.version, u.meta.version);
  });

  it('no hostile body produces a 5xx, and none changes the resource (RFC 7644 §3.5.2, §3.12)', async () => {
    const u = await createUser({ emails: [{ value: 'h@example.com', type: 'work' }] });
    const member = await createUser();
    const g = await createGroup({ members: [{ value: member.id }] });
    const userBefore = await get(`/Users/${u.id}`);
    const groupBefore = await get(`/Groups/${g.id}`);

    const ops = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
    const deep = (n: number): unknown => (n === 0 ? null : { a: deep(n - 1), b: [null, deep(n - 1 > 3 ? 3 : n - 1)] });
    const hostile: unknown[] = [
      [],
      [patch({ op: 'remove', path: 'title' })],
      0,
      42,
      -1.5e308,
      'Operations',
      true,
      {},
      { schemas: null, Operations: null },
      { schemas: [null], Operations: [null] },
      { schemas: [42], Operations: [{}] },
      { schemas: [PATCH_OP], Operations: null },
      { schemas: [PATCH_OP], Operations: 'add' },
      { schemas: [PATCH_OP], Operations: 7 },
      ops('add', 'remove'),
      ops(null),
      ops([]),
      ops([{ op: 'add', value: {} }]),
      ops({}),
      ops({ op: null }),
      ops({ op: {} }),
      ops({ op: ['add'] }),
      ops({ op: 'add' }),
      ops({ op: 'add', value: null }),
      ops({ op: 'add', path: 42, value: 'x' }),
      ops({ op: 'add', path: 4.2e-7, value: 'x' }),
      ops({ op: 'remove', path: -1 }),
      ops({ op: 'add', path: {}, value: 'x' }),
      ops({ op: 'add', path: [], value: 'x' }),
      ops({ op: 'add', path: ['emails'], value: 'x' }),
      ops({ op: 'add', path: true, value: 'x' }),
      ops({ op: 'add', path: 'x'.repeat(10_000), value: 'x' }),
      ops({ op: 'add', path: '['.repeat(10_000), value: 'x' }),
      ops({ op: 'add', path: `emails${'['.repeat(4_000)}`, value: 'x' }),
      ops({ op: 'add', path: `emails[${'('.repeat(1_000)}type eq "work"${')'.repeat(1_000)}]`, value: 'x' }),
      ops({ op: 'add', path: `emails[${'not('.repeat(500)}type eq "work"${')'.repeat(500)}]`, value: 'x' }),
      ops({ op: 'add', path: `emails[type eq "${'\\u0000'.repeat(500)}"]`, value: 'x' }),
      ops({ op: 'add', path: `emails[type eq "${'\\'.repeat(3)}"]`, value: 'x' }),
      ops({ op: 'add', path: 'emails[type eq "work"].value.x.y', value: 'x' }),
      ops({ op: 'add', path: '\u0000', value: 'x' }),
      ops({ op: 'add', path: 'name.\ud800', value: 'x' }),
      ops({ op: 'remove', path: 'emails[value eq 1e999]' }),
      ops({ op: 'remove', path: 'emails[value gt -0]' }),
      ops({ op: 'remove', path: 'urn:' }),
      ops({ op: 'remove', path: ':' }),
      ops({ op: 'remove', path: '.' }),
      ops({ op: 'remove', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:' }),
      ops({ op: 'remove', path: 'members[value eq "x"]' }),
      ops({ op: 'replace', path: 'emails', value: [null, [], { value: null }, { value: [] }, 7] }),
      ops({ op: 'replace', path: 'emails[type eq "work"]', value: { value: { nested: null } } }),
      ops({ op: 'replace', path: 'emails[type eq "work"].value', value: [null] }),
      ops({ op: 'add', value: { name: { givenName: { x: [null, { y: null }] } } } }),
      ops({ op: 'add', value: { name: deep(12) } }),
      ops({ op: 'add', value: { emails: { value: null } } }),
      ops({ op: 'add', value: { [ENTERPRISE]: [null] } }),
      ops({ op: 'add', value: { [ENTERPRISE]: { manager: [{ value: null }] } } }),
      ops({ op: 'add', value: { displayName: 'x', DISPLAYNAME: 'y' } }),
      ops({ op: 'add', value: { userName: 'x'.repeat(100_000) } }),
      ops({ op: 'add', path: 'members', value: [{ value: {} }] }),
      ops({ op: 'add', path: 'members', value: [{ value: null }] }),
      ops({ op: 'add', path: 'members', value: 'x' }),
      ops({ op: 'add', path: 'members', value: [{ value: 'x', type: 7 }] }),
      ops({ op: 'replace', path: 'members[value eq 1]', value: [] }),
      ops({ op: 'replace', value: { members: 'everyone' } }),
      ops(...Array.from({ length: 1001 }, () => ({ op: 'remove', path: 'title' }))),
      ops(...Array.from({ length: 500 }, (_, i) => ({ op: 'add', path: 'members', value: [{ value: `missing-${i}` }] }))),
      '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [',
      '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "value": {"__proto__": {"x": 1}}}]}',
      '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "value": {"constructor": {"prototype": {"x": 1}}}}]}',
      '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "value": {"displayName": "a"}}], "Operations": 5}',
      '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "value": {"active": 1e999}}]}',
      '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "emails[value eq 1e999999]", "value": {}}]}',
      '',
      'null',
      '\u0000',
    ];
    const failures: string[] = [];
    let rejected = 0;
    for (const [path, etag] of [
      [`/Users/${u.id}`, userBefore.headers.get('etag')],
      [`/Groups/${g.id}`, groupBefore.headers.get('etag')],
    ] as const) {
      for (const body of hostile) {
        const r = await s.request('PATCH', path, body);
        const label = `${path.split('/')[1]} ${(typeof body === 'string' ? body : (JSON.stringify(body) ?? String(body))).slice(0, 120)}`;
        if (r.status >= 400 && r.status < 500) {
          rejected++;
          if (r.body?.schemas?.[0] !== ERROR_SCHEMA) failures.push(`not a SCIM error body for ${label}: ${r.text.slice(0, 200)}`);
        } else if (r.status === 200 || r.status === 204) {
          // A few bodies are valid for one type and name only attributes it does not have
          // (ignored, RFC 7644 §3.5.2): then nothing may change.
          if (r.headers.get('etag') !== etag) failures.push(`${r.status} with a new version for ${label}`);
        } else {
          failures.push(`${r.status} for ${label}: ${r.text.slice(0, 200)}`);
        }
      }
    }
    assert.deepEqual(failures, []);
    // Most of the list is invalid for both types; the rest name attributes the type lacks.
    assert.ok(rejected > hostile.length, `only ${rejected} of ${hostile.length * 2} hostile bodies were rejected`);

    const userAfter = await get(`/Users/${u.id}`);
    const groupAfter = await get(`/Groups/${g.id}`);
    assert.deepEqual(userAfter.body, userBefore.body);
    assert.deepEqual(groupAfter.body, groupBefore.body);
  });
});
