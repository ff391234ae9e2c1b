/**
 * Role mapping (SuperOffice, SuperOffice: "updating license type when an employee switches
 * department"): per-tenant rules, managed with the real `scimd role add/list/remove`, that give
 * users matching a SCIM filter a named application role, shown in
 * urn:scimd:schemas:extension:2.0:User:appRoles. Roles are derived whenever a user is read, so
 * they follow every change at once: an attribute change, joining or leaving a group (directly or
 * through a nested group), a group renamed or deleted, a rule added or removed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scimdCli, scimdJson } from './helpers/cli.ts';
import { ENTERPRISE, ERROR_SCHEMA, group, patch, startTestServer, user, USER_SCHEMA, type Reply, type TestServer } from './helpers/server.ts';

const SCIMD = 'urn:scimd:schemas:extension:2.0:User';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

let s: TestServer;
let crm: (method: string, path: string, body?: unknown) => Promise<Reply>;
let other: (method: string, path: string, body?: unknown) => Promise<Reply>;

before(async () => {
  s = await startTestServer();
  const [a, b] = [await s.tenant('crm'), await s.tenant('other')];
  crm = (method, path, body) => s.request(method, path, body, { authorization: `Bearer ${a}` });
  other = (method, path, body) => s.request(method, path, body, { authorization: `Bearer ${b}` });
  const admin = s.running.services.tenantAdmin;
  const added = await scimdCli(['role', 'add', 'crm', 'sales-licence', `${ENTERPRISE}:department eq "Sales"`], s.dataDir);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /users matching .* have role 'sales-licence'/);
  await admin.addRole('crm', 'engineering-licence', `${ENTERPRISE}:department eq "Engineering"`);
  await admin.addRole('crm', 'admin', 'groups.display eq "Admins"');
});
after(() => s?.close());

const employee = (userName: string, department?: string) => ({ schemas: [USER_SCHEMA, ENTERPRISE], userName, ...(department ? { [ENTERPRISE]: { department } } : {}) });
const rolesOf = (r: Reply): string[] | undefined => r.body?.[SCIMD]?.appRoles;

async function roles(id: string, query = ''): Promise<string[] | undefined> {
  const r = await crm('GET', `/Users/${id}${query}`);
  assert.equal(r.status, 200, r.text);
  return rolesOf(r);
}

describe('role mapping', () => {
  it('scimd role list shows the rules; a department change changes the role, in the write answer and on every read', async () => {
    const list = await scimdJson(['role', 'list', 'crm'], s.dataDir);
    assert.deepEqual(
      list.map((r: { role: string }) => r.role),
      ['admin', 'engineering-licence', 'sales-licence'],
    );
    const created = await crm('POST', '/Users', employee('sam', 'Sales'));
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(rolesOf(created), ['sales-licence']);
    assert.ok(created.body.schemas.includes(SCIMD), 'schemas names the extension that carries the roles');
    const id = created.body.id;
    assert.deepEqual(await roles(id), ['sales-licence']);

    const moved = await crm('PATCH', `/Users/${id}`, patch({ op: 'replace', path: `${ENTERPRISE}:department`, value: 'Engineering' }));
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual(rolesOf(moved), ['engineering-licence'], 'the PATCH answer has the new role');
    assert.deepEqual(await roles(id), ['engineering-licence']);
    const listed = await crm('GET', `/Users?filter=${encodeURIComponent('userName eq "sam"')}`);
    assert.deepEqual(listed.body.Resources[0][SCIMD].appRoles, ['engineering-licence'], 'lists show it too');

    const put = await crm('PUT', `/Users/${id}`, user('sam'));
    assert.equal(rolesOf(put), undefined, 'no department, no licence');
    assert.ok(!put.body.schemas.includes(SCIMD));
    const back = await crm('PATCH', `/Users/${id}`, patch({ op: 'add', value: { [ENTERPRISE]: { department: 'sales' } } }));
    assert.deepEqual(rolesOf(back), ['sales-licence'], 'filters compare without regard to case');
  });

  it('joining and leaving a group changes the role: PATCH, PUT, POST with members, Bulk, rename and delete of the group', async () => {
    const u = await crm('POST', '/Users', employee('gil'));
    const id = u.body.id;
    assert.equal(rolesOf(u), undefined);
    const admins = await crm('POST', '/Groups', group('Admins'));
    const gid = admins.body.id;
    assert.equal((await crm('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: id }] }))).status, 200);
    assert.deepEqual(await roles(id), ['admin'], 'joined');
    assert.equal((await crm('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: `members[value eq "${id}"]` }))).status, 200);
    assert.equal(await roles(id), undefined, 'left');
    await crm('PUT', `/Groups/${gid}`, group('Admins', { members: [{ value: id }] }));
    assert.deepEqual(await roles(id), ['admin'], 'PUT members');
    await crm('PATCH', `/Groups/${gid}`, patch({ op: 'replace', path: 'displayName', value: 'Former admins' }));
    assert.equal(await roles(id), undefined, 'the rule names the group by displayName');
    await crm('PATCH', `/Groups/${gid}`, patch({ op: 'replace', path: 'displayName', value: 'Admins' }));
    assert.deepEqual(await roles(id), ['admin']);
    assert.equal((await crm('DELETE', `/Groups/${gid}`)).status, 204);
    assert.equal(await roles(id), undefined, 'group deleted');

    const bulk = await crm('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [{ method: 'POST', path: '/Groups', bulkId: 'g', data: group('Admins', { members: [{ value: id }] }) }],
    });
    assert.equal(bulk.body.Operations[0].status, '201', bulk.text);
    assert.deepEqual(await roles(id), ['admin'], 'a group created by /Bulk with the user in it');
    // Group names are unique in the tenant (groups.displayName.unique): the next tests make their own Admins.
    assert.equal((await crm('DELETE', bulk.body.Operations[0].location)).status, 204);
  });

  it('membership through a nested group counts, and so does its end', async () => {
    const u = await crm('POST', '/Users', employee('nia', 'Sales'));
    const id = u.body.id;
    const inner = await crm('POST', '/Groups', group('Night shift', { members: [{ value: id }] }));
    const outer = await crm('POST', '/Groups', group('Admins', { members: [{ value: inner.body.id }] }));
    assert.deepEqual(await roles(id), ['admin', 'sales-licence']);
    await crm('PATCH', `/Groups/${outer.body.id}`, patch({ op: 'remove', path: 'members' }));
    assert.deepEqual(await roles(id), ['sales-licence']);
    await crm('DELETE', `/Groups/${outer.body.id}`);
  });

  it('projections: asking only for appRoles, or leaving out groups, still gives the group-derived role', async () => {
    const u = await crm('POST', '/Users', employee('pia', 'Engineering'));
    const id = u.body.id;
    const g = await crm('POST', '/Groups', group('Admins', { members: [{ value: id }] }));
    const only = await crm('GET', `/Users/${id}?attributes=${SCIMD}:appRoles`);
    assert.deepEqual(only.body[SCIMD], { appRoles: ['admin', 'engineering-licence'] });
    assert.equal(only.body.groups, undefined, 'groups not returned');
    assert.equal(only.body.userName, undefined);
    assert.deepEqual(await roles(id, '?excludedAttributes=groups'), ['admin', 'engineering-licence']);
    const listed = await crm('GET', `/Users?attributes=userName,${SCIMD}:appRoles&filter=${encodeURIComponent('userName eq "pia"')}`);
    assert.deepEqual(listed.body.Resources[0][SCIMD].appRoles, ['admin', 'engineering-licence']);
    const without = await crm('GET', `/Users/${id}?excludedAttributes=${SCIMD}:appRoles`);
    assert.equal(without.body[SCIMD], undefined);
    await crm('DELETE', `/Groups/${g.body.id}`);
  });

  it('appRoles is read-only and not filterable; roles belong to their tenant', async () => {
    const u = await crm('POST', '/Users', { schemas: [USER_SCHEMA, SCIMD], userName: 'sly', [SCIMD]: { appRoles: ['admin'] } });
    assert.equal(u.status, 201, u.text);
    assert.equal(rolesOf(u), undefined, 'a client cannot grant itself a role');
    const f = await crm('GET', `/Users?filter=${encodeURIComponent(`${SCIMD}:appRoles eq "admin"`)}`);
    assert.equal(f.status, 400);
    assert.deepEqual(f.body.schemas, [ERROR_SCHEMA]);
    assert.equal(f.body.scimType, 'invalidFilter');
    assert.match(f.body.detail, /'appRoles' is derived on every read and cannot be used in a filter/);
    const elsewhere = await other('POST', '/Users', employee('sam', 'Sales'));
    assert.equal(elsewhere.status, 201);
    assert.equal(rolesOf(elsewhere), undefined, "another tenant's rules do not apply");
  });

  it('rules change at once: re-adding a role replaces its filter, removing it takes it away; bad rules are refused', async () => {
    const u = await crm('POST', '/Users', employee('rae', 'Support'));
    const id = u.body.id;
    assert.equal(await roles(id), undefined);
    const admin = s.running.services.tenantAdmin;
    await admin.addRole('crm', 'sales-licence', `${ENTERPRISE}:department eq "Sales" or ${ENTERPRISE}:department eq "Support"`);
    assert.deepEqual(await roles(id), ['sales-licence'], 'the new filter applies to the next read');
    const [removed, badFilter] = await Promise.all([
      scimdCli(['role', 'remove', 'crm', 'sales-licence'], s.dataDir),
      scimdCli(['role', 'add', 'crm', 'x', 'department eq'], s.dataDir),
    ]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(await roles(id), undefined, 'removed');
    assert.equal(badFilter.code, 1, 'a bad rule is a failed operation (exit 1)');
    assert.match(badFilter.stderr, /Role 'x': Invalid filter at position/);
    await assert.rejects(admin.addRole('crm', 'has space', 'userName pr'), /Role name 'has space' is not valid/);
    await assert.rejects(admin.removeRole('crm', 'nope'), /Tenant 'crm' has no role 'nope'/);
    await assert.rejects(admin.addRole('crm', 'y', 'nosuchattr eq "x"'), /Role 'y': Unknown attribute 'nosuchattr'/);
    assert.deepEqual(
      (await admin.listRoles('crm')).map((r) => r.role),
      ['admin', 'engineering-licence'],
      'no bad rule was stored',
    );
    await admin.addRole('crm', 'sales-licence', `${ENTERPRISE}:department eq "Sales"`);
  });
});
