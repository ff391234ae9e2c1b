/**
 * The PATCH engine against RFC 7644 §3.5.2: every path form (none, attr, attr.sub, URN-qualified,
 * extension URN, value filters, filter + sub-attribute) for add (§3.5.2.1), remove (§3.5.2.2) and
 * replace (§3.5.2.3), the errors of §3.12, all-or-nothing application, and group membership
 * through a MemberView (plain input data) into a MemberDelta.
 *
 * Every input document is deep-frozen before applyPatch sees it, so any mutation of the input
 * fails the test (ESM code runs in strict mode, where writing to a frozen object throws).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError, type ScimType } from '../errors.ts';
import { attr } from '../schema/define.ts';
import { defaultRegistry, ResourceSchema } from '../schema/registry.ts';
import { ENTERPRISE_USER_URN as ENT, PATCH_OP_URN } from '../urns.ts';
import { applyPatch, DEFAULT_PATCH_LIMITS, memberQuestions, parsePatchRequest, type PatchOutcome } from './apply.ts';
import { NeedAllMembers, type MemberDelta, type MemberRef, type MemberView } from './members.ts';
import { deepFreeze } from '../../../test/helpers/freeze.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;
type Op = Record<string, unknown>;

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

const body = (...Operations: Op[]) => ({ schemas: [PATCH_OP_URN], Operations });

/** Applies `operations` to a frozen copy of `data`; also checks the input came back untouched. */
function run(schema: ResourceSchema, data: Doc, operations: Op[], members?: MemberView, id = 'res-1'): PatchOutcome {
  const before = structuredClone(data);
  const input = deepFreeze(structuredClone(data));
  const ops = parsePatchRequest(body(...operations), schema);
  try {
    return applyPatch({ schema, id, data: input, ...(members ? { members } : {}) }, ops);
  } finally {
    assert.deepEqual(input, before, 'applyPatch must not modify its input');
  }
}

const patchUser = (data: Doc, ...operations: Op[]) => run(USER, data, operations);

/** Asserts that `fn` throws a 400 ScimError of `scimType` (RFC 7644 §3.12). */
function throwsScim(fn: () => unknown, scimType: ScimType, detail?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ScimError, `expected a ScimError, got ${String(e)}`);
    assert.equal(e.status, 400);
    assert.equal(e.scimType, scimType, e.message);
    if (detail) assert.match(e.message, detail);
    return true;
  });
}

const userRejects = (data: Doc, scimType: ScimType, operations: Op[], detail?: RegExp) => throwsScim(() => patchUser(data, ...operations), scimType, detail);

/** Barbara Jensen, loosely after RFC 7643 §8.2, in scimd's stored form. */
const BJENSEN: Doc = deepFreeze({
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs Jensen',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  addresses: [
    { type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA' },
    { type: 'home', locality: 'Oslo' },
  ],
  [ENT]: { employeeNumber: '701984', manager: { value: 'mgr-1' } },
});

/** BJENSEN changed by `edit`: the expected result, derived by hand from the RFC text. */
function expected(edit: (d: Doc) => void, from: Doc = BJENSEN): Doc {
  const d = structuredClone(from);
  edit(d);
  return d;
}

interface Case {
  readonly what: string;
  readonly section: '3.5.2.1' | '3.5.2.2' | '3.5.2.3';
  readonly ops: Op[];
  readonly edit: (d: Doc) => void;
  readonly from?: Doc;
}

function table(cases: readonly Case[]): void {
  for (const c of cases) {
    const first = c.ops[0]!;
    const path = first.path === undefined ? 'no path' : `path ${JSON.stringify(first.path)}`;
    it(`${String(first.op)} with ${path}: ${c.what} (RFC 7644 §${c.section})`, () => {
      const from = c.from ?? BJENSEN;
      const out = patchUser(from, ...c.ops);
      const want = expected(c.edit, from);
      assert.deepEqual(out.data, want);
      assert.equal(out.changed, true, 'the document changed, so `changed` must be true');
      assert.equal(out.members, undefined, 'a User PATCH has no member delta');
    });
  }
}

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

describe('operations apply in order, all or nothing (RFC 7644 §3.5.2)', () => {
  it('a later operation sees what an earlier one did (RFC 7644 §3.5.2)', () => {
    const out = patchUser(
      BJENSEN,
      { op: 'add', path: 'emails', value: [{ value: 'b@other.net', type: 'other' }] },
      { op: 'replace', path: 'emails[type eq "other"].display', value: 'Other' },
      { op: 'remove', path: 'emails[type eq "home"]' },
    );
    assert.deepEqual(out.data.emails, [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'b@other.net', type: 'other', display: 'Other' },
    ]);
  });

  it('a filter made unmatched by an earlier remove is noTarget (RFC 7644 §3.5.2)', () => {
    userRejects(BJENSEN, 'noTarget', [
      { op: 'remove', path: 'emails' },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'x@example.com' },
    ]);
  });

  it('a failing third operation throws and leaves the input document unmodified (RFC 7644 §3.5.2)', () => {
    const input = structuredClone(BJENSEN);
    const snapshot = structuredClone(BJENSEN);
    const ops = parsePatchRequest(
      body(
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'remove', path: 'emails[type eq "work"]' },
        { op: 'replace', path: 'addresses[type eq "other"].locality', value: 'Nowhere' },
      ),
      USER,
    );
    throwsScim(() => applyPatch({ schema: USER, id: 'u', data: input }, ops), 'noTarget');
    // Not frozen here: the engine must copy rather than rely on the caller's freezing.
    assert.deepEqual(input, snapshot);
  });

  it('a PATCH whose result violates "required" fails as a whole, after valid operations (RFC 7644 §3.5.2, RFC 7643 §2.2)', () => {
    userRejects(
      BJENSEN,
      'mutability',
      [
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'remove', path: 'userName' },
      ],
      /'userName' is required/,
    );
  });

  it('a later mutability error undoes earlier extension and sub-attribute changes (RFC 7644 §3.5.2)', () => {
    userRejects(BJENSEN, 'mutability', [
      { op: 'remove', path: ENT },
      { op: 'replace', path: 'name.givenName', value: 'X' },
      { op: 'replace', path: 'meta.lastModified', value: '2020-01-01T00:00:00Z' },
    ]);
  });
});

describe('the PatchOp message (RFC 7644 §3.5.2)', () => {
  const parseRejects = (b: unknown, scimType: ScimType, detail?: RegExp) => throwsScim(() => parsePatchRequest(b, USER), scimType, detail);

  it('bodies that are not a PatchOp object are invalidSyntax (RFC 7644 §3.5.2, §3.12)', () => {
    for (const b of [null, undefined, [], [body({ op: 'add', value: {} })], 'add', 42, true]) parseRejects(b, 'invalidSyntax');
  });

  it('the PatchOp schema URN is required in "schemas" (RFC 7644 §3.5.2)', () => {
    parseRejects({ Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax', /schemas/);
    parseRejects({ schemas: [CORE_USER], Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax', /PatchOp/);
    parseRejects({ schemas: PATCH_OP_URN, Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax');
  });

  it('"Operations" must be a non-empty array of objects (RFC 7644 §3.5.2)', () => {
    parseRejects({ schemas: [PATCH_OP_URN] }, 'invalidSyntax', /Operations/);
    parseRejects({ schemas: [PATCH_OP_URN], Operations: [] }, 'invalidSyntax', /Operations/);
    parseRejects({ schemas: [PATCH_OP_URN], Operations: { op: 'remove', path: 'title' } }, 'invalidSyntax');
    parseRejects(body('remove' as unknown as Op), 'invalidSyntax', /Operations\[0\]/);
    parseRejects(body({ op: 'remove', path: 'title' }, null as unknown as Op), 'invalidSyntax', /Operations\[1\]/);
  });

  it('message member names are case-insensitive (RFC 7644 §3.5.2, RFC 7643 §2.1)', () => {
    const ops = parsePatchRequest({ SCHEMAS: [PATCH_OP_URN.toLowerCase()], operations: [{ OP: 'replace', PATH: 'title', VALUE: 'X' }] }, USER);
    const out = applyPatch({ schema: USER, id: 'u', data: BJENSEN }, ops);
    assert.deepEqual(out.data, expected((d) => (d.title = 'X')));
  });

  it('"op" must be exactly "add", "remove" or "replace" (RFC 7644 §3.5.2)', () => {
    for (const op of ['Replace', 'ADD', 'Remove', 'delete', 'move', '', undefined, 1]) {
      parseRejects(body({ op, path: 'title', value: 'x' }), 'invalidSyntax', /op must be/);
    }
  });

  it('"add" and "replace" need a value (RFC 7644 §3.5.2.1, §3.5.2.3)', () => {
    parseRejects(body({ op: 'add', path: 'title' }), 'invalidSyntax', /requires a "value"/);
    parseRejects(body({ op: 'add', path: 'title', value: null }), 'invalidSyntax', /requires a "value"/);
    parseRejects(body({ op: 'replace', path: 'title' }), 'invalidSyntax', /requires a "value"/);
  });

  it('"remove" without a path is noTarget (RFC 7644 §3.5.2.2)', () => {
    parseRejects(body({ op: 'remove' }), 'noTarget', /requires a "path"/);
    parseRejects(body({ op: 'remove', path: '' }), 'noTarget');
    parseRejects(body({ op: 'remove', path: '   ' }), 'noTarget');
    parseRejects(body({ op: 'remove', path: null }), 'noTarget');
  });

  it('"remove" with a value is invalidSyntax rather than removing everything (RFC 7644 §3.5.2.2)', () => {
    parseRejects(body({ op: 'remove', path: 'emails', value: [{ value: 'babs@jensen.org' }] }), 'invalidSyntax', /takes no "value"/);
    throwsScim(() => parsePatchRequest(body({ op: 'remove', path: 'members', value: [{ value: 'u1' }] }), GROUP), 'invalidSyntax', /members\[value eq/);
  });

  it('a path that is not a string is invalidPath (RFC 7644 §3.5.2)', () => {
    for (const path of [42, true, ['emails'], { attr: 'emails' }]) parseRejects(body({ op: 'add', path, value: 'x' }), 'invalidPath');
  });

  it('more operations than the limit is invalidSyntax (RFC 7644 §3.5.2)', () => {
    const ops = Array.from({ length: 4 }, () => ({ op: 'remove', path: 'title' }));
    throwsScim(() => parsePatchRequest(body(...ops), USER, { ...DEFAULT_PATCH_LIMITS, maxOperations: 3 }), 'invalidSyntax', /limit is 3/);
    assert.equal(parsePatchRequest(body(...ops.slice(1)), USER, { ...DEFAULT_PATCH_LIMITS, maxOperations: 3 }).length, 3);
  });
});

describe('invalidPath: unknown attributes and malformed paths (RFC 7644 §3.5.2, §3.12)', () => {
  const unknown: [string, RegExp][] = [
    ['bogus', /unknown attribute 'bogus'/],
    ['name.bogus', /unknown attribute 'name.bogus'/],
    [`${ENT}:bogus`, /unknown attribute/],
    [`${ENT}:manager.bogus`, /unknown attribute/],
    [`${CORE_USER}:id`, /unknown attribute/],
    ['urn:example:unknown:2.0:User:title', /unknown attribute/],
    ['emails[bogus eq "x"]', /'bogus' is not a sub-attribute of 'emails'/],
    ['emails[type eq "work"].bogus', /'bogus' is not a sub-attribute of 'emails'/],
    ['name[givenName eq "Barbara"]', /not a multi-valued complex attribute/],
    ['userName[value eq "x"]', /not a multi-valued complex attribute/],
    ['emails[primary eq "yes"]', /boolean/],
    ['emails[value eq 42]', /string/],
  ];
  for (const [path, detail] of unknown) {
    it(`${path} → invalidPath (RFC 7644 §3.5.2)`, () => {
      userRejects(BJENSEN, 'invalidPath', [{ op: 'replace', path, value: 'x' }], detail);
    });
  }

  const malformed: [string, number][] = [
    ['emails[type eq "work"', 22],
    ['emails[type eq "work"]]', 23],
    ['emails[type eqq "work"]', 13],
    ['emails[type eq work]', 16],
    ['emails[type eq "work].value', 16],
    ['emails[type[value eq "x"]]', 12],
    ['emails[type eq "work"].value.x', 23],
    ['emails[type eq "work"] value', 24],
    ['name..givenName', 1],
    ['name.givenName.x', 1],
    ['[type eq "work"]', 1],
    ['emails[]', 8],
    ['emails#', 7],
  ];
  for (const [path, position] of malformed) {
    it(`malformed ${JSON.stringify(path)} → invalidPath naming position ${position} (RFC 7644 §3.5.2)`, () => {
      userRejects(BJENSEN, 'invalidPath', [{ op: 'add', path, value: 'x' }], new RegExp(`^Invalid path at position ${position}:`));
    });
  }

  it('a path longer than the limit is invalidPath (RFC 7644 §3.5.2)', () => {
    userRejects(BJENSEN, 'invalidPath', [{ op: 'add', path: 'a'.repeat(10_000), value: 'x' }], /limit is 4096/);
    userRejects(BJENSEN, 'invalidPath', [{ op: 'remove', path: `emails[${'('.repeat(100)}type eq "work"${')'.repeat(100)}]` }], /nesting/);
  });
});

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

// Group membership

const U1 = 'u-1';
const U2 = 'u-2';
const U3 = 'u-3';
const G0 = 'g-self';
const G2 = 'g-2';
const TYPES: Record<string, 'User' | 'Group'> = { [U1]: 'User', [U2]: 'User', [U3]: 'User', [G0]: 'Group', [G2]: 'Group' };

/** Group G0 with members U1 and G2; `all` only when `loadAll`, as the service does. */
function view(members: readonly MemberRef[] = [{ value: U1, type: 'User' }, { value: G2, type: 'Group' }], loadAll = false): MemberView {
  const ids = new Set(members.map((m) => m.value));
  const v = { has: (id: string) => ids.has(id), typeOf: (id: string) => TYPES[id] };
  return loadAll ? { ...v, all: members } : v;
}

const GROUP_DATA: Doc = deepFreeze({ displayName: 'Tour Guides' });

function patchGroup(operations: Op[], v: MemberView = view()): PatchOutcome {
  return run(GROUP, GROUP_DATA, operations, v, G0);
}

function delta(d: MemberDelta | undefined): { clear: boolean; add: [string, string][]; remove: string[] } {
  assert.ok(d, 'a Group PATCH returns a member delta');
  return { clear: d.clear, add: [...d.add].sort(), remove: [...d.remove].sort() };
}

describe('group membership through MemberView and MemberDelta (RFC 7644 §3.5.2, RFC 7643 §4.2)', () => {
  const cases: { what: string; section: string; ops: Op[]; loadAll?: boolean; want: ReturnType<typeof delta> }[] = [
    {
      what: 'add with path "members" adds several members in one operation',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'members', value: [{ value: U2 }, { value: U3, type: 'User' }] }],
      want: { clear: false, add: [[U2, 'User'], [U3, 'User']], remove: [] },
    },
    {
      what: 'add records the member type from the view, not from the request',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'MEMBERS', value: [{ VALUE: U3, TYPE: 'user' }] }],
      want: { clear: false, add: [[U3, 'User']], remove: [] },
    },
    {
      what: 'add without path with "members" in the value',
      section: '3.5.2.1',
      ops: [{ op: 'add', value: { members: [{ value: U2 }] } }],
      want: { clear: false, add: [[U2, 'User']], remove: [] },
    },
    {
      what: 'add of an existing member leaves the delta empty',
      section: '3.5.2.1',
      ops: [{ op: 'add', path: 'members', value: [{ value: U1 }, { value: G2 }] }],
      want: { clear: false, add: [], remove: [] },
    },
    {
      what: 'remove with members[value eq "id"] removes that member',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'members[value eq "u-1"]' }],
      want: { clear: false, add: [], remove: [U1] },
    },
    {
      what: 'remove with an "or" of value tests removes each member',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'members[value eq "u-1" or value eq "g-2"]' }],
      want: { clear: false, add: [], remove: [G2, U1] },
    },
    {
      what: 'remove with path "members" clears all members',
      section: '3.5.2.2',
      ops: [{ op: 'remove', path: 'members' }],
      want: { clear: true, add: [], remove: [] },
    },
    {
      what: 'remove with members[type eq "Group"] uses the full member list',
      section: '3.5.2.2',
      loadAll: true,
      ops: [{ op: 'remove', path: 'members[type eq "Group"]' }],
      want: { clear: false, add: [], remove: [G2] },
    },
    {
      what: 'remove with members[not(value eq "id")] removes every other member',
      section: '3.5.2.2',
      loadAll: true,
      ops: [{ op: 'remove', path: 'members[not(value eq "u-1")]' }],
      want: { clear: false, add: [], remove: [G2] },
    },
    {
      what: 'replace with path "members" replaces the whole set',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'members', value: [{ value: U2 }, { value: U3 }] }],
      want: { clear: true, add: [[U2, 'User'], [U3, 'User']], remove: [] },
    },
    {
      what: 'replace with members[value eq "id"] swaps the matching member for the value',
      section: '3.5.2.3',
      ops: [{ op: 'replace', path: 'members[value eq "u-1"]', value: [{ value: U3 }] }],
      want: { clear: false, add: [[U3, 'User']], remove: [U1] },
    },
    {
      what: 'replace without path replaces members along with other attributes',
      section: '3.5.2.3',
      ops: [{ op: 'replace', value: { displayName: 'Guides', members: [{ value: U2 }] } }],
      want: { clear: true, add: [[U2, 'User']], remove: [] },
    },
    {
      what: 'replace without path and "members": [] clears the members',
      section: '3.5.2.3',
      ops: [{ op: 'replace', value: { members: [] } }],
      want: { clear: true, add: [], remove: [] },
    },
    {
      what: 'remove then add in one request apply in order',
      section: '3.5.2',
      ops: [
        { op: 'remove', path: 'members[value eq "g-2"]' },
        { op: 'add', path: 'members', value: [{ value: U2 }] },
        { op: 'remove', path: 'members[value eq "u-2"]' },
        { op: 'add', path: 'members', value: [{ value: U3 }] },
      ],
      // u-2 was not a member before the request: added then removed, it leaves no row to delete.
      want: { clear: false, add: [[U3, 'User']], remove: [G2] },
    },
    {
      what: 'removing a member and adding it back in one request changes nothing',
      section: '3.5.2',
      ops: [
        { op: 'remove', path: 'members[value eq "u-1"]' },
        { op: 'add', path: 'members', value: [{ value: U1 }] },
      ],
      want: { clear: false, add: [], remove: [] },
    },
    {
      what: 'clear then add keeps only the added members',
      section: '3.5.2',
      ops: [
        { op: 'remove', path: 'members' },
        { op: 'add', path: 'members', value: [{ value: U1 }] },
      ],
      want: { clear: true, add: [[U1, 'User']], remove: [] },
    },
  ];
  for (const c of cases) {
    it(`${c.what} (RFC 7644 §${c.section})`, () => {
      const out = patchGroup(c.ops, view(undefined, c.loadAll ?? false));
      assert.deepEqual(delta(out.members), c.want);
      const empty = !c.want.clear && c.want.add.length === 0 && c.want.remove.length === 0;
      assert.equal(out.changed, !empty);
    });
  }

  it('path-less replace also replaces other attributes, and members never enter the document (RFC 7644 §3.5.2.3)', () => {
    const out = patchGroup([{ op: 'replace', value: { displayName: 'Guides', members: [{ value: U2 }] } }]);
    assert.deepEqual(out.data, { displayName: 'Guides' });
    const added = patchGroup([{ op: 'add', path: 'members', value: [{ value: U2 }] }]);
    assert.deepEqual(added.data, GROUP_DATA);
  });

  it('a filter on a member added earlier in the same request finds it (RFC 7644 §3.5.2)', () => {
    const out = patchGroup(
      [
        { op: 'add', path: 'members', value: [{ value: U2 }] },
        { op: 'remove', path: 'members[type eq "User"]' },
      ],
      view(undefined, true),
    );
    // u-2 existed only within this request, so only u-1's row is deleted.
    assert.deepEqual(delta(out.members), { clear: false, add: [], remove: [U1] });
  });

  it('members must be an array, like every multi-valued attribute (RFC 7643 §2.4)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: { value: U2 } }]), 'invalidValue', /must be an array/);
  });

  it('a member removed by an earlier operation is noTarget for a later filter (RFC 7644 §3.5.2, §3.5.2.2)', () => {
    throwsScim(
      () =>
        patchGroup([
          { op: 'remove', path: 'members' },
          { op: 'remove', path: 'members[value eq "g-2"]' },
        ]),
      'noTarget',
    );
  });

  it('removing a non-member is noTarget (RFC 7644 §3.5.2.2)', () => {
    throwsScim(() => patchGroup([{ op: 'remove', path: 'members[value eq "u-3"]' }]), 'noTarget', /no member matches/);
    throwsScim(() => patchGroup([{ op: 'remove', path: 'members[type eq "Group" and value eq "u-1"]' }], view(undefined, true)), 'noTarget');
  });

  it('replace of a filter matching no member is noTarget (RFC 7644 §3.5.2.3)', () => {
    throwsScim(() => patchGroup([{ op: 'replace', path: 'members[value eq "u-3"]', value: [{ value: U2 }] }]), 'noTarget');
  });

  it('adding a member that does not exist is invalidValue (RFC 7644 §3.5.2.1, §3.12)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: [{ value: U2 }, { value: 'nobody' }] }]), 'invalidValue', /'nobody' does not exist/);
  });

  it('adding a member whose declared type is wrong is invalidValue (RFC 7644 §3.5.2.1, RFC 7643 §4.2)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: [{ value: U2, type: 'Group' }] }]), 'invalidValue', /is a User, not a Group/);
  });

  it('adding the group to itself is invalidValue (RFC 7644 §3.5.2.1)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: [{ value: G0 }] }]), 'invalidValue', /itself/);
    throwsScim(() => patchGroup([{ op: 'replace', value: { members: [{ value: G0 }] } }]), 'invalidValue', /itself/);
  });

  it('a member entry without a string value is invalidValue (RFC 7644 §3.5.2.1, RFC 7643 §4.2)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: [{ type: 'User' }] }]), 'invalidValue', /needs a "value"/);
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: [{ value: 7 }] }]), 'invalidValue');
    throwsScim(() => patchGroup([{ op: 'add', path: 'members', value: ['u-2'] }]), 'invalidValue');
  });

  it('add with a members[...] filter path is invalidPath; members are added with path "members" (RFC 7644 §3.5.2.1)', () => {
    throwsScim(() => patchGroup([{ op: 'add', path: 'members[value eq "u-2"]', value: { value: U2 } }]), 'invalidPath');
  });

  it('member sub-attributes cannot be changed in place → mutability (RFC 7644 §3.5.2, RFC 7643 §4.2)', () => {
    for (const op of [
      { op: 'replace', path: 'members.value', value: U2 },
      { op: 'remove', path: 'members.display' },
      { op: 'replace', path: 'members[value eq "u-1"].value', value: U2 },
      { op: 'replace', path: 'members[value eq "u-1"].display', value: 'Someone' },
      { op: 'remove', path: 'members[value eq "u-1"].type' },
    ]) {
      throwsScim(() => patchGroup([op]), 'mutability', /cannot be changed/);
    }
  });

  it('a failing operation leaves no partial member delta: the whole PATCH throws (RFC 7644 §3.5.2)', () => {
    throwsScim(
      () =>
        patchGroup([
          { op: 'add', path: 'members', value: [{ value: U2 }] },
          { op: 'remove', path: 'members[value eq "u-1"]' },
          { op: 'add', path: 'members', value: [{ value: 'nobody' }] },
        ]),
      'invalidValue',
    );
  });

  it('a filter beyond "value eq" without the full member list throws NeedAllMembers, the service\'s cue (RFC 7644 §3.5.2.2)', () => {
    const ops = parsePatchRequest(body({ op: 'remove', path: 'members[type eq "User"]' }), GROUP);
    assert.throws(() => applyPatch({ schema: GROUP, id: G0, data: GROUP_DATA, members: view() }, ops), NeedAllMembers);
  });
});

describe('memberQuestions: what a Group PATCH must know before it runs (RFC 7644 §3.5.2)', () => {
  const ask = (...operations: Op[]) => {
    const q = memberQuestions(parsePatchRequest(body(...operations), GROUP), GROUP);
    return { ids: [...q.ids].sort(), all: q.all };
  };
  const cases: [string, Op[], { ids: string[]; all: boolean }][] = [
    ['add with path "members" names the added ids', [{ op: 'add', path: 'members', value: [{ value: 'b' }, { value: 'a' }] }], { ids: ['a', 'b'], all: false }],
    ['add with a single member object', [{ op: 'add', path: 'members', value: { value: 'a' } }], { ids: ['a'], all: false }],
    ['path-less add with "members" in the value', [{ op: 'add', value: { displayName: 'x', Members: [{ value: 'c' }] } }], { ids: ['c'], all: false }],
    ['remove members[value eq "a"]', [{ op: 'remove', path: 'members[value eq "a"]' }], { ids: ['a'], all: false }],
    ['remove with an "or" of value eq tests', [{ op: 'remove', path: 'members[value eq "a" or value eq "b"]' }], { ids: ['a', 'b'], all: false }],
    ['names in any case', [{ op: 'remove', path: 'MEMBERS[VALUE EQ "a"]' }], { ids: ['a'], all: false }],
    ['replace members[value eq "a"] names the old and the new id', [{ op: 'replace', path: 'members[value eq "a"]', value: [{ value: 'b' }] }], { ids: ['a', 'b'], all: false }],
    ['replace with path "members"', [{ op: 'replace', path: 'members', value: [{ value: 'd' }] }], { ids: ['d'], all: false }],
    ['remove with path "members" needs no ids', [{ op: 'remove', path: 'members' }], { ids: [], all: false }],
    ['an operation not about members', [{ op: 'replace', path: 'displayName', value: 'x' }], { ids: [], all: false }],
    ['members[type eq "User"] needs the full list', [{ op: 'remove', path: 'members[type eq "User"]' }], { ids: [], all: true }],
    ['members[value sw "a"] needs the full list', [{ op: 'remove', path: 'members[value sw "a"]' }], { ids: [], all: true }],
    ['members[value eq "a" and type eq "User"] needs the full list', [{ op: 'remove', path: 'members[value eq "a" and type eq "User"]' }], { ids: [], all: true }],
    ['members[not(value eq "a")] needs the full list', [{ op: 'remove', path: 'members[not(value eq "a")]' }], { ids: [], all: true }],
    [
      'ids are collected across operations',
      [
        { op: 'add', path: 'members', value: [{ value: 'a' }] },
        { op: 'remove', path: 'members[value eq "b"]' },
        { op: 'remove', path: 'members[display co "x"]' },
      ],
      { ids: ['a', 'b'], all: true },
    ],
  ];
  for (const [what, ops, want] of cases) {
    it(`${what} → ids ${JSON.stringify(want.ids)}, all ${want.all} (RFC 7644 §3.5.2)`, () => {
      assert.deepEqual(ask(...ops), want);
    });
  }

  it('a User PATCH asks no member questions (RFC 7644 §3.5.2)', () => {
    const q = memberQuestions(parsePatchRequest(body({ op: 'remove', path: 'emails[value eq "a"]' }), USER), USER);
    assert.deepEqual({ ids: [...q.ids], all: q.all }, { ids: [], all: false });
  });
});
