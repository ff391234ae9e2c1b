/**
 * Grammar-aware generators of filter and PATCH path text (RFC 7644 §3.4.2.2 and §3.5.2), for the
 * fuzzer. They write what a client could write, not a canonical form: operators and keywords in
 * any case, runs of whitespace, redundant parentheses, `not(` without a space, escapes in
 * strings, numbers in every JSON spelling. Attribute paths come from the real User and Group
 * schemas (with sub-attributes, URN prefixes and odd casing) and from random names, so that a
 * good share binds and reaches SQL while the rest exercise the binder's errors. A second family
 * mutates such text (cut, insert, swap, duplicate a token) for "valid-ish" input, and a third is
 * raw: token soup, arbitrary Unicode, lone surrogates, very long and very deep input.
 */
import fc from 'fast-check';
import { ENTERPRISE_USER_URN, GROUP_URN, USER_URN } from '../../src/scim/urns.ts';

// ---------------------------------------------------------------------------------------------
// Attribute paths.

/** Paths the User and Group schemas know (top-level, sub-attribute, URN-qualified). */
export const KNOWN_PATHS = [
  'userName', 'displayName', 'nickName', 'title', 'userType', 'active', 'externalId', 'id', 'profileUrl', 'locale',
  'timezone', 'preferredLanguage', 'password', 'schemas',
  'name', 'name.givenName', 'name.familyName', 'name.formatted', 'name.middleName',
  'emails', 'emails.value', 'emails.type', 'emails.primary', 'emails.display',
  'phoneNumbers.value', 'phoneNumbers.type', 'ims.value', 'photos.value', 'addresses.locality', 'addresses.primary',
  'x509Certificates.value', 'entitlements.value', 'roles.value',
  'groups', 'groups.value', 'groups.display', 'groups.type',
  'members', 'members.value', 'members.display', 'members.type', 'members.$ref',
  'meta.created', 'meta.lastModified', 'meta.version', 'meta.location', 'meta.resourceType',
  `${USER_URN}:userName`, `${USER_URN}:name.familyName`, `${USER_URN}:emails.value`, `${GROUP_URN}:displayName`,
  `${ENTERPRISE_USER_URN}:employeeNumber`, `${ENTERPRISE_USER_URN}:department`, `${ENTERPRISE_USER_URN}:manager`,
  `${ENTERPRISE_USER_URN}:manager.value`, `${ENTERPRISE_USER_URN}:manager.displayName`,
  'urn:scimd:schemas:extension:2.0:User:emailVerified',
];

/** Multi-valued attributes, for value filters `attr[…]`. */
export const MULTI_VALUED = ['emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'x509Certificates', 'entitlements', 'roles', 'groups', 'members', `${USER_URN}:emails`];

/** Sub-attribute names used inside value filters. */
export const SUB_NAMES = ['value', 'type', 'primary', 'display', '$ref', 'locality', 'country', 'streetAddress', 'formatted'];

/** RFC 7644 ATTRNAME = ALPHA *(nameChar); `$` as in `$ref`. */
const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const nameCharArb = fc.constantFrom(...`${ALPHA}0123456789-_$`.split(''));
export const attrNameArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...ALPHA.split(''), '$'), fc.array(nameCharArb, { maxLength: 12 }))
  .map(([a, rest]) => a + rest.join(''));

const urnArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(USER_URN, GROUP_URN, ENTERPRISE_USER_URN, 'urn:wire:scim:schemas:profile:1.0', 'urn:scimd:schemas:extension:2.0:User'),
  fc.array(attrNameArb, { minLength: 1, maxLength: 4 }).map((parts) => `urn:${parts.join(':')}`),
);

/** Random casing: attribute names and keywords are case-insensitive (RFC 7644 §3.4.2.2, §3.10). */
export const recase = (arb: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof({ weight: 3, arbitrary: arb }, { weight: 1, arbitrary: fc.mixedCase(arb) });

/** A known attribute path, in random casing. */
export const knownPathArb: fc.Arbitrary<string> = recase(fc.constantFrom(...KNOWN_PATHS));

export const attrPathArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 16, arbitrary: knownPathArb },
  { weight: 2, arbitrary: fc.tuple(attrNameArb, fc.option(attrNameArb, { nil: undefined })).map(([n, s]) => (s ? `${n}.${s}` : n)) },
  { weight: 1, arbitrary: fc.tuple(urnArb, attrNameArb, fc.option(attrNameArb, { nil: undefined })).map(([u, n, s]) => `${u}:${n}${s ? `.${s}` : ''}`) },
  { weight: 1, arbitrary: fc.tuple(attrNameArb, attrNameArb, attrNameArb).map((p) => p.join('.')) },
);

const subPathArb: fc.Arbitrary<string> = fc.oneof({ weight: 4, arbitrary: recase(fc.constantFrom(...SUB_NAMES)) }, { weight: 1, arbitrary: attrPathArb });

// ---------------------------------------------------------------------------------------------
// Values (RFC 7644 compValue = false / null / true / number / string).

/** Strings that are awkward to compare, fold or escape; some drawn from what the fuzzer stores. */
const ATOMS = [
  'alice', 'ALICE', 'Bob', 'fuzz', 'work', 'home', 'User', 'Group', 'W/"1"', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000Z',
  'ß', 'SS', 'İ', 'ı', 'é', 'e\u0301', '😀', '中', '%', '_', '\\', '"', "'", '*', '\u00a0', ' ', '', '@example.com',
  "' OR 1=1 --", '%_%', '${x}', '{{x}}', '\u0000', '\ud800', '\udfff', '\u200b', '\n', 'null', 'true', '0',
];
export const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...ATOMS), { maxLength: 4 }).map((a) => a.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** A JSON string literal, escaped in one of the ways RFC 8259 §7 allows. */
function quote(s: string, style: number): string {
  if (style === 0) return JSON.stringify(s);
  // Every character \u-escaped, or only the non-ASCII ones, or `/` as `\/`.
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\' || cp < 0x20 || (style === 1 && cp > 0x7e) || style === 2) {
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    } else if (ch === '/' && style === 3) out += '\\/';
    else out += ch;
  }
  return `${out}"`;
}

const numberTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom('0', '-0', '1e3', '1E+3', '2.50', '-1.5e-7', '1e308', '1e309', '-1e400', '123456789012345678901234567890', '0.1', '9007199254740993'),
);

export const valueTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(textArb, fc.nat(3)).map(([s, style]) => quote(s, style)) },
  { weight: 2, arbitrary: numberTextArb },
  { weight: 1, arbitrary: recase(fc.constantFrom('true', 'false', 'null')) },
);

// ---------------------------------------------------------------------------------------------
// Filters.

const OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le'];
/** One or more spaces; sometimes a tab or a line break, which the parser takes as whitespace. */
const spaceArb: fc.Arbitrary<string> = fc.oneof({ weight: 8, arbitrary: fc.constant(' ') }, { weight: 1, arbitrary: fc.constantFrom('  ', '\t', ' \n ', '\r\n') });
const opArb = recase(fc.constantFrom(...OPS));

function attrExp(path: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.tuple(path, spaceArb, recase(fc.constant('pr'))).map(([p, s, pr]) => `${p}${s}${pr}`) },
    { weight: 5, arbitrary: fc.tuple(path, spaceArb, opArb, spaceArb, valueTextArb).map(([p, s1, op, s2, v]) => `${p}${s1}${op}${s2}${v}`) },
  );
}

interface FilterTie {
  filter: string;
  valFilter: string;
}

/** Valid filters from the RFC 7644 §3.4.2.2 grammar (the binder may still refuse their attributes). */
export const filterArb: fc.Arbitrary<string> = fc.letrec<FilterTie>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', maxDepth: 5, depthIdentifier: 'filter' },
    { weight: 5, arbitrary: attrExp(attrPathArb) },
    { weight: 2, arbitrary: fc.tuple(tie('filter'), spaceArb, recase(fc.constantFrom('and', 'or')), spaceArb, tie('filter')).map((p) => p.join('')) },
    { weight: 1, arbitrary: fc.tuple(recase(fc.constantFrom(...MULTI_VALUED)), tie('valFilter')).map(([a, f]) => `${a}[${f}]`) },
    { weight: 1, arbitrary: fc.tuple(recase(fc.constant('not')), fc.constantFrom(' ', '', '  '), tie('filter')).map(([n, s, f]) => `${n}${s}(${f})`) },
    { weight: 1, arbitrary: fc.tuple(tie('filter'), fc.constantFrom('', ' ')).map(([f, s]) => `(${s}${f}${s})`) },
  ),
  valFilter: fc.oneof(
    { depthSize: 'small', maxDepth: 3, depthIdentifier: 'val' },
    { weight: 4, arbitrary: attrExp(subPathArb) },
    { weight: 2, arbitrary: fc.tuple(tie('valFilter'), spaceArb, recase(fc.constantFrom('and', 'or')), spaceArb, tie('valFilter')).map((p) => p.join('')) },
    { weight: 1, arbitrary: tie('valFilter').map((f) => `not (${f})`) },
    { weight: 1, arbitrary: tie('valFilter').map((f) => `(${f})`) },
  ),
})).filter;

/** Sub-filters only (as in a value filter), for PATCH paths. */
const valFilterArb: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    { weight: 4, arbitrary: attrExp(subPathArb) },
    { weight: 1, arbitrary: fc.tuple(tie('v'), spaceArb, recase(fc.constantFrom('and', 'or')), spaceArb, tie('v')).map((p) => p.join('')) },
    { weight: 1, arbitrary: tie('v').map((f) => `not (${f})`) },
  ),
})).v;

// ---------------------------------------------------------------------------------------------
// Filters that bind: attributes of the resource type, values of the attribute's type.

type Kind = 'string' | 'boolean' | 'dateTime' | 'id' | 'multi';

const COMMON_PATHS: [string, Kind][] = [
  ['id', 'id'], ['externalId', 'string'], ['meta.created', 'dateTime'], ['meta.lastModified', 'dateTime'], ['meta.resourceType', 'string'], ['meta.version', 'string'],
];
export const TYPED_PATHS: Record<'User' | 'Group', [string, Kind][]> = {
  User: [
    ...COMMON_PATHS,
    ['userName', 'string'], ['displayName', 'string'], ['nickName', 'string'], ['title', 'string'], ['userType', 'string'], ['locale', 'string'], ['active', 'boolean'],
    ['name.givenName', 'string'], ['name.familyName', 'string'], ['name.formatted', 'string'], ['emails', 'multi'], ['emails.value', 'string'], ['emails.type', 'string'],
    ['emails.primary', 'boolean'], ['phoneNumbers.value', 'string'], ['groups.value', 'id'], ['groups.display', 'string'], ['addresses.locality', 'string'],
    [`${USER_URN}:userName`, 'string'], [`${ENTERPRISE_USER_URN}:department`, 'string'], [`${ENTERPRISE_USER_URN}:employeeNumber`, 'string'], [`${ENTERPRISE_USER_URN}:manager.value`, 'id'],
  ],
  Group: [...COMMON_PATHS, ['displayName', 'string'], ['members', 'multi'], ['members.value', 'id'], ['members.display', 'string'], ['members.type', 'string'], [`${GROUP_URN}:displayName`, 'string']],
};
const VALUE_FILTERS: Record<'User' | 'Group', [string, [string, Kind][]][]> = {
  User: [
    ['emails', [['value', 'string'], ['type', 'string'], ['primary', 'boolean'], ['display', 'string']]],
    ['phoneNumbers', [['value', 'string'], ['type', 'string']]],
    ['groups', [['value', 'id'], ['display', 'string'], ['type', 'string']]],
    ['addresses', [['locality', 'string'], ['country', 'string'], ['primary', 'boolean']]],
  ],
  Group: [['members', [['value', 'id'], ['display', 'string'], ['type', 'string']]]],
};

/** Text the server stores (no U+0000, no lone surrogates), JSON-quoted. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what is removed
export const cleanTextArb: fc.Arbitrary<string> = textArb.map((t) => t.replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')).filter((t) => t.length <= 40);

function valueOf(kind: Kind, ids: readonly string[]): fc.Arbitrary<string> {
  switch (kind) {
    case 'boolean':
      return recase(fc.constantFrom('true', 'false'));
    case 'dateTime':
      return fc.oneof(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => JSON.stringify(d.toISOString())), fc.constant('"2024-01-01T00:00:00Z"'));
    case 'id':
      return fc.oneof(ids.length ? fc.constantFrom(...ids) : fc.uuid(), fc.uuid(), cleanTextArb).map((v) => JSON.stringify(v));
    default:
      return fc.oneof({ weight: 4, arbitrary: cleanTextArb.map((v) => JSON.stringify(v)) }, { weight: 1, arbitrary: fc.constantFrom('"fixture"', '"Fixture 1"', '"fixture-1@example.com"', '"work"', '"QA"') });
  }
}

function typedAttrExp(paths: [string, Kind][], ids: readonly string[]): fc.Arbitrary<string> {
  return fc.constantFrom(...paths).chain(([path, kind]) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.tuple(recase(fc.constant(path)), recase(fc.constant('pr'))).map(([p, pr]) => `${p} ${pr}`) },
      {
        weight: 5,
        arbitrary: fc
          .tuple(recase(fc.constant(path)), kind === 'boolean' ? recase(fc.constantFrom('eq', 'ne')) : opArb, valueOf(kind === 'multi' ? 'string' : kind, ids), spaceArb)
          .map(([p, op, v, sp]) => `${p}${sp}${op} ${v}`),
      },
    ),
  );
}

/** Filters over `type`'s own attributes with values of the right type: these reach the SQL compiler. */
export function typedFilterArb(type: 'User' | 'Group', ids: readonly string[]): fc.Arbitrary<string> {
  const leaf = typedAttrExp(TYPED_PATHS[type], ids);
  const valuePath = fc.constantFrom(...VALUE_FILTERS[type]).chain(([attr, subs]) => {
    const inner = fc.letrec<{ v: string }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small', maxDepth: 2 },
        { weight: 3, arbitrary: typedAttrExp(subs, ids) },
        { weight: 1, arbitrary: fc.tuple(tie('v'), recase(fc.constantFrom('and', 'or')), tie('v')).map(([a, o, b]) => `${a} ${o} ${b}`) },
        { weight: 1, arbitrary: tie('v').map((f) => `not (${f})`) },
      ),
    })).v;
    return fc.tuple(recase(fc.constant(attr)), inner).map(([a, f]) => `${a}[${f}]`);
  });
  return fc.letrec<{ f: string }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      { weight: 5, arbitrary: leaf },
      { weight: 1, arbitrary: valuePath },
      { weight: 2, arbitrary: fc.tuple(tie('f'), spaceArb, recase(fc.constantFrom('and', 'or')), spaceArb, tie('f')).map((p) => p.join('')) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('not (', 'not(', 'NOT ('), tie('f')).map(([n, f]) => `${n}${f})`) },
      { weight: 1, arbitrary: tie('f').map((f) => `(${f})`) },
    ),
  })).f;
}

// ---------------------------------------------------------------------------------------------
// Mutations and raw input.

/** Pieces of the grammar, for token soup and insertions. */
const TOKENS = ['(', ')', '[', ']', '"', '\\', ' ', '.', ':', 'and', 'or', 'not', 'pr', ...OPS, 'true', 'null', '1', '-', 'e', 'urn:', 'userName', 'emails', 'value', '$ref', '\\u', '\\ud800', '"\\"', ','];

const tokenSoupArb: fc.Arbitrary<string> = fc.array(fc.constantFrom(...TOKENS), { maxLength: 20 }).map((t) => t.join(''));

/** Cuts, insertions, deletions and duplications applied to valid text. */
export function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.nat(), fc.nat(3), fc.constantFrom(...TOKENS));
  return fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([text, edits]) => {
    let s = text;
    for (const [a, b, kind, token] of edits) {
      const i = s.length ? a % (s.length + 1) : 0;
      const j = Math.min(s.length, i + (b % 4));
      if (kind === 0) s = s.slice(0, i) + token + s.slice(i);
      else if (kind === 1) s = s.slice(0, i) + s.slice(j);
      else if (kind === 2) s = s.slice(0, i);
      else s = s.slice(0, j) + s.slice(i, j) + s.slice(j);
    }
    return s;
  });
}

/** Nesting far beyond the parser's depth limit, and length beyond its length limit. */
const extremeArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 20, max: 400 }).map((n) => `${'('.repeat(n)}userName pr${')'.repeat(n)}`),
  fc.integer({ min: 20, max: 400 }).map((n) => `${'not ('.repeat(n)}userName pr${')'.repeat(n)}`),
  fc.integer({ min: 20, max: 300 }).map((n) => Array.from({ length: n }, (_, i) => `userName eq "u${i}"`).join(' or ')),
  fc.integer({ min: 3000, max: 6000 }).map((n) => `userName eq "${'x'.repeat(n)}"`),
  fc.integer({ min: 2, max: 40 }).map((n) => `emails[${'value['.repeat(n)}x pr${']'.repeat(n)}]`),
);

export const rawTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: tokenSoupArb },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('\ud800', '\udc00', '\u0000', '\uffff', '\ufeff', 'a', '"', ' '), maxLength: 10 }) },
  { weight: 1, arbitrary: extremeArb },
);

/** Everything a `filter` parameter may be sent: grammar, mutated grammar, raw. */
export const anyFilterArb: fc.Arbitrary<string> = fc.oneof({ weight: 6, arbitrary: filterArb }, { weight: 2, arbitrary: mutated(filterArb) }, { weight: 2, arbitrary: rawTextArb });

/** For one resource type: mostly filters that bind, then the rest of the grammar, mutations and raw text. */
export function filterForArb(type: 'User' | 'Group', ids: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof({ weight: 5, arbitrary: typedFilterArb(type, ids) }, { weight: 5, arbitrary: anyFilterArb });
}

// ---------------------------------------------------------------------------------------------
// PATCH paths (RFC 7644 §3.5.2: PATH = attrPath / valuePath [subAttr]).

export const patchPathArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: attrPathArb },
  { weight: 3, arbitrary: fc.tuple(recase(fc.constantFrom(...MULTI_VALUED)), valFilterArb).map(([a, f]) => `${a}[${f}]`) },
  { weight: 2, arbitrary: fc.tuple(recase(fc.constantFrom(...MULTI_VALUED)), valFilterArb, subPathArb).map(([a, f, s]) => `${a}[${f}].${s}`) },
  { weight: 1, arbitrary: recase(fc.constantFrom(ENTERPRISE_USER_URN, USER_URN, GROUP_URN, 'urn:scimd:schemas:extension:2.0:User')) },
);

export const anyPatchPathArb: fc.Arbitrary<string> = fc.oneof({ weight: 5, arbitrary: patchPathArb }, { weight: 3, arbitrary: mutated(patchPathArb) }, { weight: 2, arbitrary: rawTextArb });
