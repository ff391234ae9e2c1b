/**
 * Microsoft Entra ID provisioning lifecycle against a real scimd (real HTTP on 127.0.0.1, real
 * SQLite), with the request shapes Microsoft Learn documents. Sources, cited in each test name:
 * - [Tutorial] "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID"
 *   (sections "User Operations", "Group Operations", "Handling provisioning and deprovisioning of
 *   users" examples 1–6, "Getting started" with its Test Connection note, "General").
 * - [Known issues] "Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft
 *   Entra user provisioning service", "Flags to alter the SCIM behavior": each request shape
 *   "without feature flag" (default mode) and "with feature flag" (`?aadOptscim062020`).
 * - IDP-QUIRKS.md rows, where a row names a shape the two articles only imply.
 *
 * Two suites: the default mode (a client pinned to the `entra` profile: capitalised ops, "False"
 * strings, member removal by value list, bare `manager` path) and the flag mode (an unpinned client
 * recognised by the flag in its tenant URL: lowercase ops, real booleans, path-less replace whose
 * value keys are paths, removal by `members[value eq …]`). Neither Microsoft article states a
 * User-Agent, so none is sent. Where the flag goes among the query parameters is not documented;
 * the tenant URL's own query is assumed to come first.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ENTERPRISE, GROUP_SCHEMA, patch as patchOp, PATCH_OP, startTestServer, USER_SCHEMA, type Reply, type TestServer } from '../helpers/server.ts';
import { assertError, assertGroupPatched, assertNoSecrets, LIST_RESPONSE, listIds, logRows, memberIds, normaliserNames } from '../helpers/idp.ts';

const ADSCIM_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const FLAG = 'aadOptscim062020';

let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(() => s.close());

/** A query string, each value encoded as an HTTP client sends it. */
const query = (params: Record<string, string>) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');

/** A SCIM client acting as Entra: its token on every request; `flag` puts ?aadOptscim062020 first in every query. */
function entraClient(token: string, flag: boolean) {
  let sent = 0;
  const call = (method: string, path: string, body?: unknown): Promise<Reply> => {
    sent++;
    let url = path;
    if (flag) {
      const [p, q] = path.split('?', 2) as [string, string | undefined];
      url = `${p}?${FLAG}${q ? `&${q}` : ''}`;
    }
    return s.request(method, url, body, { authorization: `Bearer ${token}` });
  };
  return { call, sent: () => sent };
}

/** [Tutorial] "Create User": the POST body, with this run's identifiers. */
function entraUser(userName: string, externalId: string, email: string) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId,
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: email }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  };
}

/** [Tutorial] "Create Group": the POST body, with the ADSCIM schema URN and client-sent meta. */
function entraGroup(displayName: string, externalId: string) {
  return { schemas: [GROUP_SCHEMA, ADSCIM_GROUP], externalId, displayName, meta: { resourceType: 'Group' } };
}

function assertEmptyList(r: Reply): void {
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
  assert.deepEqual(r.body.schemas, [LIST_RESPONSE]);
  assert.equal(r.body.totalResults, 0);
  assert.deepEqual(r.body.Resources ?? [], []);
}

describe('Microsoft Entra ID, default mode (client pinned to the entra profile)', () => {
  let entra: ReturnType<typeof entraClient>;
  let token: string;
  const userName = `Test_User_${randomUUID()}`;
  let externalId: string = randomUUID();
  const email = `Test_User_${randomUUID()}@testuser.com`;
  let userId = '';
  let managerId = '';
  let groupId = '';
  const others: string[] = [];
  let currentUserName = userName;

  before(async () => {
    ({ token } = await s.running.services.admin.createClient('default', 'entra', { idp: 'entra' }));
    entra = entraClient(token, false);
  });

  it('Test Connection: a user query on a random GUID answers 200 with an empty ListResponse, and so does the group probe ([Tutorial] Getting started, Test Connection note; General)', async () => {
    // The matching property is userName by default; older configurations match on externalId.
    assertEmptyList(await entra.call('GET', `/Users?${query({ filter: `userName eq "${randomUUID()}"` })}`));
    assertEmptyList(await entra.call('GET', `/Users?${query({ filter: `externalId eq "${randomUUID()}"` })}`));
    // "fetch a random user and group": groups are read with members excluded.
    assertEmptyList(await entra.call('GET', `/Groups?${query({ excludedAttributes: 'members', filter: `displayName eq "${randomUUID()}"` })}`));
  });

  it('Get User on an unknown id answers 404 with a SCIM Error ([Tutorial] User Operations, Get User, "User not found")', async () => {
    assertError(await entra.call('GET', `/Users/${randomUUID()}`), 404);
  });

  it('Create User: the documented POST (enterprise URN, meta, roles: []) answers 201 with the user and its id ([Tutorial] User Operations, Create User)', async () => {
    const r = await entra.call('POST', '/Users', entraUser(userName, externalId, email));
    assert.equal(r.status, 201, r.text);
    assert.equal(typeof r.body.id, 'string');
    userId = r.body.id;
    assert.ok(r.body.schemas.includes(USER_SCHEMA));
    assert.equal(r.body.userName, userName);
    assert.equal(r.body.externalId, externalId);
    assert.equal(r.body.active, true);
    assert.deepEqual(r.body.name, { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' });
    assert.deepEqual(r.body.emails, [{ value: email, type: 'work', primary: true }]);
    assert.equal(r.body.meta.resourceType, 'User');
    assert.ok(r.body.meta.created, 'the server sets meta.created, not the client');
    assert.equal(r.headers.get('location'), r.body.meta.location);
  });

  it('match by filter: Get User by id and by userName query, and the externalId query of Example 1 with its unquoted value ([Tutorial] Get User; Get User by query; Example 1)', async () => {
    const byId = await entra.call('GET', `/Users/${userId}`);
    assert.equal(byId.status, 200, byId.text);
    assert.equal(byId.body.id, userId);
    assert.equal(byId.body.userName, userName);

    const byName = await entra.call('GET', `/Users?${query({ filter: `userName eq "${userName}"` })}`);
    assert.deepEqual(listIds(byName), [userId]);
    assert.deepEqual(byName.body.schemas, [LIST_RESPONSE]);
    assert.equal(byName.body.totalResults, 1);

    // Example 1 prints the value without quotes: `filter=externalId eq jyoung`.
    assert.deepEqual(listIds(await entra.call('GET', `/Users?${query({ filter: `externalId eq ${externalId}` })}`)), [userId]);
  });

  it(
    'match by filter on emails[type eq "work"].value, the other user query attribute the tutorial names ([Tutorial] User Operations; /Users)',
    async () => {
      const r = await entra.call('GET', `/Users?${query({ filter: `emails[type eq "work"].value eq "${email}"` })}`);
      assert.deepEqual(listIds(r), [userId]);
    },
  );

  it('Update User [Multi-valued properties]: Replace on emails[type eq "work"].value and name.familyName answers 200 with the user ([Tutorial] Update User [Multi-valued properties])', async () => {
    const r = await entra.call(
      'PATCH',
      `/Users/${userId}`,
      patchOp({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' }, { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' }),
    );
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, userId);
    assert.deepEqual(r.body.emails, [{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }]);
    assert.equal(r.body.name.familyName, 'updatedFamilyName');
    assert.equal(r.body.name.givenName, 'givenName');
  });

  it('Update User [Single-valued properties]: Replace userName; the user is then found by its new userName only ([Tutorial] Update User [Single-valued properties])', async () => {
    const renamed = `${randomUUID()}@testuser.com`;
    const r = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'Replace', path: 'userName', value: renamed }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.userName, renamed);
    currentUserName = renamed;
    assert.deepEqual(listIds(await entra.call('GET', `/Users?${query({ filter: `userName eq "${renamed}"` })}`)), [userId]);
    assertEmptyList(await entra.call('GET', `/Users?${query({ filter: `userName eq "${userName}"` })}`));
  });

  it('add a single-value string attribute with op "Add" ([Known issues] Requests made to add a single-value string attribute, without feature flag)', async () => {
    const r = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'Add', path: 'nickName', value: 'Babs' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.nickName, 'Babs');
  });

  it('replace multiple attributes, one capitalised Replace per path ([Known issues] Requests to replace multiple attributes, without feature flag)', async () => {
    const r = await entra.call(
      'PATCH',
      `/Users/${userId}`,
      patchOp(
        { op: 'Replace', path: 'displayName', value: 'Pvlo' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
        { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
        { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
        { op: 'Replace', path: 'externalId', value: 'Eqpj' },
        { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Eqpj' },
      ),
    );
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.displayName, 'Pvlo');
    assert.deepEqual(r.body.emails, [{ value: 'TestBcwqnm@test.microsoft.com', type: 'work', primary: true }]);
    assert.equal(r.body.name.givenName, 'Gtfd');
    assert.equal(r.body.name.familyName, 'Pkqf');
    assert.equal(r.body.externalId, 'Eqpj');
    assert.equal(r.body[ENTERPRISE].employeeNumber, 'Eqpj');
    externalId = 'Eqpj';
    assert.deepEqual(listIds(await entra.call('GET', `/Users?${query({ filter: `externalId eq "${externalId}"` })}`)), [userId]);
  });

  it('Add on phoneNumbers[type eq "mobile"].value and addresses[type eq "work"].postalCode with no such element creates it; a second Add updates it in place (IDP-QUIRKS row 7; [Tutorial] user attribute table: mobile, postalCode)', async () => {
    const r = await entra.call(
      'PATCH',
      `/Users/${userId}`,
      patchOp({ op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 425 555 0100' }, { op: 'Add', path: 'addresses[type eq "work"].postalCode', value: '98052' }),
    );
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.phoneNumbers, [{ type: 'mobile', value: '+1 425 555 0100' }]);
    assert.deepEqual(r.body.addresses, [{ type: 'work', postalCode: '98052' }]);

    const again = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 425 555 0199' }));
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body.phoneNumbers, [{ type: 'mobile', value: '+1 425 555 0199' }]);
  });

  it('manager: the reference check before the update, the Add on path "manager" with [{$ref, value}], then the check again, quoted and unquoted ([Tutorial] Example 4; Example 5)', async () => {
    const m = await entra.call('POST', '/Users', entraUser(`Manager_${randomUUID()}`, randomUUID(), `Manager_${randomUUID()}@testuser.com`));
    assert.equal(m.status, 201, m.text);
    managerId = m.body.id;

    const check = (id: string, manager: string, quoted = true) => {
      const filter = quoted ? `id eq "${id}" and manager eq "${manager}"` : `id eq ${id} and manager eq ${manager}`;
      return entra.call('GET', `/Users?${query({ filter, attributes: 'id' })}`);
    };
    // Example 4: Entra reads the current value before updating the reference.
    assertEmptyList(await check(userId, managerId));

    const r = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'Add', path: 'manager', value: [{ $ref: `${s.base}/Users/${managerId}`, value: managerId }] }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body[ENTERPRISE].manager.value, managerId);
    assert.equal(r.body.manager, undefined, 'no top-level "manager" attribute is stored');

    for (const quoted of [true, false]) {
      const found = await check(userId, managerId, quoted);
      assert.deepEqual(listIds(found), [userId]);
      // attributes=id: the resource carries its id (and schemas), nothing else.
      assert.deepEqual(Object.keys(found.body.Resources[0]).filter((k) => k !== 'schemas'), ['id']);
    }
    assertEmptyList(await check(userId, randomUUID()));
  });

  it('manager set with the enterprise path and a plain id string replaces the previous manager (IDP-QUIRKS row 8)', async () => {
    const other = await entra.call('POST', '/Users', entraUser(`Manager_${randomUUID()}`, randomUUID(), `Manager_${randomUUID()}@testuser.com`));
    assert.equal(other.status, 201, other.text);
    const r = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: other.body.id }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body[ENTERPRISE].manager.value, other.body.id);
    assertEmptyList(await entra.call('GET', `/Users?${query({ filter: `id eq "${userId}" and manager eq "${managerId}"`, attributes: 'id' })}`));
    // Back to the first manager, in the documented form, for the rest of the run.
    const back = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'Add', path: 'manager', value: [{ $ref: `${s.base}/Users/${managerId}`, value: managerId }] }));
    assert.equal(back.status, 200, back.text);
    assert.equal(back.body[ENTERPRISE].manager.value, managerId);
  });

  it('disable: Replace active "False" stores the boolean false; the user is still returned by id and by query ([Known issues] Requests made to disable users, without feature flag; [Tutorial] requirements, soft-deleting)', async () => {
    const r = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'Replace', path: 'active', value: 'False' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, false);

    const byId = await entra.call('GET', `/Users/${userId}`);
    assert.equal(byId.status, 200, byId.text);
    assert.equal(byId.body.active, false);
    const byName = await entra.call('GET', `/Users?${query({ filter: `userName eq "${currentUserName}"` })}`);
    assert.deepEqual(listIds(byName), [userId]);
    assert.equal(byName.body.Resources[0].active, false);
  });

  it('re-enable: Replace active "True" stores the boolean true ([Known issues] Requests made to disable users, without feature flag; [Tutorial] requirements, restoring active=true)', async () => {
    const r = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'Replace', path: 'active', value: 'True' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, true);
  });

  it('Disable User as the tutorial prints it (Operations before schemas, a JSON false), then enable again ([Tutorial] Disable User)', async () => {
    const r = await entra.call('PATCH', `/Users/${userId}`, { Operations: [{ op: 'Replace', path: 'active', value: false }], schemas: [PATCH_OP] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, false);
    const on = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'Replace', path: 'active', value: 'True' }));
    assert.equal(on.status, 200, on.text);
    assert.equal(on.body.active, true);
  });

  it('Create Group: the documented POST with the ADSCIM schema URN and meta answers 201 with the group ([Tutorial] Group Operations, Create Group)', async () => {
    const displayName = `Group_${randomUUID()}`;
    const r = await entra.call('POST', '/Groups', entraGroup(displayName, randomUUID()));
    assert.equal(r.status, 201, r.text);
    groupId = r.body.id;
    assert.equal(typeof groupId, 'string');
    assert.deepEqual(r.body.schemas, [GROUP_SCHEMA], 'the ADSCIM URN is not part of the stored group');
    assert.equal(r.body.displayName, displayName);
    assert.deepEqual(r.body.members ?? [], [], 'groups are created with an empty members list');
    assert.equal(r.body.meta.resourceType, 'Group');
  });

  it('Update Group [Add Members]: one member with "$ref": null answers 204; adding it again is a no-op, not 409 ([Tutorial] Update Group [Add Members]; IDP-QUIRKS row 11)', async () => {
    const r = await entra.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'Add', path: 'members', value: [{ $ref: null, value: userId }] }));
    assertGroupPatched(r);
    assert.deepEqual(await memberIds(entra.call, groupId), [userId]);

    const again = await entra.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'Add', path: 'members', value: [{ $ref: null, value: userId }] }));
    assertGroupPatched(again);
    assert.equal(again.headers.get('etag'), r.headers.get('etag'), 're-adding a member changes nothing');
    assert.deepEqual(await memberIds(entra.call, groupId), [userId]);
  });

  it('Update Group [Add Members] in batches: several values in one operation and several operations in one PATCH ([Tutorial] Gallery onboarding checklist, "updating multiple group memberships with a single PATCH")', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await entra.call('POST', '/Users', entraUser(`Member_${randomUUID()}`, randomUUID(), `Member_${randomUUID()}@testuser.com`));
      assert.equal(r.status, 201, r.text);
      others.push(r.body.id);
    }
    const r = await entra.call(
      'PATCH',
      `/Groups/${groupId}`,
      patchOp(
        { op: 'Add', path: 'members', value: [{ $ref: null, value: managerId }, { $ref: null, value: others[0] }] },
        { op: 'Add', path: 'members', value: [{ $ref: null, value: others[1] }] },
        { op: 'Add', path: 'members', value: [{ $ref: null, value: others[2] }] },
      ),
    );
    assertGroupPatched(r);
    assert.deepEqual(await memberIds(entra.call, groupId), [userId, managerId, ...others].sort());
  });

  it('Get Group and Get Group by displayName with excludedAttributes=members omit the members ([Tutorial] Get Group; Get Group by displayName)', async () => {
    const one = await entra.call('GET', `/Groups/${groupId}?excludedAttributes=members`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.id, groupId);
    assert.equal('members' in one.body, false);

    const listed = await entra.call('GET', `/Groups?${query({ excludedAttributes: 'members', filter: `displayName eq "${one.body.displayName}"` })}`);
    assert.deepEqual(listIds(listed), [groupId]);
    assert.equal('members' in listed.body.Resources[0], false);
  });

  it('membership reference check: id eq group and members eq user, with attributes=id ([Tutorial] Group provisioning and deprovisioning, "requests about the members attribute"; IDP-QUIRKS row 9)', async () => {
    const check = (member: string) => entra.call('GET', `/Groups?${query({ filter: `id eq "${groupId}" and members eq "${member}"`, attributes: 'id' })}`);
    assert.deepEqual(listIds(await check(userId)), [groupId]);
    assertEmptyList(await check(randomUUID()));
  });

  it('Update Group [Remove Members]: Remove path "members" with [{"$ref": null, value}] removes only that member ([Tutorial] Update Group [Remove Members])', async () => {
    const r = await entra.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'Remove', path: 'members', value: [{ $ref: null, value: userId }] }));
    assertGroupPatched(r);
    assert.deepEqual(await memberIds(entra.call, groupId), [managerId, ...others].sort());
  });

  it('remove a group member without the flag: Remove path "members" with [{value}], then a value list of two ([Known issues] Requests made to remove a group member, without feature flag)', async () => {
    const one = await entra.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: managerId }] }));
    assertGroupPatched(one);
    assert.deepEqual(await memberIds(entra.call, groupId), [...others].sort());

    const two = await entra.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: others[0] }, { value: others[1] }] }));
    assertGroupPatched(two);
    assert.deepEqual(await memberIds(entra.call, groupId), [others[2]]);
  });

  it('a value-list remove of 250 members in one operation removes just those (IDP-QUIRKS row 6: the rewritten path is split, never over the path limit)', async () => {
    const big = await entra.call('POST', '/Groups', entraGroup(`Big_${randomUUID()}`, randomUUID()));
    assert.equal(big.status, 201, big.text);
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const created = await Promise.all(Array.from({ length: 30 }, () => entra.call('POST', '/Users', entraUser(`Bulk_${randomUUID()}`, randomUUID(), `Bulk_${randomUUID()}@testuser.com`))));
      for (const r of created) {
        assert.equal(r.status, 201, r.text);
        ids.push(r.body.id);
      }
    }
    const add = await entra.call('PATCH', `/Groups/${big.body.id}`, patchOp({ op: 'Add', path: 'members', value: ids.map((value) => ({ $ref: null, value })) }));
    assertGroupPatched(add);
    const remove = await entra.call('PATCH', `/Groups/${big.body.id}`, patchOp({ op: 'Remove', path: 'members', value: ids.slice(0, 250).map((value) => ({ $ref: null, value })) }));
    assertGroupPatched(remove);
    assert.deepEqual(await memberIds(entra.call, big.body.id), ids.slice(250).sort());
  });

  it('Update Group [Non-member attributes]: Replace displayName succeeds and keeps the members ([Tutorial] Update Group [Non-member attributes])', async () => {
    const renamed = `${randomUUID()}updatedDisplayName`;
    const r = await entra.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'Replace', path: 'displayName', value: renamed }));
    assertGroupPatched(r);
    const g = await entra.call('GET', `/Groups/${groupId}?excludedAttributes=members`);
    assert.equal(g.body.displayName, renamed);
    assert.deepEqual(await memberIds(entra.call, groupId), [others[2]]);
  });

  it('duplicate create: a second POST of a user with the same userName answers 409 uniqueness (RFC 7644 §3.3, as the [Tutorial] Create User flow expects)', async () => {
    const r = await entra.call('POST', '/Users', entraUser(currentUserName, randomUUID(), email));
    assertError(r, 409, 'uniqueness');
    assert.deepEqual(listIds(await entra.call('GET', `/Users?${query({ filter: `userName eq "${currentUserName}"` })}`)), [userId]);
  });

  it('Delete User answers 204; the user is gone by id, by query and from its groups ([Tutorial] Delete User; Example 6)', async () => {
    const add = await entra.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'Add', path: 'members', value: [{ $ref: null, value: userId }] }));
    assertGroupPatched(add);

    const r = await entra.call('DELETE', `/Users/${userId}`);
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assertError(await entra.call('GET', `/Users/${userId}`), 404);
    assertEmptyList(await entra.call('GET', `/Users?${query({ filter: `userName eq "${currentUserName}"` })}`));
    assert.deepEqual(await memberIds(entra.call, groupId), [others[2]]);
  });

  it('Delete Group answers 204; the group is gone ([Tutorial] Delete Group)', async () => {
    const r = await entra.call('DELETE', `/Groups/${groupId}`);
    assert.equal(r.status, 204, r.text);
    assertError(await entra.call('GET', `/Groups/${groupId}?excludedAttributes=members`), 404);
    // The members themselves stay.
    assert.equal((await entra.call('GET', `/Users/${others[2]}`)).status, 200);
  });

  it('request log: one row per request, each with idp "entra" and notes naming the normalisers that fired; no row or database file holds the bearer token (IDP-QUIRKS preamble)', async () => {
    const rows = await logRows(s, 'entra', entra.sent());
    assert.equal(rows.length, entra.sent());
    for (const row of rows) assert.equal(row.idp, 'entra', `${row.method} ${row.path}`);

    const fired = new Set(rows.flatMap(normaliserNames));
    for (const name of ['opCase', 'booleanStrings', 'unknownSchemaUrns', 'membersRemoveByValueList', 'managerAsString', 'addCreatesFilteredElement', 'unquotedFilterValues']) {
      assert.ok(fired.has(name), `a note from ${name}; saw ${[...fired].join(', ')}`);
    }
    const disable = rows.find((r) => r.method === 'PATCH' && (r.requestBody ?? '').includes('"value":"False"'));
    assert.ok(disable, 'the disable request is logged');
    assert.ok(disable.notes.includes(`opCase: op 'Replace' read as 'replace'`), disable.notes.join(' | '));
    assert.ok(disable.notes.includes(`booleanStrings: 'active' "False" read as false`), disable.notes.join(' | '));
    const createGroup = rows.find((r) => r.method === 'POST' && r.path.endsWith('/Groups'));
    assert.ok(createGroup?.notes.some((n) => n.startsWith('unknownSchemaUrns:') && n.includes(ADSCIM_GROUP)), createGroup?.notes.join(' | '));

    assertNoSecrets(s, rows, [token, s.token]);
  });
});

describe('Microsoft Entra ID, aadOptscim062020 flag mode (unpinned client, recognised by the flag)', () => {
  let entra: ReturnType<typeof entraClient>;
  let token: string;
  const userName = `Test_User_${randomUUID()}`;
  const email = `Test_User_${randomUUID()}@testuser.com`;
  let userId = '';
  let groupId = '';
  const members: string[] = [];

  before(async () => {
    ({ token } = await s.running.services.admin.createClient('default', 'entra-flag'));
    entra = entraClient(token, true);
  });

  it('Test Connection through a tenant URL carrying the flag answers an empty ListResponse, and the client is recognised as Entra from the flag alone ([Tutorial] Test Connection note; [Known issues] Flags to alter the SCIM behavior)', async () => {
    assertEmptyList(await entra.call('GET', `/Users?${query({ filter: `userName eq "${randomUUID()}"` })}`));
    assertEmptyList(await entra.call('GET', `/Groups?${query({ excludedAttributes: 'members', filter: `displayName eq "${randomUUID()}"` })}`));
    const client = await s.running.services.admin.client('default', 'entra-flag');
    assert.equal(client.idp, undefined, 'not pinned');
    assert.equal(client.detectedIdp, 'entra');
    assert.match(client.detectedReason ?? '', /aadOptscim062020/);
  });

  it('Create User and match by filter with the flag in the URL ([Tutorial] Create User; Get User by query)', async () => {
    const r = await entra.call('POST', '/Users', entraUser(userName, randomUUID(), email));
    assert.equal(r.status, 201, r.text);
    userId = r.body.id;
    assert.equal(r.body.active, true);
    assert.deepEqual(listIds(await entra.call('GET', `/Users?${query({ filter: `userName eq "${userName}"` })}`)), [userId]);
    // The flag may as well come after Entra's own parameters.
    const last = await s.request('GET', `/Users?${query({ filter: `userName eq "${userName}"` })}&${FLAG}`, undefined, { authorization: `Bearer ${token}` });
    assert.deepEqual(listIds(last), [userId]);
  });

  it('add a single-value string attribute with a lowercase "add" ([Known issues] Requests made to add a single-value string attribute, with feature flag)', async () => {
    const r = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'add', path: 'nickName', value: 'Babs' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.nickName, 'Babs');
  });

  it('replace multiple attributes: a path-less replace whose value keys are paths sets each attribute and stores no dotted key ([Known issues] Requests to replace multiple attributes, with feature flag; IDP-QUIRKS row 5)', async () => {
    const r = await entra.call(
      'PATCH',
      `/Users/${userId}`,
      patchOp(
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        { op: 'replace', value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', 'name.familyName': 'Unua', [`${ENTERPRISE}:employeeNumber`]: 'Aklq' } },
      ),
    );
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.emails, [{ value: 'TestMhvaes@test.microsoft.com', type: 'work', primary: true }]);
    assert.equal(r.body.displayName, 'Bjfe');
    assert.equal(r.body.name.givenName, 'Kkom');
    assert.equal(r.body.name.familyName, 'Unua');
    assert.equal(r.body.name.formatted, 'givenName familyName', 'the rest of name is kept');
    assert.equal(r.body[ENTERPRISE].employeeNumber, 'Aklq');

    const stored = await entra.call('GET', `/Users/${userId}`);
    assert.equal(stored.status, 200, stored.text);
    const keys = [...Object.keys(stored.body).filter((k) => !k.startsWith('urn:')), ...Object.keys(stored.body.name)];
    for (const key of keys) assert.ok(!key.includes('.'), `no literal attribute '${key}'`);
    assert.deepEqual(Object.keys(stored.body[ENTERPRISE]), ['employeeNumber']);
  });

  it('disable with a lowercase replace and a JSON false; the user is still returned by id and by query ([Known issues] Requests made to disable users, with feature flag; [Tutorial] requirements, soft-deleting)', async () => {
    const r = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'replace', path: 'active', value: false }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, false);
    assert.equal((await entra.call('GET', `/Users/${userId}`)).body.active, false);
    assert.deepEqual(listIds(await entra.call('GET', `/Users?${query({ filter: `userName eq "${userName}"` })}`)), [userId]);
  });

  it('re-enable with a lowercase replace and a JSON true ([Known issues] Requests made to disable users, with feature flag; [Tutorial] requirements, restoring active=true)', async () => {
    const r = await entra.call('PATCH', `/Users/${userId}`, patchOp({ op: 'replace', path: 'active', value: true }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, true);
  });

  it('Create Group with the ADSCIM URN, then add members: one, then a batch in one PATCH ([Tutorial] Create Group; Update Group [Add Members]; Gallery onboarding checklist)', async () => {
    const g = await entra.call('POST', '/Groups', entraGroup(`Group_${randomUUID()}`, randomUUID()));
    assert.equal(g.status, 201, g.text);
    groupId = g.body.id;
    for (let i = 0; i < 3; i++) {
      const u = await entra.call('POST', '/Users', entraUser(`Member_${randomUUID()}`, randomUUID(), `Member_${randomUUID()}@testuser.com`));
      assert.equal(u.status, 201, u.text);
      members.push(u.body.id);
    }
    assertGroupPatched(await entra.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'add', path: 'members', value: [{ $ref: null, value: userId }] })));
    assertGroupPatched(
      await entra.call(
        'PATCH',
        `/Groups/${groupId}`,
        patchOp({ op: 'add', path: 'members', value: [{ $ref: null, value: members[0] }, { $ref: null, value: members[1] }] }, { op: 'add', path: 'members', value: [{ $ref: null, value: members[2] }] }),
      ),
    );
    assert.deepEqual(await memberIds(entra.call, groupId), [userId, ...members].sort());
  });

  it('remove a group member with path members[value eq "…"] removes only that member ([Known issues] Requests made to remove a group member, with feature flag)', async () => {
    const r = await entra.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'remove', path: `members[value eq "${userId}"]` }));
    assertGroupPatched(r);
    assert.deepEqual(await memberIds(entra.call, groupId), [...members].sort());
  });

  it('remove members by value list in flag mode too ([Tutorial] Update Group [Remove Members]; IDP-QUIRKS row 6, "both modes")', async () => {
    const r = await entra.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'remove', path: 'members', value: [{ $ref: null, value: members[0] }, { $ref: null, value: members[1] }] }));
    assertGroupPatched(r);
    assert.deepEqual(await memberIds(entra.call, groupId), [members[2]]);
  });

  it('rename the group with a lowercase replace on displayName ([Tutorial] Update Group [Non-member attributes])', async () => {
    const renamed = `${randomUUID()}updatedDisplayName`;
    const r = await entra.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'replace', path: 'displayName', value: renamed }));
    assertGroupPatched(r);
    const listed = await entra.call('GET', `/Groups?${query({ excludedAttributes: 'members', filter: `displayName eq "${renamed}"` })}`);
    assert.deepEqual(listIds(listed), [groupId]);
    assert.deepEqual(await memberIds(entra.call, groupId), [members[2]]);
  });

  it('duplicate create answers 409 uniqueness (RFC 7644 §3.3)', async () => {
    assertError(await entra.call('POST', '/Users', entraUser(userName.toUpperCase(), randomUUID(), email)), 409, 'uniqueness');
  });

  it('Delete User and Delete Group answer 204; both are gone ([Tutorial] Delete User; Delete Group)', async () => {
    assert.equal((await entra.call('DELETE', `/Users/${userId}`)).status, 204);
    assertError(await entra.call('GET', `/Users/${userId}`), 404);
    assert.equal((await entra.call('DELETE', `/Groups/${groupId}`)).status, 204);
    assertError(await entra.call('GET', `/Groups/${groupId}`), 404);
  });

  it('request log: every row carries idp "entra"; pathKeyedReplace noted, and no op-case or boolean-string rewrites (the flag mode sends neither); no row or database file holds the bearer token (IDP-QUIRKS preamble)', async () => {
    // The request with the flag last went through s.request directly.
    const rows = await logRows(s, 'entra-flag', entra.sent() + 1);
    assert.equal(rows.length, entra.sent() + 1);
    for (const row of rows) assert.equal(row.idp, 'entra', `${row.method} ${row.path}`);

    const fired = new Set(rows.flatMap(normaliserNames));
    assert.ok(fired.has('pathKeyedReplace'), [...fired].join(', '));
    assert.ok(fired.has('unknownSchemaUrns'), [...fired].join(', '));
    assert.equal(fired.has('opCase'), false);
    assert.equal(fired.has('booleanStrings'), false);
    const replace = rows.find((r) => r.method === 'PATCH' && (r.requestBody ?? '').includes('name.givenName'));
    assert.ok(replace, 'the path-keyed replace is logged');
    assert.ok(replace.notes.includes(`pathKeyedReplace: value key 'name.givenName' read as path "name.givenName"`), replace.notes.join(' | '));
    assert.ok(replace.notes.includes(`pathKeyedReplace: value key '${ENTERPRISE}:employeeNumber' read as path "${ENTERPRISE}:employeeNumber"`), replace.notes.join(' | '));

    assertNoSecrets(s, rows, [token, s.token]);
  });
});
