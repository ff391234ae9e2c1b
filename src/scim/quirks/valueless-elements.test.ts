/**
 * valuelessElements (IDP-QUIRKS row 34): OneLogin renders admin-written templates, so a user with
 * no mobile number arrives with `"phoneNumbers": [{"type": "mobile", "value": ""}]` (vendor
 * OneLogin setup guides). Such elements, which carry nothing but their labels (type, primary),
 * are dropped rather than stored as a value-less `{"type": "mobile"}`; an element with anything
 * else (a role's display) and references to resources (members) are kept. Every input is
 * deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { USER_RESOURCE_TYPE, USER_SCHEMA } from '../schema/core.ts';
import { defaultRegistry, ResourceSchema } from '../schema/registry.ts';
import { WIRE_PROFILE_SCHEMA, WIRE_PROFILE_URN } from '../schema/wire.ts';
import type { Json } from '../schema/validate.ts';
import { PATCH_OP_URN, USER_URN } from '../urns.ts';
import { valuelessElements } from './valueless-elements.ts';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');

const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });

function run(kind: 'resource' | 'patch', body: Json, schema: ResourceSchema = USER): { out: Json; notes: string[] } {
  return runNormaliser(valuelessElements, kind, body, { schema, resourceId: 'r1', current: {} });
}

describe('valuelessElements', () => {
  it('is on for every profile but strict and handles row 34', () => {
    assert.equal(valuelessElements.name, 'valuelessElements');
    assert.deepEqual(valuelessElements.quirks, [34]);
    assert.equal(valuelessElements.profiles, 'all');
  });

  describe('POST/PUT bodies', () => {
    it("OneLogin's template with an empty mobile number and a null email: those elements are dropped", () => {
      const raw = {
        schemas: [USER_URN],
        userName: 'jdoe',
        phoneNumbers: [
          { type: 'work', value: '+1 555 0100' },
          { type: 'mobile', value: '' },
        ],
        emails: [{ type: 'work', value: 'jdoe@example.com', primary: true }, { type: 'home', value: null }],
      };
      const { out, notes } = run('resource', raw);
      assert.deepEqual(out, { ...raw, phoneNumbers: [{ type: 'work', value: '+1 555 0100' }], emails: [{ type: 'work', value: 'jdoe@example.com', primary: true }] });
      assert.deepEqual(notes, ["'phoneNumbers': 1 element(s) with an empty value dropped", "'emails': 1 element(s) with an empty value dropped"]);
    });

    it('an element with no value key at all counts as empty; the Value key is found without regard to case', () => {
      const { out, notes } = run('resource', { userName: 'u', phoneNumbers: [{ type: 'mobile' }, { type: 'fax', Value: '' }, { type: 'work', Value: '1' }] });
      assert.deepEqual(out, { userName: 'u', phoneNumbers: [{ type: 'work', Value: '1' }] });
      assert.deepEqual(notes, ["'phoneNumbers': 2 element(s) with an empty value dropped"]);
    });

    it('an all-empty list becomes an empty list', () => {
      const { out } = run('resource', { userName: 'u', phoneNumbers: [{ type: 'mobile', value: '' }] });
      assert.deepEqual(out, { userName: 'u', phoneNumbers: [] });
    });

    it('leaves RFC-valid bodies alone, and attributes without a value sub-attribute (addresses)', () => {
      for (const [raw, schema] of [
        [{ schemas: [USER_URN], userName: 'u', emails: [{ value: 'a@b.c' }], phoneNumbers: [] }, USER],
        [{ userName: 'u', addresses: [{ type: 'work', formatted: '' }] }, USER],
        [{ userName: 'u', emails: null }, USER],
        [{ displayName: 'g', members: [{ value: 'u1' }] }, GROUP],
        // Not safe to drop: a member with no id (the core names it), a role that has a display.
        [{ displayName: 'g', members: [{ value: '' }, { value: null, $ref: 'Users/u1' }] }, GROUP],
        [{ userName: 'u', roles: [{ value: '', display: 'Admin' }] }, USER],
        [{ userName: 'u', emails: [{ value: '', display: 'x' }] }, USER],
      ] as const) {
        assert.deepEqual(run('resource', raw, schema), { out: raw, notes: [] });
      }
    });

    it("keeps elements whose schema requires a sub-attribute (Wire's richInfo {type, value}): the core names what they lack", () => {
      const wire = new ResourceSchema(USER_RESOURCE_TYPE, USER_SCHEMA, [WIRE_PROFILE_SCHEMA]);
      for (const [raw, schema] of [[{ userName: 'u', [WIRE_PROFILE_URN]: { richInfo: [{ type: 'Department' }, { type: 'City', value: '' }] } }, wire]] as const) {
        assert.deepEqual(run('resource', raw, schema), { out: raw, notes: [] });
      }
    });
  });

  describe('PATCH', () => {
    it('drops empty elements from a value on path "phoneNumbers" and from a path-less value', () => {
      const raw = patchOp({ op: 'add', path: 'phoneNumbers', value: [{ type: 'mobile', value: '' }, { type: 'work', value: '1' }] }, { op: 'replace', value: { emails: [{ value: '' }] } });
      const { out, notes } = run('patch', raw);
      assert.deepEqual(out, patchOp({ op: 'add', path: 'phoneNumbers', value: [{ type: 'work', value: '1' }] }, { op: 'replace', value: { emails: [] } }));
      assert.deepEqual(notes, ["'phoneNumbers': 1 element(s) with an empty value dropped", "'emails': 1 element(s) with an empty value dropped"]);
    });

    it('leaves filtered paths, remove ops and RFC-valid PATCHes alone', () => {
      const raw = patchOp(
        { op: 'replace', path: 'phoneNumbers[type eq "mobile"]', value: { value: '' } },
        { op: 'remove', path: 'phoneNumbers[type eq "mobile"]' },
        { op: 'add', path: 'emails', value: [{ value: 'a@b.c' }] },
      );
      assert.deepEqual(run('patch', raw), { out: raw, notes: [] });
    });
  });
});
