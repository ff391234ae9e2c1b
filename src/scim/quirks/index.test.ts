/**
 * Which normalisers a client gets (index.ts): none for `strict` (the exact RFC); the ones that only
 * rewrite requests the RFC core would refuse or misread for every other profile, the tolerant
 * default `generic` included; the ones that change what a valid request means only for their IdP;
 * per-client `normaliser.<name>` settings win. And QuirkRun (run.ts), which runs a
 * client's normalisers over one request and collects their notes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultRegistry } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';
import { ENTERPRISE_USER_URN as ENT, GROUP_URN, PATCH_OP_URN, USER_URN } from '../urns.ts';
import { NORMALISERS, normaliserByName, normalisersFor, onByDefault } from './index.ts';
import { QuirkRun } from './run.ts';
import { IDP_PROFILES, isIdpProfile, type IdpProfile } from './types.ts';
import { deepFreeze } from '../../../test/helpers/freeze.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');
const BAD_ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User';
const ADSCIM = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

/** The normalisers that can change what a request means, and the only profiles they are on for. */
const PROFILE_ONLY: Readonly<Record<string, readonly IdpProfile[]>> = {
  userGroupsMembership: ['okta'],
};

const names = (list: readonly { name: string }[]) => list.map((n) => n.name);
const FOR_ALL = names(NORMALISERS).filter((n) => !(n in PROFILE_ONLY));

describe('the normaliser list', () => {
  it('names every normaliser once, each with its IDP-QUIRKS rows, a summary and something to rewrite', () => {
    const all = names(NORMALISERS);
    assert.equal(new Set(all.map((n) => n.toLowerCase())).size, all.length, 'names are unique without regard to case');
    for (const name of [
      'opCase', 'booleanStrings', 'pathKeyedReplace', 'membersRemoveByValueList', 'addCreatesFilteredElement', 'managerAsString', 'unquotedFilterValues',
      'unknownSchemaUrns', 'extensionUrnNotListed', 'malformedEnterpriseUrn', 'rolesJsonString', 'patchValueIgnoresId', 'objectForArray', 'userGroupsMembership',
      'patchOpSchemasMissing', 'resourceSchemasMissing', 'valuelessElements', 'valuePathSubFilter', 'pathKeyedAttributes', 'memberClaimsFromMember',
    ]) {
      assert.ok(all.includes(name), `${name} is listed`);
    }
    for (const n of NORMALISERS) {
      assert.match(n.name, /^[a-z][A-Za-z]+$/, 'a name usable in normaliser.<name>');
      assert.ok(n.quirks.length > 0 && n.quirks.every((q) => Number.isInteger(q) && q >= 1), `${n.name} names its rows`);
      assert.ok(n.summary.length > 10, `${n.name} has a summary`);
      assert.ok(n.resource || n.patch || n.filter || n.member, `${n.name} rewrites or decides something`);
    }
  });

  it('only the normalisers that change what a request means are limited to their IdP', () => {
    for (const n of NORMALISERS) {
      if (n.name in PROFILE_ONLY) assert.deepEqual(n.profiles, PROFILE_ONLY[n.name], n.name);
      else assert.equal(n.profiles, 'all', n.name);
    }
  });

  it('spelling fixes run before the normalisers that read ops, paths and URNs', () => {
    const order = names(NORMALISERS);
    const before = (a: string, b: string) => assert.ok(order.indexOf(a) < order.indexOf(b), `${a} runs before ${b}`);
    for (const later of ['pathKeyedReplace', 'managerAsString', 'membersRemoveByValueList', 'addCreatesFilteredElement']) before('opCase', later);
    for (const later of ['pathKeyedReplace', 'unknownSchemaUrns', 'extensionUrnNotListed']) before('malformedEnterpriseUrn', later);
    // A bare "manager" must be read as the enterprise path before its value is quoted.
    before('managerAsString', 'unquotedFilterValues');
    // Extension URNs are added to a "schemas" that must exist by then.
    before('resourceSchemasMissing', 'extensionUrnNotListed');
    before('patchOpSchemasMissing', 'opCase');
    // Path keys are nested before the normalisers that read attributes by name see the body.
    for (const later of ['managerAsString', 'booleanStrings', 'extensionUrnNotListed']) before('pathKeyedAttributes', later);
  });

  it('every normaliser has unit tests beside it (a *.test.ts here that imports it)', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const tests = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts') && f !== 'index.test.ts')
      .map((f) => readFileSync(join(dir, f), 'utf8'));
    for (const n of NORMALISERS) {
      const imported = new RegExp(`^import \\{[^}]*\\b${n.name}\\b[^}]*\\} from '\\./`, 'm');
      assert.ok(tests.some((t) => imported.test(t)), `no unit test imports ${n.name}`);
    }
  });

  it('normaliserByName finds a normaliser without regard to case', () => {
    assert.equal(normaliserByName('OPCASE')?.name, 'opCase');
    assert.equal(normaliserByName('rolesjsonstring')?.name, 'rolesJsonString');
    assert.equal(normaliserByName('noSuchThing'), undefined);
  });

  it('isIdpProfile knows the nine profiles', () => {
    assert.deepEqual([...IDP_PROFILES], ['generic', 'strict', 'entra', 'okta', 'authentik', 'keycloak', 'pingone', 'onelogin', 'jumpcloud']);
    assert.ok(IDP_PROFILES.every(isIdpProfile));
    assert.ok(!isIdpProfile('azure') && !isIdpProfile('Entra') && !isIdpProfile(''));
  });
});

describe('normalisersFor: which are on per profile', () => {
  const order = (a: string, b: string) => names(NORMALISERS).indexOf(a) - names(NORMALISERS).indexOf(b);

  it('strict (the exact RFC) gets none, even the harmless ones', () => {
    assert.deepEqual(normalisersFor('strict'), []);
    assert.ok(NORMALISERS.every((n) => !onByDefault(n, 'strict')));
  });

  it('generic (the tolerant default of an unpinned client) gets every profile-wide one, in run order', () => {
    assert.deepEqual(names(normalisersFor('generic')), FOR_ALL);
  });

  it('okta: the tolerant default plus userGroupsMembership', () => {
    assert.deepEqual(names(normalisersFor('okta')), [...FOR_ALL, 'userGroupsMembership'].sort(order));
  });

  it('entra, authentik, keycloak, pingone, onelogin, jumpcloud: exactly the tolerant default', () => {
    for (const p of ['entra', 'authentik', 'keycloak', 'pingone', 'onelogin', 'jumpcloud'] as const) assert.deepEqual(names(normalisersFor(p)), FOR_ALL, p);
  });

  it('a recognised profile never turns off a normaliser the default had on: every IdP profile is the default plus its own', () => {
    const tolerant = names(normalisersFor('generic'));
    for (const p of IDP_PROFILES) {
      if (p === 'strict') continue;
      const own = NORMALISERS.filter((n) => n.profiles !== 'all' && n.profiles.includes(p)).map((n) => n.name);
      assert.deepEqual(names(normalisersFor(p)), [...tolerant, ...own].sort(order), p);
    }
  });

  it('normaliser.<name> off removes one normaliser from a profile; on adds one to strict', () => {
    const entraOff = names(normalisersFor('entra', { 'normaliser.opCase': 'off', 'normaliser.rolesJsonString': 'off' }));
    assert.deepEqual(entraOff, names(normalisersFor('entra')).filter((n) => n !== 'opCase' && n !== 'rolesJsonString'));
    assert.deepEqual(names(normalisersFor('generic', { 'normaliser.opCase': 'off' })), FOR_ALL.filter((n) => n !== 'opCase'));
    assert.deepEqual(names(normalisersFor('strict', { 'normaliser.booleanStrings': 'on' })), ['booleanStrings']);
    assert.deepEqual(names(normalisersFor('entra', { 'normaliser.userGroupsMembership': 'on' })), [...FOR_ALL, 'userGroupsMembership'].sort(order));
  });

  it('"default", unknown values and unrelated settings leave the profile default', () => {
    const entra = names(normalisersFor('entra'));
    assert.deepEqual(names(normalisersFor('entra', { 'normaliser.opCase': 'default', 'normaliser.booleanStrings': 'maybe', idp: 'strict', 'normaliser.noSuch': 'on' })), entra);
  });
});

describe('QuirkRun', () => {
  const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });

  /** An Entra (default mode) PATCH that needs six normalisers. */
  const ENTRA_PATCH = patchOp(
    { op: 'Add', path: 'manager', value: [{ $ref: null, value: 'm1' }] },
    { op: 'Replace', value: { 'name.givenName': 'Henry', active: 'False', [`${BAD_ENT}:department`]: 'Eng' } },
    { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555' },
  );

  it("an entra client's run rewrites the PATCH step by step and notes each change under the normaliser's name", () => {
    const run = new QuirkRun(normalisersFor('entra'));
    const out = run.patch(deepFreeze(structuredClone(ENTRA_PATCH)), USER, 'u1', deepFreeze({ userName: 'u' }));
    assert.deepEqual(
      out,
      patchOp(
        { op: 'add', path: `${ENT}:manager`, value: { $ref: null, value: 'm1' } },
        { op: 'replace', value: { active: false } },
        { op: 'replace', path: 'name.givenName', value: 'Henry' },
        { op: 'replace', path: `${ENT}:department`, value: 'Eng' },
        { op: 'add', path: 'phoneNumbers', value: [{ type: 'mobile', value: '+1 555' }] },
      ),
    );
    assert.deepEqual(run.notes, [
      "opCase: op 'Add' read as 'add'",
      "opCase: op 'Replace' read as 'replace'",
      "opCase: op 'Add' read as 'add'",
      `malformedEnterpriseUrn: key ${BAD_ENT}:department read as ${ENT}:department`,
      `pathKeyedReplace: value key 'name.givenName' read as path "name.givenName"`,
      `pathKeyedReplace: value key '${ENT}:department' read as path "${ENT}:department"`,
      `managerAsString: path "manager" read as "${ENT}:manager"`,
      'managerAsString: path "manager": one-element manager array read as its element',
      `booleanStrings: 'active' "False" read as false`,
      `addCreatesFilteredElement: "phoneNumbers[type eq "mobile"].value" matches nothing: add of the new element {"type":"mobile","value":"+1 555"} to 'phoneNumbers'`,
    ]);
    assert.deepEqual(run.followUps, []);
  });

  it("an entra client's POST bodies: misspelt URN, manager string, roles string, emails object, active string, ADSCIM", () => {
    const run = new QuirkRun(normalisersFor('entra'));
    const user = { schemas: [USER_URN, BAD_ENT], userName: 'u', active: 'True', emails: { value: 'a@b.c' }, [BAD_ENT]: { manager: 'm1' }, roles: '[{"value":"Admin"}]' };
    assert.deepEqual(run.resource(deepFreeze(structuredClone(user)), USER), {
      schemas: [USER_URN, ENT],
      userName: 'u',
      active: true,
      emails: [{ value: 'a@b.c' }],
      [ENT]: { manager: { value: 'm1' } },
      roles: [{ value: 'Admin' }],
    });
    assert.deepEqual(run.resource(deepFreeze({ schemas: [GROUP_URN, ADSCIM], displayName: 'g' }), GROUP), { schemas: [GROUP_URN], displayName: 'g' });
    assert.deepEqual(run.notes, [
      `malformedEnterpriseUrn: schema URN ${BAD_ENT} read as ${ENT}`,
      `malformedEnterpriseUrn: key ${BAD_ENT} read as ${ENT}`,
      'managerAsString: body: manager id "m1" read as {"value": "m1"}',
      'rolesJsonString: roles given as a JSON string: parsed',
      "objectForArray: 'emails' given one value where an array belongs: wrapped",
      `booleanStrings: 'active' "True" read as true`,
      `unknownSchemaUrns: unknown schema URN "${ADSCIM}" dropped from "schemas"`,
    ]);
  });

  it("an entra client's reference-check filter", () => {
    const run = new QuirkRun(normalisersFor('entra'));
    assert.equal(run.filter('id eq u1 and manager eq m1', [USER]), `id eq "u1" and ${ENT}:manager eq "m1"`);
    assert.deepEqual(run.notes, [
      `managerAsString: filter attribute "manager" read as "${ENT}:manager"`,
      `unquotedFilterValues: unquoted value u1 of 'id' read as "u1"`,
      `unquotedFilterValues: unquoted value m1 of '${ENT}:manager' read as "m1"`,
    ]);
  });

  it('a strict client passes every one of those requests through untouched, with no notes', () => {
    const run = new QuirkRun(normalisersFor('strict'));
    assert.deepEqual(run.active, []);
    assert.deepEqual(run.patch(ENTRA_PATCH, USER, 'u1', { userName: 'u' }), ENTRA_PATCH);
    const user = { schemas: [USER_URN, BAD_ENT], userName: 'u', active: 'True', groups: [{ value: 'g1' }] };
    assert.deepEqual(run.resource(user, USER), user);
    assert.equal(run.filter('id eq u1', [USER]), 'id eq u1');
    assert.deepEqual(run.notes, []);
    assert.deepEqual(run.followUps, []);
  });

  it('collects follow-ups (okta groups on a User POST) and names the active normalisers', () => {
    const run = new QuirkRun(normalisersFor('okta'));
    assert.deepEqual(run.active, names(normalisersFor('okta')));
    run.resource(deepFreeze({ schemas: [USER_URN], userName: 'u', groups: [{ value: 'g1' }] }), USER);
    assert.deepEqual(run.followUps, [{ kind: 'userGroups', mode: 'add', groupIds: ['g1'] }]);
    assert.deepEqual(run.notes, ['userGroupsMembership: "groups" read as memberships to add: 1 group(s)']);
  });

  it('never mutates the request it is given, and passes a body that is no object through as it is', () => {
    const run = new QuirkRun(normalisersFor('entra'));
    const raw = structuredClone(ENTRA_PATCH);
    run.patch(raw, USER, 'u1', { userName: 'u' });
    assert.deepEqual(raw, ENTRA_PATCH);
    for (const body of [null, 'text', [patchOp()], 42]) {
      assert.equal(run.patch(body, USER, 'u1', {}), body);
      assert.equal(run.resource(body, USER), body);
    }
  });
});
