/**
 * The normalisers of schema-urns.ts:
 * - unknownSchemaUrns (IDP-QUIRKS row 10): Entra's Create Group lists
 *   `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group` in `schemas`
 *   (Microsoft Learn, SCIM tutorial "Create Group").
 * - extensionUrnNotListed (row 14): Entra sends extension attributes without listing their URN
 *   ("Customize attribute mappings").
 * - malformedEnterpriseUrn (row 16): a published Entra sample spells the enterprise URN
 *   `urn:ietf:params:scim:schemas:extension:enterprise:2.0User` (SCIM tutorial, Example 2).
 * - resourceSchemasMissing (row 27): older authentik releases POST users and groups with no
 *   `schemas` at all.
 * Every input is deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, parsePatchRequest } from '../patch/apply.ts';
import { defaultRegistry, type ResourceSchema } from '../schema/registry.ts';
import { checkSchemas, type Json } from '../schema/validate.ts';
import { ENTERPRISE_USER_URN as ENT, GROUP_URN, PATCH_OP_URN, SCIMD_USER_URN, USER_URN } from '../urns.ts';
import { extensionUrnNotListed, malformedEnterpriseUrn, resourceSchemasMissing, unknownSchemaUrns } from './schema-urns.ts';
import type { Normaliser } from './types.ts';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');
const ADSCIM = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const BAD = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User';

const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });

function run(n: Normaliser, kind: 'resource' | 'patch', body: Json, schema: ResourceSchema = USER): { out: Json; notes: string[] } {
  return runNormaliser(n, kind, body, { schema, resourceId: 'r1', current: {} });
}

describe('unknownSchemaUrns', () => {
  it('is on for every profile but strict, handles row 10, POST/PUT bodies only', () => {
    assert.deepEqual([unknownSchemaUrns.name, unknownSchemaUrns.quirks, unknownSchemaUrns.profiles], ['unknownSchemaUrns', [10], 'all']);
    assert.equal(unknownSchemaUrns.patch, undefined);
  });

  it("drops the ADSCIM URN of Entra's Create Group; the core then accepts the schemas", () => {
    const raw = { schemas: [GROUP_URN, ADSCIM], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName', meta: { resourceType: 'Group' } };
    assert.throws(() => checkSchemas(raw, GROUP), /which is not a schema of Group resources/);
    const { out, notes } = run(unknownSchemaUrns, 'resource', raw, GROUP);
    assert.deepEqual(out, { ...raw, schemas: [GROUP_URN] });
    assert.deepEqual(notes, [`unknown schema URN "${ADSCIM}" dropped from "schemas"`]);
    checkSchemas(out, GROUP);
  });

  it('drops every unknown URN, keeps known ones in any case and non-strings (for the core to refuse)', () => {
    const { out, notes } = run(unknownSchemaUrns, 'resource', { schemas: [USER_URN.toUpperCase(), 'urn:x:One', ENT, 7, 'urn:x:Two'], userName: 'u' });
    assert.deepEqual(out, { schemas: [USER_URN.toUpperCase(), ENT, 7], userName: 'u' });
    assert.deepEqual(notes, ['unknown schema URN "urn:x:One" dropped from "schemas"', 'unknown schema URN "urn:x:Two" dropped from "schemas"']);
  });

  it('keeps an unknown URN the body carries attributes under, so the core refuses it by name instead of dropping the data', () => {
    const raw = { schemas: [USER_URN, 'urn:x:hr:2.0:User'], userName: 'u', 'urn:x:hr:2.0:User': { badge: '1' } };
    assert.deepEqual(run(unknownSchemaUrns, 'resource', raw), { out: raw, notes: [] });
    assert.throws(() => checkSchemas(raw, USER), /"urn:x:hr:2\.0:User", which is not a schema of User resources/);
  });

  it('leaves RFC-valid bodies and bodies without a schemas array alone', () => {
    for (const [raw, schema] of [
      [{ schemas: [USER_URN, ENT], userName: 'u', [ENT]: { department: 'x' } }, USER],
      [{ schemas: [GROUP_URN], displayName: 'g' }, GROUP],
      [{ userName: 'u' }, USER],
      [{ schemas: 'urn:x:y', userName: 'u' }, USER],
    ] as const) {
      assert.deepEqual(run(unknownSchemaUrns, 'resource', raw, schema), { out: raw, notes: [] });
    }
  });
});

describe('extensionUrnNotListed', () => {
  it('is on for every IdP profile, handles row 14, POST/PUT bodies only', () => {
    assert.deepEqual([extensionUrnNotListed.name, extensionUrnNotListed.quirks, extensionUrnNotListed.profiles], ['extensionUrnNotListed', [14], 'all']);
    assert.equal(extensionUrnNotListed.patch, undefined);
  });

  it('adds the URN of an extension the body carries but schemas omits; the core then accepts it', () => {
    const raw = { schemas: [USER_URN], userName: 'u', [ENT]: { employeeNumber: '7', department: 'Eng' } };
    assert.throws(() => checkSchemas(raw, USER), /does not list it/);
    const { out, notes } = run(extensionUrnNotListed, 'resource', raw);
    assert.deepEqual(out, { ...raw, schemas: [USER_URN, ENT] });
    assert.deepEqual(notes, [`extension ${ENT} used but not listed in "schemas": added`]);
    checkSchemas(out, USER);
  });

  it('adds the canonical URN once, whatever the case of the key', () => {
    const key = ENT.toUpperCase();
    const { out, notes } = run(extensionUrnNotListed, 'resource', { schemas: [USER_URN], userName: 'u', [key]: { department: 'x' } });
    assert.deepEqual(out, { schemas: [USER_URN, ENT], userName: 'u', [key]: { department: 'x' } });
    assert.equal(notes.length, 1);
  });

  it('adds nothing for a null extension, a listed one (in any case), or a body without schemas', () => {
    for (const raw of [
      { schemas: [USER_URN], userName: 'u', [ENT]: null },
      { schemas: [USER_URN, ENT.toLowerCase()], userName: 'u', [ENT]: { department: 'x' } },
      { userName: 'u', [ENT]: { department: 'x' } },
      { schemas: [USER_URN, ENT, SCIMD_USER_URN], userName: 'u', [ENT]: { department: 'x' } },
    ]) {
      assert.deepEqual(run(extensionUrnNotListed, 'resource', raw), { out: raw, notes: [] });
    }
  });
});

describe('malformedEnterpriseUrn', () => {
  it('is on for every IdP profile and handles row 16', () => {
    assert.deepEqual([malformedEnterpriseUrn.name, malformedEnterpriseUrn.quirks, malformedEnterpriseUrn.profiles], ['malformedEnterpriseUrn', [16], 'all']);
  });

  it("reads the sample's …:2.0User in schemas and as a key as the enterprise URN", () => {
    const raw = { schemas: [USER_URN, BAD], userName: 'u', [BAD]: { department: 'Eng', manager: null } };
    const { out, notes } = run(malformedEnterpriseUrn, 'resource', raw);
    assert.deepEqual(out, { schemas: [USER_URN, ENT], userName: 'u', [ENT]: { department: 'Eng', manager: null } });
    assert.deepEqual(notes, [`schema URN ${BAD} read as ${ENT}`, `key ${BAD} read as ${ENT}`]);
    checkSchemas(out, USER);
  });

  it('PATCH: a path under the misspelt URN, and the misspelt key in a path-less value', () => {
    const raw = patchOp({ op: 'replace', path: ` ${BAD}:department `, value: 'Sales' }, { op: 'add', value: { [BAD]: { employeeNumber: '9' } } });
    const { out, notes } = run(malformedEnterpriseUrn, 'patch', raw);
    assert.deepEqual(out, patchOp({ op: 'replace', path: `${ENT}:department`, value: 'Sales' }, { op: 'add', value: { [ENT]: { employeeNumber: '9' } } }));
    assert.deepEqual(notes, [`path  ${BAD}:department  read as ${ENT}:department`, `key ${BAD} read as ${ENT}`]);
    assert.deepEqual(applyPatch({ schema: USER, id: 'r1', data: { userName: 'u' } }, parsePatchRequest(out, USER)).data[ENT], { department: 'Sales', employeeNumber: '9' });
  });

  it('leaves the correct URN, look-alikes (…:2.0Users) and other keys alone', () => {
    for (const raw of [
      { schemas: [USER_URN, ENT], userName: 'u', [ENT]: { department: 'x' } },
      { schemas: [USER_URN], userName: 'u', [`${BAD}s`]: { department: 'x' } },
      { schemas: [USER_URN], userName: 'u', title: BAD },
    ]) {
      assert.deepEqual(run(malformedEnterpriseUrn, 'resource', raw), { out: raw, notes: [] });
    }
    const patch = patchOp({ op: 'replace', path: `${ENT}:department`, value: 'x' }, { op: 'replace', value: { [ENT]: { department: 'y' } } }, { op: 'replace', path: 'title', value: BAD });
    assert.deepEqual(run(malformedEnterpriseUrn, 'patch', patch), { out: patch, notes: [] });
  });
});

describe('resourceSchemasMissing', () => {
  it('is on for every IdP profile, handles row 27, POST/PUT bodies only', () => {
    assert.deepEqual([resourceSchemasMissing.name, resourceSchemasMissing.quirks, resourceSchemasMissing.profiles], ['resourceSchemasMissing', [27], 'all']);
    assert.equal(resourceSchemasMissing.patch, undefined);
  });

  it("a body with no schemas gets the resource type's core schema; the core then accepts it", () => {
    const raw = { userName: 'ak-user', name: { givenName: 'A', familyName: ' ' } };
    assert.throws(() => checkSchemas(raw, USER), /must carry "schemas"/);
    const { out, notes } = run(resourceSchemasMissing, 'resource', raw);
    assert.deepEqual(out, { schemas: [USER_URN], ...raw });
    assert.deepEqual(notes, [`"schemas" missing: read as ["${USER_URN}"]`]);
    checkSchemas(out, USER);
    const group = run(resourceSchemasMissing, 'resource', { displayName: 'g' }, GROUP);
    assert.deepEqual(group, { out: { schemas: [GROUP_URN], displayName: 'g' }, notes: [`"schemas" missing: read as ["${GROUP_URN}"]`] });
  });

  it('leaves any body that names schemas (right, wrong, empty, null, any key case) for the core', () => {
    for (const raw of [{ schemas: [USER_URN], userName: 'u' }, { Schemas: ['urn:x'], userName: 'u' }, { schemas: [], userName: 'u' }, { schemas: null, userName: 'u' }]) {
      assert.deepEqual(run(resourceSchemasMissing, 'resource', raw), { out: raw, notes: [] });
    }
  });
});
