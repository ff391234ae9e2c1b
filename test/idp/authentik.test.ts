/**
 * authentik's SCIM provider against a real scimd (real HTTP on 127.0.0.1, real SQLite), with the
 * requests authentik's client code sends. Sources (goauthentik/authentik), cited in each test name:
 * - clients/base.py: `SCIMClient.__init__` reads /ServiceProviderConfig before anything else;
 *   `_request` sends `Authorization: Bearer`, `Accept`/`Content-Type: application/scim+json` and the
 *   session's User-Agent `authentik@<version>` (lib/utils/http.py `authentik_user_agent`).
 * - clients/users.py `SCIMUserClient`: `create` (POST; on 409 a `userName eq` lookup links the
 *   existing user; older releases left the value unquoted), `update` (PUT with `id`, the response
 *   stored as the connection's attributes), `delete`. Users are never PATCHed.
 * - clients/groups.py `SCIMGroupClient`: `create` (POST without members, then `_patch_add_users`;
 *   on 409 a `displayName eq` lookup), `_update_patch_general` (path-less replace whose value is
 *   the whole group), `_update_patch_aws`, `_update_put`, `patch_compare_users` (diff from
 *   GET /Groups/{id}), `_patch_add_users`/`_patch_remove_users` chunked by `bulk.maxOperations`,
 *   `discover` (GET /Groups paged by startIndex).
 * - blueprints/system/providers-scim.yaml, the default user mapping: emails `type: "other"`,
 *   familyName " " for one-word names; tests/test_user.py and tests/test_membership.py for the exact
 *   bodies (a user without a name: givenName "", familyName " ", displayName "", emails []).
 * IDP-QUIRKS rows 6, 25–30.
 *
 * Bodies are built the way the client builds them: the pydantic models dumped with
 * `exclude_unset=True`, so unset fields (including `schemas` of the PatchRequest in
 * `_update_patch_general`) are absent.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GROUP_SCHEMA, PATCH_OP, startTestServer, USER_SCHEMA, type TestServer } from '../helpers/server.ts';
import { assertError, assertGroupPatched, assertNoSecrets, LIST_RESPONSE, listIds, logRows, memberIds, normaliserNames, idpClient, type IdpClient } from '../helpers/idp.ts';

/** lib/utils/http.py `authentik_user_agent()`: `authentik@{version}`. */
const USER_AGENT = 'authentik@2025.10.1';

let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(() => s.close());

/** A SCIM client acting as authentik's `SCIMClient._request`, counting what it sent. */
function authentik(token: string, base = s.base): IdpClient {
  return idpClient(base, {
    authorization: `Bearer ${token}`,
    accept: 'application/scim+json',
    'content-type': 'application/scim+json',
    'user-agent': USER_AGENT,
  });
}

/** `django.utils.http.urlencode` as users.py/groups.py use it: quote_plus, so spaces become "+". */
const urlencode = (params: Record<string, string>) =>
  Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%20/g, '+')}`)
    .join('&');

/** authentik's `User.uid`: a SHA-256 hex digest, sent as the SCIM externalId. */
const uidOf = (username: string) => createHash('sha256').update(`authentik-${username}`).digest('hex');

/**
 * The default user mapping (providers-scim.yaml) for a user called `name`, dumped as users.py does
 * (`to_schema`, `exclude_unset`): one-word names get familyName " " and formatted "name ".
 */
function mappedUser(username: string, name: string, email: string, active = true): Record<string, unknown> {
  const [givenName, familyName, formatted] = name.includes(' ') ? [name.slice(0, name.indexOf(' ')), name.slice(name.indexOf(' ') + 1), name] : [name, ' ', `${name} `];
  return {
    schemas: [USER_SCHEMA],
    userName: username,
    name: { formatted, givenName, familyName },
    displayName: name,
    active,
    emails: email ? [{ value: email, type: 'other', primary: true }] : [],
    externalId: uidOf(username),
  };
}

/** groups.py `to_schema` with PATCH supported: schemas, displayName, externalId = str(group.pk); members deleted. */
const mappedGroup = (name: string, pk: string) => ({ schemas: [GROUP_SCHEMA], displayName: name, externalId: pk });

/** groups.py `_patch_chunked`: a PatchRequest dumped with `mode="json"` (its default `schemas` included). */
const chunk = (...Operations: Record<string, unknown>[]) => ({ schemas: [PATCH_OP], Operations });
const addMember = (id: string) => ({ op: 'add', path: 'members', value: [{ value: id }] });

describe('authentik SCIM provider (client pinned to the authentik profile)', () => {
  let ak: IdpClient;
  let token: string;
  const alice = { username: `alice-${randomUUID().slice(0, 8)}@example.org`, name: 'alice' };
  let aliceId = '';
  const members: string[] = [];
  let groupId = '';
  const groupPk = randomUUID();
  let groupName = `engineering-${randomUUID().slice(0, 8)}`;

  before(async () => {
    ({ token } = await s.running.services.admin.createClient('default', 'authentik', { idp: 'authentik' }));
    ak = authentik(token);
  });

  it('connect: GET /ServiceProviderConfig first, and it says PATCH and filter are supported and gives bulk.maxOperations (base.py SCIMClient.get_service_provider_config; groups.py _patch_chunked)', async () => {
    const r = await ak.call('GET', '/ServiceProviderConfig');
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
    // pydantic's ServiceProviderConfiguration needs these to parse; otherwise authentik falls back to "nothing supported" (PUT-only, no 409 lookup).
    for (const k of ['patch', 'bulk', 'filter', 'changePassword', 'sort']) assert.equal(typeof r.body[k]?.supported, 'boolean', k);
    assert.ok(Array.isArray(r.body.authenticationSchemes));
    assert.equal(r.body.patch.supported, true, 'with PATCH unsupported authentik PUTs whole groups');
    assert.equal(r.body.filter.supported, true, 'with filter unsupported authentik cannot link existing objects after a 409');
    // _patch_chunked sends at most bulk.maxOperations operations per PATCH.
    assert.ok(Number.isInteger(r.body.bulk.maxOperations) && r.body.bulk.maxOperations >= 1, r.text);
  });

  it('create: POST /Users with the default mapping (emails type "other", familyName " " for a one-word name) answers 201 with an id (users.py SCIMUserClient.create; providers-scim.yaml)', async () => {
    const r = await ak.call('POST', '/Users', mappedUser(alice.username, alice.name, alice.username));
    assert.equal(r.status, 201, r.text);
    // create raises StopSync on a missing or empty id.
    assert.equal(typeof r.body.id, 'string');
    assert.ok(r.body.id.length > 0);
    aliceId = r.body.id;
    assert.equal(r.body.userName, alice.username);
    assert.equal(r.body.externalId, uidOf(alice.username));
    assert.deepEqual(r.body.emails, [{ value: alice.username, type: 'other', primary: true }]);
    assert.equal(r.body.name.givenName, 'alice');
    assert.equal(r.body.active, true);
  });

  it('create: a user with no name and no email (givenName "", familyName " ", displayName "", emails []) answers 201 (users.py create; tests/test_membership.py test_member_add body)', async () => {
    for (let i = 0; i < 3; i++) {
      const username = `member-${i}-${randomUUID().slice(0, 8)}`;
      const r = await ak.call('POST', '/Users', {
        schemas: [USER_SCHEMA],
        emails: [],
        active: true,
        externalId: uidOf(username),
        name: { familyName: ' ', formatted: ' ', givenName: '' },
        displayName: '',
        userName: username,
      });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.userName, username);
      assert.equal(r.body.displayName, undefined, 'an empty string is "unassigned" (RFC 7643 §2.5)');
      members.push(r.body.id);
    }
  });

  it('duplicate create: a second POST of the same userName answers 409 uniqueness, then the userName eq lookup (quoted, "+" for spaces) finds the user to link (users.py create, ObjectExistsSyncException branch)', async () => {
    const dup = await ak.call('POST', '/Users', mappedUser(alice.username, alice.name, alice.username));
    assertError(dup, 409, 'uniqueness');
    const r = await ak.call('GET', `/Users?${urlencode({ filter: `userName eq "${alice.username}"` })}`);
    assert.deepEqual(r.body.schemas, [LIST_RESPONSE]);
    // authentik links Resources[0].
    assert.deepEqual(listIds(r), [aliceId]);
  });

  it('match by filter: the older lookup with the userName unquoted (`userName eq alice@…`) finds the same user (users.py create in older releases; IDP-QUIRKS 26)', async () => {
    const r = await ak.call('GET', `/Users?${urlencode({ filter: `userName eq ${alice.username}` })}`);
    assert.deepEqual(listIds(r), [aliceId]);
  });

  // authentik never PATCHes a user: every update, deactivation and re-activation is a PUT of the whole mapped user.
  it('update: PUT /Users/{id} with the id and the whole mapped user answers 200 with the full resource, which authentik stores (users.py SCIMUserClient.update; IDP-QUIRKS 27)', async () => {
    const body = { ...mappedUser(alice.username, 'Alice Liddell', alice.username), id: aliceId };
    const r = await ak.call('PUT', `/Users/${aliceId}`, body);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, aliceId);
    assert.equal(r.body.userName, alice.username);
    assert.deepEqual(r.body.name, { formatted: 'Alice Liddell', givenName: 'Alice', familyName: 'Liddell' });
    assert.equal(r.body.displayName, 'Alice Liddell');
    assert.deepEqual(r.body.emails, [{ value: alice.username, type: 'other', primary: true }]);
    assert.equal(r.body.meta.resourceType, 'User');
    assert.ok(r.headers.get('etag'));
    const again = await ak.call('GET', `/Users/${aliceId}`);
    assert.deepEqual(again.body, r.body, 'what PUT answered is what the server holds');
  });

  it('disable: a PUT with "active": false (the mapping sends request.user.is_active) keeps the user, readable by id and by filter (users.py update; providers-scim.yaml; IDP-QUIRKS 15, 27)', async () => {
    const r = await ak.call('PUT', `/Users/${aliceId}`, { ...mappedUser(alice.username, 'Alice Liddell', alice.username, false), id: aliceId });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, false);
    assert.equal((await ak.call('GET', `/Users/${aliceId}`)).body.active, false);
    assert.deepEqual(listIds(await ak.call('GET', `/Users?${urlencode({ filter: `userName eq "${alice.username}"` })}`)), [aliceId]);
  });

  it('re-enable: a PUT with "active": true answers 200 with the user active again (users.py update)', async () => {
    const r = await ak.call('PUT', `/Users/${aliceId}`, { ...mappedUser(alice.username, 'Alice Liddell', alice.username, true), id: aliceId });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, true);
  });

  it('group create: POST /Groups without members answers 201, then one PATCH adds every member, one "add members" operation each (groups.py SCIMGroupClient.create, _patch_add_users, _patch_chunked)', async () => {
    const r = await ak.call('POST', '/Groups', mappedGroup(groupName, groupPk));
    assert.equal(r.status, 201, r.text);
    groupId = r.body.id;
    assert.equal(r.body.displayName, groupName);
    assert.equal(r.body.externalId, groupPk);
    assertGroupPatched(await ak.call('PATCH', `/Groups/${groupId}`, chunk(...[aliceId, ...members].map(addMember))));
    assert.deepEqual(await memberIds(ak.call, groupId), [aliceId, ...members].sort());
  });

  it('member remove, value-list form: remove with path "members" and value [{"value": id}] removes only that member (groups.py _patch_remove_users in releases before the filter form; IDP-QUIRKS 6)', async () => {
    const r = await ak.call('PATCH', `/Groups/${groupId}`, chunk({ op: 'remove', path: 'members', value: [{ value: members[0] }] }));
    assertGroupPatched(r);
    assert.deepEqual(await memberIds(ak.call, groupId), [aliceId, members[1]!, members[2]!].sort());
  });

  it('member remove, filter form: remove with path members[value eq "id"] and no value (groups.py _patch_remove_users; tests/test_membership.py test_member_remove)', async () => {
    assertGroupPatched(await ak.call('PATCH', `/Groups/${groupId}`, chunk({ op: 'remove', path: `members[value eq "${members[1]}"]` })));
    assert.deepEqual(await memberIds(ak.call, groupId), [aliceId, members[2]!].sort());
  });

  it('member add, single: one "add members" operation with [{"value": id}] (groups.py _patch_add_users; tests/test_membership.py test_member_add)', async () => {
    assertGroupPatched(await ak.call('PATCH', `/Groups/${groupId}`, chunk(addMember(members[0]!))));
    assert.deepEqual(await memberIds(ak.call, groupId), [aliceId, members[0]!, members[2]!].sort());
  });

  it('full sync: GET /Groups/{id} returns members, authentik diffs them and repairs the drift in one batch PATCH of adds and removes (groups.py patch_compare_users; IDP-QUIRKS 29)', async () => {
    // authentik's group should hold alice, members[0] and members[1]; the server holds members[2] too (drift).
    const should = [aliceId, members[0]!, members[1]!];
    const current = await ak.call('GET', `/Groups/${groupId}`);
    assert.equal(current.status, 200, current.text);
    assert.ok(Array.isArray(current.body.members), 'without members on GET authentik never repairs drift');
    const have = (current.body.members as { value: string }[]).map((m) => m.value);
    const toRemove = have.filter((v) => !should.includes(v));
    const toAdd = should.filter((v) => !have.includes(v));
    assert.deepEqual(toRemove, [members[2]]);
    assert.deepEqual(toAdd, [members[1]]);
    // Adds first, then removes, as patch_compare_users lists them (value-list removal form).
    const ops = [...toAdd.map(addMember), ...toRemove.map((v) => ({ op: 'remove', path: 'members', value: [{ value: v }] }))];
    assertGroupPatched(await ak.call('PATCH', `/Groups/${groupId}`, chunk(...ops)));
    assert.deepEqual(await memberIds(ak.call, groupId), [...should].sort());
  });

  it('rename: a path-less replace whose value is the whole group (schemas, id, displayName, externalId; no members), sent without the PatchOp "schemas", renames and keeps the members (groups.py _update_patch_general; IDP-QUIRKS 28)', async () => {
    const before = await memberIds(ak.call, groupId);
    groupName = `platform-${randomUUID().slice(0, 8)}`;
    // PatchRequest(...).model_dump(mode="json", exclude_unset=True, exclude_none=True): the default
    // `schemas` of the PatchRequest is unset, so it is not sent; `path` is None, so it is dropped.
    const r = await ak.call('PATCH', `/Groups/${groupId}`, {
      Operations: [{ op: 'replace', value: { schemas: [GROUP_SCHEMA], displayName: groupName, externalId: groupPk, id: groupId } }],
    });
    assertGroupPatched(r);
    const g = await ak.call('GET', `/Groups/${groupId}`);
    assert.equal(g.body.displayName, groupName);
    assert.equal(g.body.externalId, groupPk);
    assert.deepEqual(await memberIds(ak.call, groupId), before, 'a value without members leaves the members alone');
  });

  it('rename, after authentik stopped sending the read-only id: the same path-less replace without id (groups.py _update_patch_general, PR #23950)', async () => {
    groupName = `platform2-${randomUUID().slice(0, 8)}`;
    const r = await ak.call('PATCH', `/Groups/${groupId}`, { Operations: [{ op: 'replace', value: { schemas: [GROUP_SCHEMA], displayName: groupName, externalId: groupPk } }] });
    assertGroupPatched(r);
    assert.equal((await ak.call('GET', `/Groups/${groupId}`)).body.displayName, groupName);
  });

  it('rename in AWS compatibility mode: replace displayName and externalId by path (groups.py _update_patch_aws)', async () => {
    groupName = `aws-${randomUUID().slice(0, 8)}`;
    const r = await ak.call('PATCH', `/Groups/${groupId}`, chunk({ op: 'replace', path: 'displayName', value: groupName }, { op: 'replace', path: 'externalId', value: groupPk }));
    assertGroupPatched(r);
    assert.equal((await ak.call('GET', `/Groups/${groupId}`)).body.displayName, groupName);
  });

  it('value-list removal of several members in one operation removes exactly those (groups.py _patch_remove_users with several users; IDP-QUIRKS 6)', async () => {
    assertGroupPatched(await ak.call('PATCH', `/Groups/${groupId}`, chunk({ op: 'remove', path: 'members', value: [{ value: members[0] }, { value: members[1] }] })));
    assert.deepEqual(await memberIds(ak.call, groupId), [aliceId]);
  });

  it('group PUT with the full member list (PATCH unsupported, or vCenter mode): members [] empties the group and the answer is 200 with the group (groups.py _update_put; tests/test_membership.py test_member_remove_last_without_patch)', async () => {
    const r = await ak.call('PUT', `/Groups/${groupId}`, { schemas: [GROUP_SCHEMA], id: groupId, externalId: groupPk, displayName: groupName, members: [] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, groupId);
    assert.equal(r.body.displayName, groupName);
    assert.deepEqual(await memberIds(ak.call, groupId), []);
    const back = await ak.call('PUT', `/Groups/${groupId}`, { schemas: [GROUP_SCHEMA], id: groupId, externalId: groupPk, displayName: groupName, members: [{ value: aliceId }, { value: members[2] }] });
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(await memberIds(ak.call, groupId), [aliceId, members[2]!].sort());
  });

  it('match by filter: the displayName eq lookup authentik runs after a group POST answers 409 finds the group by name (groups.py create, ObjectExistsSyncException branch)', async () => {
    // RFC 7643 gives displayName no uniqueness, so scimd's default (identity.match=reject) never
    // answers 409 to a group POST and authentik never runs this lookup on its own; see the adopt suite.
    const r = await ak.call('GET', `/Groups?${urlencode({ filter: `displayName eq "${groupName}"` })}`);
    assert.deepEqual(listIds(r), [groupId]);
  });

  it('delete: DELETE /Users/{id} answers 204, the user is gone and no longer a member (users.py SCIMUserClient.delete)', async () => {
    const r = await ak.call('DELETE', `/Users/${members[2]}`);
    assert.equal(r.status, 204, r.text);
    assertError(await ak.call('GET', `/Users/${members[2]}`), 404);
    assert.deepEqual(await memberIds(ak.call, groupId), [aliceId]);
  });

  it('group delete: DELETE /Groups/{id} answers 204 (groups.py SCIMGroupClient.delete)', async () => {
    const r = await ak.call('DELETE', `/Groups/${groupId}`);
    assert.equal(r.status, 204, r.text);
    assertError(await ak.call('GET', `/Groups/${groupId}`), 404);
  });

  it('request log: every row carries idp "authentik", the normalisers that fired are named, and neither the token nor any secret is stored (provisioning request log)', async () => {
    const rows = await logRows(s, 'authentik', ak.sent());
    assert.equal(rows.length, ak.sent());
    for (const row of rows) assert.equal(row.idp, 'authentik', `${row.method} ${row.path}`);
    const fired = (method: string, name: string) => rows.some((r) => r.method === method && normaliserNames(r).includes(name));
    assert.ok(fired('GET', 'unquotedFilterValues'), 'the unquoted userName lookup is noted');
    assert.ok(fired('PATCH', 'membersRemoveByValueList'), 'the value-list removal is noted');
    assert.ok(fired('PATCH', 'patchValueIgnoresId'), 'the dropped id/schemas of the rename value are noted');
    assert.ok(fired('PATCH', 'patchOpSchemasMissing'), 'the PatchOp without "schemas" is noted');
    // The first rename value carried the group's own id and its schemas: both dropped, both noted.
    assert.ok(
      rows.some((r) => r.notes.some((n) => n.startsWith("patchValueIgnoresId: 'id'")) && r.notes.some((n) => n.startsWith("patchValueIgnoresId: 'schemas'"))),
      rows.map((r) => r.notes.join('; ')).join(' | '),
    );
    // Requests the RFC core accepts as they are leave no normaliser notes.
    for (const row of rows.filter((r) => r.method === 'POST' || r.method === 'PUT' || r.method === 'DELETE')) assert.deepEqual(row.notes, [], `${row.method} ${row.path}`);
    assertNoSecrets(s, rows, [token]);
  });
});

describe('authentik against a tenant with identity.match = adopt (duplicate create links the existing object)', () => {
  let ak: IdpClient;
  let token: string;
  const tenant = 'authentik-adopt';

  before(async () => {
    const admin = s.running.services.admin;
    await admin.createTenant(tenant);
    await admin.setTenantSetting(tenant, 'identity.match', 'adopt');
    ({ token } = await admin.createClient(tenant, 'authentik', { idp: 'authentik' }));
    ak = authentik(token, `${s.origin}/t/${tenant}/scim/v2`);
  });

  it('group duplicate create: a POST for a group that exists (authentik lost its connection) links it instead of creating a second one (groups.py create; matching.ts adopt by displayName)', async () => {
    const first = await ak.call('POST', '/Groups', mappedGroup('design', randomUUID()));
    assert.equal(first.status, 201, first.text);
    const pk = randomUUID();
    const again = await ak.call('POST', '/Groups', mappedGroup('design', pk));
    assert.equal(again.status, 201, again.text);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.externalId, pk, 'the group now carries authentik\'s new pk');
    assert.deepEqual(listIds(await ak.call('GET', `/Groups?${urlencode({ filter: 'displayName eq "design"' })}`)), [first.body.id]);
  });

  it('user duplicate create: a POST for a user that exists answers 201 with the existing id, linked by authentik\'s stable externalId (user.uid), so no 409 round trip is needed (users.py create; matching.ts adopt by externalId)', async () => {
    const username = `bob-${randomUUID().slice(0, 8)}`;
    const first = await ak.call('POST', '/Users', mappedUser(username, 'bob', ''));
    assert.equal(first.status, 201, first.text);
    const again = await ak.call('POST', '/Users', mappedUser(username, 'Bob Builder', `${username}@example.org`));
    assert.equal(again.status, 201, again.text);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.displayName, 'Bob Builder');
  });

  it('request log: the adopted POSTs are noted with what matched (provisioning request log; matching.ts)', async () => {
    const rows = await logRows(s, 'authentik', ak.sent());
    const adopted = rows.filter((r) => r.notes.some((n) => n.startsWith('identity.match=adopt')));
    assert.equal(adopted.length, 2, rows.map((r) => r.notes.join('; ')).join(' | '));
    assert.ok(adopted.some((r) => r.notes.some((n) => n.includes('matched by displayName'))));
    assert.ok(adopted.some((r) => r.notes.some((n) => n.includes('matched by externalId'))));
    for (const row of rows) assert.equal(row.idp, 'authentik');
    assertNoSecrets(s, rows, [token]);
  });
});

describe('authentik discovery and detection', () => {
  it('discover: GET /Groups, then GET /Groups?startIndex=n until totalResults are seen, each group once (groups.py SCIMGroupClient.discover)', async () => {
    // A server whose pages hold 2 resources, so discovery must page.
    const small = await startTestServer({ maxResults: 2 });
    try {
      const { token } = await small.running.services.admin.createClient('default', 'authentik', { idp: 'authentik' });
      const ak = authentik(token, small.base);
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await ak.call('POST', '/Groups', mappedGroup(`discover-${i}`, randomUUID()))).body.id);
      let res = await ak.call('GET', '/Groups');
      assert.equal(res.status, 200, res.text);
      const expected = res.body.totalResults as number;
      assert.equal(typeof expected, 'number');
      const seen: string[] = [];
      for (let pages = 0; pages < 10; pages++) {
        for (const g of res.body.Resources as { id: string }[]) seen.push(g.id);
        if (seen.length >= expected) break;
        res = await ak.call('GET', `/Groups?startIndex=${seen.length + 1}`);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.startIndex, seen.length + 1);
      }
      assert.equal(expected, 5);
      assert.deepEqual([...seen].sort(), [...created].sort());
    } finally {
      await small.close();
    }
  });

  it('an unpinned client sending authentik\'s User-Agent is recognised as authentik (lib/utils/http.py authentik_user_agent; detect.ts)', async () => {
    const { token } = await s.running.services.admin.createClient('default', 'authentik-unpinned');
    const ak = authentik(token);
    const r = await ak.call('GET', '/ServiceProviderConfig');
    assert.equal(r.status, 200, r.text);
    const rows = await logRows(s, 'authentik-unpinned', 1);
    assert.equal(rows[0]?.idp, 'authentik');
    const client = await s.running.services.admin.client('default', 'authentik-unpinned');
    assert.equal(client.detectedIdp, 'authentik');
  });
});
