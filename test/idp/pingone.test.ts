/**
 * The Ping Identity SCIM provisioner (PingFederate's SCIM connector; PingOne's SCIM outbound
 * provisioning) against a real scimd (real HTTP on 127.0.0.1, real SQLite). Ping publishes no client
 * code; the request shapes follow its documentation, cited in each test name:
 * - [Provisioner] "SCIM Provisioner" (docs.pingidentity.com/integrations/scim/pf_scim_connector),
 *   section Specifications: filtering for users; groups found "by retrieving all groups and finding
 *   a match"; PATCH for users: No (users are updated with PUT); PATCH for groups: Yes.
 * - [Settings] "SCIM provisioner settings reference": Unique User Identifier userName (filter
 *   `userName eq <userName_value>`) or workEmail (`emails eq <workEmail_value>`), and the admin's
 *   Filter Expression override; Remove User Action (disable or delete).
 * - [Filters] PingOne "SCIM filter expressions": the examples `username Eq "%s"`, `email Co "%s"`.
 * - [Management] "User and group management": synchronizing existing users by userName, user
 *   provisioning, updates, deprovisioning, group provisioning, group name updates, group
 *   membership updates, group deletion.
 * - [Mapping] PingFederate "Attribute mapping": the Password attribute is sent only when the user
 *   is created ("Create Only").
 * - [PingOne groups] PingOne "Configuring outbound group provisioning": an existing group with the
 *   same name on the target is taken over (its members overwritten).
 * The documents do not show the wire format of group membership changes or the paging of the group
 * listing; those requests use RFC 7644 forms (§3.5.2 add/remove members, §3.4.2.4 startIndex/count)
 * and say so. No User-Agent is documented, so none is sent; the client is pinned to `pingone`.
 * IDP-QUIRKS rows 27, 32, 33.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, send, startTestServer, USER_SCHEMA, type TestServer } from '../helpers/server.ts';
import { assertError, assertNoSecrets, listIds, logRows, memberIds, normaliserNames, idpClient, type IdpClient } from '../helpers/idp.ts';

/** Pages of 3, so the group listing [Provisioner] relies on has to page. */
const PAGE = 3;

let s: TestServer;

before(async () => {
  s = await startTestServer({ maxResults: PAGE });
});
after(() => s.close());

function ping(token: string, base = s.base): IdpClient {
  return idpClient(base, { authorization: `Bearer ${token}`, accept: 'application/scim+json' });
}

const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;

/** A user as the provisioner maps it from the data store: core attributes, the enterprise department, work email. */
function pingUser(userName: string, given: string, family: string, email: string, active = true, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    userName,
    name: { givenName: given, familyName: family },
    displayName: `${given} ${family}`,
    emails: [{ value: email, type: 'work', primary: true }],
    active,
    [ENTERPRISE]: { department: 'Sales' },
    ...extra,
  };
}

/** [Provisioner] Specifications: a group is found by listing every group, page by page, and comparing names. */
async function findGroupByListing(c: IdpClient, displayName: string): Promise<{ id: string | undefined; pages: number }> {
  let startIndex = 1;
  let pages = 0;
  for (;;) {
    const r = await c.call('GET', `/Groups?startIndex=${startIndex}&count=${PAGE}`);
    assert.equal(r.status, 200, r.text);
    pages++;
    assert.equal(r.body.startIndex, startIndex);
    const page = (r.body.Resources ?? []) as { id: string; displayName: string }[];
    assert.equal(r.body.itemsPerPage, page.length);
    const hit = page.find((g) => g.displayName === displayName);
    if (hit) return { id: hit.id, pages };
    startIndex += page.length;
    if (page.length === 0 || startIndex > r.body.totalResults) return { id: undefined, pages };
  }
}

describe('Ping SCIM provisioner (client pinned to the pingone profile)', () => {
  let p: IdpClient;
  let token: string;
  const password = `Pw-${randomUUID()}`;
  const tag = randomUUID().slice(0, 8);
  const jsmith = { userName: `jsmith-${tag}`, email: `janet.smith-${tag}@example.com` };
  let jsmithId = '';
  const others: string[] = [];
  let groupId = '';
  let groupName = `Sales-${tag}`;

  before(async () => {
    ({ token } = await s.running.services.admin.createClient('default', 'ping', { idp: 'pingone' }));
    p = ping(token);
  });

  // Connect test: the documents describe none; the first requests of a provisioning cycle are the user lookups below.

  it('match before create: the default lookup `userName eq "…"` and the workEmail lookup `emails eq "…"` answer 200 with an empty ListResponse for an unknown user ([Settings] Unique User Identifier; IDP-QUIRKS 32)', async () => {
    assert.deepEqual(listIds(await p.call('GET', `/Users?${q(`userName eq "${jsmith.userName}"`)}`)), []);
    assert.deepEqual(listIds(await p.call('GET', `/Users?${q(`emails eq "${jsmith.email}"`)}`)), []);
  });

  it('create: POST /Users with the mapped attributes and a password (sent on create only) answers 201; the password is never echoed ([Management] User provisioning; [Mapping] Create Only)', async () => {
    const r = await p.call('POST', '/Users', pingUser(jsmith.userName, 'Janet', 'Smith', jsmith.email, true, { password }));
    assert.equal(r.status, 201, r.text);
    jsmithId = r.body.id;
    assert.equal(r.body.userName, jsmith.userName);
    assert.equal(r.body[ENTERPRISE].department, 'Sales');
    assert.equal(r.body.password, undefined);
    assert.ok(!r.text.includes(password));
  });

  it('match by filter: `userName eq "…"`, the admin override `username Eq "%s"` (any case, value matched without regard to case) and `emails eq "…"` on the multi-valued emails all find the user ([Settings] Filter Expression; [Filters]; IDP-QUIRKS 32)', async () => {
    assert.deepEqual(listIds(await p.call('GET', `/Users?${q(`userName eq "${jsmith.userName}"`)}`)), [jsmithId]);
    assert.deepEqual(listIds(await p.call('GET', `/Users?${q(`username Eq "${jsmith.userName.toUpperCase()}"`)}`)), [jsmithId]);
    assert.deepEqual(listIds(await p.call('GET', `/Users?${q(`emails eq "${jsmith.email}"`)}`)), [jsmithId]);
  });

  it('match by filter, the expressions as the settings page prints them, value unquoted (`userName eq jsmith`, `emails eq a@b`), also find the user ([Settings] Unique User Identifier)', async () => {
    assert.deepEqual(listIds(await p.call('GET', `/Users?${q(`userName eq ${jsmith.userName}`)}`)), [jsmithId]);
    assert.deepEqual(listIds(await p.call('GET', `/Users?${q(`emails eq ${jsmith.email}`)}`)), [jsmithId]);
  });

  it('the PingOne example `email Co "%s"` names no SCIM attribute (User has "emails"): scimd answers 400 invalidFilter naming it, so the admin can correct the expression ([Filters])', async () => {
    const r = await p.call('GET', `/Users?${q(`email Co "${jsmith.email.slice(0, 6)}"`)}`);
    assertError(r, 400, 'invalidFilter');
    assert.match(r.body.detail, /'email'/);
  });

  it('duplicate create: a POST for a userName that exists (a lookup that missed, e.g. a filter on another attribute) answers 409 uniqueness ([Management] Synchronizing existing users; RFC 7644 §3.3)', async () => {
    assertError(await p.call('POST', '/Users', pingUser(jsmith.userName.toUpperCase(), 'Janet', 'Smith', jsmith.email)), 409, 'uniqueness');
  });

  it('update: PUT /Users/{id} with the whole mapped user (users are never PATCHed; the password is not resent) answers 200 with the full resource ([Provisioner] Specifications, PATCH users: No; [Management] User updates; IDP-QUIRKS 27)', async () => {
    const r = await p.call('PUT', `/Users/${jsmithId}`, { ...pingUser(jsmith.userName, 'Janet', 'Smith-Jones', jsmith.email), id: jsmithId });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, jsmithId);
    assert.deepEqual(r.body.name, { givenName: 'Janet', familyName: 'Smith-Jones' });
    assert.equal(r.body.displayName, 'Janet Smith-Jones');
    assert.deepEqual(r.body.emails, [{ value: jsmith.email, type: 'work', primary: true }]);
  });

  it('disable: with Remove User Action "Disable", a PUT with "active": false; the user stays findable by the lookup filter ([Settings] Remove User Action; [Management] User deprovisioning)', async () => {
    const r = await p.call('PUT', `/Users/${jsmithId}`, { ...pingUser(jsmith.userName, 'Janet', 'Smith-Jones', jsmith.email, false), id: jsmithId });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, false);
    const found = await p.call('GET', `/Users?${q(`userName eq "${jsmith.userName}"`)}`);
    assert.deepEqual(listIds(found), [jsmithId]);
    assert.equal(found.body.Resources[0].active, false);
  });

  it('re-enable: the user back in the source group, a PUT with "active": true ([Management] User provisioning, disabled users)', async () => {
    const r = await p.call('PUT', `/Users/${jsmithId}`, { ...pingUser(jsmith.userName, 'Janet', 'Smith-Jones', jsmith.email, true), id: jsmithId });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, true);
  });

  it('synchronizing an existing user: a user the target already has is found by userName and updated with PUT, not created again ([Management] Synchronizing existing users)', async () => {
    // The application created this user itself (another client of the same tenant).
    const app = await s.running.services.admin.createClient('default', 'ping-app');
    const pre = await send(`${s.base}/Users`, 'POST', pingUser(`janet-${tag}`, 'Janet', 'Pre', `pre-${tag}@example.com`), { authorization: `Bearer ${app.token}` });
    assert.equal(pre.status, 201, pre.text);
    const found = await p.call('GET', `/Users?${q(`userName eq "janet-${tag}"`)}`);
    assert.deepEqual(listIds(found), [pre.body.id]);
    const r = await p.call('PUT', `/Users/${pre.body.id}`, { ...pingUser(`janet-${tag}`, 'Janet', 'Synced', `pre-${tag}@example.com`), id: pre.body.id });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.name.familyName, 'Synced');
    others.push(pre.body.id);
  });

  it('group create: the group is looked up by listing every group, page by page, then created with POST /Groups ([Provisioner] Specifications, group filtering; [Management] Group provisioning; IDP-QUIRKS 33)', async () => {
    for (let i = 0; i < 2; i++) {
      const u = await p.call('POST', '/Users', pingUser(`member-${i}-${tag}`, 'Member', `${i}`, `member-${i}-${tag}@example.com`));
      assert.equal(u.status, 201, u.text);
      others.push(u.body.id);
    }
    // Other groups already on the target, enough to fill several pages.
    for (let i = 0; i < 7; i++) assert.equal((await p.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `Existing-${i}-${tag}` })).status, 201);
    const missing = await findGroupByListing(p, groupName);
    assert.equal(missing.id, undefined);
    assert.ok(missing.pages >= 3, `the listing took ${missing.pages} page(s)`);
    const r = await p.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: groupName, members: [{ value: jsmithId }] });
    assert.equal(r.status, 201, r.text);
    groupId = r.body.id;
    // The next cycle finds it the same way, on whatever page it landed.
    assert.equal((await findGroupByListing(p, groupName)).id, groupId);
  });

  it('the listing is complete and stable: every group appears exactly once across the pages ([Provisioner] Specifications, group filtering; IDP-QUIRKS 33)', async () => {
    const seen: string[] = [];
    let total = 0;
    for (let startIndex = 1; ; ) {
      const r = await p.call('GET', `/Groups?startIndex=${startIndex}&count=${PAGE}`);
      assert.equal(r.status, 200, r.text);
      total = r.body.totalResults;
      const page = r.body.Resources as { id: string }[];
      seen.push(...page.map((g) => g.id));
      startIndex += page.length;
      if (page.length === 0 || startIndex > total) break;
    }
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, total);
    assert.ok(seen.includes(groupId));
  });

  it('member add, batch: one PATCH adding two members (RFC 7644 §3.5.2.1 form) answers 204 ([Provisioner] Specifications, PATCH groups: Yes; [Management] Group membership updates)', async () => {
    const r = await p.call('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: others[1] }, { value: others[2] }] }] });
    assert.ok(r.status === 204 || r.status === 200, r.text);
    assert.ok(r.headers.get('etag'));
    assert.deepEqual(await memberIds(p.call, groupId), [jsmithId, others[1]!, others[2]!].sort());
  });

  it('member remove, single: a PATCH removing members[value eq "…"] (RFC 7644 §3.5.2.2 form) ([Management] Group membership updates)', async () => {
    const r = await p.call('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${others[1]}"]` }] });
    assert.ok(r.status === 204 || r.status === 200, r.text);
    assert.deepEqual(await memberIds(p.call, groupId), [jsmithId, others[2]!].sort());
  });

  it('rename: a PATCH replacing displayName keeps the members ([Management] Group name updates)', async () => {
    groupName = `Sales-EMEA-${tag}`;
    const r = await p.call('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: groupName }] });
    assert.ok(r.status === 204 || r.status === 200, r.text);
    assert.equal((await findGroupByListing(p, groupName)).id, groupId);
    assert.deepEqual(await memberIds(p.call, groupId), [jsmithId, others[2]!].sort());
  });

  it('membership by PUT when group PATCH is off: PUT /Groups/{id} with the full member list answers 200 ([Provisioner] Specifications, PATCH groups is a setting)', async () => {
    const r = await p.call('PUT', `/Groups/${groupId}`, { schemas: [GROUP_SCHEMA], id: groupId, displayName: groupName, members: [{ value: others[0] }] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await memberIds(p.call, groupId), [others[0]]);
  });

  it('group delete: DELETE /Groups/{id} answers 204 ([Management] Group deletion)', async () => {
    assert.equal((await p.call('DELETE', `/Groups/${groupId}`)).status, 204);
    assertError(await p.call('GET', `/Groups/${groupId}`), 404);
  });

  it('delete: with Remove User Action "Delete", DELETE /Users/{id} answers 204 and the lookup finds nothing ([Settings] Remove User Action; [Management] User deprovisioning)', async () => {
    assert.equal((await p.call('DELETE', `/Users/${jsmithId}`)).status, 204);
    assert.deepEqual(listIds(await p.call('GET', `/Users?${q(`userName eq "${jsmith.userName}"`)}`)), []);
  });

  it('request log: every row carries idp "pingone"; only the unquoted lookups needed a normaliser; neither the password nor the token is stored anywhere (provisioning request log)', async () => {
    const rows = await logRows(s, 'ping', p.sent());
    assert.equal(rows.length, p.sent());
    for (const row of rows) assert.equal(row.idp, 'pingone', `${row.method} ${row.path}`);
    const noted = rows.filter((r) => normaliserNames(r).length > 0);
    assert.equal(noted.length, 2, noted.map((r) => `${r.path}: ${r.notes.join('; ')}`).join(' | '));
    for (const row of noted) assert.deepEqual(normaliserNames(row), ['unquotedFilterValues'], row.notes.join('; '));
    const create = rows.find((r) => r.method === 'POST' && r.path.endsWith('/Users') && r.status === 201 && (r.requestBody ?? '').includes('password'));
    assert.ok(create, 'the create row keeps its (redacted) body');
    assertNoSecrets(s, rows, [token, password]);
  });
});

describe('PingOne group provisioning into a tenant with identity.match = adopt', () => {
  it('a group whose name exists on the target is taken over: the POST links it and its members are overwritten ([PingOne groups] Group memberships)', async () => {
    const admin = s.running.services.admin;
    const tenant = 'ping-adopt';
    await admin.createTenant(tenant);
    await admin.setTenantSetting(tenant, 'identity.match', 'adopt');
    const { token } = await admin.createClient(tenant, 'ping-adopt', { idp: 'pingone' });
    const app = await admin.createClient(tenant, 'app');
    const base = `${s.origin}/t/${tenant}/scim/v2`;
    const asApp = (path: string, body: unknown) => send(`${base}${path}`, 'POST', body, { authorization: `Bearer ${app.token}` });
    const old = await asApp('/Users', { schemas: [USER_SCHEMA], userName: 'old-member' });
    const existing = await asApp('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Support', members: [{ value: old.body.id }] });
    assert.equal(existing.status, 201, existing.text);

    const p = ping(token, base);
    const u = await p.call('POST', '/Users', pingUser('agent-1', 'Agent', 'One', 'agent-1@example.com'));
    assert.equal(u.status, 201, u.text);
    const r = await p.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Support', members: [{ value: u.body.id }] });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.id, existing.body.id);
    assert.deepEqual(await memberIds(p.call, existing.body.id), [u.body.id]);

    const rows = await logRows(s, 'ping-adopt', p.sent());
    assert.equal(rows.length, p.sent());
    const linked = rows.filter((row) => row.notes.some((n) => n.startsWith('identity.match=adopt') && n.includes('matched by displayName')));
    assert.equal(linked.length, 1, rows.map((row) => row.notes.join('; ')).join(' | '));
    assert.equal(linked[0]!.idp, 'pingone');
    assertNoSecrets(s, rows, [token]);
  });
});
