/**
 * Identity matching (src/provisioning/resources/matching.ts) end to end: real HTTP, real SQLite, and the
 * real CLI for the tenant setting. Resources the host application created itself (at first
 * sign-in, say) are inserted straight into the store, as the host app would; the IdP then
 * provisions over SCIM. With `identity.match = adopt` a POST links the existing resource (users by
 * externalId, then a verified email, then userName; groups by externalId, then displayName; each
 * step needs exactly one candidate); with `reject` (the default) RFC 7644 §3.3 holds: 409
 * uniqueness. Also: scimd's read-only `emailVerified`, renames that keep the id, and deactivated
 * users that stay findable until DELETE (IDP-QUIRKS rows 15, 19, 26, 36).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { StoredResource } from '../src/scim/resource.ts';
import { searchForm } from '../src/scim/search-form.ts';
import type { Json } from '../src/scim/schema/validate.ts';
import type { RequestLogEntry } from '../src/store/types.ts';
import { ERROR_SCHEMA, group, patch, startTestServer, user, USER_SCHEMA, type Reply, type ScimTenant, type TestServer } from './helpers/server.ts';
import { eventually } from './helpers/eventually.ts';
import { exitWithin } from './helpers/children.ts';
import { spawnScimd } from './helpers/cli.ts';

const SCIMD_EXT = 'urn:scimd:schemas:extension:2.0:User';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.close());

let seq = 0;

interface Tenant extends ScimTenant {
  readonly id: string;
  /** Inserts a resource directly into the store, as the host application would; returns its id. */
  hostInsert(type: 'User' | 'Group', data: Json): Promise<string>;
  /** The request-log rows of this tenant, oldest first, once `count` are written. */
  logRows(count: number): Promise<RequestLogEntry[]>;
}

/** A fresh tenant with one SCIM client, and `identity.match` set when given. */
async function tenant(match?: 'adopt' | 'reject'): Promise<Tenant> {
  const name = `idm-${++seq}`;
  const { admin, registry, requestLog } = s.running.services;
  const { store } = s.running;
  const client = await s.scimTenant(name, match ? { 'identity.match': match } : {});
  const t = await admin.tenant(name);
  return {
    ...client,
    id: t.id,
    async hostInsert(type, data) {
      const now = new Date().toISOString();
      const r: StoredResource = { id: randomUUID(), type, version: 1, created: now, lastModified: now, data };
      await store.insertResource(t.id, r, searchForm(data, registry.resource(type)));
      return r.id;
    },
    async logRows(count) {
      const rows = await eventually(
        async () => {
          await requestLog.flush();
          const logged = await store.requestLog({ tenantId: t.id, limit: 1000 });
          return logged.length >= count && logged;
        },
        { what: `${count} requests logged`, intervalMs: 10 },
      );
      return rows.reverse();
    },
  };
}

function expectStatus(r: Reply, status: number): void {
  assert.equal(r.status, status, r.text);
}

function assertConflict(r: Reply): void {
  expectStatus(r, 409);
  assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
  assert.equal(r.body.scimType, 'uniqueness');
}

async function ids(t: Tenant, path: string): Promise<string[]> {
  const r = await t.request('GET', path);
  expectStatus(r, 200);
  return ((r.body.Resources ?? []) as { id: string }[]).map((x) => x.id).sort();
}
const q = (filter: string) => encodeURIComponent(filter);

describe('acceptance: a user the host app inserted, then provisioned by the IdP', () => {
  const hostUser = { userName: 'alice@example.com', externalId: 'okta-00u1alice', name: { givenName: 'Al' }, emails: [{ value: 'alice@example.com', primary: true }] };
  const idpPost = user('alice@example.com', { externalId: 'okta-00u1alice', name: { givenName: 'Alice', familyName: 'Smith' }, emails: [{ value: 'alice@example.com', primary: true, type: 'work' }], active: true });

  it('adopt: the POST with the same externalId links it, keeping its id, and says so in the request log', async () => {
    const t = await tenant('adopt');
    const id = await t.hostInsert('User', hostUser);
    const r = await t.request('POST', '/Users', idpPost);
    expectStatus(r, 201);
    assert.equal(r.body.id, id, 'the existing user, not a new one');
    assert.ok(r.headers.get('location')?.endsWith(`/Users/${id}`));
    assert.equal(r.body.userName, 'alice@example.com');
    assert.deepEqual(r.body.name, { givenName: 'Alice', familyName: 'Smith' });
    const stored = await t.request('GET', `/Users/${id}`);
    expectStatus(stored, 200);
    assert.deepEqual(stored.body.name, { givenName: 'Alice', familyName: 'Smith' });
    assert.equal(stored.body.meta.created, r.body.meta.created);
    assert.deepEqual(await ids(t, '/Users'), [id], 'still one user');
    const [row] = await t.logRows(1);
    assert.equal(row!.status, 201);
    assert.deepEqual(row!.notes, [`identity.match=adopt: linked the existing User ${id} (matched by externalId)`]);
  });

  it('reject (the default): 409 uniqueness, the host user unchanged', async () => {
    const t = await tenant();
    const id = await t.hostInsert('User', hostUser);
    assertConflict(await t.request('POST', '/Users', idpPost));
    const stored = await t.request('GET', `/Users/${id}`);
    assert.deepEqual(stored.body.name, { givenName: 'Al' });
    assert.deepEqual(await ids(t, '/Users'), [id]);
    const [row] = await t.logRows(1);
    assert.equal(row!.scimType, 'uniqueness');
    assert.deepEqual(row!.notes, []);
  });

  it('reject set explicitly: 409 as well', async () => {
    const t = await tenant('reject');
    await t.hostInsert('User', hostUser);
    assertConflict(await t.request('POST', '/Users', idpPost));
  });
});

describe('adopt: which user a POST links', () => {
  it('externalId first, even when the userName differs (the userName is then the IdP’s)', async () => {
    const t = await tenant('adopt');
    const id = await t.hostInsert('User', { userName: 'asmith', externalId: 'E-2' });
    const r = await t.request('POST', '/Users', user('alice.smith@example.com', { externalId: 'E-2' }));
    expectStatus(r, 201);
    assert.equal(r.body.id, id);
    assert.equal((await t.request('GET', `/Users/${id}`)).body.userName, 'alice.smith@example.com');
    assert.deepEqual((await t.logRows(1))[0]!.notes, [`identity.match=adopt: linked the existing User ${id} (matched by externalId)`]);
  });

  it('a verified email (emailVerified true) links; emailVerified survives the link', async () => {
    const t = await tenant('adopt');
    const id = await t.hostInsert('User', { userName: 'bob-local', emails: [{ value: 'bob@example.com', primary: true }], [SCIMD_EXT]: { emailVerified: true } });
    const r = await t.request('POST', '/Users', user('bob@idp.example', { externalId: 'E-bob', emails: [{ value: 'bob@example.com', type: 'work' }] }));
    expectStatus(r, 201);
    assert.equal(r.body.id, id);
    const stored = (await t.request('GET', `/Users/${id}`)).body;
    assert.equal(stored.userName, 'bob@idp.example');
    assert.equal(stored.externalId, 'E-bob');
    assert.deepEqual(stored[SCIMD_EXT], { emailVerified: true });
    assert.deepEqual((await t.logRows(1))[0]!.notes, [`identity.match=adopt: linked the existing User ${id} (matched by verified email)`]);
  });

  it('an email that is not verified (false, or never set) links nothing: a new user is created', async () => {
    const t = await tenant('adopt');
    const unverified = await t.hostInsert('User', { userName: 'carl-local', emails: [{ value: 'carl@example.com' }], [SCIMD_EXT]: { emailVerified: false } });
    const unknown = await t.hostInsert('User', { userName: 'carl-other', emails: [{ value: 'carl2@example.com' }] });
    const first = await t.request('POST', '/Users', user('carl@idp.example', { emails: [{ value: 'carl@example.com' }] }));
    const second = await t.request('POST', '/Users', user('carl2@idp.example', { emails: [{ value: 'carl2@example.com' }] }));
    expectStatus(first, 201);
    expectStatus(second, 201);
    assert.ok(![unverified, unknown].includes(first.body.id) && ![unverified, unknown].includes(second.body.id));
    assert.equal((await ids(t, '/Users')).length, 4);
    const posts = (await t.logRows(3)).filter((r) => r.method === 'POST');
    assert.deepEqual(
      posts.map((r) => r.notes),
      [[], []],
    );
  });

  it('userName, without regard to case, when neither externalId nor a verified email matches', async () => {
    const t = await tenant('adopt');
    const id = await t.hostInsert('User', { userName: 'dana' });
    const r = await t.request('POST', '/Users', user('DANA', { externalId: 'E-dana' }));
    expectStatus(r, 201);
    assert.equal(r.body.id, id);
    const stored = (await t.request('GET', `/Users/${id}`)).body;
    assert.deepEqual([stored.userName, stored.externalId], ['DANA', 'E-dana']);
    assert.deepEqual((await t.logRows(1))[0]!.notes, [`identity.match=adopt: linked the existing User ${id} (matched by userName)`]);
  });

  it('an externalId two users share is ambiguous: matching falls through to userName, or creates', async () => {
    const t = await tenant('adopt');
    const dup1 = await t.hostInsert('User', { userName: 'dup-1', externalId: 'DUP' });
    const dup2 = await t.hostInsert('User', { userName: 'dup-2', externalId: 'DUP' });
    const byName = await t.request('POST', '/Users', user('dup-2', { externalId: 'DUP' }));
    expectStatus(byName, 201);
    assert.equal(byName.body.id, dup2);
    const fresh = await t.request('POST', '/Users', user('dup-3', { externalId: 'DUP' }));
    expectStatus(fresh, 201);
    assert.ok(![dup1, dup2].includes(fresh.body.id), 'neither of the two was picked');
    assert.equal((await ids(t, `/Users?filter=${q('externalId eq "DUP"')}`)).length, 3);
    assert.deepEqual(
      (await t.logRows(3)).filter((r) => r.method === 'POST').map((r) => r.notes),
      [[`identity.match=adopt: linked the existing User ${dup2} (matched by userName)`], []],
    );
  });

  it('a deactivated user the IdP provisions again is linked and reactivated', async () => {
    const t = await tenant('adopt');
    const created = await t.request('POST', '/Users', user('erin', { externalId: 'E-erin' }));
    expectStatus(created, 201);
    expectStatus(await t.request('PATCH', `/Users/${created.body.id}`, patch({ op: 'replace', value: { active: false } })), 200);
    const again = await t.request('POST', '/Users', user('erin', { externalId: 'E-erin', active: true }));
    expectStatus(again, 201);
    assert.equal(again.body.id, created.body.id);
    assert.equal((await t.request('GET', `/Users/${created.body.id}`)).body.active, true);
  });
});

describe('adopt: groups', () => {
  it('a group the host app inserted is linked by displayName, and the POST sets its members', async () => {
    const t = await tenant('adopt');
    const gid = await t.hostInsert('Group', { displayName: 'Engineering' });
    const u = (await t.request('POST', '/Users', user('frank'))).body.id as string;
    const r = await t.request('POST', '/Groups', group('Engineering', { members: [{ value: u }] }));
    expectStatus(r, 201);
    assert.equal(r.body.id, gid);
    const stored = (await t.request('GET', `/Groups/${gid}`)).body;
    assert.deepEqual(stored.members.map((m: { value: string }) => m.value), [u]);
    assert.deepEqual(await ids(t, '/Groups'), [gid]);
    const rows = await t.logRows(2);
    assert.deepEqual(rows[1]!.notes, [`identity.match=adopt: linked the existing Group ${gid} (matched by displayName)`]);
  });

  it('externalId first: a renamed group is linked by it', async () => {
    const t = await tenant('adopt');
    const gid = await t.hostInsert('Group', { displayName: 'Ops', externalId: 'G-ops' });
    const r = await t.request('POST', '/Groups', group('Operations', { externalId: 'G-ops' }));
    expectStatus(r, 201);
    assert.equal(r.body.id, gid);
    assert.equal((await t.request('GET', `/Groups/${gid}`)).body.displayName, 'Operations');
    assert.deepEqual((await t.logRows(1))[0]!.notes, [`identity.match=adopt: linked the existing Group ${gid} (matched by externalId)`]);
  });

  it('with reject, a second group of one displayName is 409 (groups.displayName.unique); with that off, it is created', async () => {
    const t = await tenant('reject');
    const gid = await t.hostInsert('Group', { displayName: 'Engineering' });
    assertConflict(await t.request('POST', '/Groups', group('engineering')));
    await s.running.services.admin.setTenantSetting(t.name, 'groups.displayName.unique', 'false');
    const r = await t.request('POST', '/Groups', group('Engineering'));
    expectStatus(r, 201);
    assert.notEqual(r.body.id, gid);
    assert.equal((await ids(t, `/Groups?filter=${q('displayName eq "Engineering"')}`)).length, 2);
  });
});

describe('adopt: values longer than a client filter may be (matching builds no filter text)', () => {
  // Longer than the 4,096-character filter limit, within the 8,192-character limit on a string
  // value; quotes and backslashes make the value longer still as filter text.
  const long = (tag: string) => `${tag}-"\\-${'v'.repeat(5000 - tag.length - 4)}`;

  it('a 5,000-character userName is created, and adopted by a later POST (400 invalidFilter before)', async () => {
    const t = await tenant('adopt');
    const name = long('user');
    assert.equal(name.length, 5000);
    const created = await t.request('POST', '/Users', user(name));
    expectStatus(created, 201);
    assert.equal(created.body.userName, name);
    const again = await t.request('POST', '/Users', user(name.toUpperCase(), { externalId: 'E-long' }));
    expectStatus(again, 201);
    assert.equal(again.body.id, created.body.id, 'the same user, linked by userName');
    assert.deepEqual(await ids(t, '/Users'), [created.body.id]);
    assert.deepEqual((await t.logRows(2))[1]!.notes, [`identity.match=adopt: linked the existing User ${created.body.id} (matched by userName)`]);
  });

  it('a 5,000-character externalId and verified email link a host user', async () => {
    const t = await tenant('adopt');
    const externalId = long('ext');
    const byExternalId = await t.hostInsert('User', { userName: 'long-ext', externalId });
    const r = await t.request('POST', '/Users', user('long-ext-idp', { externalId }));
    expectStatus(r, 201);
    assert.equal(r.body.id, byExternalId);
    const email = `${'m'.repeat(4990)}@x.example`;
    const byEmail = await t.hostInsert('User', { userName: 'long-mail', emails: [{ value: email, primary: true }], [SCIMD_EXT]: { emailVerified: true } });
    const m = await t.request('POST', '/Users', user('long-mail-idp', { emails: [{ value: email, type: 'work' }] }));
    expectStatus(m, 201);
    assert.equal(m.body.id, byEmail);
  });

  it('a 5,000-character group displayName is linked by it', async () => {
    const t = await tenant('adopt');
    const displayName = long('group');
    const gid = await t.hostInsert('Group', { displayName });
    const r = await t.request('POST', '/Groups', group(displayName));
    expectStatus(r, 201);
    assert.equal(r.body.id, gid);
  });

  it('externalId.mode samlNameId: a 5,000-character NameID is taken once, then 409 uniqueness', async () => {
    const t = await s.scimTenant(`idm-${++seq}`, { 'externalId.mode': 'samlNameId' });
    const nameId = long('nameid');
    expectStatus(await t.request('POST', '/Users', user('saml-1', { externalId: nameId })), 201);
    assertConflict(await t.request('POST', '/Users', user('saml-2', { externalId: nameId })));
  });
});

describe("emailVerified: scimd's read-only extension attribute", () => {
  async function verifiedUser(t: Tenant): Promise<string> {
    return t.hostInsert('User', { userName: `v-${++seq}`, emails: [{ value: `v${seq}@example.com` }], [SCIMD_EXT]: { emailVerified: true } });
  }
  const verified = async (t: Tenant, id: string) => (await t.request('GET', `/Users/${id}`)).body[SCIMD_EXT]?.emailVerified;

  it('survives a PUT that omits it and a PUT that tries to change it (ignored, and noted)', async () => {
    const t = await tenant();
    const id = await verifiedUser(t);
    const userName = (await t.request('GET', `/Users/${id}`)).body.userName as string;
    expectStatus(await t.request('PUT', `/Users/${id}`, user(userName, { title: 'Engineer' })), 200);
    assert.equal(await verified(t, id), true);
    const put = await t.request('PUT', `/Users/${id}`, { schemas: [USER_SCHEMA, SCIMD_EXT], userName, [SCIMD_EXT]: { emailVerified: false } });
    expectStatus(put, 200);
    assert.equal(put.body[SCIMD_EXT].emailVerified, true);
    assert.equal(await verified(t, id), true);
    const puts = (await t.logRows(5)).filter((r) => r.method === 'PUT');
    assert.deepEqual(
      puts.map((r) => r.notes),
      [[], [`ignored: ${SCIMD_EXT}:emailVerified (read-only)`]],
    );
  });

  it('survives PATCH; a PATCH that sets it is refused with mutability', async () => {
    const t = await tenant();
    const id = await verifiedUser(t);
    expectStatus(await t.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Lead' }, { op: 'replace', value: { displayName: 'V' } })), 200);
    assert.equal(await verified(t, id), true);
    for (const body of [patch({ op: 'replace', path: `${SCIMD_EXT}:emailVerified`, value: false }), patch({ op: 'replace', value: { [SCIMD_EXT]: { emailVerified: false } } }), patch({ op: 'remove', path: `${SCIMD_EXT}:emailVerified` })]) {
      const r = await t.request('PATCH', `/Users/${id}`, body);
      expectStatus(r, 400);
      assert.equal(r.body.scimType, 'mutability', JSON.stringify(body));
    }
    assert.equal(await verified(t, id), true);
  });

  it('a client cannot set it on POST, so its email never links a later POST', async () => {
    const t = await tenant('adopt');
    const r = await t.request('POST', '/Users', { schemas: [USER_SCHEMA, SCIMD_EXT], userName: 'mallory', emails: [{ value: 'victim@example.com' }], [SCIMD_EXT]: { emailVerified: true } });
    expectStatus(r, 201);
    assert.equal(r.body[SCIMD_EXT], undefined);
    assert.equal((await t.request('GET', `/Users/${r.body.id}`)).body[SCIMD_EXT], undefined);
    const later = await t.request('POST', '/Users', user('victim', { emails: [{ value: 'victim@example.com' }] }));
    expectStatus(later, 201);
    assert.notEqual(later.body.id, r.body.id);
    assert.deepEqual((await t.logRows(2))[0]!.notes, [`ignored: ${SCIMD_EXT}:emailVerified (read-only)`]);
  });
});

describe('renames and deactivation keep the user (IDP-QUIRKS rows 15, 19)', () => {
  it('a userName change (PATCH, then PUT) keeps the id; filters follow the new name', async () => {
    const t = await tenant();
    const id = (await t.request('POST', '/Users', user('grace', { externalId: 'E-grace' }))).body.id as string;
    const patched = await t.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'userName', value: 'grace.hopper' }));
    expectStatus(patched, 200);
    assert.equal(patched.body.id, id);
    const put = await t.request('PUT', `/Users/${id}`, user('ghopper', { externalId: 'E-grace' }));
    expectStatus(put, 200);
    assert.equal(put.body.id, id);
    assert.equal((await t.request('GET', `/Users/${id}`)).body.userName, 'ghopper');
    assert.deepEqual(await ids(t, `/Users?filter=${q('userName eq "ghopper"')}`), [id]);
    assert.deepEqual(await ids(t, `/Users?filter=${q('userName eq "grace"')}`), []);
    assert.deepEqual(await ids(t, `/Users?filter=${q('externalId eq "E-grace"')}`), [id]);
  });

  it('a deactivated user (active false) is found by id and by filter until DELETE', async () => {
    const t = await tenant();
    const id = (await t.request('POST', '/Users', user('henry', { externalId: 'E-henry', active: true }))).body.id as string;
    // Okta's deactivation: a path-less replace.
    expectStatus(await t.request('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { active: false } })), 200);
    const byId = await t.request('GET', `/Users/${id}`);
    expectStatus(byId, 200);
    assert.equal(byId.body.active, false);
    for (const filter of ['userName eq "henry"', 'externalId eq "E-henry"', 'active eq false', `id eq "${id}"`]) {
      assert.deepEqual(await ids(t, `/Users?filter=${q(filter)}`), [id], filter);
    }
    assert.deepEqual(await ids(t, `/Users?filter=${q('active eq true')}`), []);
    assert.deepEqual(await ids(t, '/Users'), [id]);
    expectStatus(await t.request('DELETE', `/Users/${id}`), 204);
    expectStatus(await t.request('GET', `/Users/${id}`), 404);
    assert.deepEqual(await ids(t, `/Users?filter=${q('userName eq "henry"')}`), []);
  });
});

describe('scimd tenant set <t> identity.match', () => {
  function scimd(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return exitWithin(spawnScimd([...args, '--data-dir', s.dataDir]), 15_000, `scimd ${args.join(' ')}`);
  }

  it('adopt, set from the CLI against the running server’s data, links the next POST; default restores reject', async () => {
    const t = await tenant();
    const id = await t.hostInsert('User', { userName: 'ivy', externalId: 'E-ivy' });
    assertConflict(await t.request('POST', '/Users', user('ivy', { externalId: 'E-ivy' })));

    const set = await scimd('tenant', 'set', t.name, 'identity.match', 'adopt');
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), `Tenant '${t.name}': identity.match = adopt.`);
    const shown = await scimd('tenant', 'show', t.name, '--json');
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).settings['identity.match'], 'adopt');

    const linked = await t.request('POST', '/Users', user('ivy', { externalId: 'E-ivy' }));
    expectStatus(linked, 201);
    assert.equal(linked.body.id, id);

    const reset = await scimd('tenant', 'set', t.name, 'identity.match', 'default');
    assert.equal(reset.code, 0, reset.stderr);
    const text = await scimd('tenant', 'show', t.name);
    assert.match(text.stdout, /identity\.match\s+reject \(default\)/);
    assertConflict(await t.request('POST', '/Users', user('ivy', { externalId: 'E-ivy' })));
  });

  it('refuses invalid values, unknown keys, unknown tenants and missing arguments, changing nothing', async () => {
    const t = await tenant();
    const [value, key, noTenant, missing] = await Promise.all([
      scimd('tenant', 'set', t.name, 'identity.match', 'maybe'),
      scimd('tenant', 'set', t.name, 'identity.matching', 'adopt'),
      scimd('tenant', 'set', 'no-such-tenant', 'identity.match', 'adopt'),
      scimd('tenant', 'set', t.name, 'identity.match'),
    ]);
    assert.equal(value.code, 1);
    assert.equal(value.stderr.trim(), "scimd: 'identity.match' takes reject or adopt, not 'maybe'");
    assert.equal(key.code, 1);
    assert.match(key.stderr, /^scimd: Unknown tenant setting 'identity\.matching'\. Known: .*identity\.match/);
    assert.equal(noTenant.code, 1);
    assert.match(noTenant.stderr, /No tenant named 'no-such-tenant'/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Usage: scimd tenant set <tenant> <key> <value>/);
    for (const r of [value, key, noTenant, missing]) assert.equal(r.stdout, '');
    assert.deepEqual((await s.running.services.admin.tenant(t.name)).settings, {});
  });
});
