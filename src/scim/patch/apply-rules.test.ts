/**
 * mutability (readOnly, immutable) and invalidValue (wrong types, "required") of PATCH targets (RFC
 * 7644 §3.5.2, §3.12, RFC 7643 §2.2).
 * Shared fixtures: test/helpers/patch-apply.ts (every input is deep-frozen).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attr } from '../schema/define.ts';
import { ResourceSchema } from '../schema/registry.ts';
import { ENTERPRISE_USER_URN as ENT } from '../urns.ts';
import { type MemberView } from './members.ts';
import { type Doc, type Op, GROUP, run, throwsScim, userRejects, BJENSEN } from '../../../test/helpers/patch-apply.ts';

describe('mutability: readOnly and immutable targets (RFC 7644 §3.5.2, RFC 7643 §2.2)', () => {
  const readOnly: Op[] = [
    { op: 'replace', path: 'id', value: 'other-id' },
    { op: 'remove', path: 'id' },
    { op: 'add', path: 'meta', value: { resourceType: 'User' } },
    { op: 'replace', path: 'meta.lastModified', value: '2020-01-01T00:00:00Z' },
    { op: 'add', path: 'groups', value: [{ value: 'g1' }] },
    { op: 'remove', path: 'groups' },
    { op: 'remove', path: 'groups[value eq "g1"]' },
    { op: 'replace', path: 'groups[value eq "g1"].display', value: 'x' },
    { op: 'replace', path: `${ENT}:manager.displayName`, value: 'The Boss' },
    { op: 'add', value: { id: 'other-id' } },
    { op: 'replace', value: { meta: { version: 'W/"9"' } } },
    { op: 'add', value: { displayName: 'ok', groups: [{ value: 'g1' }] } },
  ];
  for (const op of readOnly) {
    const label = op.path === undefined ? `no path, value ${JSON.stringify(op.value)}` : String(op.path);
    it(`${String(op.op)} ${label} → 400 mutability, the target being readOnly (RFC 7644 §3.5.2)`, () => {
      userRejects(BJENSEN, 'mutability', [op], /read-only/);
    });
  }

  // The default schemas have no immutable attribute outside members, so a small schema shows the rule.
  const DEVICE = new ResourceSchema(
    { id: 'Device', name: 'Device', endpoint: '/Devices', description: 'Device', schema: 'urn:example:Device', schemaExtensions: [] },
    {
      id: 'urn:example:Device',
      name: 'Device',
      description: 'Device',
      attributes: [
        attr('serial', 'string', 'Serial number', { mutability: 'immutable' }),
        attr('label', 'string', 'Label'),
        attr('hardware', 'complex', 'Hardware', {
          subAttributes: [attr('model', 'string', 'Model', { mutability: 'immutable' }), attr('color', 'string', 'Color')],
        }),
      ],
    },
    [],
  );
  const device = (data: Doc, ...operations: Op[]) => run(DEVICE, data, operations);

  it('an immutable attribute without a value can be set by add or replace (RFC 7644 §3.5.2.1, RFC 7643 §2.2)', () => {
    assert.deepEqual(device({ label: 'x' }, { op: 'add', path: 'serial', value: 'S1' }).data, { label: 'x', serial: 'S1' });
    assert.deepEqual(device({ label: 'x' }, { op: 'replace', value: { serial: 'S1' } }).data, { label: 'x', serial: 'S1' });
    assert.deepEqual(device({}, { op: 'add', path: 'hardware.model', value: 'M1' }).data, { hardware: { model: 'M1' } });
  });

  it('repeating the existing value of an immutable attribute is allowed and changes nothing (RFC 7644 §3.5.2.1, RFC 7643 §2.2)', () => {
    const out = device({ serial: 'S1', hardware: { model: 'M1' } }, { op: 'replace', path: 'serial', value: 'S1' }, { op: 'add', path: 'hardware.model', value: 'M1' });
    assert.equal(out.changed, false);
  });

  it('changing an immutable attribute that has a value is mutability (RFC 7644 §3.5.2.3, RFC 7643 §2.2)', () => {
    const d = { serial: 'S1', hardware: { model: 'M1', color: 'red' } };
    throwsScim(() => device(d, { op: 'replace', path: 'serial', value: 'S2' }), 'mutability', /immutable/);
    throwsScim(() => device(d, { op: 'add', value: { serial: 'S2' } }), 'mutability', /immutable/);
    throwsScim(() => device(d, { op: 'remove', path: 'serial' }), 'mutability', /immutable/);
    throwsScim(() => device(d, { op: 'replace', path: 'hardware.model', value: 'M2' }), 'mutability', /immutable/);
    throwsScim(() => device(d, { op: 'replace', path: 'hardware', value: { model: 'M2' } }), 'mutability');
    throwsScim(() => device(d, { op: 'remove', path: 'hardware.model' }), 'mutability', /immutable/);
  });

  it('a mutable sub-attribute next to an immutable one stays writable (RFC 7644 §3.5.2.3, RFC 7643 §2.2)', () => {
    const out = device({ serial: 'S1', hardware: { model: 'M1', color: 'red' } }, { op: 'replace', path: 'hardware.color', value: 'blue' });
    assert.deepEqual(out.data, { serial: 'S1', hardware: { model: 'M1', color: 'blue' } });
  });
});

describe('invalidValue: values of the wrong type, and "required" (RFC 7644 §3.5.2, §3.12)', () => {
  const bad: Op[] = [
    { op: 'replace', path: 'active', value: 'yes' },
    { op: 'replace', path: 'userName', value: 42 },
    { op: 'add', path: 'name', value: 'Barbara Jensen' },
    { op: 'add', path: 'name.givenName', value: { first: 'B' } },
    { op: 'add', path: 'emails', value: 'b@example.com' },
    { op: 'add', path: 'emails', value: [{ value: 'b@example.com', primary: 'yes' }] },
    { op: 'replace', path: 'emails[type eq "work"].primary', value: 'true' },
    { op: 'replace', path: 'emails[type eq "work"]', value: 'b@example.com' },
    { op: 'add', path: 'x509Certificates', value: [{ value: 'not base64!' }] },
    { op: 'add', path: `${ENT}:manager`, value: 'mgr-2' },
    { op: 'add', value: 'displayName' },
    { op: 'add', value: ['displayName'] },
    { op: 'replace', value: { emails: { value: 'b@example.com' } } },
    { op: 'replace', value: { [ENT]: 'R&D' } },
    { op: 'replace', value: { active: 1 } },
  ];
  for (const op of bad) {
    it(`${String(op.op)} ${op.path ?? '(no path)'} with ${JSON.stringify(op.value)} → 400 invalidValue (RFC 7644 §3.5.2, §3.12)`, () => {
      userRejects(BJENSEN, 'invalidValue', [op]);
    });
  }

  it('removing userName violates "required" → mutability (RFC 7644 §3.5.2.2, RFC 7643 §2.2)', () => {
    userRejects(BJENSEN, 'mutability', [{ op: 'remove', path: 'userName' }], /'userName' is required/);
  });

  it('replacing userName with "" (unassigned) violates "required" → mutability (RFC 7644 §3.5.2.2, RFC 7643 §2.5)', () => {
    userRejects(BJENSEN, 'mutability', [{ op: 'replace', path: 'userName', value: '' }], /'userName' is required/);
  });

  it('removing a Group\'s displayName violates "required" → mutability (RFC 7644 §3.5.2.2, RFC 7643 §4.2)', () => {
    const view: MemberView = { has: () => false, typeOf: () => undefined };
    throwsScim(() => run(GROUP, { displayName: 'Tour Guides' }, [{ op: 'remove', path: 'displayName' }], view), 'mutability', /'displayName' is required/);
  });
});
