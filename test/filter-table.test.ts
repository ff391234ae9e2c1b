/**
 * The filter operator × attribute type table (RFC 7644 §3.4.2.2), executed for real: resources in a
 * real SQLite file, every filter run both through the SQL compiler (store.queryResources) and the
 * in-memory evaluator over the rendered documents, and both must return exactly the resources
 * listed here. The expected ids are derived by hand from the data below and the RFC rules:
 *
 * - caseExact=false strings compare without regard to case; caseExact=true ones exactly;
 *   binary values are case exact (RFC 7643 §2.3.6); strings order by code point;
 * - numbers compare as numbers, dateTimes as instants (offsets normalised), booleans by eq/ne only;
 * - a multi-valued attribute matches when any of its values does; an absent attribute matches no
 *   comparison, `ne` included; `pr` on a complex attribute means "has a non-empty node";
 * - a value filter `attr[…]` needs one element that satisfies all of it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ScimError } from '../src/scim/errors.ts';
import { bindFilter, type BoundFilter } from '../src/scim/filter/bind.ts';
import { evaluate } from '../src/scim/filter/evaluate.ts';
import { parseFilter } from '../src/scim/filter/parse.ts';
import { renderResource, type StoredResource } from '../src/scim/resource.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE_TYPE, GROUP_SCHEMA, USER_RESOURCE_TYPE, USER_SCHEMA } from '../src/scim/schema/core.ts';
import { attr } from '../src/scim/schema/define.ts';
import { searchForm } from '../src/scim/search-form.ts';
import { ResourceSchema } from '../src/scim/schema/registry.ts';
import type { ResourceTypeName, SchemaDef } from '../src/scim/schema/types.ts';
import type { Json } from '../src/scim/schema/validate.ts';
import { ENTERPRISE_USER_URN, USER_URN } from '../src/scim/urns.ts';
import { BACKENDS } from './helpers/backends.ts';
import type { Store } from '../src/store/types.ts';
import { startTestServer, user, type TestServer } from './helpers/server.ts';

// The core schemas have no integer or decimal attributes: an extension with every remaining type.
const X = 'urn:example:params:scim:schemas:extension:filtertable:2.0:User';
const TEST_EXTENSION: SchemaDef = {
  id: X,
  name: 'FilterTable',
  description: 'Integer, decimal, dateTime and multi-valued simple attributes',
  attributes: [
    attr('level', 'integer', 'An integer.'),
    attr('score', 'decimal', 'A decimal.'),
    attr('hired', 'dateTime', 'A dateTime.'),
    attr('tags', 'string', 'A multi-valued string.', { multiValued: true }),
    attr('lucky', 'integer', 'A multi-valued integer.', { multiValued: true }),
  ],
};
const SCHEMAS: Record<ResourceTypeName, ResourceSchema> = {
  User: new ResourceSchema(
    { ...USER_RESOURCE_TYPE, schemaExtensions: [...USER_RESOURCE_TYPE.schemaExtensions, { schema: X, required: false }] },
    USER_SCHEMA,
    [ENTERPRISE_USER_SCHEMA, TEST_EXTENSION],
  ),
  Group: new ResourceSchema(GROUP_RESOURCE_TYPE, GROUP_SCHEMA, []),
};
const ENT = ENTERPRISE_USER_URN;

// Ids mix upper and lower case so that caseExact comparisons of ids are observable.
const alice = 'A-100';
const bob = 'b-200';
const carol = 'C-300';
const alicia = 'd-400';
const zed = 'E-500';
const eng = 'G-eng';
const platform = 'g-platform';
const admins = 'G-admins';
const ops = 'g-ops';
const ops2 = 'g-ops2';
const NAMES: Record<string, string> = { [alice]: 'alice', [bob]: 'bob', [carol]: 'carol', [alicia]: 'alicia', [zed]: 'zed', [eng]: 'eng', [platform]: 'platform', [admins]: 'admins', [ops]: 'ops', [ops2]: 'ops2' };

const res = (type: ResourceTypeName, id: string, created: string, lastModified: string, data: Json): StoredResource => ({ id, type, version: 1, created, lastModified, data });

// Insertion order is the order of this list; search results come back in it.
const RESOURCES: readonly StoredResource[] = [
  res('User', alice, '2024-01-01T00:00:00.000Z', '2024-06-01T00:00:00.000Z', {
    userName: 'Alice',
    displayName: 'Alice Smith',
    name: { formatted: 'Alice Smith', givenName: 'Alice', familyName: 'Smith' },
    externalId: 'EXT-a',
    active: true,
    title: 'Engineer',
    profileUrl: 'https://example.com/Profiles/Alice',
    emails: [
      { value: 'alice@Example.com', type: 'work', primary: true },
      { value: 'alice@home.org', type: 'home' },
    ],
    x509Certificates: [{ value: 'QUJD' }],
    [ENT]: { employeeNumber: '701984', department: 'R&D', manager: { value: bob } },
    [X]: { level: 3, score: 2.5, hired: '2020-05-01T09:00:00.000Z', tags: ['red', 'Blue'], lucky: [7, 13] },
  }),
  res('User', bob, '2024-02-01T00:00:00.000Z', '2024-06-01T00:00:00.001Z', {
    userName: 'bob',
    displayName: 'bob jones',
    name: { givenName: 'Bob' },
    externalId: 'ext-b',
    active: false,
    title: '𐐀 dev',
    profileUrl: 'https://example.com/profiles/bob',
    emails: [{ value: 'BOB@example.COM', type: 'work' }],
    x509Certificates: [{ value: 'qujd' }],
    [X]: { level: 10, score: -1.25, hired: '2021-01-01T00:00:00.000Z', tags: ['blue'], lucky: [2] },
  }),
  res('User', carol, '2024-03-01T00:00:00.000Z', '2024-05-01T00:00:00.000Z', {
    userName: 'carol',
    // An element without a value: the attribute has a non-empty node, but no emails.value.
    emails: [{ type: 'other' }],
    [X]: { level: -2, score: 100 },
  }),
  res('User', alicia, '2024-04-01T00:00:00.000Z', '2024-04-15T12:00:00.000Z', {
    userName: 'ALICIA',
    displayName: 'ALICIA KEYS',
    name: { givenName: 'alicia' },
    externalId: 'EXT-c',
    active: true,
    title: 'Ingénieure',
    profileUrl: 'http://other.example/x',
    emails: [{ value: 'alicia@example.com', type: 'home', primary: true }, { type: 'other' }],
    [ENT]: { employeeNumber: '42' },
    [X]: { score: 0.1, hired: '2019-12-31T23:30:00.000Z', tags: ['Green', 'red'] },
  }),
  res('User', zed, '2024-05-01T00:00:00.000Z', '2024-07-01T00:00:00.000Z', {
    userName: 'Zed',
    displayName: 'Zed',
    active: false,
    title: 'The "Boss" \\ Jr',
    emails: [
      { value: 'zed@x.com', type: 'work' },
      { value: 'z@example.com', type: 'home', primary: false },
    ],
    [X]: { level: 3, hired: '2020-05-01T09:00:00.500Z' },
  }),
  res('Group', eng, '2024-01-15T00:00:00.000Z', '2024-01-15T00:00:00.000Z', { displayName: 'Engineering', externalId: 'grp-1' }),
  res('Group', platform, '2024-01-16T00:00:00.000Z', '2024-01-16T00:00:00.000Z', { displayName: 'Platform' }),
  res('Group', admins, '2024-01-17T00:00:00.000Z', '2024-01-17T00:00:00.000Z', { displayName: 'Admins' }),
  res('Group', ops, '2024-01-18T00:00:00.000Z', '2024-01-18T00:00:00.000Z', { displayName: 'ops' }),
  res('Group', ops2, '2024-01-19T00:00:00.000Z', '2024-01-19T00:00:00.000Z', { displayName: 'Ops-2' }),
];

// Membership: platform is nested in eng, and ops and ops2 contain each other (a cycle).
const MEMBERS: readonly [string, readonly [string, 'User' | 'Group'][]][] = [
  [eng, [[alice, 'User'], [bob, 'User'], [platform, 'Group']]],
  [platform, [[alicia, 'User']]],
  [ops, [[ops2, 'Group']]],
  [ops2, [[ops, 'Group'], [zed, 'User']]],
];

const USERS = [alice, bob, carol, alicia, zed];
const GROUPS = [eng, platform, admins, ops, ops2];
const INVALID = 'invalidFilter' as const;
type Expected = readonly string[] | typeof INVALID;

interface Section {
  readonly title: string;
  readonly types: readonly ResourceTypeName[];
  readonly cases: readonly (readonly [string, Expected])[];
}

const SECTIONS: readonly Section[] = [
  {
    title: 'string, caseExact=false, own column (userName)',
    types: ['User'],
    cases: [
      ['userName eq "alice"', [alice]],
      ['userName ne "ALICE"', [bob, carol, alicia, zed]],
      ['userName co "LIC"', [alice, alicia]],
      ['userName sw "al"', [alice, alicia]],
      ['userName ew "CE"', [alice]],
      // Folded, "zed" > "bob" (unfolded, "Zed" < "bob"); "alicia" > "alice" by code point.
      ['userName gt "bob"', [carol, zed]],
      ['userName gt "alice"', [bob, carol, alicia, zed]],
      ['userName ge "BOB"', [bob, carol, zed]],
      ['userName lt "bob"', [alice, alicia]],
      ['userName le "Bob"', [alice, bob, alicia]],
      ['userName pr', USERS],
    ],
  },
  {
    title: 'string, caseExact=false, own column, sometimes absent (displayName)',
    types: ['User'],
    cases: [
      ['displayName eq "alice smith"', [alice]],
      ['displayName ne "zed"', [alice, bob, alicia]],
      ['displayName co " "', [alice, bob, alicia]],
      ['displayName sw "ALI"', [alice, alicia]],
      ['displayName ew "S"', [bob, alicia]],
      ['displayName gt "b"', [bob, zed]],
      ['displayName ge "bob jones"', [bob, zed]],
      ['displayName lt "B"', [alice, alicia]],
      ['displayName le "bob jones"', [alice, bob, alicia]],
      ['displayName pr', [alice, bob, alicia, zed]],
      // An absent attribute matches no comparison, but "not" of one is true.
      ['not (displayName eq "Zed")', [alice, bob, carol, alicia]],
      ['displayName eq null', [carol]],
      ['displayName ne null', [alice, bob, alicia, zed]],
    ],
  },
  {
    title: 'string, caseExact=false, sub-attribute in JSON (name.givenName)',
    types: ['User'],
    cases: [
      ['name.givenName eq "ALICE"', [alice]],
      ['name.givenName ne "alice"', [bob, alicia]],
      ['name.givenName co "li"', [alice, alicia]],
      ['name.givenName sw "B"', [bob]],
      ['name.givenName ew "IA"', [alicia]],
      ['name.givenName gt "alice"', [bob, alicia]],
      ['name.givenName ge "ALICIA"', [bob, alicia]],
      ['name.givenName lt "alicia"', [alice]],
      ['name.givenName le "bob"', [alice, bob, alicia]],
      ['name.givenName pr', [alice, bob, alicia]],
    ],
  },
  {
    title: 'string, non-ASCII, astral and escaped characters (title)',
    types: ['User'],
    cases: [
      ['title eq "INGÉNIEURE"', [alicia]],
      ['title co "NIEURE"', [alicia]],
      ['title eq "ing\\u00e9nieure"', [alicia]],
      // U+10400 DESERET CAPITAL LONG I folds to U+10428.
      ['title sw "𐐨"', [bob]],
      ['title eq "the \\"boss\\" \\\\ jr"', [zed]],
      ['title co "\\""', [zed]],
      ['title gt "z"', [bob]],
    ],
  },
  {
    title: 'string, caseExact=true, own column (externalId)',
    types: ['User'],
    cases: [
      ['externalId eq "EXT-a"', [alice]],
      ['externalId eq "ext-a"', []],
      ['externalId ne "EXT-a"', [bob, alicia]],
      ['externalId co "EXT"', [alice, alicia]],
      ['externalId sw "ext"', [bob]],
      ['externalId ew "-C"', []],
      ['externalId ew "-c"', [alicia]],
      ['externalId gt "EXT-b"', [bob, alicia]],
      ['externalId ge "EXT-c"', [bob, alicia]],
      ['externalId lt "EXT-b"', [alice]],
      ['externalId le "ext-a"', [alice, alicia]],
      ['externalId pr', [alice, bob, alicia]],
    ],
  },
  {
    title: 'string, caseExact=true, common attribute (id)',
    types: ['User'],
    cases: [
      ['id eq "A-100"', [alice]],
      ['id eq "a-100"', []],
      ['id ne "A-100"', [bob, carol, alicia, zed]],
      ['id co "-3"', [carol]],
      ['id sw "b"', [bob]],
      ['id sw "B"', []],
      ['id ew "400"', [alicia]],
      // By code point "b-200", "d-400", "E-500" > "C-300" ("E" > "C"; lower case > upper case).
      ['id gt "C-300"', [bob, alicia, zed]],
      ['id ge "C-300"', [bob, carol, alicia, zed]],
      ['id lt "C-300"', [alice]],
      ['id le "b-200"', [alice, bob, carol, zed]],
      ['id pr', USERS],
    ],
  },
  {
    title: 'boolean (active)',
    types: ['User'],
    cases: [
      ['active eq true', [alice, alicia]],
      ['active eq false', [bob, zed]],
      ['active ne true', [bob, zed]],
      ['active ne false', [alice, alicia]],
      ['active pr', [alice, bob, alicia, zed]],
      ['not (active eq true)', [bob, carol, zed]],
      ['active co true', INVALID],
      ['active sw true', INVALID],
      ['active ew true', INVALID],
      // RFC 7644 §3.4.2.2: gt/ge/lt/le on a Boolean SHALL fail with invalidFilter.
      ['active gt false', INVALID],
      ['active ge false', INVALID],
      ['active lt true', INVALID],
      ['active le true', INVALID],
      ['active eq "true"', INVALID],
    ],
  },
  {
    title: 'dateTime, own column (meta.created)',
    types: ['User'],
    cases: [
      ['meta.created eq "2024-02-01T01:00:00+01:00"', [bob]],
      ['meta.created ne "2024-02-01T00:00:00Z"', [alice, carol, alicia, zed]],
      ['meta.created gt "2024-02-01T00:00:00Z"', [carol, alicia, zed]],
      ['meta.created ge "2024-02-01T00:00:00Z"', [bob, carol, alicia, zed]],
      ['meta.created lt "2024-03-01T00:00:00.000Z"', [alice, bob]],
      ['meta.created le "2024-02-29T19:00:00-05:00"', [alice, bob, carol]],
      ['meta.created pr', USERS],
      ['meta.created co "2024"', INVALID],
      ['meta.created sw "2024"', INVALID],
      ['meta.created ew "Z"', INVALID],
      ['meta.created gt "last week"', INVALID],
    ],
  },
  {
    title: 'dateTime with millisecond precision (meta.lastModified)',
    types: ['User'],
    cases: [
      ['meta.lastModified eq "2024-06-01T00:00:00Z"', [alice]],
      ['meta.lastModified ne "2024-06-01T00:00:00Z"', [bob, carol, alicia, zed]],
      ['meta.lastModified gt "2024-06-01T00:00:00Z"', [bob, zed]],
      ['meta.lastModified ge "2024-06-01T00:00:00.001Z"', [bob, zed]],
      ['meta.lastModified lt "2024-05-01T00:00:00Z"', [alicia]],
      ['meta.lastModified le "2024-04-15T14:00:00+02:00"', [alicia]],
      ['meta.lastModified pr', USERS],
    ],
  },
  {
    title: 'string, caseExact=true, own column (meta.resourceType)',
    types: ['User'],
    cases: [
      ['meta.resourceType eq "User"', USERS],
      ['meta.resourceType eq "user"', []],
    ],
  },
  {
    // A reference is case exact (RFC 7643 §2.3.7), whatever the §8.7.1 listing of profileUrl says.
    title: 'reference (profileUrl)',
    types: ['User'],
    cases: [
      ['profileUrl eq "https://example.com/Profiles/Alice"', [alice]],
      ['profileUrl eq "HTTPS://EXAMPLE.COM/PROFILES/ALICE"', []],
      ['profileUrl ne "https://example.com/profiles/bob"', [alice, alicia]],
      ['profileUrl co "/profiles/"', [bob]],
      ['profileUrl sw "https://"', [alice, bob]],
      ['profileUrl ew "/x"', [alicia]],
      ['profileUrl ew "/X"', []],
      ['profileUrl gt "https://example.com/profiles/alice"', [bob]],
      ['profileUrl ge "https://example.com/profiles/alice"', [bob]],
      ['profileUrl lt "https"', [alicia]],
      ['profileUrl le "https://example.com/profiles/alice"', [alice, alicia]],
      ['profileUrl pr', [alice, bob, alicia]],
    ],
  },
  {
    // "A binary is case exact" (RFC 7643 §2.3.6): "QUJD" and "qujd" are different bytes.
    title: 'binary (x509Certificates.value)',
    types: ['User'],
    cases: [
      ['x509Certificates.value eq "QUJD"', [alice]],
      ['x509Certificates.value ne "QUJD"', [bob]],
      ['x509Certificates eq "qujd"', [bob]],
      ['x509Certificates.value pr', [alice, bob]],
      ['x509Certificates.value co "QU"', INVALID],
      ['x509Certificates.value sw "QU"', INVALID],
      ['x509Certificates.value ew "JD"', INVALID],
      // RFC 7644 §3.4.2.2: gt/ge/lt/le on Binary SHALL fail with invalidFilter.
      ['x509Certificates.value gt "A"', INVALID],
      ['x509Certificates.value ge "A"', INVALID],
      ['x509Certificates.value lt "A"', INVALID],
      ['x509Certificates.value le "A"', INVALID],
    ],
  },
  {
    title: 'complex, single-valued (name)',
    types: ['User'],
    cases: [
      ['name pr', [alice, bob, alicia]],
      ['not (name pr)', [carol, zed]],
      ['name eq null', [carol, zed]],
      ['name eq "Alice"', INVALID],
      ['name co "A"', INVALID],
    ],
  },
  {
    title: 'multi-valued complex, sub-attribute value (emails.value; eq goes through the index table)',
    types: ['User'],
    cases: [
      ['emails.value eq "ALICE@example.com"', [alice]],
      ['emails.value eq "bob@EXAMPLE.com"', [bob]],
      // Any value may differ: alice has a second address.
      ['emails.value ne "alice@example.com"', [alice, bob, alicia, zed]],
      ['emails.value ne "bob@example.com"', [alice, alicia, zed]],
      ['emails.value co "EXAMPLE.COM"', [alice, bob, alicia, zed]],
      ['emails.value sw "ali"', [alice, alicia]],
      ['emails.value ew ".ORG"', [alice]],
      ['emails.value gt "y"', [zed]],
      ['emails.value ge "bob@example.com"', [bob, zed]],
      ['emails.value lt "alicia"', [alice]],
      ['emails.value le "alicia@example.com"', [alice, alicia]],
      ['emails.value pr', [alice, bob, alicia, zed]],
      ['emails.value eq null', [carol]],
    ],
  },
  {
    title: 'multi-valued complex, other sub-attributes (emails.type, emails.primary)',
    types: ['User'],
    cases: [
      ['emails.type eq "WORK"', [alice, bob, zed]],
      ['emails.type ne "work"', [alice, carol, alicia, zed]],
      ['emails.type co "OR"', [alice, bob, zed]],
      ['emails.type sw "h"', [alice, alicia, zed]],
      ['emails.type ew "ER"', [carol, alicia]],
      ['emails.type gt "other"', [alice, bob, zed]],
      ['emails.type ge "other"', USERS],
      ['emails.type lt "other"', [alice, alicia, zed]],
      ['emails.type le "home"', [alice, alicia, zed]],
      ['emails.type pr', USERS],
      ['emails.primary eq true', [alice, alicia]],
      ['emails.primary eq false', [zed]],
      ['emails.primary ne true', [zed]],
      ['emails.primary pr', [alice, alicia, zed]],
      ['emails.primary gt false', INVALID],
    ],
  },
  {
    title: 'multi-valued complex named without sub-attribute (emails)',
    types: ['User'],
    cases: [
      ['emails co "@X.COM"', [zed]],
      ['emails eq "bob@example.com"', [bob]],
      // RFC 7644 §3.4.2.2 "pr": a complex attribute with a non-empty node; carol's {type} counts.
      ['emails pr', USERS],
      ['emails eq null', []],
    ],
  },
  {
    title: 'value filters (emails[…])',
    types: ['User'],
    cases: [
      // One element must satisfy both; zed has a work address and an example.com address, but not one that is both.
      ['emails[type eq "work" and value co "@example.com"]', [alice, bob]],
      ['emails.type eq "work" and emails.value co "@example.com"', [alice, bob, zed]],
      ['emails[type eq "home" and primary eq true]', [alicia]],
      ['emails[not (value pr)]', [carol, alicia]],
      ['emails[value pr and not (type eq "work")]', [alice, alicia, zed]],
      ['not (emails[type eq "work"])', [carol, alicia]],
      ['emails[type eq "work"] or emails[primary eq false]', [alice, bob, zed]],
      ['emails[type ne "work"]', [alice, carol, alicia, zed]],
      ['EMAILS[TYPE eq "WORK" and VALUE ew "COM"]', [alice, bob, zed]],
      ['name[givenName eq "Alice"]', INVALID],
      ['emails[kind eq "work"]', INVALID],
    ],
  },
  {
    title: 'URN-qualified paths (enterprise extension and core schema)',
    types: ['User'],
    cases: [
      [`${ENT}:employeeNumber eq "701984"`, [alice]],
      [`${ENT}:employeeNumber pr`, [alice, alicia]],
      [`${ENT}:department co "&"`, [alice]],
      [`${ENT}:manager.value eq "b-200"`, [alice]],
      [`${ENT}:manager eq "b-200"`, [alice]],
      [`${ENT}:manager pr`, [alice]],
      [`${USER_URN}:name.givenName sw "ali"`, [alice, alicia]],
      [`${USER_URN.toUpperCase()}:USERNAME eq "BOB"`, [bob]],
      [`${USER_URN}:emails[type eq "home"]`, [alice, alicia, zed]],
    ],
  },
  {
    // RFC 7644 §3.4.2.2 example: schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".
    title: 'schemas (core URN always; an extension URN when the resource has its attributes)',
    types: ['User'],
    cases: [
      [`schemas eq "${ENT}"`, [alice, alicia]],
      [`schemas eq "${ENT.toUpperCase()}"`, [alice, alicia]],
      ['schemas co "enterprise"', [alice, alicia]],
      [`not (schemas eq "${ENT}")`, [bob, carol, zed]],
      [`schemas eq "${USER_URN}"`, USERS],
      ['schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"', []],
      ['schemas pr', USERS],
      [`schemas eq "${X}" and not (schemas eq "${ENT}")`, [bob, carol, zed]],
      ['schemas eq true', INVALID],
    ],
  },
  {
    title: 'integer (extension level)',
    types: ['User'],
    cases: [
      [`${X}:level eq 3`, [alice, zed]],
      [`${X}:level eq 3.0`, [alice, zed]],
      [`${X}:level ne 3`, [bob, carol]],
      // Numeric, not textual: 10 > 3.
      [`${X}:level gt 3`, [bob]],
      [`${X}:level ge 3`, [alice, bob, zed]],
      [`${X}:level lt 3`, [carol]],
      [`${X}:level le 3`, [alice, carol, zed]],
      [`${X}:level gt 2.5`, [alice, bob, zed]],
      [`${X}:level gt -3`, [alice, bob, carol, zed]],
      [`${X}:level pr`, [alice, bob, carol, zed]],
      [`${X}:level co 3`, INVALID],
      [`${X}:level sw 3`, INVALID],
      [`${X}:level ew 3`, INVALID],
      [`${X}:level eq "3"`, INVALID],
    ],
  },
  {
    title: 'decimal (extension score)',
    types: ['User'],
    cases: [
      [`${X}:score eq 0.1`, [alicia]],
      [`${X}:score eq 1e2`, [carol]],
      [`${X}:score ne 2.5`, [bob, carol, alicia]],
      [`${X}:score gt 2`, [alice, carol]],
      [`${X}:score ge 2.5`, [alice, carol]],
      [`${X}:score lt 0.2`, [bob, alicia]],
      [`${X}:score le -1.25`, [bob]],
      [`${X}:score pr`, [alice, bob, carol, alicia]],
      [`${X}:score co 2`, INVALID],
      [`${X}:score sw 2`, INVALID],
      [`${X}:score ew 2`, INVALID],
    ],
  },
  {
    title: 'dateTime in JSON (extension hired)',
    types: ['User'],
    cases: [
      [`${X}:hired eq "2020-05-01T11:00:00+02:00"`, [alice]],
      [`${X}:hired ne "2020-05-01T09:00:00Z"`, [bob, alicia, zed]],
      [`${X}:hired gt "2020-05-01T09:00:00Z"`, [bob, zed]],
      [`${X}:hired ge "2020-05-01T09:00:00.5Z"`, [bob, zed]],
      [`${X}:hired lt "2020-01-01T00:00:00-01:00"`, [alicia]],
      [`${X}:hired lt "2020-01-01T00:00:00+01:00"`, []],
      [`${X}:hired le "2020-05-01T09:00:00.000Z"`, [alice, alicia]],
      [`${X}:hired pr`, [alice, bob, alicia, zed]],
      [`${X}:hired co "2020"`, INVALID],
      [`${X}:hired sw "2020"`, INVALID],
      [`${X}:hired ew "Z"`, INVALID],
    ],
  },
  {
    title: 'multi-valued string and integer (extension tags, lucky)',
    types: ['User'],
    cases: [
      [`${X}:tags eq "BLUE"`, [alice, bob]],
      [`${X}:tags ne "red"`, [alice, bob, alicia]],
      [`${X}:tags ne "blue"`, [alice, alicia]],
      [`${X}:tags co "E"`, [alice, bob, alicia]],
      [`${X}:tags sw "g"`, [alicia]],
      [`${X}:tags ew "D"`, [alice, alicia]],
      [`${X}:tags gt "green"`, [alice, alicia]],
      [`${X}:tags ge "green"`, [alice, alicia]],
      [`${X}:tags lt "c"`, [alice, bob]],
      [`${X}:tags le "blue"`, [alice, bob]],
      [`${X}:tags pr`, [alice, bob, alicia]],
      [`${X}:lucky eq 13`, [alice]],
      [`${X}:lucky ne 7`, [alice, bob]],
      [`${X}:lucky gt 10`, [alice]],
      [`${X}:lucky lt 5`, [bob]],
      [`${X}:lucky ge 7`, [alice]],
      [`${X}:lucky le 2`, [bob]],
      [`${X}:lucky pr`, [alice, bob]],
      [`${X}:tags[value eq "red"]`, INVALID],
    ],
  },
  {
    title: 'logical operators and precedence on real data',
    types: ['User'],
    cases: [
      // "and" binds tighter: bob or (carol and active) — carol has no active.
      ['userName eq "bob" or userName eq "carol" and active eq true', [bob]],
      ['(userName eq "bob" or userName eq "carol") and not (active eq true)', [bob, carol]],
      ['not (userName sw "a" or userName sw "z")', [bob, carol]],
      ['not (not (active eq true))', [alice, alicia]],
      ['active eq true and emails[type eq "home"] and not (name.givenName eq "alicia")', [alice]],
    ],
  },
  {
    title: 'group members (members.value, members.type, members.display, members)',
    types: ['Group'],
    cases: [
      ['members.value eq "A-100"', [eng]],
      ['members.value eq "a-100"', []],
      ['members.value ne "A-100"', [eng, platform, ops, ops2]],
      ['members.value co "-"', [eng, platform, ops, ops2]],
      ['members.value sw "g-"', [eng, ops, ops2]],
      ['members.value ew "00"', [eng, platform, ops2]],
      ['members.value gt "d-400"', [eng, ops, ops2]],
      ['members.value ge "d-400"', [eng, platform, ops, ops2]],
      ['members.value lt "C"', [eng]],
      ['members.value le "E-500"', [eng, ops2]],
      ['members.value pr', [eng, platform, ops, ops2]],
      ['members eq "g-platform"', [eng]],
      ['members pr', [eng, platform, ops, ops2]],
      ['not (members pr)', [admins]],
      ['members.type eq "group"', [eng, ops, ops2]],
      ['members.type eq "USER"', [eng, platform, ops2]],
      ['members.type ne "User"', [eng, ops, ops2]],
      ['members.display co "smith"', [eng]],
      ['members.display sw "OPS"', [ops, ops2]],
      ['members.display eq "zed"', [ops2]],
      ['members[type eq "User" and display sw "alice"]', [eng]],
      ['members[type eq "Group" and value eq "g-ops"]', [ops2]],
      ['members.$ref pr', INVALID],
    ],
  },
  {
    title: 'group displayName',
    types: ['Group'],
    cases: [
      ['displayName eq "OPS"', [ops]],
      ['displayName sw "ops"', [ops, ops2]],
      ['displayName gt "ops"', [platform, ops2]],
      ['displayName lt "b"', [admins]],
      ['externalId eq "grp-1"', [eng]],
    ],
  },
  {
    // RFC 7643 §4.1.2: "groups" lists direct and indirect (nested) memberships.
    title: 'user groups, nested and cyclic (groups.value, groups.display, groups.type)',
    types: ['User'],
    cases: [
      ['groups.value eq "G-eng"', [alice, bob, alicia]],
      ['groups.value eq "g-eng"', []],
      ['groups eq "g-ops"', [zed]],
      ['groups.value ne "G-eng"', [alicia, zed]],
      ['groups.display eq "engineering"', [alice, bob, alicia]],
      ['groups.display sw "ops"', [zed]],
      ['groups.type eq "indirect"', [alicia, zed]],
      ['groups.type eq "direct"', [alice, bob, alicia, zed]],
      ['groups[value eq "G-eng" and type eq "direct"]', [alice, bob]],
      ['groups[type eq "indirect" and display eq "ops"]', [zed]],
      ['groups pr', [alice, bob, alicia, zed]],
      ['not (groups pr)', [carol]],
      ['groups.$ref eq "x"', INVALID],
    ],
  },
  {
    title: 'root-level search across Users and Groups (attributes of one type are false on the other)',
    types: ['User', 'Group'],
    cases: [
      ['displayName sw "A"', [alice, alicia, admins]],
      ['userName eq "bob" or members.value eq "E-500"', [bob, ops2]],
      ['meta.resourceType eq "Group"', GROUPS],
      ['id sw "G-"', [eng, admins]],
      ['not (userName pr)', GROUPS],
      ['meta pr', [...USERS, ...GROUPS]],
      ['schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"', GROUPS],
    ],
  },
  {
    title: 'attributes that cannot be filtered on',
    types: ['User'],
    cases: [
      ['password eq "secret"', INVALID],
      ['meta.location eq "https://example.com/Users/A-100"', INVALID],
      ['meta.version eq "W/\\"1\\""', INVALID],
      ['nickname2 eq "x"', INVALID],
    ],
  },
];

const TENANT = 'tenant-filter-table';

for (const backend of BACKENDS) describe(`${backend.name}: filter table: every operator × attribute type, SQL and in-memory (RFC 7644 §3.4.2.2)`, () => {
  let store: Store;
  let close: () => Promise<void>;
  const docs = new Map<string, { type: ResourceTypeName; doc: Json }>();

  before(async () => {
    ({ store, close } = await backend.open('table'));
    await store.createTenant({ id: TENANT, name: TENANT, status: 'active', createdAt: '2024-01-01T00:00:00.000Z', settings: {} });
    await store.transaction(async (tx) => {
      for (const r of RESOURCES) await tx.insertResource(TENANT, r, searchForm(r.data, SCHEMAS[r.type]));
      for (const [groupId, members] of MEMBERS) {
        await tx.applyMemberDelta(TENANT, groupId, { clear: false, add: new Map(members), remove: new Set() });
      }
    });
    const groups = await store.groupsOf(TENANT, USERS);
    for (const r of RESOURCES) {
      const members = r.type === 'Group' ? await store.membersOf(TENANT, r.id) : undefined;
      const ctx = { baseUrl: 'https://scim.example.com/scim/v2', ...(members ? { members } : {}), groups: groups.get(r.id) ?? [] };
      docs.set(r.id, { type: r.type, doc: renderResource(r, SCHEMAS[r.type], ctx) });
    }
  });

  after(() => close());

  it('renders nested and cyclic memberships as direct and indirect groups (the data the table relies on)', () => {
    const groupsOf = (id: string) => ((docs.get(id)!.doc.groups as Json[] | undefined) ?? []).map((g) => `${g.value}:${g.type}`).sort();
    assert.deepEqual(groupsOf(alice), ['G-eng:direct']);
    assert.deepEqual(groupsOf(alicia), ['G-eng:indirect', 'g-platform:direct']);
    assert.deepEqual(groupsOf(zed), ['g-ops2:direct', 'g-ops:indirect']);
    assert.deepEqual(groupsOf(carol), []);
    // Multi-valued attributes are unordered (RFC 7643 §2.4): compare as sets.
    const membersOf = (id: string) => ((docs.get(id)!.doc.members as Json[] | undefined) ?? []).map((m) => `${m.value}:${m.type}:${m.display}`).sort();
    assert.deepEqual(membersOf(eng), ['A-100:User:Alice Smith', 'b-200:User:bob jones', 'g-platform:Group:Platform']);
    assert.deepEqual(membersOf(ops2), ['E-500:User:Zed', 'g-ops:Group:ops']);
  });

  const order = RESOURCES.map((r) => r.id);
  const inOrder = (ids: readonly string[]) => [...ids].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const names = (ids: readonly string[]) => (ids.length ? ids.map((id) => NAMES[id]).join(', ') : 'none');

  for (const section of SECTIONS) {
    describe(section.title, () => {
      for (const [filter, expected] of section.cases) {
        const label = expected === INVALID ? '400 invalidFilter' : names(expected);
        it(`${section.types.join('+')}: ${filter} → ${label}`, async () => {
          const ast = parseFilter(filter);
          if (expected === INVALID) {
            for (const type of section.types) {
              assert.throws(
                () => bindFilter(ast, SCHEMAS[type]),
                (e: unknown) => e instanceof ScimError && e.status === 400 && e.scimType === 'invalidFilter',
              );
            }
            return;
          }
          // Root-level search binds per type; an attribute the type lacks is false there.
          const root = section.types.length > 1;
          const filters = new Map<ResourceTypeName, BoundFilter>(section.types.map((t) => [t, bindFilter(ast, SCHEMAS[t], root)]));
          const page = await store.queryResources(TENANT, { types: section.types, filters, startIndex: 1, count: 100 });
          const sql = page.resources.map((r) => r.id);
          const memory = order.filter((id) => {
            const d = docs.get(id)!;
            return filters.has(d.type) && evaluate(filters.get(d.type)!, d.doc);
          });
          const want = inOrder(expected);
          assert.deepEqual(sql, want, `SQL returned ${names(sql)}`);
          assert.equal(page.total, want.length);
          assert.deepEqual(memory, want, `in-memory evaluation returned ${names(memory)}`);
        });
      }
    });
  }
});

describe('filter errors over HTTP (RFC 7644 §3.4.2.2, §3.12)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const created = await s.request('POST', '/Users', user('Barbara', { emails: [{ value: 'bjensen@example.com', type: 'work' }] }));
    assert.equal(created.status, 201);
  });
  after(() => s.close());

  const get = (filter: string) => s.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);

  it('answers a malformed filter with 400 invalidFilter whose detail names the position', async () => {
    const r = await get('userName eq');
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'invalidFilter');
    assert.equal(r.body.status, '400');
    assert.match(r.body.detail, /at position 12/);
  });

  it('answers an operator the attribute type does not support with 400 invalidFilter', async () => {
    const r = await get('active gt true');
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'invalidFilter');
    assert.match(r.body.detail, /'active' is a boolean/);
  });

  it('answers an unknown attribute with 400 invalidFilter', async () => {
    const r = await get('nickname2 eq "x"');
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'invalidFilter');
  });

  it('finds a user by userName without regard to case and by a value filter with escaped quotes', async () => {
    const byName = await get('userName eq "BARBARA"');
    assert.equal(byName.status, 200);
    assert.equal(byName.body.totalResults, 1);
    const byValue = await get('emails[type eq "work" and value co "@EXAMPLE.com"] and not (title eq "\\"x\\"")');
    assert.equal(byValue.status, 200);
    assert.equal(byValue.body.totalResults, 1);
  });
});
