/**
 * pathKeyedAttributes (IDP-QUIRKS row 5, POST/PUT): a body key that is an attribute path is nested
 * where it leads; what it cannot place is left for the core to refuse by name. Every input is
 * deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultRegistry } from '../schema/registry.ts';
import { normalizeAttributes, type Json } from '../schema/validate.ts';
import { ENTERPRISE_USER_URN as ENT, USER_URN } from '../urns.ts';
import { pathKeyedAttributes } from './path-keyed-attributes.ts';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const USER = defaultRegistry().resource('User');

function run(body: Json): { out: Json; notes: string[] } {
  return runNormaliser(pathKeyedAttributes, 'resource', body, { schema: USER });
}

describe('pathKeyedAttributes', () => {
  it('is on for every profile but strict, handles row 5, POST/PUT only', () => {
    assert.deepEqual([pathKeyedAttributes.name, pathKeyedAttributes.quirks, pathKeyedAttributes.profiles], ['pathKeyedAttributes', [5], 'all']);
    assert.equal(pathKeyedAttributes.patch, undefined);
  });

  it('nests dotted, core-URN and extension-URN keys where they lead, merging with what the body has', () => {
    const { out, notes } = run({
      schemas: [USER_URN],
      userName: 'kim',
      name: { familyName: 'Lee' },
      'name.givenName': 'Kim',
      [`${USER_URN}:title`]: 'Dr',
      [`${ENT}:department`]: 'Eng',
      [`${ENT}:manager.value`]: 'm1',
    });
    assert.deepEqual(out, { schemas: [USER_URN], userName: 'kim', name: { familyName: 'Lee', givenName: 'Kim' }, title: 'Dr', [ENT]: { department: 'Eng', manager: { value: 'm1' } } });
    assert.equal(notes.length, 4);
    assert.equal(notes[0], `key 'name.givenName' read as path "name.givenName"`);
    // The core takes the rewritten body as it is.
    assert.deepEqual(normalizeAttributes(out, USER, { readOnly: 'ignore', notes: { ignored: [] } }), {
      userName: 'kim',
      name: { familyName: 'Lee', givenName: 'Kim' },
      title: 'Dr',
      [ENT]: { department: 'Eng', manager: { value: 'm1' } },
    });
  });

  it("nests `manager.value` inside the enterprise block", () => {
    const { out, notes } = run({ userName: 'u', [ENT]: { 'manager.value': 'm1', department: 'Eng' } });
    assert.deepEqual(out, { userName: 'u', [ENT]: { department: 'Eng', manager: { value: 'm1' } } });
    assert.deepEqual(notes, [`key 'manager.value' of ${ENT} read as path "${ENT}:manager.value"`]);
  });

  it('leaves for the core what it cannot place: clashes, multi-valued targets, filters, unknown names', () => {
    const raw = {
      userName: 'u',
      name: { givenName: 'A' },
      'name.givenName': 'B',
      [`${USER_URN}:userName`]: 'v',
      'emails.value': 'a@b.c',
      'emails[type eq "work"].value': 'a@b.c',
      'name.givenNme': 'x',
      'foo.bar': 1,
    };
    assert.deepEqual(run(raw), { out: raw, notes: [] });
  });

  it('leaves bodies without path keys alone, unknown extension blocks included', () => {
    const raw = { schemas: [USER_URN], userName: 'u', name: { givenName: 'G' }, [ENT]: { department: 'D' }, 'urn:ietf:params:scim:schemas:extension:custom:2.0:User:x': 1 };
    assert.deepEqual(run(raw), { out: raw, notes: [] });
  });
});
