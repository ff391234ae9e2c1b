/**
 * JumpCloud's Custom SCIM Identity Management integration against a real scimd (real HTTP on
 * 127.0.0.1, real SQLite). JumpCloud publishes no client code; the lifecycle follows its support
 * articles, cited in each test name:
 * - [KB] "Identity Management using a Custom SCIM Integration": Important Considerations (Test
 *   Connection creates a test user, from the admin's test email, and a test group, and deletes
 *   both when DELETE is supported; otherwise the test user is only deactivated); the attribute
 *   table (username → userName, firstname → name.givenName, lastname → name.familyName, group
 *   name → displayName); Group Management Considerations (empty groups are not created; an
 *   existing group of the same name is taken over; renaming is supported; a group disassociated
 *   from the app is left as is and its members deactivated; managed groups deleted in JumpCloud
 *   are deleted in the app).
 * - [DI] the same article's Directory Insights events: user_lookup_provision (a lookup decides
 *   between create and update), user_create_provision, user_update_provision, user_deprovision
 *   ("change an existing user to inactive"), user_delete_provision, group_create_provision,
 *   group_update_provision, group_delete_provision.
 * - IDP-QUIRKS rows 6 (member removal as `path: "members"` with a value list: a third-party report,
 *   ssoready PR #182 and a vendor KB), 35, 36.
 * The articles name the events, not the HTTP verbs of updates and deactivation; updates here are
 * PUTs of the whole user and deactivation a PATCH of `active`, both RFC 7644 forms. No User-Agent is
 * documented, so none is sent; the client is pinned to `jumpcloud`.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GROUP_SCHEMA, patch as patchOp, send, startTestServer, USER_SCHEMA, type TestServer } from '../helpers/server.ts';
import { assertError, assertGroupPatched, assertNoSecrets, listIds, logRows, memberIds, normaliserNames, idpClient, type IdpClient } from '../helpers/idp.ts';


let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(() => s.close());

function jumpcloud(token: string, base = s.base): IdpClient {
  return idpClient(base, { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' });
}

/** A JumpCloud object id (24 hex digits), sent as externalId. */
const jcId = () => randomBytes(12).toString('hex');

/** [KB] attribute table: username, first and last name, and the email. */
function jcUser(username: string, first: string, last: string, email: string, active = true, externalId = jcId()) {
  return {
    schemas: [USER_SCHEMA],
    externalId,
    userName: username,
    name: { givenName: first, familyName: last },
    displayName: `${first} ${last}`,
    emails: [{ value: email, type: 'work', primary: true }],
    active,
  };
}

const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;

describe('JumpCloud Custom SCIM integration (client pinned to the jumpcloud profile)', () => {
  let jc: IdpClient;
  let token: string;
  const tag = randomUUID().slice(0, 8);
  const jane = { username: `jane.doe-${tag}`, email: `jane.doe-${tag}@example.com`, externalId: jcId() };
  let janeId = '';
  const team: string[] = [];
  let groupId = '';

  before(async () => {
    ({ token } = await s.running.services.admin.createClient('default', 'jumpcloud', { idp: 'jumpcloud' }));
    jc = jumpcloud(token);
  });

  it('Test Connection: creates a test user (the admin\'s test email) and a test group holding it, then DELETEs both; both answer 204 and nothing stays behind ([KB] Important Considerations; IDP-QUIRKS 35)', async () => {
    const testEmail = `scim-test-${tag}@example.com`;
    const u = await jc.call('POST', '/Users', jcUser(testEmail, 'Test', 'User', testEmail));
    assert.equal(u.status, 201, u.text);
    const g = await jc.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `JumpCloud Test Group ${tag}`, members: [{ value: u.body.id }] });
    assert.equal(g.status, 201, g.text);
    assert.equal((await jc.call('DELETE', `/Groups/${g.body.id}`)).status, 204);
    // With DELETE supported the test user is deleted, not merely deactivated.
    assert.equal((await jc.call('DELETE', `/Users/${u.body.id}`)).status, 204);
    assertError(await jc.call('GET', `/Users/${u.body.id}`), 404);
    assertError(await jc.call('GET', `/Groups/${g.body.id}`), 404);
    assert.deepEqual(listIds(await jc.call('GET', `/Users?${q(`userName eq "${testEmail}"`)}`)), []);
  });

  it('lookup: before provisioning a user, `userName eq "…"` answers 200 with an empty ListResponse, so the user is created ([DI] user_lookup_provision)', async () => {
    assert.deepEqual(listIds(await jc.call('GET', `/Users?${q(`userName eq "${jane.username}"`)}`)), []);
  });

  it('create: POST /Users with username, first and last name and email answers 201 ([DI] user_create_provision; [KB] attribute table)', async () => {
    const r = await jc.call('POST', '/Users', jcUser(jane.username, 'Jane', 'Doe', jane.email, true, jane.externalId));
    assert.equal(r.status, 201, r.text);
    janeId = r.body.id;
    assert.equal(r.body.userName, jane.username);
    assert.deepEqual(r.body.name, { givenName: 'Jane', familyName: 'Doe' });
    assert.equal(r.body.externalId, jane.externalId);
  });

  it('match by filter: the next lookup finds the user, so JumpCloud updates instead of creating ([DI] user_lookup_provision)', async () => {
    assert.deepEqual(listIds(await jc.call('GET', `/Users?${q(`userName eq "${jane.username}"`)}`)), [janeId]);
  });

  it('duplicate create: a create for a userName that exists answers 409 uniqueness ([DI] user_create_provision; RFC 7644 §3.3)', async () => {
    assertError(await jc.call('POST', '/Users', jcUser(jane.username, 'Jane', 'Doe', jane.email)), 409, 'uniqueness');
  });

  it('update: a PUT of the whole user answers 200 with the full resource ([DI] user_update_provision; RFC 7644 §3.5.1)', async () => {
    const r = await jc.call('PUT', `/Users/${janeId}`, { ...jcUser(jane.username, 'Jane', 'Doe-Smith', jane.email, true, jane.externalId), id: janeId });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.name.familyName, 'Doe-Smith');
    assert.equal(r.body.displayName, 'Jane Doe-Smith');
  });

  it('deprovision: the user is changed to inactive and stays readable ([DI] user_deprovision; RFC 7644 §3.5.2.3)', async () => {
    const r = await jc.call('PATCH', `/Users/${janeId}`, patchOp({ op: 'replace', path: 'active', value: false }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, false);
    assert.deepEqual(listIds(await jc.call('GET', `/Users?${q(`userName eq "${jane.username}"`)}`)), [janeId]);
  });

  it('re-activate: the user is made active again ([DI] user_update_provision)', async () => {
    const r = await jc.call('PATCH', `/Users/${janeId}`, patchOp({ op: 'replace', path: 'active', value: true }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, true);
  });

  it('group create: groups are created with their members, never empty ([KB] Group Provisioning and Syncing, "Empty groups are not created"; [DI] group_create_provision; IDP-QUIRKS 36)', async () => {
    for (let i = 0; i < 3; i++) {
      const u = await jc.call('POST', '/Users', jcUser(`member-${i}-${tag}`, 'Member', `${i}`, `member-${i}-${tag}@example.com`));
      assert.equal(u.status, 201, u.text);
      team.push(u.body.id);
    }
    const r = await jc.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `Engineering-${tag}`, members: [{ value: janeId }, { value: team[0] }] });
    assert.equal(r.status, 201, r.text);
    groupId = r.body.id;
    assert.deepEqual(
      (r.body.members as { value: string }[]).map((m) => m.value).sort(),
      [janeId, team[0]!].sort(),
    );
  });

  it('member add, batch: one PATCH adding two members with a value list ([KB] membership change events; [DI] group_update_provision)', async () => {
    assertGroupPatched(await jc.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'add', path: 'members', value: [{ value: team[1] }, { value: team[2] }] })));
    assert.deepEqual(await memberIds(jc.call, groupId), [janeId, ...team].sort());
  });

  it('member remove, value-list form: remove with path "members" and value [{"value": id}] removes only that member ([DI] group_update_provision; IDP-QUIRKS 6, third-party report)', async () => {
    assertGroupPatched(await jc.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'remove', path: 'members', value: [{ value: team[0] }] })));
    assert.deepEqual(await memberIds(jc.call, groupId), [janeId, team[1]!, team[2]!].sort());
  });

  it('member remove, several in one value list: exactly those leave ([DI] group_update_provision; IDP-QUIRKS 6)', async () => {
    assertGroupPatched(await jc.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'remove', path: 'members', value: [{ value: team[1] }, { value: team[2] }] })));
    assert.deepEqual(await memberIds(jc.call, groupId), [janeId]);
  });

  it('member add, single: one member added back ([DI] group_update_provision)', async () => {
    assertGroupPatched(await jc.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'add', path: 'members', value: [{ value: team[0] }] })));
    assert.deepEqual(await memberIds(jc.call, groupId), [janeId, team[0]!].sort());
  });

  it('rename: replacing displayName keeps the members ([KB] "Group renaming is supported")', async () => {
    assertGroupPatched(await jc.call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'replace', path: 'displayName', value: `Platform-${tag}` })));
    const g = await jc.call('GET', `/Groups/${groupId}`);
    assert.equal(g.body.displayName, `Platform-${tag}`);
    assert.deepEqual(await memberIds(jc.call, groupId), [janeId, team[0]!].sort());
  });

  it('group disassociated from the app: the group is left as is and its members are deactivated ([KB] Group Provisioning and Syncing)', async () => {
    for (const id of [janeId, team[0]!]) {
      const r = await jc.call('PATCH', `/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: false }));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.active, false);
    }
    assert.deepEqual(await memberIds(jc.call, groupId), [janeId, team[0]!].sort(), 'deactivated users stay members');
  });

  it('group delete: a managed group deleted in JumpCloud is deleted in the app ([KB] Group Deletion; [DI] group_delete_provision)', async () => {
    assert.equal((await jc.call('DELETE', `/Groups/${groupId}`)).status, 204);
    assertError(await jc.call('GET', `/Groups/${groupId}`), 404);
  });

  it('delete: DELETE /Users/{id} answers 204 and the lookup finds nothing ([DI] user_delete_provision)', async () => {
    assert.equal((await jc.call('DELETE', `/Users/${janeId}`)).status, 204);
    assert.deepEqual(listIds(await jc.call('GET', `/Users?${q(`userName eq "${jane.username}"`)}`)), []);
  });

  it('request log: every row carries idp "jumpcloud"; only the value-list removals needed a normaliser; the token is stored nowhere (provisioning request log)', async () => {
    const rows = await logRows(s, 'jumpcloud', jc.sent());
    assert.equal(rows.length, jc.sent());
    for (const row of rows) assert.equal(row.idp, 'jumpcloud', `${row.method} ${row.path}`);
    const noted = rows.filter((r) => normaliserNames(r).length > 0);
    assert.equal(noted.length, 2, noted.map((r) => r.notes.join('; ')).join(' | '));
    for (const row of noted) {
      assert.deepEqual(normaliserNames(row), ['membersRemoveByValueList']);
      assert.match(row.notes[0]!, /read as path members\[value eq "/);
    }
    assertNoSecrets(s, rows, [token]);
  });
});

describe('JumpCloud group takeover, in a tenant with identity.match = adopt', () => {
  it('an app group with the same name is taken over: the POST links it and JumpCloud\'s members replace the old ones ([KB] "takes over management of existing groups"; matching.ts adopt by displayName; IDP-QUIRKS 36)', async () => {
    const admin = s.running.services.admin;
    const tenant = 'jumpcloud-adopt';
    await admin.createTenant(tenant);
    await admin.setTenantSetting(tenant, 'identity.match', 'adopt');
    const { token } = await admin.createClient(tenant, 'jumpcloud-adopt', { idp: 'jumpcloud' });
    const app = await admin.createClient(tenant, 'app');
    const base = `${s.origin}/t/${tenant}/scim/v2`;
    // The application's own group and member, there before JumpCloud was connected.
    const asApp = (path: string, body: unknown) => send(`${base}${path}`, 'POST', body, { authorization: `Bearer ${app.token}` });
    const local = await asApp('/Users', { schemas: [USER_SCHEMA], userName: 'local-admin' });
    const existing = await asApp('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [{ value: local.body.id }] });
    assert.equal(existing.status, 201, existing.text);

    const jc = jumpcloud(token, base);
    const u = await jc.call('POST', '/Users', jcUser('jo.engineer', 'Jo', 'Engineer', 'jo@example.com'));
    assert.equal(u.status, 201, u.text);
    const r = await jc.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [{ value: u.body.id }] });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.id, existing.body.id, 'no second "Engineering" group');
    assert.deepEqual(await memberIds(jc.call, existing.body.id), [u.body.id]);
    assert.deepEqual(listIds(await jc.call('GET', `/Groups?${q('displayName eq "Engineering"')}`)), [existing.body.id]);

    const rows = await logRows(s, 'jumpcloud-adopt', jc.sent());
    assert.equal(rows.length, jc.sent());
    const linked = rows.filter((row) => row.notes.some((n) => n.startsWith('identity.match=adopt') && n.includes(`Group ${existing.body.id} (matched by displayName)`)));
    assert.equal(linked.length, 1, rows.map((row) => row.notes.join('; ')).join(' | '));
    for (const row of rows) assert.equal(row.idp, 'jumpcloud');
    assertNoSecrets(s, rows, [token]);
  });
});
