/**
 * PATCH operations with value-filter paths "attr[filter]" and "attr[filter].sub", and a filter that
 * matches nothing (RFC 7644 §3.5.2).
 * Shared fixtures: test/helpers/patch-apply.ts (every input is deep-frozen).
 */
import { describe, it } from 'node:test';
import { userRejects, BJENSEN, table } from '../../../test/helpers/patch-apply.ts';

describe('PATCH with value-filter paths "attr[filter]"', () => {
  table([
    {
      what: 'merges the value into every matching element',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'emails[type eq "work"]', value: { display: 'Work mail' } }],
      edit: (d) => (d.emails[0].display = 'Work mail'),
    },
    {
      what: 'replaces every matching element as a whole',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'babs@example.org', type: 'home' } }],
      edit: (d) => (d.emails[1] = { value: 'babs@example.org', type: 'home' }),
    },
    {
      what: 'the replaced element loses sub-attributes the value leaves out',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'emails[type eq "work"]', value: { value: 'barbara@example.com', type: 'work' } }],
      edit: (d) => (d.emails[0] = { value: 'barbara@example.com', type: 'work' }),
    },
    { what: 'removes the matching elements only', section: '3.5.2.2', ops: [{ op: 'remove', path: 'emails[type eq "work"]' }], edit: (d) => d.emails.splice(0, 1) },
    {
      what: 'an "and" filter selects elements matching both tests',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'emails[type eq "work" and value co "@example.com"]' }],
      edit: (d) => d.emails.splice(0, 1),
    },
    {
      what: 'an "or" filter matching every element removes the attribute',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'emails[type eq "work" or type eq "home"]' }],
      edit: (d) => delete d.emails,
    },
    {
      what: 'not(...) inside a value filter selects the complement',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'emails[not(type eq "work")]' }],
      edit: (d) => d.emails.splice(1, 1),
    },
    {
      what: 'a present (pr) test selects the elements having the sub-attribute',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'addresses[streetAddress pr]' }],
      edit: (d) => d.addresses.splice(0, 1),
    },
    {
      what: 'attribute names, operators and caseExact=false values match in any case',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'EMAILS[TYPE EQ "WORK"]' }],
      edit: (d) => d.emails.splice(0, 1),
    },
  ]);
});

describe('PATCH with value-filter paths and a sub-attribute "attr[filter].sub"', () => {
  table([
    {
      what: 'replaces the sub-attribute of the matching element and keeps its others',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'barbara@example.com' }],
      edit: (d) => (d.emails[0].value = 'barbara@example.com'),
    },
    {
      what: 'adds a sub-attribute to the matching element',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'emails[type eq "home"].display', value: 'Home' }],
      edit: (d) => (d.emails[1].display = 'Home'),
    },
    {
      what: 'removes a sub-attribute of the matching element',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'emails[type eq "work"].primary' }],
      edit: (d) => delete d.emails[0].primary,
    },
    {
      what: 'addresses[type eq "work"].locality changes only the work address',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'addresses[type eq "work"].locality', value: 'Beverly Hills' }],
      edit: (d) => (d.addresses[0].locality = 'Beverly Hills'),
    },
    {
      what: 'an "and" filter with a sub-attribute',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'emails[type eq "work" and value co "@example.com"].value', value: 'b@example.com' }],
      edit: (d) => (d.emails[0].value = 'b@example.com'),
    },
    {
      what: 'not(...) with a sub-attribute',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'emails[not (type eq "work")].type', value: 'other' }],
      edit: (d) => (d.emails[1].type = 'other'),
    },
    {
      what: 'a filter matching several elements changes each of them',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'addresses[locality pr].country', value: 'NO' }],
      edit: (d) => {
        d.addresses[0].country = 'NO';
        d.addresses[1].country = 'NO';
      },
    },
    {
      what: 'names in any case',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'Addresses[Type Eq "HOME"].LOCALITY', value: 'Bergen' }],
      edit: (d) => (d.addresses[1].locality = 'Bergen'),
    },
  ]);
});

describe('a filter that matches nothing is noTarget', () => {
  for (const op of [
    { op: 'remove', path: 'emails[type eq "other"]' },
    { op: 'replace', path: 'emails[type eq "other"]', value: { value: 'x@example.com' } },
    { op: 'add', path: 'emails[type eq "other"]', value: { display: 'x' } },
    { op: 'replace', path: 'emails[type eq "work" and value co "@nowhere"].value', value: 'x@example.com' },
    { op: 'remove', path: 'phoneNumbers[type eq "work"]' },
    { op: 'remove', path: `emails[value eq "BJENSEN@EXAMPLE.COM" and not(type eq "work")]` },
  ]) {
    it(`${String(op.op)} ${op.path} → 400 noTarget (RFC 7644 §3.5.2.2, §3.5.2.3, §3.12)`, () => {
      userRejects(BJENSEN, 'noTarget', [op], /matches no value/);
    });
  }
});
