/**
 * PATCH operations with URN-qualified paths and with an extension URN itself as path (RFC 7644
 * §3.5.2, RFC 7643 §3.3).
 * Shared fixtures: test/helpers/patch-apply.ts (every input is deep-frozen).
 */
import { describe, it } from 'node:test';
import { ENTERPRISE_USER_URN as ENT } from '../urns.ts';
import { CORE_USER, userRejects, BJENSEN, table } from '../../../test/helpers/patch-apply.ts';

describe('PATCH with URN-qualified paths', () => {
  table([
    {
      what: 'the core schema URN prefix names a core sub-attribute',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: `${CORE_USER}:name.givenName`, value: 'Babs' }],
      edit: (d) => (d.name.givenName = 'Babs'),
    },
    {
      what: 'the core schema URN prefix names a core attribute',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: `${CORE_USER}:nickName`, value: 'Babs' }],
      edit: (d) => (d.nickName = 'Babs'),
    },
    {
      what: 'a core URN path removes a sub-attribute',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: `${CORE_USER}:name.familyName` }],
      edit: (d) => delete d.name.familyName,
    },
    {
      what: 'an extension attribute is replaced',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: `${ENT}:employeeNumber`, value: '42' }],
      edit: (d) => (d[ENT].employeeNumber = '42'),
    },
    {
      what: 'an extension attribute is added beside the existing ones',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: `${ENT}:department`, value: 'Tour Operations' }],
      edit: (d) => (d[ENT].department = 'Tour Operations'),
    },
    {
      what: 'an extension attribute is added to a user without the extension',
      section: '3.5.2.1',
      from: { userName: 'plain' },
      ops: [{ op: 'add', path: `${ENT}:employeeNumber`, value: '7' }],
      edit: (d) => (d[ENT] = { employeeNumber: '7' }),
    },
    {
      what: 'an extension attribute is removed and the others kept',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: `${ENT}:employeeNumber` }],
      edit: (d) => delete d[ENT].employeeNumber,
    },
    {
      what: 'the extension disappears with its last attribute, per RFC 7643 §2.5',
      section: '3.5.2.2',
      ops: [
        { op: 'remove', path: `${ENT}:employeeNumber` },
        { op: 'remove', path: `${ENT}:manager` },
      ],
      edit: (d) => delete d[ENT],
    },
    {
      what: 'an extension sub-attribute (manager.value) is replaced',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: `${ENT}:manager.value`, value: 'mgr-2' }],
      edit: (d) => (d[ENT].manager.value = 'mgr-2'),
    },
    {
      what: 'an extension complex attribute merges sub-attributes',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: `${ENT}:manager`, value: { $ref: 'https://example.com/scim/v2/Users/mgr-1' } }],
      edit: (d) => (d[ENT].manager.$ref = 'https://example.com/scim/v2/Users/mgr-1'),
    },
    {
      what: 'removing the last sub-attribute of manager drops manager',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: `${ENT}:manager.value` }],
      edit: (d) => delete d[ENT].manager,
    },
    {
      what: 'URN and attribute names match in any case',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: `${ENT.toLowerCase()}:EMPLOYEENUMBER`, value: '43' }],
      edit: (d) => (d[ENT].employeeNumber = '43'),
    },
  ]);
});

describe('PATCH with the extension URN itself as path', () => {
  table([
    {
      what: 'the value holds extension attributes, merged into the extension',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: ENT, value: { department: 'Tour Operations' } }],
      edit: (d) => (d[ENT].department = 'Tour Operations'),
    },
    {
      what: 'the named extension attributes are replaced, the others kept',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: ENT, value: { employeeNumber: '1', manager: { value: 'mgr-9' } } }],
      edit: (d) => Object.assign(d[ENT], { employeeNumber: '1', manager: { value: 'mgr-9' } }),
    },
    { what: 'the whole extension is removed', section: '3.5.2.2', ops: [{ op: 'remove', path: ENT }], edit: (d) => delete d[ENT] },
    {
      what: 'the URN matches in any case',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: ENT.toUpperCase() }],
      edit: (d) => delete d[ENT],
    },
  ]);

  it('a value that is not an object of attributes is invalidValue (RFC 7644 §3.5.2.1)', () => {
    userRejects(BJENSEN, 'invalidValue', [{ op: 'add', path: ENT, value: 'R&D' }]);
  });
});
