/**
 * Provisioning lifecycles as Entra ID and Okta send them (Entra's capitalised PATCH ops and "False"
 * strings, Okta's PUT, path-less replaces and member pushes), and the directory a tenant holds
 * afterwards, for the tests of the example host apps (examples/): each mirrors scimd's directory
 * from its events and must end with exactly what scimd holds.
 */
import type Database from 'better-sqlite3';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, type Reply } from './server.ts';

const ADSCIM = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const patchOf = (...Operations: object[]) => ({ schemas: [PATCH_OP], Operations });

/** A SCIM request of the IdP's client; fails the test unless it succeeds (with `expected`, that status). */
export type IdpCall = (method: string, path: string, body?: unknown, expected?: number) => Promise<Reply>;

/** Users created, updated, disabled and deleted, a group with members added and removed, renamed, another deleted. */
export async function entraLifecycle(scim: IdpCall): Promise<{ u1: string; u2: string; u3: string; g: string }> {
  const entraUser = (n: number) => ({
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId: `0a21f0f2-8d2a-4f8e-bf98-00000000000${n}`,
    userName: `Test_User_${n}@contoso.com`,
    active: true,
    emails: [{ primary: true, type: 'work', value: `Test_User_${n}@contoso.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  });
  const ids: string[] = [];
  for (const n of [1, 2, 3]) ids.push((await scim('POST', '/Users', entraUser(n), 201)).body.id);
  const [u1, u2, u3] = ids as [string, string, string];
  await scim('PATCH', `/Users/${u1}`, patchOf({ op: 'Replace', path: 'name.familyName', value: 'Renamed' }, { op: 'Replace', path: 'userName', value: 'Renamed_1@contoso.com' }));
  await scim('PATCH', `/Users/${u2}`, patchOf({ op: 'Replace', path: 'active', value: 'False' }));
  await scim('PATCH', `/Users/${u3}`, patchOf({ op: 'Replace', path: 'active', value: 'False' }));
  await scim('PATCH', `/Users/${u3}`, patchOf({ op: 'Replace', path: 'active', value: 'True' }));
  const g = (await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA, ADSCIM], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName', meta: { resourceType: 'Group' } }, 201)).body.id as string;
  const g2 = (await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA, ADSCIM], externalId: '9bb1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'Doomed', meta: { resourceType: 'Group' } }, 201)).body.id as string;
  await scim('PATCH', `/Groups/${g}`, patchOf({ op: 'Add', path: 'members', value: [{ $ref: null, value: u1 }] }));
  await scim('PATCH', `/Groups/${g}`, patchOf({ op: 'Add', path: 'members', value: [{ $ref: null, value: u2 }, { $ref: null, value: u3 }] }));
  await scim('PATCH', `/Groups/${g2}`, patchOf({ op: 'Add', path: 'members', value: [{ $ref: null, value: u1 }] }));
  await scim('PATCH', `/Groups/${g}`, patchOf({ op: 'Remove', path: 'members', value: [{ $ref: null, value: u2 }] }));
  await scim('PATCH', `/Groups/${g}`, patchOf({ op: 'Replace', path: 'displayName', value: 'Renamed group' }));
  await scim('DELETE', `/Users/${u3}`, undefined, 204);
  await scim('DELETE', `/Groups/${g2}`, undefined, 204);

  return { u1, u2, u3, g };
}

/** Users created, PUT, deactivated, pushed groups with members added, removed and replaced, renamed, one deleted. */
export async function oktaLifecycle(scim: IdpCall): Promise<{ p1: string; p2: string; p3: string; p4: string; g: string }> {
  const oktaUser = (n: number) => ({
    schemas: [USER_SCHEMA],
    userName: `user${n}@okta.local`,
    name: { givenName: 'Okta', familyName: `User${n}` },
    emails: [{ primary: true, value: `user${n}@okta.local`, type: 'work' }],
    displayName: `Okta User${n}`,
    locale: 'en-US',
    externalId: `00uokta${n}`,
    groups: [],
    password: `pw-${n}-Secret!`,
    active: true,
  });
  const ids: string[] = [];
  for (const n of [1, 2, 3, 4]) ids.push((await scim('POST', '/Users', oktaUser(n), 201)).body.id);
  const [p1, p2, p3, p4] = ids as [string, string, string, string];
  const got = (await scim('GET', `/Users/${p1}`)).body;
  await scim('PUT', `/Users/${p1}`, { ...oktaUser(1), id: got.id, displayName: 'Okta First', meta: { resourceType: 'User', created: 'Tue Sep 10 03:46:53 UTC 2019', lastModified: '2019-09-10 03:48:10' } }, 200);
  await scim('PATCH', `/Users/${p4}`, patchOf({ op: 'replace', value: { active: false } }));
  const g = (await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [] }, 201)).body.id as string;
  const doomed = (await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Temporary', members: [] }, 201)).body.id as string;
  const member = (id: string, n: number) => ({ value: id, display: `user${n}@okta.local` });
  await scim('PATCH', `/Groups/${g}`, patchOf({ op: 'add', path: 'members', value: [member(p1, 1)] }));
  // The same-name rename that follows every membership change.
  await scim('PATCH', `/Groups/${g}`, patchOf({ op: 'replace', value: { id: g, displayName: 'Engineering' } }));
  await scim('PATCH', `/Groups/${g}`, patchOf({ op: 'add', path: 'members', value: [member(p2, 2), member(p3, 3)] }));
  await scim('PATCH', `/Groups/${g}`, patchOf({ op: 'remove', path: `members[value eq "${p1}"]` }, { op: 'add', path: 'members', value: [member(p4, 4)] }));
  await scim('PATCH', `/Groups/${doomed}`, patchOf({ op: 'replace', path: 'members', value: [member(p1, 1), member(p2, 2)] }));
  await scim('PATCH', `/Groups/${doomed}`, patchOf({ op: 'replace', path: 'members', value: [member(p3, 3)] }));
  await scim('PATCH', `/Groups/${g}`, patchOf({ op: 'replace', value: { id: g, displayName: 'Engineering (all)' } }));
  await scim('PUT', `/Users/${p2}`, { ...oktaUser(2), id: p2, name: { givenName: 'Okta', familyName: 'Second' }, groups: [{ value: g, display: 'Engineering (all)' }] }, 200);
  await scim('DELETE', `/Groups/${doomed}`, undefined, 204);

  return { p1, p2, p3, p4, g };
}

/** A tenant's users, groups and memberships, comparable between scimd and a mirror. */
export interface DirectoryView {
  readonly users: { id: string; userName: string; active: boolean }[];
  readonly groups: { id: string; displayName: string }[];
  readonly memberships: string[];
}

/** scimd's users, groups and memberships of a tenant, as the admin API answers them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function directoryOf(admin: (path: string) => Promise<any>, tenant: string): Promise<DirectoryView> {
  const users = (await admin(`/tenants/${tenant}/users?count=1000`)).Resources as { id: string; userName: string; active?: boolean }[];
  const groups = (await admin(`/tenants/${tenant}/groups?count=1000`)).Resources as { id: string; displayName: string; members?: { value: string }[] }[];
  return {
    users: users.map((u) => ({ id: u.id, userName: u.userName, active: u.active !== false })).sort((a, b) => a.id.localeCompare(b.id)),
    groups: groups.map((g) => ({ id: g.id, displayName: g.displayName })).sort((a, b) => a.id.localeCompare(b.id)),
    memberships: groups.flatMap((g) => (g.members ?? []).map((m) => `${g.id} ${m.value}`)).sort(),
  };
}

/** What a mirror's tables (examples/shared/mirror-tables.mjs) hold of a tenant. */
export function mirrorOf(db: Database.Database, tenant: string): DirectoryView {
  return {
    users: (db.prepare('SELECT id, user_name, active FROM users WHERE tenant = ? ORDER BY id').all(tenant) as { id: string; user_name: string; active: number }[])
      .map((u) => ({ id: u.id, userName: u.user_name, active: u.active === 1 }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    groups: (db.prepare('SELECT id, display_name FROM groups WHERE tenant = ?').all(tenant) as { id: string; display_name: string }[])
      .map((g) => ({ id: g.id, displayName: g.display_name }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    memberships: (db.prepare('SELECT group_id, member_id FROM memberships WHERE tenant = ?').all(tenant) as { group_id: string; member_id: string }[]).map((m) => `${m.group_id} ${m.member_id}`).sort(),
  };
}
