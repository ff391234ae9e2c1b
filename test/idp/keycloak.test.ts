/**
 * The Keycloak SCIM client plugin (mitodl/keycloak-scim, a fork of libre.sh's keycloak-scim)
 * against a real scimd (real HTTP on 127.0.0.1, real SQLite), with the requests the plugin sends.
 * Sources, cited in each test name (all under src/main/java/sh/libre/scim/core/):
 * - ScimClient.java: `create` (POST of `toSCIM(false)`), `replace` (PUT of the whole resource, or
 *   the adapter's PatchBuilder when the component's `user-patchOp` / `group-patchOp` is on),
 *   `delete`, `importResources` (GET of the whole collection, no filter), `sync`. A failed create
 *   or replace is only logged (`response.isSuccess()` false → `LOGGER.warn(body)`).
 * - UserAdapter.java `toSCIM`, `toPatchBuilder` (replace `active` with `active.toString()`, i.e. the
 *   string "true"/"false", plus userName and displayName), `tryToMap` (by username, then email).
 * - GroupAdapter.java `toSCIM` (members `{value, type: "User", $ref: "Users/<id>"}`, a relative
 *   reference), `toPatchBuilder` (replace members + displayName + externalId; with no members
 *   left, `remove` on `members` with no value).
 * - The releases built on the UnboundID SDK (same files, commit 1e3ae07): PUT bodies carry
 *   `meta.location` "Users/<id>", emails `{primary: true, value}`, members without `type`.
 * - Captain-P-Goldfish SCIM-SDK PatchRequestOperation: a single string value is sent as a JSON
 *   string, not an array. The HTTP client is Apache HttpClient, whose default User-Agent names no
 *   Keycloak, so the plugin cannot be recognised and its client must be pinned (`--idp keycloak`).
 * IDP-QUIRKS rows 27, 31.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GROUP_SCHEMA, PATCH_OP, startTestServer, USER_SCHEMA, type TestServer } from '../helpers/server.ts';
import { assertError, assertNoSecrets, LIST_RESPONSE, logRows, memberIds, normaliserNames, idpClient, type IdpClient } from '../helpers/idp.ts';

/** Apache HttpClient's default User-Agent (HttpClientBuilder), used by the SCIM SDK the plugin embeds. */
const USER_AGENT = 'Apache-HttpClient/4.5.14 (Java/17.0.12)';

let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(() => s.close());

/**
 * A SCIM client acting as the plugin: ScimClient's defaultHeaders (Authorization, and the
 * component's content-type on every request, DELETE included) and Apache HttpClient's User-Agent.
 */
function keycloak(token: string): IdpClient {
  return idpClient(s.base, { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'user-agent': USER_AGENT });
}

/** A Keycloak user as UserAdapter holds it: its Keycloak id becomes the SCIM externalId. */
interface KcUser {
  kcId: string;
  username: string;
  firstName: string;
  lastName: string;
  email: string;
  enabled: boolean;
  /** The SCIM id the plugin stored in its mapping (ScimResource.externalId). */
  scimId?: string;
}

/** UserAdapter.toSCIM(false): displayName "first last" (or the username), name, one untyped email, active, no roles. */
function userToScim(u: KcUser): Record<string, unknown> {
  const displayName = `${u.firstName} ${u.lastName}`.trim() || u.username;
  return {
    schemas: [USER_SCHEMA],
    ...(u.scimId ? { id: u.scimId } : {}),
    externalId: u.kcId,
    userName: u.username,
    displayName,
    name: { givenName: u.firstName, familyName: u.lastName },
    emails: [{ value: u.email }],
    active: u.enabled,
  };
}

/** UserAdapter.toPatchBuilder: three replace operations, `active` as active.toString(). */
function userPatch(u: KcUser) {
  const displayName = `${u.firstName} ${u.lastName}`.trim() || u.username;
  return {
    schemas: [PATCH_OP],
    Operations: [
      { path: 'active', op: 'replace', value: String(u.enabled) },
      { path: 'userName', op: 'replace', value: u.username },
      { path: 'displayName', op: 'replace', value: displayName },
    ],
  };
}

/** GroupAdapter.toSCIM: members by their SCIM id, with type "User" and a relative $ref. */
function groupToScim(kcId: string, displayName: string, memberIds: readonly string[], scimId?: string): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    ...(scimId ? { id: scimId } : {}),
    externalId: kcId,
    displayName,
    members: memberIds.map((id) => ({ value: id, type: 'User', $ref: `Users/${id}` })),
  };
}

/** GroupAdapter.toPatchBuilder: replace members (or remove them all when none are left), displayName, externalId. */
function groupPatch(kcId: string, displayName: string, memberIds: readonly string[]) {
  const first = memberIds.length
    ? { path: 'members', op: 'replace', value: memberIds.map((id) => ({ value: id, type: 'User' })) }
    : // PatchRequestOperationBuilder.value(null): a one-element list holding null, set as a null value, so no "value" is sent.
      { path: 'members', op: 'remove' };
  return {
    schemas: [PATCH_OP],
    Operations: [first, { op: 'replace', path: 'displayName', value: displayName }, { op: 'replace', path: 'externalId', value: kcId }],
  };
}

const kcUser = (first: string, last: string, enabled = true): KcUser => {
  const username = `${first.toLowerCase()}.${randomUUID().slice(0, 8)}`;
  return { kcId: randomUUID(), username, firstName: first, lastName: last, email: `${username}@example.org`, enabled };
};

describe('Keycloak SCIM plugin, PUT mode (user-patchOp and group-patchOp off, the default)', () => {
  let kc: IdpClient;
  let token: string;
  const ada = kcUser('Ada', 'Lovelace');
  const bob = kcUser('Bob', 'Babbage');
  const groupKcId = randomUUID();
  let groupId = '';

  before(async () => {
    ({ token } = await s.running.services.admin.createClient('default', 'keycloak', { idp: 'keycloak' }));
    kc = keycloak(token);
  });

  // Connect test: the plugin has none. It reads no ServiceProviderConfig; a sync (ScimClient.sync)
  // starts with the import below when "sync-import" is on, then pushes every local user.
  it('import: GET /Users with no filter or paging answers a ListResponse the plugin reads its Resources from (ScimClient.importResources)', async () => {
    const r = await kc.call('GET', '/Users');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.schemas, [LIST_RESPONSE]);
    assert.ok(Array.isArray(r.body.Resources));
  });

  it('create: POST /Users with UserAdapter.toSCIM(false) (externalId = Keycloak id, untyped email) answers 201 with the id the plugin maps (ScimClient.create; UserAdapter.toSCIM)', async () => {
    for (const u of [ada, bob]) {
      const r = await kc.call('POST', '/Users', userToScim(u));
      assert.equal(r.status, 201, r.text);
      // adapter.apply(response.getResource()) reads id, userName, displayName, active and emails[0].value.
      assert.equal(typeof r.body.id, 'string');
      assert.equal(r.body.userName, u.username);
      assert.equal(r.body.displayName, `${u.firstName} ${u.lastName}`);
      assert.equal(r.body.active, true);
      assert.equal(r.body.emails[0].value, u.email);
      assert.equal(r.body.externalId, u.kcId);
      u.scimId = r.body.id;
    }
  });

  // Match by filter: never. The plugin sends no filter; the import lists the collection and maps
  // each remote user to a Keycloak user locally, by username and then by email.
  it('match: the unfiltered import lists the users with the userName and first email UserAdapter.tryToMap matches on (ScimClient.importResources; UserAdapter.apply, tryToMap)', async () => {
    const r = await kc.call('GET', '/Users');
    assert.equal(r.status, 200, r.text);
    const listed = (r.body.Resources as { id: string; userName: string; emails?: { value: string }[] }[]).find((x) => x.id === ada.scimId);
    assert.ok(listed, r.text);
    assert.equal(listed.userName, ada.username);
    assert.equal(listed.emails?.[0]?.value, ada.email);
  });

  it('duplicate create: a second POST of the same user (the plugin lost its mapping) answers 409 uniqueness with a detail, which is all the plugin logs (ScimClient.create, !response.isSuccess())', async () => {
    assertError(await kc.call('POST', '/Users', userToScim({ ...ada, scimId: undefined })), 409, 'uniqueness');
  });

  it('update: PUT /Users/{id} with the whole user including its id answers 200 with the full resource (ScimClient.replace, update branch; UserAdapter.toSCIM; IDP-QUIRKS 27)', async () => {
    ada.lastName = 'King';
    ada.email = `${ada.username}@lovelace.example`;
    const r = await kc.call('PUT', `/Users/${ada.scimId}`, userToScim(ada));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, ada.scimId);
    assert.equal(r.body.displayName, 'Ada King');
    assert.deepEqual(r.body.name, { givenName: 'Ada', familyName: 'King' });
    assert.deepEqual(r.body.emails, [{ value: ada.email }]);
    assert.equal(r.body.externalId, ada.kcId);
  });

  it('disable: a PUT with "active": false (user.isEnabled()) keeps the user, inactive (ScimClient.replace; UserAdapter.apply(UserModel))', async () => {
    const r = await kc.call('PUT', `/Users/${ada.scimId}`, userToScim({ ...ada, enabled: false }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, false);
    assert.equal((await kc.call('GET', `/Users/${ada.scimId}`)).body.active, false);
  });

  it('re-enable: a PUT with "active": true answers 200 with the user active (ScimClient.replace)', async () => {
    const r = await kc.call('PUT', `/Users/${ada.scimId}`, userToScim(ada));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, true);
  });

  it('update, UnboundID releases: the PUT body carries meta.location "Users/<id>" and a primary email; meta is ignored and the answer is 200 (ScimClient.replace via ScimService.replaceRequest; UserAdapter.toSCIM(true) at commit 1e3ae07)', async () => {
    const r = await kc.call('PUT', `/Users/${bob.scimId}`, {
      schemas: [USER_SCHEMA],
      id: bob.scimId,
      externalId: bob.kcId,
      userName: bob.username,
      displayName: 'Bob Babbage',
      emails: [{ primary: true, value: bob.email }],
      active: true,
      meta: { location: `Users/${bob.scimId}` },
      roles: [],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, bob.scimId);
    assert.equal(r.body.meta.location, `${s.base}/Users/${bob.scimId}`, 'the server keeps its own meta');
    assert.deepEqual(r.body.emails, [{ value: bob.email, primary: true }]);
  });

  it('group create: POST /Groups with its members, each {value, type: "User", $ref: "Users/<id>"} (relative), answers 201 with those members (ScimClient.create; GroupAdapter.toSCIM)', async () => {
    const r = await kc.call('POST', '/Groups', groupToScim(groupKcId, 'Analysts', [ada.scimId!]));
    assert.equal(r.status, 201, r.text);
    groupId = r.body.id;
    assert.equal(r.body.externalId, groupKcId);
    assert.deepEqual(
      (r.body.members as { value: string }[]).map((m) => m.value),
      [ada.scimId],
    );
    // The server answers with its own absolute reference.
    assert.equal(r.body.members[0].$ref, `${s.base}/Users/${ada.scimId}`);
  });

  it('member add: PUT /Groups/{id} with the full member list, one more member (ScimClient.replace; GroupAdapter.toSCIM)', async () => {
    const r = await kc.call('PUT', `/Groups/${groupId}`, groupToScim(groupKcId, 'Analysts', [ada.scimId!, bob.scimId!], groupId));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await memberIds(kc.call, groupId), [ada.scimId!, bob.scimId!].sort());
  });

  it('member remove and rename: PUT /Groups/{id} with one member fewer and a new displayName (ScimClient.replace; GroupAdapter.toSCIM)', async () => {
    const r = await kc.call('PUT', `/Groups/${groupId}`, groupToScim(groupKcId, 'Engine Analysts', [bob.scimId!], groupId));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.displayName, 'Engine Analysts');
    assert.deepEqual(await memberIds(kc.call, groupId), [bob.scimId]);
  });

  it('group update, UnboundID releases: members with a relative $ref but no type, and meta.location "Groups/<id>" (GroupAdapter.toSCIM(true) at commit 1e3ae07)', async () => {
    const r = await kc.call('PUT', `/Groups/${groupId}`, {
      schemas: [GROUP_SCHEMA],
      id: groupId,
      externalId: groupKcId,
      displayName: 'Engine Analysts',
      members: [{ value: ada.scimId, $ref: `Users/${ada.scimId}` }],
      meta: { location: `Groups/${groupId}` },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await memberIds(kc.call, groupId), [ada.scimId]);
  });

  it('group delete: DELETE /Groups/{id}, sent with the component\'s Content-Type and no body, answers 204 (ScimClient.delete)', async () => {
    const r = await kc.call('DELETE', `/Groups/${groupId}`);
    assert.equal(r.status, 204, r.text);
    assert.equal((await kc.call('GET', `/Groups/${groupId}`)).status, 404);
  });

  it('delete: DELETE /Users/{id} answers 204 and the user is gone (ScimClient.delete)', async () => {
    const r = await kc.call('DELETE', `/Users/${bob.scimId}`);
    assert.equal(r.status, 204, r.text);
    assert.equal((await kc.call('GET', `/Users/${bob.scimId}`)).status, 404);
  });

  it('request log: every row carries idp "keycloak"; PUT mode sends RFC shapes, so no normaliser leaves a note; the token is stored nowhere (provisioning request log)', async () => {
    const rows = await logRows(s, 'keycloak', kc.sent());
    assert.equal(rows.length, kc.sent());
    for (const row of rows) {
      assert.equal(row.idp, 'keycloak', `${row.method} ${row.path}`);
      assert.deepEqual(normaliserNames(row), [], `${row.method} ${row.path}: ${row.notes.join('; ')}`);
    }
    assertNoSecrets(s, rows, [token]);
  });
});

describe('Keycloak SCIM plugin, PATCH mode (user-patchOp and group-patchOp on)', () => {
  let kc: IdpClient;
  let token: string;
  const cy = kcUser('Cy', 'Young');
  const di = kcUser('Di', 'Ross');
  const groupKcId = randomUUID();
  let groupId = '';

  before(async () => {
    ({ token } = await s.running.services.admin.createClient('default', 'keycloak-patch', { idp: 'keycloak' }));
    kc = keycloak(token);
    for (const u of [cy, di]) {
      const r = await kc.call('POST', '/Users', userToScim(u));
      assert.equal(r.status, 201, r.text);
      u.scimId = r.body.id;
    }
  });

  it('disable: PATCH replacing active with the string "false" (plus userName and displayName) answers 200 with "active": false as a JSON boolean (UserAdapter.toPatchBuilder; IDP-QUIRKS 31)', async () => {
    const r = await kc.call('PATCH', `/Users/${cy.scimId}`, userPatch({ ...cy, enabled: false }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, false);
    assert.equal((await kc.call('GET', `/Users/${cy.scimId}`)).body.active, false);
  });

  it('re-enable: PATCH replacing active with the string "true" answers 200 with "active": true (UserAdapter.toPatchBuilder; IDP-QUIRKS 31)', async () => {
    const r = await kc.call('PATCH', `/Users/${cy.scimId}`, userPatch(cy));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, true);
  });

  it('update: the same three replace operations carry a new userName and displayName (UserAdapter.toPatchBuilder)', async () => {
    cy.username = `cy.young.${randomUUID().slice(0, 6)}`;
    cy.lastName = 'Young-Smith';
    const r = await kc.call('PATCH', `/Users/${cy.scimId}`, userPatch(cy));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.userName, cy.username);
    assert.equal(r.body.displayName, 'Cy Young-Smith');
  });

  it('group create: POST /Groups with its members (ScimClient.create; GroupAdapter.toSCIM)', async () => {
    const r = await kc.call('POST', '/Groups', groupToScim(groupKcId, 'Pitchers', [cy.scimId!]));
    assert.equal(r.status, 201, r.text);
    groupId = r.body.id;
  });

  it('member add and remove in one request: replace members with the new set [{value, type: "User"}], replace displayName and externalId (GroupAdapter.toPatchBuilder)', async () => {
    const r = await kc.call('PATCH', `/Groups/${groupId}`, groupPatch(groupKcId, 'Pitchers', [di.scimId!]));
    assert.ok(r.status === 204 || r.status === 200, r.text);
    assert.ok(r.headers.get('etag'));
    assert.deepEqual(await memberIds(kc.call, groupId), [di.scimId]);
  });

  it('member add (batch) and rename: replace members with both users and a new displayName (GroupAdapter.toPatchBuilder)', async () => {
    const r = await kc.call('PATCH', `/Groups/${groupId}`, groupPatch(groupKcId, 'Pitchers and Singers', [cy.scimId!, di.scimId!]));
    assert.ok(r.status === 204 || r.status === 200, r.text);
    const g = await kc.call('GET', `/Groups/${groupId}`);
    assert.equal(g.body.displayName, 'Pitchers and Singers');
    assert.deepEqual(await memberIds(kc.call, groupId), [cy.scimId!, di.scimId!].sort());
  });

  it('last members leave: "remove" on path members with no value clears the group, and the name stays (GroupAdapter.toPatchBuilder, members.size() == 0 branch; RFC 7644 §3.5.2.2; IDP-QUIRKS 31)', async () => {
    const r = await kc.call('PATCH', `/Groups/${groupId}`, groupPatch(groupKcId, 'Pitchers and Singers', []));
    assert.ok(r.status === 204 || r.status === 200, r.text);
    assert.deepEqual(await memberIds(kc.call, groupId), []);
    const g = await kc.call('GET', `/Groups/${groupId}`);
    assert.equal(g.body.displayName, 'Pitchers and Singers');
    assert.equal(g.body.externalId, groupKcId);
  });

  it('request log: rows carry idp "keycloak" and each string-boolean PATCH is noted by booleanStrings (provisioning request log; boolean-strings.ts)', async () => {
    const rows = await logRows(s, 'keycloak-patch', kc.sent());
    assert.equal(rows.length, kc.sent());
    for (const row of rows) assert.equal(row.idp, 'keycloak');
    const userPatches = rows.filter((r) => r.method === 'PATCH' && r.path.includes('/Users/'));
    assert.equal(userPatches.length, 3);
    for (const row of userPatches) assert.ok(row.notes.some((n) => n.startsWith("booleanStrings: 'active'")), row.notes.join('; '));
    for (const row of rows.filter((r) => r.method === 'PATCH' && r.path.includes('/Groups/'))) assert.deepEqual(row.notes, [], 'group PATCHes are RFC as sent');
    assertNoSecrets(s, rows, [token]);
  });
});

describe('Keycloak SCIM plugin without a pinned profile', () => {
  it('is not recognised from Apache HttpClient\'s User-Agent, yet works from its first request: the tolerant generic default reads its "false" string (detect.ts; UserAdapter.toPatchBuilder)', async () => {
    const { token } = await s.running.services.admin.createClient('default', 'keycloak-unpinned');
    const kc = keycloak(token);
    const u = kcUser('Ed', 'Unpinned');
    const created = await kc.call('POST', '/Users', userToScim(u));
    assert.equal(created.status, 201, created.text);
    const r = await kc.call('PATCH', `/Users/${created.body.id}`, userPatch({ ...u, enabled: false }));
    assert.equal(r.status, 200, r.text);
    assert.equal((await kc.call('GET', `/Users/${created.body.id}`)).body.active, false);
    const rows = await logRows(s, 'keycloak-unpinned', 2);
    for (const row of rows) assert.equal(row.idp, 'generic');
    assert.ok(rows.some((row) => row.notes.some((n) => n.startsWith('booleanStrings: '))), JSON.stringify(rows.map((row) => row.notes)));
  });
});
