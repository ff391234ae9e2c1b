/**
 * Multi-valued add de-duplicates and keeps primary unique; no-op PATCHes report changed: false (RFC
 * 7644 §3.5.2.1).
 * Shared fixtures: test/helpers/patch-apply.ts (every input is deep-frozen).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTERPRISE_USER_URN as ENT } from '../urns.ts';
import { type Doc, type Op, patchUser, userRejects, BJENSEN } from '../../../test/helpers/patch-apply.ts';

describe('multi-valued add de-duplicates, and primary stays unique', () => {
  it('re-adding an existing value, keys in another order and case, changes nothing (RFC 7644 §3.5.2.1)', () => {
    const out = patchUser(BJENSEN, { op: 'add', path: 'emails', value: [{ PRIMARY: true, Type: 'work', value: 'bjensen@example.com' }] });
    assert.deepEqual(out.data, BJENSEN);
    assert.equal(out.changed, false);
  });

  it('a path-less add of existing values changes nothing (RFC 7644 §3.5.2.1)', () => {
    const out = patchUser(BJENSEN, { op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], displayName: 'Babs Jensen' } });
    assert.deepEqual(out.data, BJENSEN);
    assert.equal(out.changed, false);
  });

  it('adding a value with primary true clears primary on the others (RFC 7644 §3.5.2.1, RFC 7643 §2.4)', () => {
    const out = patchUser(BJENSEN, { op: 'add', path: 'emails', value: [{ value: 'b@other.net', type: 'other', primary: true }] });
    assert.deepEqual(out.data.emails, [
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'b@other.net', type: 'other', primary: true },
    ]);
  });

  it('a path-less add of a primary value clears primary on the others (RFC 7644 §3.5.2.1, RFC 7643 §2.4)', () => {
    const out = patchUser(BJENSEN, { op: 'add', value: { emails: [{ value: 'b@other.net', primary: true }] } });
    assert.deepEqual(
      (out.data.emails as Doc[]).map((e) => e.primary === true),
      [false, false, true],
    );
  });

  it('setting [filter].primary to true moves primary to the matching value (RFC 7644 §3.5.2.3, RFC 7643 §2.4)', () => {
    const out = patchUser(BJENSEN, { op: 'replace', path: 'emails[type eq "home"].primary', value: true });
    assert.deepEqual(out.data.emails, [
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home', primary: true },
    ]);
  });

  it('replacing a filtered element with a primary value clears primary on the others (RFC 7644 §3.5.2.3, RFC 7643 §2.4)', () => {
    const out = patchUser(BJENSEN, { op: 'replace', path: 'emails[type eq "home"]', value: { value: 'babs@jensen.org', type: 'home', primary: true } });
    assert.deepEqual(
      (out.data.emails as Doc[]).map((e) => [e.type, e.primary === true]),
      [
        ['work', false],
        ['home', true],
      ],
    );
  });

  it('two primary values in one add are invalidValue (RFC 7644 §3.5.2.1, RFC 7643 §2.4)', () => {
    userRejects(BJENSEN, 'invalidValue', [
      {
        op: 'add',
        path: 'emails',
        value: [
          { value: 'a@example.net', primary: true },
          { value: 'b@example.net', primary: true },
        ],
      },
    ]);
  });

  it('setting primary on a filter that matches two values is invalidValue (RFC 7644 §3.5.2.3, RFC 7643 §2.4)', () => {
    userRejects(BJENSEN, 'invalidValue', [{ op: 'replace', path: 'emails[value pr].primary', value: true }], /primary/);
  });
});

describe('no-op PATCHes report changed: false (RFC 7644 §3.5.2.1)', () => {
  const noops: [string, Op[]][] = [
    ['add of the current single value', [{ op: 'add', path: 'displayName', value: 'Babs Jensen' }]],
    ['replace of a sub-attribute with its current value', [{ op: 'replace', path: 'name.givenName', value: 'Barbara' }]],
    ['remove of an attribute that has no value', [{ op: 'remove', path: 'nickName' }]],
    ['remove of a sub-attribute of an absent complex attribute', [{ op: 'remove', path: 'name.middleName' }]],
    ['remove of an extension attribute the user does not have', [{ op: 'remove', path: `${ENT}:costCenter` }]],
    ['path-less replace with the current values', [{ op: 'replace', value: { name: { familyName: 'Jensen' }, [ENT]: { employeeNumber: '701984' } } }]],
    [
      'an add undone by a later remove',
      [
        { op: 'add', path: 'title', value: 'Temp' },
        { op: 'remove', path: 'title' },
      ],
    ],
  ];
  for (const [what, ops] of noops) {
    it(`${what} leaves the document equal and changed false (RFC 7644 §3.5.2.1, §3.5.2.2)`, () => {
      const out = patchUser(BJENSEN, ...ops);
      assert.deepEqual(out.data, BJENSEN);
      assert.equal(out.changed, false);
    });
  }

  it('removing an absent extension attribute from a user without the extension is a no-op success (RFC 7644 §3.5.2.2)', () => {
    const out = patchUser({ userName: 'plain' }, { op: 'remove', path: `${ENT}:manager.value` }, { op: 'remove', path: ENT });
    assert.deepEqual(out.data, { userName: 'plain' });
    assert.equal(out.changed, false);
  });
});
