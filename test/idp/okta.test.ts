/**
 * Okta provisioning lifecycle against a real scimd (real HTTP on 127.0.0.1, real SQLite), with the
 * request shapes of Okta's "SCIM 2.0 Protocol Reference" (developer.okta.com/docs/reference/scim/
 * scim-20/), cited in each test name as [Okta § …]. The client is not pinned: it is recognised from
 * the User-Agent the reference shows on every request, `Okta SCIM Client 1.0.0`. The values are the
 * reference's own (test.user@okta.local, the group "Test SCIMv2", the random password "1mz050nq").
 * IDP-QUIRKS.md rows are cited where a row adds to what the reference prints.
 *
 * Flows: OIN integrations (existence check, create with a password, GET then full PUT, deactivate
 * and activate by path-less PATCH, password sync, group push with PATCH) and App Integration Wizard
 * integrations (deactivation and group membership by PUT). Okta never sends DELETE /Users.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RequestLogEntry } from '../../src/store/types.ts';
import { ERROR_SCHEMA, GROUP_SCHEMA, patch as patchOp, startTestServer, USER_SCHEMA, type Reply, type TestServer } from '../helpers/server.ts';
import { assertNoSecrets, LIST_RESPONSE, memberIds } from '../helpers/idp.ts';

const USER_AGENT = 'Okta SCIM Client 1.0.0';
/** [Okta § Create the User]: Okta sends a random password even when password sync is off. */
const PASSWORD = '1mz050nq';
/** The password a later "Syncing the user password" PATCH carries (the reference prints no value). */
const SYNCED_PASSWORD = 'Sy9c-Pw!7rKq2';
const USER_NAME = 'test.user@okta.local';

let s: TestServer;
let token = '';
let sent = 0;
/** Every password this run sent, for the log and database checks. */
const passwords: string[] = [PASSWORD, SYNCED_PASSWORD];

before(async () => {
  s = await startTestServer();
  ({ token } = await s.running.services.admin.createClient('default', 'okta'));
});
after(() => s.close());

/** A request as Okta sends it: its User-Agent and the client's bearer token. */
function okta(method: string, path: string, body?: unknown): Promise<Reply> {
  sent++;
  return s.request(method, path, body, { authorization: `Bearer ${token}`, 'user-agent': USER_AGENT });
}

/** [Okta § Create the User]: the POST body. */
function oktaUser(userName: string, givenName: string, familyName: string, externalId: string, password: string) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName, familyName },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${givenName} ${familyName}`,
    locale: 'en-US',
    externalId,
    groups: [],
    password,
    active: true,
  };
}

/** [Okta § Determine if the User already exists]: the filter, encoded as Okta encodes it, and its paging. */
const existenceCheck = (userName: string) => `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`;

function assertListPage(r: Reply, total: number, startIndex: number, itemsPerPage: number): string[] {
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.schemas, [LIST_RESPONSE]);
  // [Okta § Retrieve Users]: "need to be exchanged as integers, not as strings".
  assert.equal(r.body.totalResults, total);
  assert.equal(r.body.startIndex, startIndex);
  assert.equal(r.body.itemsPerPage, itemsPerPage);
  const resources = (r.body.Resources ?? []) as { id: string }[];
  assert.equal(resources.length, itemsPerPage);
  return resources.map((x) => x.id);
}

/** A PATCH answer Okta accepts: 200 with the resource, or 204 with no body ([Okta] notes under each PATCH). */
function assertPatched(r: Reply): void {
  assert.ok(r.status === 200 || r.status === 204, `expected 200 or 204, got ${r.status}: ${r.text}`);
  assert.ok(r.headers.get('etag'), 'a successful PATCH carries an ETag');
}

function assertNoPassword(body: Record<string, unknown>): void {
  assert.equal('password' in body, false, 'password is never returned');
  const text = JSON.stringify(body);
  for (const p of passwords) assert.ok(!text.includes(p), 'no password value in a response');
}

describe('Okta (unpinned client recognised by its User-Agent): users', () => {
  let userId = '';
  let created = '';

  it('Determine if the User already exists: the userName filter with startIndex=1&count=100 answers an empty ListResponse with integer counts ([Okta § Create Users, Determine if the User already exists])', async () => {
    const r = await okta('GET', existenceCheck(USER_NAME));
    assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
    assert.deepEqual(assertListPage(r, 0, 1, 0), []);
  });

  it('the client is recognised as Okta from the User-Agent, without being pinned (IDP-QUIRKS; [Okta] every request shows "User-Agent: Okta SCIM Client 1.0.0")', async () => {
    const client = await s.running.services.admin.client('default', 'okta');
    assert.equal(client.idp, undefined, 'not pinned');
    assert.equal(client.detectedIdp, 'okta');
    assert.match(client.detectedReason ?? '', /Okta SCIM Client 1\.0\.0/);
  });

  it('Create the User: the POST with password, groups: [] and locale answers 201 with the full user and no password ([Okta § Create the User]; IDP-QUIRKS row 17)', async () => {
    const r = await okta('POST', '/Users', oktaUser(USER_NAME, 'Test', 'User', '00ujl29u0le5T6Aj10h7', PASSWORD));
    assert.equal(r.status, 201, r.text);
    assert.ok(r.text.length > 0, 'an empty body is a failure for Okta ("Create new user returned empty user")');
    assert.equal(typeof r.body.id, 'string');
    userId = r.body.id;
    created = r.body.meta.created;
    assert.deepEqual(r.body.schemas, [USER_SCHEMA]);
    assert.equal(r.body.userName, USER_NAME);
    assert.deepEqual(r.body.name, { givenName: 'Test', familyName: 'User' });
    assert.deepEqual(r.body.emails, [{ primary: true, value: USER_NAME, type: 'work' }]);
    assert.equal(r.body.displayName, 'Test User');
    assert.equal(r.body.locale, 'en-US');
    assert.equal(r.body.externalId, '00ujl29u0le5T6Aj10h7');
    assert.equal(r.body.active, true);
    assert.deepEqual(r.body.groups ?? [], []);
    assert.equal(r.body.meta.resourceType, 'User');
    assert.equal(r.headers.get('location'), r.body.meta.location);
    assertNoPassword(r.body);
  });

  it('the existence check now finds the user; an all-caps userName finds it too ([Okta § Determine if the User already exists]; IDP-QUIRKS row 24, Okta SCIM 2.0 Spec Test)', async () => {
    const r = await okta('GET', existenceCheck(USER_NAME));
    assert.deepEqual(assertListPage(r, 1, 1, 1), [userId]);
    assertNoPassword(r.body.Resources[0]);
    assert.deepEqual(assertListPage(await okta('GET', existenceCheck(USER_NAME.toUpperCase())), 1, 1, 1), [userId]);
  });

  it('duplicate create: a POST of an existing userName answers 409 with a SCIM Error that stops the job ([Okta § Create the User], "already exists")', async () => {
    const r = await okta('POST', '/Users', oktaUser(USER_NAME, 'Test', 'User', '00ujl29u0le5T6Aj10h7', PASSWORD));
    assert.equal(r.status, 409, r.text);
    assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
    assert.equal(String(r.body.status), '409');
    assert.equal(typeof r.body.detail, 'string');
    assert.deepEqual(assertListPage(await okta('GET', existenceCheck(USER_NAME)), 1, 1, 1), [userId]);
  });

  it('Retrieve a specific User: GET /Users/{id} answers the User itself, not a ListResponse ([Okta § Retrieve a specific User]; IDP-QUIRKS row 18)', async () => {
    const r = await okta('GET', `/Users/${userId}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.schemas, [USER_SCHEMA]);
    assert.equal(r.body.id, userId);
    assert.equal(r.body.userName, USER_NAME);
    assertNoPassword(r.body);
  });

  it('Update a specific User (PUT): GET, then PUT the whole body back with the change, id, meta (non-ISO dates) and the password; 200 with the updated user; the same PUT again changes nothing ([Okta § Update a specific User (PUT)]; IDP-QUIRKS row 18)', async () => {
    const got = await okta('GET', `/Users/${userId}`);
    assert.equal(got.status, 200, got.text);
    const body = {
      ...got.body,
      name: { ...got.body.name, middleName: 'Excited' },
      groups: [],
      password: PASSWORD,
      meta: { ...got.body.meta, created: 'Tue Sep 10 03:46:53 UTC 2019', lastModified: '2019-09-10 03:48:10' },
    };
    const r = await okta('PUT', `/Users/${userId}`, body);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, userId);
    assert.deepEqual(r.body.name, { givenName: 'Test', middleName: 'Excited', familyName: 'User' });
    assert.equal(r.body.userName, USER_NAME);
    assert.equal(r.body.active, true);
    assert.equal(r.body.meta.created, created, 'client-sent meta is ignored');
    assert.notEqual(r.headers.get('etag'), got.headers.get('etag'));
    assertNoPassword(r.body);

    const again = await okta('PUT', `/Users/${userId}`, body);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.headers.get('etag'), r.headers.get('etag'), 'echoing the same body is idempotent');
  });

  it('deactivate: PATCH with a path-less replace {"active": false}; the user stays readable by id and by the existence check ([Okta § Update a specific User (PATCH)]; [Okta § Delete Users]; IDP-QUIRKS rows 15, 19)', async () => {
    const r = await okta('PATCH', `/Users/${userId}`, patchOp({ op: 'replace', value: { active: false } }));
    assertPatched(r);
    if (r.status === 200) assert.equal(r.body.active, false);

    const byId = await okta('GET', `/Users/${userId}`);
    assert.equal(byId.status, 200, byId.text);
    assert.equal(byId.body.active, false);
    assert.equal(byId.body.name.middleName, 'Excited', 'deactivation changes nothing else');
    const found = await okta('GET', existenceCheck(USER_NAME));
    assert.deepEqual(assertListPage(found, 1, 1, 1), [userId]);
    assert.equal(found.body.Resources[0].active, false);
  });

  it('activate: PATCH with a path-less replace {"active": true} ([Okta § Update a specific User (PATCH)], "Activating a user")', async () => {
    const r = await okta('PATCH', `/Users/${userId}`, patchOp({ op: 'replace', value: { active: true } }));
    assertPatched(r);
    assert.equal((await okta('GET', `/Users/${userId}`)).body.active, true);
  });

  it('password sync: PATCH with a path-less replace {"password": …} is accepted and the password never comes back ([Okta § Update a specific User (PATCH)], "Syncing the user password")', async () => {
    const r = await okta('PATCH', `/Users/${userId}`, patchOp({ op: 'replace', value: { password: SYNCED_PASSWORD } }));
    assertPatched(r);
    if (r.status === 200) assertNoPassword(r.body);
    const got = await okta('GET', `/Users/${userId}`);
    assertNoPassword(got.body);
    assert.equal(got.body.active, true);
  });

  it('AIW integrations deactivate and reactivate by PUT of the GET body with "active" changed ([Okta § Delete Users], "created using the AIW … PUT")', async () => {
    const got = await okta('GET', `/Users/${userId}`);
    const off = await okta('PUT', `/Users/${userId}`, { ...got.body, active: false, password: PASSWORD });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.active, false);
    assertNoPassword(off.body);
    const on = await okta('PUT', `/Users/${userId}`, { ...off.body, active: true });
    assert.equal(on.status, 200, on.text);
    assert.equal(on.body.active, true);
    assert.equal(on.body.name.middleName, 'Excited');
  });

  it('Retrieve Users: the import pages with startIndex and count, integer counts and a stable order ([Okta § Retrieve Users]; IDP-QUIRKS row 20)', async () => {
    for (let i = 1; i <= 4; i++) {
      const password = `imp0rt-${i}-pw`;
      passwords.push(password);
      const r = await okta('POST', '/Users', oktaUser(`import.user${i}@okta.local`, 'Import', `User${i}`, `00uimport${i}`, password));
      assert.equal(r.status, 201, r.text);
    }
    const all = assertListPage(await okta('GET', '/Users?startIndex=1&count=100'), 5, 1, 5);
    assert.ok(all.includes(userId));
    const paged = [
      ...assertListPage(await okta('GET', '/Users?startIndex=1&count=2'), 5, 1, 2),
      ...assertListPage(await okta('GET', '/Users?startIndex=3&count=2'), 5, 3, 2),
      ...assertListPage(await okta('GET', '/Users?startIndex=5&count=2'), 5, 5, 1),
    ];
    assert.deepEqual(paged, all);
  });
});

describe('Okta (unpinned client recognised by its User-Agent): group push', () => {
  let groupId = '';
  const users: { id: string; userName: string }[] = [];
  let etagAfterAdd = '';

  before(async () => {
    // Four assigned users, created as Okta creates them.
    for (let i = 1; i <= 4; i++) {
      const password = `push-${i}-pw-x`;
      passwords.push(password);
      const userName = `push.user${i}@okta.local`;
      const r = await okta('POST', '/Users', oktaUser(userName, 'Push', `User${i}`, `00upush${i}`, password));
      assert.equal(r.status, 201, r.text);
      users.push({ id: r.body.id, userName });
    }
  });
  const member = (i: number) => ({ value: users[i]!.id, display: users[i]!.userName });

  it('Create Groups: POST with displayName and members: [] answers 201 with the group ([Okta § Create Groups])', async () => {
    const r = await okta('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Test SCIMv2', members: [] });
    assert.equal(r.status, 201, r.text);
    groupId = r.body.id;
    assert.equal(typeof groupId, 'string');
    assert.deepEqual(r.body.schemas, [GROUP_SCHEMA]);
    assert.equal(r.body.displayName, 'Test SCIMv2');
    assert.deepEqual(r.body.members ?? [], []);
    assert.equal(r.body.meta.resourceType, 'Group');
  });

  it('Retrieve Groups and Retrieve specific Groups: the import page and GET /Groups/{id} ([Okta § Retrieve Groups]; [Okta § Retrieve specific Groups])', async () => {
    assert.deepEqual(assertListPage(await okta('GET', '/Groups?startIndex=1&count=100'), 1, 1, 1), [groupId]);
    const r = await okta('GET', `/Groups/${groupId}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, groupId);
    assert.equal(r.body.displayName, 'Test SCIMv2');
  });

  it('add one member, then the same-name rename PATCH (carrying the group id) that follows every membership change: members and ETag unchanged ([Okta § Update specific Group membership]; [Okta § Update a specific Group name]; IDP-QUIRKS row 21)', async () => {
    const add = await okta('PATCH', `/Groups/${groupId}`, patchOp({ op: 'add', path: 'members', value: [member(0)] }));
    assertPatched(add);
    etagAfterAdd = add.headers.get('etag')!;
    assert.deepEqual(await memberIds(okta, groupId), [users[0]!.id]);

    const rename = await okta('PATCH', `/Groups/${groupId}`, patchOp({ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv2' } }));
    assertPatched(rename);
    assert.equal(rename.headers.get('etag'), etagAfterAdd, 'a same-name rename writes nothing');
    assert.deepEqual(await memberIds(okta, groupId), [users[0]!.id]);
  });

  it('one PATCH mixing remove members[value eq "…"] and add members is applied in order ([Okta § Update specific Group membership]; IDP-QUIRKS row 22)', async () => {
    const r = await okta('PATCH', `/Groups/${groupId}`, patchOp({ op: 'remove', path: `members[value eq "${users[0]!.id}"]` }, { op: 'add', path: 'members', value: [member(1)] }));
    assertPatched(r);
    assert.notEqual(r.headers.get('etag'), etagAfterAdd);
    assert.deepEqual(await memberIds(okta, groupId), [users[1]!.id]);
  });

  it('add several members in one operation ([Okta § Update specific Group membership])', async () => {
    const r = await okta('PATCH', `/Groups/${groupId}`, patchOp({ op: 'add', path: 'members', value: [member(2), member(3)] }));
    assertPatched(r);
    assert.deepEqual(await memberIds(okta, groupId), [users[1]!.id, users[2]!.id, users[3]!.id].sort());
  });

  it('full push: replace path "members" with a value list swaps the whole member set ([Okta § Update specific Group membership], "replace" operation; IDP-QUIRKS row 22)', async () => {
    const r = await okta('PATCH', `/Groups/${groupId}`, patchOp({ op: 'replace', path: 'members', value: [member(0), member(1)] }));
    assertPatched(r);
    assert.deepEqual(await memberIds(okta, groupId), [users[0]!.id, users[1]!.id].sort());
  });

  it('rename: a path-less replace carrying the group id and the new displayName renames and keeps the members ([Okta § Update a specific Group name]; IDP-QUIRKS row 21)', async () => {
    const r = await okta('PATCH', `/Groups/${groupId}`, patchOp({ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv20' } }));
    assertPatched(r);
    const g = await okta('GET', `/Groups/${groupId}`);
    assert.equal(g.body.displayName, 'Test SCIMv20');
    assert.deepEqual(((g.body.members ?? []) as { value: string }[]).map((m) => m.value).sort(), [users[0]!.id, users[1]!.id].sort());
  });

  it('AIW integrations update membership by a group PUT with the full member list: replace semantics ([Okta § Update specific Group membership], "created using the AIW … PUT"; IDP-QUIRKS row 23)', async () => {
    const r = await okta('PUT', `/Groups/${groupId}`, { schemas: [GROUP_SCHEMA], id: groupId, displayName: 'Test SCIMv20', members: [member(2)] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.displayName, 'Test SCIMv20');
    assert.deepEqual(((r.body.members ?? []) as { value: string }[]).map((m) => m.value), [users[2]!.id]);
    assert.deepEqual(await memberIds(okta, groupId), [users[2]!.id]);
  });

  it("a profile update of a pushed member (GET, then PUT of the echoed body with its groups) keeps the user's membership ([Okta § Update a specific User (PUT)]; IDP-QUIRKS rows 18, 23)", async () => {
    const got = await okta('GET', `/Users/${users[2]!.id}`);
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(((got.body.groups ?? []) as { value: string }[]).map((g) => g.value), [groupId]);
    const r = await okta('PUT', `/Users/${users[2]!.id}`, { ...got.body, title: 'Engineer' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.title, 'Engineer');
    assert.deepEqual(((r.body.groups ?? []) as { value: string }[]).map((g) => g.value), [groupId]);
    assert.deepEqual(await memberIds(okta, groupId), [users[2]!.id]);
  });

  it('Delete a specific Group: DELETE answers 204 with no body; the group is gone and its users stay ([Okta § Delete a specific Group])', async () => {
    const r = await okta('DELETE', `/Groups/${groupId}`);
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    const gone = await okta('GET', `/Groups/${groupId}`);
    assert.equal(gone.status, 404, gone.text);
    assert.deepEqual(gone.body.schemas, [ERROR_SCHEMA]);
    assert.equal(typeof gone.body.detail, 'string');
    const user = await okta('GET', `/Users/${users[2]!.id}`);
    assert.equal(user.status, 200, user.text);
    assert.deepEqual(user.body.groups ?? [], []);
  });
});

describe('Okta: the provisioning request log of the run', () => {
  it('one row per request, each with idp "okta" (the first included), notes naming the normalisers that fired, passwords redacted; no row or database file holds a password or the bearer token (IDP-QUIRKS preamble)', async () => {
    const services = s.running.services;
    let rows: RequestLogEntry[] = [];
    // The log is written after each response has gone; wait until every request's row is there.
    for (let attempt = 0; attempt < 100; attempt++) {
      await services.requestLog.flush();
      rows = (await services.store.requestLog({ limit: 10_000 })).filter((r) => r.clientName === 'okta');
      if (rows.length >= sent) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(rows.length, sent);
    for (const row of rows) assert.equal(row.idp, 'okta', `${row.method} ${row.path}`);

    const first = rows.reduce((a, b) => ((a.id ?? Infinity) < (b.id ?? Infinity) ? a : b));
    assert.equal(`${first.method} ${first.path}`, `GET /scim/v2${existenceCheck(USER_NAME)}`);
    assert.equal(first.idp, 'okta', 'recognised on its very first request');

    const rename = rows.find((r) => r.method === 'PATCH' && (r.requestBody ?? '').includes('"displayName":"Test SCIMv20"'));
    assert.ok(rename, 'the rename is logged');
    assert.ok(rename.notes.includes(`patchValueIgnoresId: 'id' in a path-less replace value dropped`), rename.notes.join(' | '));
    const create = rows.find((r) => r.method === 'POST' && r.path.endsWith('/Users') && r.status === 201);
    assert.ok(create, 'a user creation is logged');
    assert.ok(create.notes.some((n) => n.startsWith('userGroupsMembership:')), create.notes.join(' | '));
    assert.ok((create.requestBody ?? '').includes('"password":"[redacted]"'), create.requestBody);

    assertNoSecrets(s, rows, [...passwords, token, s.token]);
  });
});
