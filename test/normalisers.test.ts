/**
 * Every IdP normaliser end to end: real HTTP on 127.0.0.1, real SQLite. For each normaliser, a
 * client whose IdP profile turns it on sends the raw request of that IdP (the shapes of the IdP
 * quirks and the vendor documents they come from), and the test reads back what was stored (GET,
 * and the group for memberships) and the notes of the request's log row. The same raw request
 * from a client pinned to `strict` gets the exact RFC 7644 answer (400 with the right scimType):
 * no normaliser weakens the RFC behaviour for a strict client. Then the per-client switches:
 * `normaliser.<name> off` on an entra client and `on` on a strict one, and the tolerant default
 * of an unpinned client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IdpProfile } from '../src/scim/quirks/types.ts';
import type { RequestLogEntry } from '../src/store/types.ts';
import { ENTERPRISE, ERROR_SCHEMA, group, GROUP_SCHEMA, patch, startTestServer, user, USER_SCHEMA, type Reply, type TestServer } from './helpers/server.ts';
import { eventually } from './helpers/eventually.ts';

const ADSCIM = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const BAD_ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User';
const TENANT = 'default';

let s: TestServer;
let setup: Client;
let seq = 0;
/** A name no other test uses. */
const unique = (prefix: string) => `${prefix}-${++seq}`;

before(async () => {
  s = await startTestServer();
  setup = await client('setup', 'strict');
});
after(() => s?.close());

interface Sent {
  readonly reply: Reply;
  /** The request-log row of this very request. */
  readonly row: RequestLogEntry;
}

interface Client {
  readonly name: string;
  send(method: string, path: string, body?: unknown): Promise<Sent>;
  /** send() that must answer `status`; returns the body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ok(method: string, path: string, body: unknown, status: number): Promise<any>;
}

/**
 * A SCIM client pinned to `idp`, with per-client settings. Its requests run one after another, so
 * the next log row of this client belongs to the request just answered (the log is written after
 * the response; the wait only ends when the row is there).
 */
async function client(prefix: string, idp: IdpProfile | undefined, settings: Record<string, string> = {}): Promise<Client> {
  const name = unique(prefix);
  const { admin } = s.running.services;
  const issued = await admin.createClient(TENANT, name, idp ? { idp } : {});
  for (const [k, v] of Object.entries(settings)) await admin.setClientSetting(TENANT, name, k, v);
  let lastId = 0;
  const send = async (method: string, path: string, body?: unknown): Promise<Sent> => {
    const reply = await s.request(method, path, body, { authorization: `Bearer ${issued.token}` });
    const row = await nextRow(issued.client.id, lastId);
    lastId = row.id!;
    return { reply, row };
  };
  return {
    name,
    send,
    async ok(method, path, body, status) {
      const { reply } = await send(method, path, body);
      assert.equal(reply.status, status, `${method} ${path}: ${reply.text}`);
      return reply.body;
    },
  };
}

async function nextRow(clientId: string, afterId: number): Promise<RequestLogEntry> {
  const { requestLog } = s.running.services;
  const { store } = s.running;
  const mine = await eventually(
    async () => {
      await requestLog.flush();
      const mine = (await store.requestLog({ afterId, limit: 1000 })).filter((r) => r.clientId === clientId);
      return mine.length > 0 && mine;
    },
    { what: 'the request logged', intervalMs: 10 },
  );
  assert.equal(mine.length, 1, 'one row per request');
  return mine[0]!;
}

function assertScimError(r: Reply, status: number, scimType: string): void {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
  assert.equal(r.body.scimType, scimType, r.text);
}

/** A strict refusal: the RFC answer, a log row with that status and scimType, and no normaliser notes. */
function assertStrict(sent: Sent, status: number, scimType: string): void {
  assertScimError(sent.reply, status, scimType);
  assert.equal(sent.row.status, status);
  assert.equal(sent.row.scimType, scimType);
  assert.equal(sent.row.idp, 'strict');
  assert.deepEqual(sent.row.notes, []);
}

const newUser = async (extra: Record<string, unknown> = {}): Promise<string> => (await setup.ok('POST', '/Users', user(unique('user'), extra), 201)).id;
const newGroup = async (members: string[] = []): Promise<string> =>
  (await setup.ok('POST', '/Groups', group(unique('group'), members.length ? { members: members.map((value) => ({ value })) } : {}), 201)).id;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const read = async (path: string): Promise<any> => setup.ok('GET', path, undefined, 200);
const memberIds = async (groupId: string): Promise<string[]> => (((await read(`/Groups/${groupId}`)).members ?? []) as { value: string }[]).map((m) => m.value).sort();

describe('opCase (row 3): Entra default mode capitalises ops', () => {
  const raw = patch({ op: 'Replace', path: 'active', value: false });

  it('entra: "Replace" is read as "replace"; the user is deactivated', async () => {
    const entra = await client('entra', 'entra');
    const id = await newUser();
    const { reply, row } = await entra.send('PATCH', `/Users/${id}`, raw);
    assert.equal(reply.status, 200, reply.text);
    assert.equal((await read(`/Users/${id}`)).active, false);
    assert.equal(row.idp, 'entra');
    assert.equal(row.status, 200);
    assert.deepEqual(row.notes, ["opCase: op 'Replace' read as 'replace'"]);
  });

  it('strict: 400 invalidSyntax, the user unchanged', async () => {
    const strict = await client('strict', 'strict');
    const id = await newUser({ active: true });
    assertStrict(await strict.send('PATCH', `/Users/${id}`, raw), 400, 'invalidSyntax');
    assert.equal((await read(`/Users/${id}`)).active, true);
  });
});

describe('booleanStrings (rows 4, 31, 34): "True"/"false" strings for booleans', () => {
  it('keycloak: "active": "false" on POST and "true" on PATCH are stored as JSON booleans', async () => {
    const keycloak = await client('keycloak', 'keycloak');
    const { reply, row } = await keycloak.send('POST', '/Users', user(unique('kc'), { active: 'false', emails: [{ value: 'kc@example.com', primary: 'true' }] }));
    assert.equal(reply.status, 201, reply.text);
    const stored = await read(`/Users/${reply.body.id}`);
    assert.equal(stored.active, false);
    assert.equal(stored.emails[0].primary, true);
    assert.deepEqual(row.notes, [`booleanStrings: 'active' "false" read as false`, `booleanStrings: 'emails.primary' "true" read as true`]);
    const patched = await keycloak.send('PATCH', `/Users/${reply.body.id}`, patch({ op: 'replace', path: 'active', value: 'true' }));
    assert.equal(patched.reply.status, 200, patched.reply.text);
    assert.equal((await read(`/Users/${reply.body.id}`)).active, true);
    assert.deepEqual(patched.row.notes, [`booleanStrings: 'active' "true" read as true`]);
  });

  it('entra: {"op":"Replace","path":"active","value":"False"} deactivates', async () => {
    const entra = await client('entra', 'entra');
    const id = await newUser();
    const { reply, row } = await entra.send('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    assert.equal(reply.status, 200, reply.text);
    assert.strictEqual((await read(`/Users/${id}`)).active, false);
    assert.deepEqual(row.notes, ["opCase: op 'Replace' read as 'replace'", `booleanStrings: 'active' "False" read as false`]);
  });

  it('strict: 400 invalidValue for the string on POST and on PATCH', async () => {
    const strict = await client('strict', 'strict');
    assertStrict(await strict.send('POST', '/Users', user(unique('g'), { active: 'false' })), 400, 'invalidValue');
    const id = await newUser({ active: true });
    assertStrict(await strict.send('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: 'false' })), 400, 'invalidValue');
    assert.equal((await read(`/Users/${id}`)).active, true);
  });
});

describe('pathKeyedReplace (row 5): Entra flag mode sends path-less replace keyed by paths', () => {
  const raw = patch({ op: 'replace', value: { displayName: 'Henry Ross', 'name.givenName': 'Henry', [`${ENTERPRISE}:employeeNumber`]: 'Zdfp' } });

  it('entra: each key is read as a path; no literal dotted attribute is stored', async () => {
    const entra = await client('entra', 'entra');
    const id = await newUser();
    const { reply, row } = await entra.send('PATCH', `/Users/${id}`, raw);
    assert.equal(reply.status, 200, reply.text);
    const stored = await read(`/Users/${id}`);
    assert.equal(stored.displayName, 'Henry Ross');
    assert.deepEqual(stored.name, { givenName: 'Henry' });
    assert.deepEqual(stored[ENTERPRISE], { employeeNumber: 'Zdfp' });
    assert.ok(!('name.givenName' in stored) && !JSON.stringify(stored).includes('"name.givenName"'));
    assert.deepEqual(row.notes, [
      `pathKeyedReplace: value key 'name.givenName' read as path "name.givenName"`,
      `pathKeyedReplace: value key '${ENTERPRISE}:employeeNumber' read as path "${ENTERPRISE}:employeeNumber"`,
    ]);
  });

  it('strict: 400 invalidValue naming the first path key, the user unchanged (a dotted key is no attribute name, and is never ignored)', async () => {
    const strict = await client('strict', 'strict');
    const id = await newUser();
    const sent = await strict.send('PATCH', `/Users/${id}`, raw);
    assertStrict(sent, 400, 'invalidValue');
    assert.match(sent.reply.body.detail, /'name\.givenName'/);
    const stored = await read(`/Users/${id}`);
    assert.equal(stored.displayName, undefined);
    assert.equal(stored.name, undefined);
  });

});

describe('membersRemoveByValueList (row 6): remove "members" with a value list', () => {
  it('authentik: only the listed members go', async () => {
    const authentik = await client('authentik', 'authentik');
    const [u1, u2, u3] = [await newUser(), await newUser(), await newUser()];
    const g = await newGroup([u1!, u2!, u3!]);
    const { reply, row } = await authentik.send('PATCH', `/Groups/${g}`, patch({ op: 'remove', path: 'members', value: [{ value: u1, $ref: null }, { value: u3, $ref: null }] }));
    assert.ok(reply.status === 204 || reply.status === 200, reply.text);
    assert.deepEqual(await memberIds(g), [u2]);
    assert.deepEqual(row.notes, [`membersRemoveByValueList: remove "members" with 2 value(s) read as path members[value eq "${u1}" or value eq "${u3}"]`]);
  });

  it('entra: {"op":"Remove","path":"members","value":[{"value":id}]}', async () => {
    const entra = await client('entra', 'entra');
    const [u1, u2] = [await newUser(), await newUser()];
    const g = await newGroup([u1!, u2!]);
    const { reply, row } = await entra.send('PATCH', `/Groups/${g}`, patch({ op: 'Remove', path: 'members', value: [{ value: u2 }] }));
    assert.ok(reply.status === 204 || reply.status === 200, reply.text);
    assert.deepEqual(await memberIds(g), [u1]);
    assert.deepEqual(row.notes, ["opCase: op 'Remove' read as 'remove'", `membersRemoveByValueList: remove "members" with 1 value(s) read as path members[value eq "${u2}"]`]);
  });

  it('entra with the keys capitalised ("Path", "Value"): still only the listed member goes', async () => {
    const entra = await client('entra', 'entra');
    const [u1, u2] = [await newUser(), await newUser()];
    const g = await newGroup([u1!, u2!]);
    const { reply } = await entra.send('PATCH', `/Groups/${g}`, patch({ op: 'Remove', Path: 'members', Value: [{ value: u1 }] }));
    assert.ok(reply.status === 204 || reply.status === 200, reply.text);
    assert.deepEqual(await memberIds(g), [u2]);
  });

  it('strict: 400 invalidSyntax, every member kept', async () => {
    const strict = await client('strict', 'strict');
    const [u1, u2] = [await newUser(), await newUser()];
    const g = await newGroup([u1!, u2!]);
    assertStrict(await strict.send('PATCH', `/Groups/${g}`, patch({ op: 'remove', path: 'members', value: [{ value: u1, $ref: null }] })), 400, 'invalidSyntax');
    assert.deepEqual(await memberIds(g), [u1, u2].sort());
  });
});

describe('addCreatesFilteredElement (row 7): add to a filtered element that does not exist', () => {
  const raw = patch({ op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' }, { op: 'Add', path: 'addresses[type eq "work"].country', value: 'DE' });

  it('entra: the elements are created', async () => {
    const entra = await client('entra', 'entra');
    const id = await newUser({ phoneNumbers: [{ value: '+1 555 0199', type: 'work' }] });
    const { reply, row } = await entra.send('PATCH', `/Users/${id}`, raw);
    assert.equal(reply.status, 200, reply.text);
    const stored = await read(`/Users/${id}`);
    assert.deepEqual(stored.phoneNumbers, [
      { value: '+1 555 0199', type: 'work' },
      { type: 'mobile', value: '+1 555 0100' },
    ]);
    assert.deepEqual(stored.addresses, [{ type: 'work', country: 'DE' }]);
    assert.deepEqual(row.notes, [
      "opCase: op 'Add' read as 'add'",
      "opCase: op 'Add' read as 'add'",
      `addCreatesFilteredElement: "phoneNumbers[type eq "mobile"].value" matches nothing: add of the new element {"type":"mobile","value":"+1 555 0100"} to 'phoneNumbers'`,
      `addCreatesFilteredElement: "addresses[type eq "work"].country" matches nothing: add of the new element {"type":"work","country":"DE"} to 'addresses'`,
    ]);
  });

  it('strict: 400 noTarget; a client that turned it off too', async () => {
    const strict = await client('strict', 'strict');
    const id = await newUser();
    assertStrict(await strict.send('PATCH', `/Users/${id}`, patch({ op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1' })), 400, 'noTarget');
    const okta = await client('okta-no-add', 'okta', { 'normaliser.addCreatesFilteredElement': 'off' });
    const { reply, row } = await okta.send('PATCH', `/Users/${id}`, patch({ op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1' }));
    assertScimError(reply, 400, 'noTarget');
    assert.equal(row.idp, 'okta');
    assert.equal((await read(`/Users/${id}`)).phoneNumbers, undefined);
  });

  it('an element that matches is changed, not created again, on the unpinned default', async () => {
    const unpinned = await client('generic-add', undefined);
    const id = await newUser({ phoneNumbers: [{ value: '+1 555 0199', type: 'mobile' }] });
    const { reply, row } = await unpinned.send('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555' }));
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual((await read(`/Users/${id}`)).phoneNumbers, [{ value: '+1 555', type: 'mobile' }]);
    assert.equal(row.idp, 'generic');
    assert.deepEqual(row.notes, []);
  });
});

describe('managerAsString (rows 8, 9): the manager by id string, array, or bare path', () => {
  it('entra: bare path "manager" with [{"$ref", "value"}], then the enterprise path with a plain id', async () => {
    const entra = await client('entra', 'entra');
    const [id, m1, m2] = [await newUser(), await newUser(), await newUser()];
    const first = await entra.send('PATCH', `/Users/${id}`, patch({ op: 'Add', path: 'manager', value: [{ $ref: null, value: m1 }] }));
    assert.equal(first.reply.status, 200, first.reply.text);
    assert.equal((await read(`/Users/${id}`))[ENTERPRISE].manager.value, m1);
    assert.deepEqual(first.row.notes, [
      "opCase: op 'Add' read as 'add'",
      `managerAsString: path "manager" read as "${ENTERPRISE}:manager"`,
      'managerAsString: path "manager": one-element manager array read as its element',
    ]);
    const second = await entra.send('PATCH', `/Users/${id}`, patch({ op: 'replace', path: `${ENTERPRISE}:manager`, value: m2 }));
    assert.equal(second.reply.status, 200, second.reply.text);
    assert.equal((await read(`/Users/${id}`))[ENTERPRISE].manager.value, m2);
    assert.deepEqual(second.row.notes, [`managerAsString: path "${ENTERPRISE}:manager": manager id "${m2}" read as {"value": "${m2}"}`]);
  });

  it("entra: the reference check 'id eq X and manager eq Y' (bare name, unquoted values) finds the user", async () => {
    const entra = await client('entra', 'entra');
    const m = await newUser();
    const id = await newUser({ schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { manager: { value: m } } });
    const { reply, row } = await entra.send('GET', `/Users?filter=${encodeURIComponent(`id eq ${id} and manager eq ${m}`)}&attributes=id`);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(
      reply.body.Resources.map((r: { id: string }) => r.id),
      [id],
    );
    assert.deepEqual(row.notes, [
      `managerAsString: filter attribute "manager" read as "${ENTERPRISE}:manager"`,
      `unquotedFilterValues: unquoted value ${id} of 'id' read as "${id}"`,
      `unquotedFilterValues: unquoted value ${m} of '${ENTERPRISE}:manager' read as "${m}"`,
    ]);
  });

  it('strict: 400 invalidPath for the bare path, invalidValue for the string, invalidFilter for the bare name', async () => {
    const strict = await client('strict', 'strict');
    const [id, m] = [await newUser(), await newUser()];
    assertStrict(await strict.send('PATCH', `/Users/${id}`, patch({ op: 'add', path: 'manager', value: [{ $ref: null, value: m }] })), 400, 'invalidPath');
    assertStrict(await strict.send('PATCH', `/Users/${id}`, patch({ op: 'add', path: `${ENTERPRISE}:manager`, value: m })), 400, 'invalidValue');
    assertStrict(await strict.send('GET', `/Users?filter=${encodeURIComponent(`id eq "${id}" and manager eq "${m}"`)}`), 400, 'invalidFilter');
    assert.equal((await read(`/Users/${id}`))[ENTERPRISE], undefined);
  });
});

describe('unquotedFilterValues (row 9): unquoted filter values', () => {
  it("entra: Entra's membership check 'id eq G and members eq U' with unquoted ids", async () => {
    const entra = await client('entra', 'entra');
    const u = await newUser();
    const g = await newGroup([u]);
    const { reply, row } = await entra.send('GET', `/Groups?filter=${encodeURIComponent(`id eq ${g} and members eq ${u}`)}&excludedAttributes=members`);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.totalResults, 1);
    assert.equal(reply.body.Resources[0].id, g);
    assert.equal(reply.body.Resources[0].members, undefined);
    assert.deepEqual(row.notes, [`unquotedFilterValues: unquoted value ${g} of 'id' read as "${g}"`, `unquotedFilterValues: unquoted value ${u} of 'members' read as "${u}"`]);
  });

  it('strict: 400 invalidFilter', async () => {
    const strict = await client('strict', 'strict');
    const u = await newUser();
    assertStrict(await strict.send('GET', `/Users?filter=${encodeURIComponent(`id eq ${u}`)}`), 400, 'invalidFilter');
  });
});

describe('unknownSchemaUrns (row 10): the ADSCIM group schema URN', () => {
  const raw = (name: string) => ({ schemas: [GROUP_SCHEMA, ADSCIM], externalId: `ext-${name}`, displayName: name, meta: { resourceType: 'Group' } });

  it('entra: the URN is dropped; the group is created and read back with the core schema only', async () => {
    const entra = await client('entra', 'entra');
    const name = unique('adscim');
    const { reply, row } = await entra.send('POST', '/Groups', raw(name));
    assert.equal(reply.status, 201, reply.text);
    const stored = await read(`/Groups/${reply.body.id}`);
    assert.deepEqual(stored.schemas, [GROUP_SCHEMA]);
    assert.equal(stored.displayName, name);
    assert.deepEqual(row.notes, [`unknownSchemaUrns: unknown schema URN "${ADSCIM}" dropped from "schemas"`]);
  });

  it('strict: 400 invalidValue, no group created', async () => {
    const strict = await client('strict', 'strict');
    const name = unique('adscim');
    assertStrict(await strict.send('POST', '/Groups', raw(name)), 400, 'invalidValue');
    assert.equal((await read(`/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).totalResults, 0);
  });
});

describe('extensionUrnNotListed (row 14): extension attributes without their URN in schemas', () => {
  const raw = (userName: string) => ({ schemas: [USER_SCHEMA], userName, [ENTERPRISE]: { department: 'Eng', employeeNumber: '42' } });

  it('entra: the URN is added; the extension is stored', async () => {
    const entra = await client('entra', 'entra');
    const { reply, row } = await entra.send('POST', '/Users', raw(unique('ext')));
    assert.equal(reply.status, 201, reply.text);
    const stored = await read(`/Users/${reply.body.id}`);
    assert.deepEqual(stored.schemas, [USER_SCHEMA, ENTERPRISE]);
    assert.deepEqual(stored[ENTERPRISE], { department: 'Eng', employeeNumber: '42' });
    assert.deepEqual(row.notes, [`extensionUrnNotListed: extension ${ENTERPRISE} used but not listed in "schemas": added`]);
  });

  it('strict: 400 invalidValue', async () => {
    const strict = await client('strict', 'strict');
    assertStrict(await strict.send('POST', '/Users', raw(unique('ext'))), 400, 'invalidValue');
  });
});

describe('malformedEnterpriseUrn (row 16): "…:enterprise:2.0User" from a published Entra sample', () => {
  const raw = (userName: string) => ({ schemas: [USER_SCHEMA, BAD_ENT], userName, [BAD_ENT]: { department: 'Sales' } });

  it('entra: read as the enterprise URN in schemas and as a key', async () => {
    const entra = await client('entra', 'entra');
    const { reply, row } = await entra.send('POST', '/Users', raw(unique('bad-urn')));
    assert.equal(reply.status, 201, reply.text);
    const stored = await read(`/Users/${reply.body.id}`);
    assert.deepEqual(stored[ENTERPRISE], { department: 'Sales' });
    assert.equal(stored[BAD_ENT], undefined);
    assert.deepEqual(row.notes, [`malformedEnterpriseUrn: schema URN ${BAD_ENT} read as ${ENTERPRISE}`, `malformedEnterpriseUrn: key ${BAD_ENT} read as ${ENTERPRISE}`]);
  });

  it('strict: 400 invalidValue', async () => {
    const strict = await client('strict', 'strict');
    assertStrict(await strict.send('POST', '/Users', raw(unique('bad-urn'))), 400, 'invalidValue');
  });
});

describe('rolesJsonString (row 13): roles as a JSON string', () => {
  const roles = [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', display: 'Admin', value: 'Admin' }];
  const raw = patch({ op: 'Add', path: 'roles', value: JSON.stringify(roles) });

  it('entra: the string is parsed and the roles stored', async () => {
    const entra = await client('entra', 'entra');
    const id = await newUser();
    const { reply, row } = await entra.send('PATCH', `/Users/${id}`, raw);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual((await read(`/Users/${id}`)).roles, roles);
    assert.deepEqual(row.notes, ["opCase: op 'Add' read as 'add'", 'rolesJsonString: roles given as a JSON string: parsed']);
  });

  it('strict: 400 invalidValue, no roles stored', async () => {
    const strict = await client('strict', 'strict');
    const id = await newUser();
    assertStrict(await strict.send('PATCH', `/Users/${id}`, patch({ op: 'add', path: 'roles', value: JSON.stringify(roles) })), 400, 'invalidValue');
    assert.equal((await read(`/Users/${id}`)).roles, undefined);
  });
});

describe("patchValueIgnoresId (rows 21, 28): a path-less value carrying the resource's own id", () => {
  it('okta: the group rename with the group id in the value renames it', async () => {
    const okta = await client('okta', 'okta');
    const g = await newGroup();
    const name = unique('renamed');
    const { reply, row } = await okta.send('PATCH', `/Groups/${g}`, patch({ op: 'replace', value: { id: g, displayName: name } }));
    assert.ok(reply.status === 204 || reply.status === 200, reply.text);
    assert.equal((await read(`/Groups/${g}`)).displayName, name);
    assert.deepEqual(row.notes, ["patchValueIgnoresId: 'id' in a path-less replace value dropped"]);
  });

  it('authentik: the whole group (schemas, id, no members) keeps the members', async () => {
    const authentik = await client('authentik', 'authentik');
    const u = await newUser();
    const g = await newGroup([u]);
    const name = unique('ak-renamed');
    const { reply, row } = await authentik.send('PATCH', `/Groups/${g}`, patch({ op: 'replace', value: { schemas: [GROUP_SCHEMA], id: g, displayName: name } }));
    assert.ok(reply.status === 204 || reply.status === 200, reply.text);
    assert.equal((await read(`/Groups/${g}`)).displayName, name);
    assert.deepEqual(await memberIds(g), [u]);
    assert.deepEqual(row.notes, ["patchValueIgnoresId: 'id' in a path-less replace value dropped", "patchValueIgnoresId: 'schemas' in a path-less replace value dropped"]);
  });

  it('strict: 400 mutability, the name unchanged', async () => {
    const strict = await client('strict', 'strict');
    const g = await newGroup();
    const before = (await read(`/Groups/${g}`)).displayName;
    assertStrict(await strict.send('PATCH', `/Groups/${g}`, patch({ op: 'replace', value: { id: g, displayName: 'x' } })), 400, 'mutability');
    assert.equal((await read(`/Groups/${g}`)).displayName, before);
  });
});

describe('patchOpSchemasMissing (row 28): a PatchOp message without schemas', () => {
  const raw = (displayName: string) => ({ Operations: [{ op: 'replace', value: { displayName } }] });

  it('authentik: read as a PatchOp message; the group is renamed', async () => {
    const authentik = await client('authentik', 'authentik');
    const g = await newGroup();
    const name = unique('no-schemas');
    const { reply, row } = await authentik.send('PATCH', `/Groups/${g}`, raw(name));
    assert.ok(reply.status === 204 || reply.status === 200, reply.text);
    assert.equal((await read(`/Groups/${g}`)).displayName, name);
    assert.deepEqual(row.notes, ['patchOpSchemasMissing: "schemas" missing: read as ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]']);
  });

  it('strict: 400 invalidSyntax', async () => {
    const strict = await client('strict', 'strict');
    const g = await newGroup();
    assertStrict(await strict.send('PATCH', `/Groups/${g}`, raw('x')), 400, 'invalidSyntax');
  });
});

describe('objectForArray (row 34): an object where an array belongs', () => {
  const email = { value: 'jdoe@example.com', type: 'work', primary: true };

  it('onelogin: "emails": {…} is stored as a one-element array', async () => {
    const onelogin = await client('onelogin', 'onelogin');
    const { reply, row } = await onelogin.send('POST', '/Users', user(unique('ol'), { emails: email }));
    assert.equal(reply.status, 201, reply.text);
    assert.deepEqual((await read(`/Users/${reply.body.id}`)).emails, [email]);
    assert.deepEqual(row.notes, ["objectForArray: 'emails' given one value where an array belongs: wrapped"]);
  });

  it('strict: 400 invalidValue', async () => {
    const strict = await client('strict', 'strict');
    assertStrict(await strict.send('POST', '/Users', user(unique('ol'), { emails: email })), 400, 'invalidValue');
  });
});

describe('valuelessElements (row 34): template elements with an empty value', () => {
  const phones = [
    { type: 'work', value: '+1 555 0100' },
    { type: 'mobile', value: '' },
  ];

  it('onelogin: the empty mobile number is dropped', async () => {
    const onelogin = await client('onelogin', 'onelogin');
    const { reply, row } = await onelogin.send('POST', '/Users', user(unique('ol'), { phoneNumbers: phones }));
    assert.equal(reply.status, 201, reply.text);
    assert.deepEqual((await read(`/Users/${reply.body.id}`)).phoneNumbers, [{ value: '+1 555 0100', type: 'work' }]);
    assert.deepEqual(row.notes, ["valuelessElements: 'phoneNumbers': 1 element(s) with an empty value dropped"]);
  });

  it('strict: the literal RFC reading, where the empty string is unassigned and a value-less element is kept', async () => {
    const strict = await client('strict', 'strict');
    const { reply, row } = await strict.send('POST', '/Users', user(unique('ol'), { phoneNumbers: phones }));
    assert.equal(reply.status, 201, reply.text);
    assert.deepEqual((await read(`/Users/${reply.body.id}`)).phoneNumbers, [{ value: '+1 555 0100', type: 'work' }, { type: 'mobile' }]);
    assert.deepEqual(row.notes, []);
  });
});

describe('resourceSchemasMissing (row 27): POST bodies without schemas (older authentik)', () => {
  it('authentik: read as the core schema; the user is created', async () => {
    const authentik = await client('authentik', 'authentik');
    const userName = unique('ak');
    const { reply, row } = await authentik.send('POST', '/Users', { userName, name: { givenName: 'A', familyName: ' ' }, emails: [{ value: 'a@example.com', type: 'other' }] });
    assert.equal(reply.status, 201, reply.text);
    assert.equal((await read(`/Users/${reply.body.id}`)).userName, userName);
    assert.deepEqual(row.notes, [`resourceSchemasMissing: "schemas" missing: read as ["${USER_SCHEMA}"]`]);
  });

  it('strict: 400 invalidSyntax', async () => {
    const strict = await client('strict', 'strict');
    assertStrict(await strict.send('POST', '/Users', { userName: unique('ak') }), 400, 'invalidSyntax');
  });
});

describe('valuePathSubFilter (row 1): emails[type eq "work"].value eq "…" as a matching filter', () => {
  const filter = (email: string) => `emails[type eq "work"].value eq "${email}"`;

  it('entra: read as emails[type eq "work" and value eq "…"]; the user is found', async () => {
    const entra = await client('entra', 'entra');
    const email = `${unique('vp')}@example.com`;
    const id = await newUser({ emails: [{ type: 'work', value: email }] });
    await newUser({ emails: [{ type: 'home', value: email }] });
    const { reply, row } = await entra.send('GET', `/Users?filter=${encodeURIComponent(filter(email))}`);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(
      reply.body.Resources.map((r: { id: string }) => r.id),
      [id],
    );
    assert.deepEqual(row.notes, [`valuePathSubFilter: ${filter(email)} read as emails[(type eq "work") and value eq "${email}"]`]);
  });

  it('strict: 400 invalidFilter', async () => {
    const strict = await client('strict', 'strict');
    assertStrict(await strict.send('GET', `/Users?filter=${encodeURIComponent(filter('x@example.com'))}`), 400, 'invalidFilter');
  });
});

describe('userGroupsMembership (row 23, okta only): memberships in the User "groups"', () => {
  it('okta: POST adds the user to the groups; PUT makes them its direct memberships', async () => {
    const okta = await client('okta', 'okta');
    const [g1, g2] = [await newGroup(), await newGroup()];
    const userName = unique('okta-user');
    const created = await okta.send('POST', '/Users', user(userName, { groups: [{ value: g1, display: 'G1' }] }));
    assert.equal(created.reply.status, 201, created.reply.text);
    const id = created.reply.body.id as string;
    assert.deepEqual(await memberIds(g1), [id]);
    assert.deepEqual(
      (await read(`/Users/${id}`)).groups.map((g: { value: string }) => g.value),
      [g1],
    );
    assert.ok(created.row.notes.includes('userGroupsMembership: "groups" read as memberships to add: 1 group(s)'), created.row.notes.join('\n'));

    const put = await okta.send('PUT', `/Users/${id}`, user(userName, { id, groups: [{ value: g2, type: 'direct' }] }));
    assert.equal(put.reply.status, 200, put.reply.text);
    assert.deepEqual(await memberIds(g1), []);
    assert.deepEqual(await memberIds(g2), [id]);
    assert.ok(put.row.notes.includes('userGroupsMembership: "groups" read as the direct memberships: 1 group(s)'), put.row.notes.join('\n'));
  });

  it('strict and the unpinned default: "groups" is read-only (RFC 7643 §4.1.2) and ignored; entra (whose profile lacks it) too', async () => {
    const g = await newGroup();
    const unpinned = await client('unpinned', undefined);
    const ignored = await unpinned.send('POST', '/Users', user(unique('d'), { groups: [{ value: g }] }));
    assert.equal(ignored.reply.status, 201, ignored.reply.text);
    assert.deepEqual(ignored.row.notes, ['ignored: groups (read-only)']);
    const strict = await client('strict', 'strict');
    const { reply, row } = await strict.send('POST', '/Users', user(unique('g'), { groups: [{ value: g }] }));
    assert.equal(reply.status, 201, reply.text);
    assert.deepEqual(row.notes, ['ignored: groups (read-only)']);
    const entra = await client('entra', 'entra');
    assert.equal((await entra.send('POST', '/Users', user(unique('e'), { groups: [{ value: g }] }))).reply.status, 201);
    assert.deepEqual(await memberIds(g), []);
  });
});

describe('per-client switches: normaliser.<name>', () => {
  it('normaliser.opCase off on an entra client: "Replace" gets the strict 400, other normalisers still work', async () => {
    const entra = await client('entra-no-opcase', 'entra', { 'normaliser.opCase': 'off' });
    const id = await newUser({ active: true });
    const refused = await entra.send('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    assertScimError(refused.reply, 400, 'invalidSyntax');
    assert.equal(refused.row.idp, 'entra');
    assert.equal(refused.row.scimType, 'invalidSyntax');
    assert.equal((await read(`/Users/${id}`)).active, true);
    const accepted = await entra.send('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: 'False' }));
    assert.equal(accepted.reply.status, 200, accepted.reply.text);
    assert.equal((await read(`/Users/${id}`)).active, false);
    assert.deepEqual(accepted.row.notes, [`booleanStrings: 'active' "False" read as false`]);
  });

  it('normaliser.booleanStrings on on a strict client: the string is accepted, nothing else is loosened', async () => {
    const strict = await client('strict-bools', 'strict', { 'normaliser.booleanStrings': 'on' });
    const id = await newUser({ active: true });
    const accepted = await strict.send('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: 'False' }));
    assert.equal(accepted.reply.status, 200, accepted.reply.text);
    assert.equal((await read(`/Users/${id}`)).active, false);
    assert.equal(accepted.row.idp, 'strict');
    assert.deepEqual(accepted.row.notes, [`booleanStrings: 'active' "False" read as false`]);
    assertScimError((await strict.send('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: true }))).reply, 400, 'invalidSyntax');
  });

  it('a profile-limited normaliser turned on elsewhere: userGroupsMembership on an unpinned client', async () => {
    const unpinned = await client('generic-groups', undefined, { 'normaliser.userGroupsMembership': 'on' });
    const g = await newGroup();
    const { reply, row } = await unpinned.send('POST', '/Users', user(unique('gm'), { groups: [{ value: g }] }));
    assert.equal(reply.status, 201, reply.text);
    assert.deepEqual(await memberIds(g), [reply.body.id]);
    assert.equal(row.idp, 'generic');
    assert.ok(row.notes.some((n) => n.startsWith('userGroupsMembership: ')), row.notes.join('\n'));
  });

  it('switching back to default restores the profile default', async () => {
    const entra = await client('entra-toggle', 'entra', { 'normaliser.opCase': 'off' });
    const id = await newUser();
    assertScimError((await entra.send('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'title', value: 'x' }))).reply, 400, 'invalidSyntax');
    await s.running.services.admin.setClientSetting(TENANT, entra.name, 'normaliser.opCase', 'default');
    assert.equal((await entra.send('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'title', value: 'x' }))).reply.status, 200);
  });

  it('an unpinned client stays on the tolerant generic default on weak signals: a capitalised op is read, and logged as generic', async () => {
    const unpinned = await client('unpinned', undefined);
    const id = await newUser();
    const { reply, row } = await unpinned.send('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'title', value: 'x' }));
    assert.equal(reply.status, 200, reply.text);
    assert.equal((await read(`/Users/${id}`)).title, 'x');
    assert.equal(row.idp, 'generic');
    assert.deepEqual(row.notes, ["opCase: op 'Replace' read as 'replace'"]);
  });
});
