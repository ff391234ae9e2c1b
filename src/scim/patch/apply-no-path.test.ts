/**
 * PATCH operations without a "path": the value is a set of attributes of the resource (RFC 7644
 * §3.5.2.1, §3.5.2.3).
 * Shared fixtures: test/helpers/patch-apply.ts (every input is deep-frozen).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTERPRISE_USER_URN as ENT } from '../urns.ts';
import { CORE_USER, patchUser, userRejects, BJENSEN, expected, table } from '../../../test/helpers/patch-apply.ts';

describe('PATCH without "path": the value is a set of attributes of the resource', () => {
  table([
    {
      what: 'a single-valued attribute that has a value is replaced',
      section: '3.5.2.1',
      ops: [{ op: 'add', value: { displayName: 'Barbara J.' } }],
      edit: (d) => (d.displayName = 'Barbara J.'),
    },
    {
      what: 'an attribute without a value is added',
      section: '3.5.2.1',
      ops: [{ op: 'add', value: { nickName: 'Babs', active: true } }],
      edit: (d) => Object.assign(d, { nickName: 'Babs', active: true }),
    },
    {
      what: 'values of a multi-valued attribute are appended to the existing ones',
      section: '3.5.2.1',
      ops: [{ op: 'add', value: { emails: [{ value: 'b@other.net', type: 'other' }] } }],
      edit: (d) => d.emails.push({ value: 'b@other.net', type: 'other' }),
    },
    {
      what: 'a complex attribute merges its sub-attributes into the existing value',
      section: '3.5.2.1',
      ops: [{ op: 'add', value: { name: { middleName: 'Jane' } } }],
      edit: (d) => (d.name.middleName = 'Jane'),
    },
    {
      what: 'extension attributes under their URN key merge into the extension',
      section: '3.5.2.1',
      ops: [{ op: 'add', value: { [ENT]: { department: 'Tour Operations' } } }],
      edit: (d) => (d[ENT].department = 'Tour Operations'),
    },
    {
      what: 'an extension the user does not have yet is created',
      section: '3.5.2.1',
      from: { userName: 'plain' },
      ops: [{ op: 'add', value: { [ENT]: { costCenter: '4130' } } }],
      edit: (d) => (d[ENT] = { costCenter: '4130' }),
    },
    {
      what: 'attribute names, sub-attribute names and the extension URN match in any case',
      section: '3.5.2.1',
      ops: [{ op: 'add', value: { DISPLAYNAME: 'B', Name: { MiddleName: 'J' }, [ENT.toUpperCase()]: { EmployeeNumber: '9' } } }],
      edit: (d) => {
        d.displayName = 'B';
        d.name.middleName = 'J';
        d[ENT].employeeNumber = '9';
      },
    },
    {
      what: 'a "schemas" member in the value is not an attribute and is ignored',
      section: '3.5.2.1',
      ops: [{ op: 'add', value: { schemas: [CORE_USER], title: 'Tour Guide' } }],
      edit: (d) => (d.title = 'Tour Guide'),
    },
    {
      what: 'a single-valued attribute is replaced',
      section: '3.5.2.3',
      ops: [{ op: 'replace', value: { displayName: 'B. Jensen', userName: 'barbara' } }],
      edit: (d) => Object.assign(d, { displayName: 'B. Jensen', userName: 'barbara' }),
    },
    {
      what: 'a multi-valued attribute is replaced as a whole set',
      section: '3.5.2.3',
      ops: [{ op: 'replace', value: { emails: [{ value: 'only@example.com', type: 'work' }] } }],
      edit: (d) => (d.emails = [{ value: 'only@example.com', type: 'work' }]),
    },
    {
      what: 'a complex attribute keeps the sub-attributes the value does not name',
      section: '3.5.2.3',
      ops: [{ op: 'replace', value: { name: { givenName: 'Babs' } } }],
      edit: (d) => (d.name.givenName = 'Babs'),
    },
    {
      what: 'extension attributes named in the value are replaced, others kept',
      section: '3.5.2.3',
      ops: [{ op: 'replace', value: { [ENT]: { employeeNumber: '42' } } }],
      edit: (d) => (d[ENT].employeeNumber = '42'),
    },
  ]);

  it(
    'replace with null, "" or [] for a named attribute or sub-attribute makes it unassigned (RFC 7644 §3.5.2.3, RFC 7643 §2.5)',
    () => {
      assert.deepEqual(patchUser(BJENSEN, { op: 'replace', value: { displayName: null } }).data, expected((d) => delete d.displayName));
      assert.deepEqual(patchUser(BJENSEN, { op: 'replace', value: { emails: [] } }).data, expected((d) => delete d.emails));
      assert.deepEqual(patchUser(BJENSEN, { op: 'replace', path: 'name', value: { givenName: null } }).data, expected((d) => delete d.name.givenName));
      assert.deepEqual(patchUser(BJENSEN, { op: 'replace', path: ENT, value: { employeeNumber: '' } }).data, expected((d) => delete d[ENT].employeeNumber));
      userRejects(BJENSEN, 'mutability', [{ op: 'replace', value: { userName: null } }], /'userName' is required/);
    },
  );
});
