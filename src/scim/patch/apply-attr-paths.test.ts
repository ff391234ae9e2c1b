/**
 * PATCH operations with path "attr" and "attr.sub", on single-valued complex and multi-valued
 * attributes (RFC 7644 §3.5.2).
 * Shared fixtures: test/helpers/patch-apply.ts (every input is deep-frozen).
 */
import { describe, it } from 'node:test';
import { userRejects, BJENSEN, table } from '../../../test/helpers/patch-apply.ts';

describe('PATCH with path "attr"', () => {
  table([
    { what: 'replaces an existing single value', section: '3.5.2.1', ops: [{ op: 'add', path: 'displayName', value: 'B' }], edit: (d) => (d.displayName = 'B') },
    { what: 'adds an absent attribute', section: '3.5.2.1', ops: [{ op: 'add', path: 'title', value: 'Tour Guide' }], edit: (d) => (d.title = 'Tour Guide') },
    {
      what: 'appends to a multi-valued attribute',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'emails', value: [{ value: 'b@other.net', type: 'other' }] }],
      edit: (d) => d.emails.push({ value: 'b@other.net', type: 'other' }),
    },
    {
      what: 'appends only the values not already present',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'emails', value: [{ type: 'home', value: 'babs@jensen.org' }, { value: 'new@example.com' }] }],
      edit: (d) => d.emails.push({ value: 'new@example.com' }),
    },
    {
      what: 'creates a multi-valued attribute that had no values',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'phoneNumbers', value: [{ value: '+1 555 0100', type: 'work' }] }],
      edit: (d) => (d.phoneNumbers = [{ value: '+1 555 0100', type: 'work' }]),
    },
    {
      what: 'merges sub-attributes into a complex attribute',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'name', value: { middleName: 'Jane', givenName: 'Babs' } }],
      edit: (d) => Object.assign(d.name, { middleName: 'Jane', givenName: 'Babs' }),
    },
    { what: 'matches the attribute name in any case', section: '3.5.2.1', ops: [{ op: 'add', path: 'DisplayNAME', value: 'B' }], edit: (d) => (d.displayName = 'B') },
    { what: 'removes a single-valued attribute', section: '3.5.2.2', ops: [{ op: 'remove', path: 'displayName' }], edit: (d) => delete d.displayName },
    { what: 'removes every value of a multi-valued attribute', section: '3.5.2.2', ops: [{ op: 'remove', path: 'emails' }], edit: (d) => delete d.emails },
    { what: 'removes a complex attribute', section: '3.5.2.2', ops: [{ op: 'remove', path: 'name' }], edit: (d) => delete d.name },
    { what: 'replaces a single value', section: '3.5.2.3', ops: [{ op: 'replace', path: 'displayName', value: 'B' }], edit: (d) => (d.displayName = 'B') },
    {
      what: 'treats an absent attribute as an add',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'active', value: false }],
      edit: (d) => (d.active = false),
    },
    {
      what: 'replaces every value of a multi-valued attribute',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'emails', value: [{ value: 'only@example.com' }] }],
      edit: (d) => (d.emails = [{ value: 'only@example.com' }]),
    },
    {
      what: 'keeps the sub-attributes of a complex attribute that the value does not name',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'name', value: { givenName: 'Babs' } }],
      edit: (d) => (d.name.givenName = 'Babs'),
    },
    {
      what: 'a complex value naming only unknown sub-attributes leaves every existing sub-attribute unchanged',
      section: '3.5.2.3',
      ops: [
        { op: 'replace', path: 'name', value: { givenNmae: 'Typo' } },
        { op: 'replace', path: 'displayName', value: 'B' },
      ],
      edit: (d) => (d.displayName = 'B'),
    },
    {
      what: 'normalises sub-attribute names of the value to schema case',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'emails', value: [{ VALUE: 'only@example.com', Type: 'work', PRIMARY: true }] }],
      edit: (d) => (d.emails = [{ value: 'only@example.com', type: 'work', primary: true }]),
    },
  ]);
});

describe('PATCH with path "attr.sub" on a single-valued complex attribute', () => {
  table([
    { what: 'replaces an existing sub-attribute', section: '3.5.2.1', ops: [{ op: 'add', path: 'name.givenName', value: 'Babs' }], edit: (d) => (d.name.givenName = 'Babs') },
    {
      what: 'creates the complex attribute when it is absent',
      section: '3.5.2.1',
      from: { userName: 'plain' },
      ops: [{ op: 'add', path: 'name.familyName', value: 'Plain' }],
      edit: (d) => (d.name = { familyName: 'Plain' }),
    },
    { what: 'matches names in any case', section: '3.5.2.1', ops: [{ op: 'add', path: 'NAME.MIDDLENAME', value: 'J' }], edit: (d) => (d.name.middleName = 'J') },
    { what: 'removes one sub-attribute and keeps the others', section: '3.5.2.2', ops: [{ op: 'remove', path: 'name.givenName' }], edit: (d) => delete d.name.givenName },
    {
      what: 'drops the complex attribute once its last sub-attribute is removed, per RFC 7643 §2.5',
      section: '3.5.2.2',
      ops: [
        { op: 'remove', path: 'name.givenName' },
        { op: 'remove', path: 'name.familyName' },
      ],
      edit: (d) => delete d.name,
    },
    { what: 'replaces one sub-attribute', section: '3.5.2.3', ops: [{ op: 'replace', path: 'name.familyName', value: 'Jensen-Smith' }], edit: (d) => (d.name.familyName = 'Jensen-Smith') },
    {
      what: 'adds an absent sub-attribute',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'name.honorificPrefix', value: 'Ms.' }],
      edit: (d) => (d.name.honorificPrefix = 'Ms.'),
    },
  ]);
});

describe('PATCH with path "attr.sub" on a multi-valued attribute (no filter)', () => {
  table([
    {
      what: 'removes the sub-attribute from every value',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'addresses.locality' }],
      edit: (d) => {
        delete d.addresses[0].locality;
        delete d.addresses[1].locality;
      },
    },
  ]);

  it('add or replace of "emails.value" without a filter is rejected as invalidPath, the target being ambiguous (RFC 7644 §3.5.2.1, §3.5.2.3)', () => {
    userRejects(BJENSEN, 'invalidPath', [{ op: 'add', path: 'emails.value', value: 'x@example.com' }], /select the values with a filter/);
    userRejects(BJENSEN, 'invalidPath', [{ op: 'replace', path: 'emails.type', value: 'work' }]);
  });
});
