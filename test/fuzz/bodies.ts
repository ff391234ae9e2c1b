/**
 * Generators of requests for the fuzzer: User and Group resources (RFC 7643 §4), PatchOp messages
 * (RFC 7644 §3.5.2), SearchRequests (§3.4.3), BulkRequests (§3.7), list query strings (§3.4.2),
 * and raw bodies (bytes, broken JSON, deep nesting) with assorted media types.
 *
 * Each structured generator starts from a request the server should accept and then, in a good
 * share of cases, injects faults: a member set to a value of the wrong type (or to text the server
 * must refuse: U+0000, lone surrogates, 9,000 characters), a member removed, keys in other case,
 * unknown and read-only attributes. A single fault per request keeps most requests close to valid,
 * so that both the success paths and each validation error are reached; a whole-random variant
 * covers the rest.
 */
import fc from 'fast-check';
import { BULK_REQUEST_URN, ENTERPRISE_USER_URN, GROUP_URN, PATCH_OP_URN, SEARCH_REQUEST_URN, USER_URN } from '../../src/scim/urns.ts';
import { anyPatchPathArb, attrNameArb, attrPathArb, cleanTextArb, filterForArb, recase, textArb, TYPED_PATHS } from './grammar.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Body = Record<string, unknown>;
export type ResourceType = 'User' | 'Group';

/** The resources every request may refer to (created before fuzzing starts). */
export interface Fixture {
  readonly userIds: readonly string[];
  readonly groupIds: readonly string[];
}

export const anyJsonArb: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;

// ---------------------------------------------------------------------------------------------
// Faults.

/** Values that are wrong almost anywhere, or right in the wrong place. */
const faultValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anyJsonArb },
  { weight: 2, arbitrary: textArb },
  { weight: 1, arbitrary: fc.constantFrom('a\u0000b', '\ud800', 'x\udfff', 'x'.repeat(9000), '', ' ', 'True', 'null', 1e308, -0, 2 ** 63, [], {}, [null], [[]], { value: {} }) },
);

/** Keys in random case (attribute names are case-insensitive, RFC 7643 §2.1). */
function recaseKeys(arb: fc.Arbitrary<Body>): fc.Arbitrary<Body> {
  return arb.chain((obj) => {
    const entries = Object.entries(obj);
    if (entries.length === 0) return fc.constant({});
    return fc.tuple(...entries.map(([k]) => recase(fc.constant(k)))).map((keys) => Object.fromEntries(keys.map((k, i) => [k, entries[i]![1]])));
  });
}

/**
 * A valid body as it is (weight 5), with one member set to a faulty value (3), with one member
 * removed (1), or with unknown and read-only extras (1); keys recased now and then.
 */
function withFaults(valid: fc.Arbitrary<Body>, keys: readonly string[]): fc.Arbitrary<Body> {
  const extras = fc.dictionary(fc.oneof(attrNameArb, fc.constantFrom('id', 'meta', 'groups', 'schemas', 'bulkId', 'password')), faultValueArb, { minKeys: 1, maxKeys: 2 });
  return recaseKeys(
    fc.oneof(
      { weight: 5, arbitrary: valid },
      { weight: 3, arbitrary: fc.tuple(valid, fc.constantFrom(...keys), faultValueArb).map(([o, k, v]) => ({ ...o, [k]: v })) },
      {
        weight: 1,
        arbitrary: fc.tuple(valid, fc.constantFrom(...keys)).map(([o, k]) => {
          const { [k]: _gone, ...rest } = o;
          return rest;
        }),
      },
      { weight: 1, arbitrary: fc.tuple(valid, extras).map(([o, x]) => ({ ...x, ...o })) },
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Resources.

const idArb = (ids: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 6, arbitrary: ids.length ? fc.constantFrom(...ids) : fc.uuid() }, { weight: 1, arbitrary: fc.uuid() }, { weight: 1, arbitrary: cleanTextArb });

/** Non-empty, and rarely the same twice. */
const uniqueNameArb = (prefix: string) => fc.tuple(cleanTextArb, fc.nat()).map(([t, n]) => `${prefix}${n}${t}`);

/** At most one `primary: true` (RFC 7643 §2.4). */
function onePrimary<T extends { primary?: boolean }>(values: T[]): T[] {
  let seen = false;
  return values.map((v) => {
    if (v.primary !== true) return v;
    if (seen) return { ...v, primary: false };
    seen = true;
    return v;
  });
}

const emailsArb = fc
  .array(fc.record({ value: fc.oneof(fc.emailAddress(), cleanTextArb), type: fc.constantFrom('work', 'home', 'other'), primary: fc.boolean(), display: cleanTextArb }, { requiredKeys: ['value'] }), { maxLength: 3 })
  .map(onePrimary);
const phonesArb = fc.array(fc.record({ value: cleanTextArb, type: fc.constantFrom('work', 'mobile', 'fax') }, { requiredKeys: ['value'] }), { maxLength: 2 });
const nameArb = fc.record({ givenName: cleanTextArb, familyName: cleanTextArb, formatted: cleanTextArb, middleName: cleanTextArb }, { requiredKeys: [] });
const enterpriseArb = (fx: Fixture) =>
  fc.record({ employeeNumber: cleanTextArb, department: cleanTextArb, costCenter: cleanTextArb, manager: idArb(fx.userIds).map((value) => ({ value })) }, { requiredKeys: [] });

/** User attributes of the right types (without `schemas`). */
function userAttributesArb(fx: Fixture, requiredKeys: ["userName"] | []): fc.Arbitrary<Body> {
  return fc.record(
    {
      userName: uniqueNameArb('u'),
      name: nameArb,
      displayName: cleanTextArb,
      nickName: cleanTextArb,
      title: cleanTextArb,
      userType: cleanTextArb,
      profileUrl: fc.webUrl(),
      locale: fc.constantFrom('en-US', 'de', 'fr-CA'),
      timezone: fc.constantFrom('Europe/Berlin', 'UTC', 'America/Los_Angeles'),
      active: fc.boolean(),
      password: cleanTextArb,
      externalId: cleanTextArb,
      emails: emailsArb,
      phoneNumbers: phonesArb,
      addresses: fc.array(fc.record({ locality: cleanTextArb, country: fc.constantFrom('DE', 'US'), type: fc.constantFrom('work', 'home'), primary: fc.boolean() }, { requiredKeys: [] }), { maxLength: 2 }).map(onePrimary),
      x509Certificates: fc.array(fc.record({ value: fc.base64String({ minLength: 4, maxLength: 16 }) }), { maxLength: 2 }),
      roles: fc.array(fc.record({ value: cleanTextArb, primary: fc.constant(false) }), { maxLength: 2 }),
      [ENTERPRISE_USER_URN]: enterpriseArb(fx),
    },
    { requiredKeys },
  );
}

const USER_KEYS = ['schemas', 'userName', 'name', 'displayName', 'active', 'emails', 'phoneNumbers', 'addresses', 'externalId', 'password', ENTERPRISE_USER_URN];

/** `schemas` naming the core schema and, when the body carries it, the enterprise extension. */
function withSchemas(core: string, body: Body, listAnyway: boolean): Body {
  const ext = ENTERPRISE_USER_URN in body || listAnyway ? [ENTERPRISE_USER_URN] : [];
  return { schemas: [core, ...(core === USER_URN ? ext : [])], ...body };
}

export function userBodyArb(fx: Fixture): fc.Arbitrary<Body> {
  const valid = fc.tuple(userAttributesArb(fx, ['userName']), fc.boolean()).map(([b, listAnyway]) => withSchemas(USER_URN, b, listAnyway));
  return withFaults(valid, USER_KEYS);
}

const memberRefArb = (fx: Fixture): fc.Arbitrary<Body> =>
  fc.oneof(
    { weight: 3, arbitrary: fx.userIds.length ? fc.constantFrom(...fx.userIds).map((value) => ({ value, type: 'User' })) : fc.constant({ value: 'none' }) },
    { weight: 2, arbitrary: idArb([...fx.userIds, ...fx.groupIds]).map((value) => ({ value })) },
    { weight: 1, arbitrary: fx.groupIds.length ? fc.constantFrom(...fx.groupIds).map((value) => ({ value, type: 'Group' })) : fc.constant({ value: 'none' }) },
  );

const membersArb = (fx: Fixture) => fc.uniqueArray(memberRefArb(fx), { maxLength: 4, selector: (m) => m.value });

export function groupBodyArb(fx: Fixture): fc.Arbitrary<Body> {
  const valid = fc
    .record({ displayName: uniqueNameArb('g'), externalId: cleanTextArb, members: membersArb(fx) }, { requiredKeys: ['displayName'] })
    .map((b) => withSchemas(GROUP_URN, b, false));
  return withFaults(valid, ['schemas', 'displayName', 'externalId', 'members']);
}

// ---------------------------------------------------------------------------------------------
// PATCH (RFC 7644 §3.5.2).

type Op = { op: string; path?: string; value?: unknown };

const setOp = (path: string | undefined, value: fc.Arbitrary<unknown>): fc.Arbitrary<Op> =>
  fc.tuple(fc.constantFrom('add', 'replace'), value).map(([op, v]) => (path === undefined ? { op, value: v } : { op, path, value: v }));

/** Operations on a User that the server should accept (most of them, given the resource's state). */
function userOpArb(fx: Fixture): fc.Arbitrary<Op> {
  const stringPaths = ['displayName', 'title', 'nickName', 'userType', 'externalId', 'name.givenName', 'name.familyName', `${ENTERPRISE_USER_URN}:department`, `${USER_URN}:title`, 'emails[type eq "work"].value'];
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...stringPaths).chain((p) => setOp(p, cleanTextArb)) },
    { weight: 2, arbitrary: setOp('active', fc.boolean()) },
    { weight: 1, arbitrary: setOp('emails', emailsArb.filter((e) => e.length > 0)) },
    { weight: 1, arbitrary: setOp('name', nameArb) },
    { weight: 1, arbitrary: setOp(`${ENTERPRISE_USER_URN}:manager`, idArb(fx.userIds).map((value) => ({ value }))) },
    { weight: 1, arbitrary: setOp(undefined, userAttributesArb(fx, []).map(({ userName: _u, ...rest }) => rest)) },
    { weight: 2, arbitrary: fc.constantFrom('title', 'nickName', 'name.givenName', 'emails[type eq "home"]', 'phoneNumbers', `${ENTERPRISE_USER_URN}:manager`, 'addresses').map((path) => ({ op: 'remove', path })) },
  );
}

/** Operations on a Group that the server should accept. */
function groupOpArb(fx: Fixture): fc.Arbitrary<Op> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom('add', 'replace'), membersArb(fx).filter((m) => m.length > 0)).map(([op, value]) => ({ op, path: 'members', value })) },
    { weight: 2, arbitrary: idArb([...fx.userIds, ...fx.groupIds]).map((id) => ({ op: 'remove', path: `members[value eq ${JSON.stringify(id)}]` })) },
    { weight: 1, arbitrary: fc.constant({ op: 'remove', path: 'members' }) },
    { weight: 2, arbitrary: setOp('displayName', uniqueNameArb('g')) },
    { weight: 1, arbitrary: setOp('externalId', cleanTextArb) },
    { weight: 1, arbitrary: setOp(undefined, fc.record({ displayName: uniqueNameArb('g'), externalId: cleanTextArb }, { requiredKeys: [] })) },
  );
}

/** Any value a PATCH operation might carry. */
function anyPatchValueArb(fx: Fixture): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: textArb },
    { weight: 1, arbitrary: fc.oneof(fc.boolean(), fc.integer(), fc.constantFrom('True', 'False')) },
    { weight: 2, arbitrary: membersArb(fx) },
    { weight: 1, arbitrary: emailsArb },
    { weight: 2, arbitrary: userAttributesArb(fx, []) },
    { weight: 2, arbitrary: faultValueArb },
  );
}

/** An operation with a fuzzed path (grammar, mutated or raw) and any value, or none. */
export function fuzzedPathOpArb(fx: Fixture): fc.Arbitrary<Op> {
  return fc.tuple(fc.constantFrom('add', 'replace', 'remove'), anyPatchPathArb, anyPatchValueArb(fx)).map(([op, path, value]) => (op === 'remove' ? { op, path } : { op, path, value }));
}

/** Operations that are wrong as messages: bad `op`, `path` of the wrong type, remove with a value… */
function brokenOpArb(fx: Fixture): fc.Arbitrary<Body> {
  return withFaults(fuzzedPathOpArb(fx) as fc.Arbitrary<Body>, ['op', 'path', 'value']);
}

export function patchOpArb(type: ResourceType, fx: Fixture): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 6, arbitrary: (type === 'User' ? userOpArb(fx) : groupOpArb(fx)) as fc.Arbitrary<Body> },
    { weight: 2, arbitrary: fuzzedPathOpArb(fx) as fc.Arbitrary<Body> },
    { weight: 1, arbitrary: brokenOpArb(fx) },
  );
}

export function patchBodyArb(type: ResourceType, fx: Fixture): fc.Arbitrary<Body> {
  const valid = fc.array(patchOpArb(type, fx), { minLength: 1, maxLength: 4 }).map((Operations) => ({ schemas: [PATCH_OP_URN], Operations }));
  return withFaults(valid, ['schemas', 'Operations']);
}

// ---------------------------------------------------------------------------------------------
// Lists and searches (RFC 7644 §3.4.2, §3.4.3).

const sortByArb = (type: ResourceType) => fc.oneof({ weight: 5, arbitrary: recase(fc.constantFrom(...TYPED_PATHS[type].map(([p]) => p))) }, { weight: 1, arbitrary: attrPathArb });
const attrListArb = (type: ResourceType) => fc.array(sortByArb(type), { minLength: 1, maxLength: 3 });

function searchParamsArb(type: ResourceType, fx: Fixture): fc.Arbitrary<Body> {
  return fc.record(
    {
      filter: filterForArb(type, type === 'User' ? fx.userIds : [...fx.userIds, ...fx.groupIds]),
      startIndex: fc.integer({ min: -2, max: 12 }),
      count: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(-1, 1000, 100000)),
      sortBy: sortByArb(type),
      sortOrder: recase(fc.constantFrom('ascending', 'descending')),
      attributes: attrListArb(type),
      excludedAttributes: attrListArb(type),
    },
    { requiredKeys: [] },
  );
}

/** A SearchRequest for `/Users/.search`, `/Groups/.search` or (with User attributes) `/.search`. */
export function searchBodyArb(type: ResourceType, fx: Fixture): fc.Arbitrary<Body> {
  const valid = searchParamsArb(type, fx).map((p) => ({ schemas: [SEARCH_REQUEST_URN], ...p }));
  return withFaults(valid, ['schemas', 'filter', 'startIndex', 'count', 'sortBy', 'sortOrder', 'attributes', 'excludedAttributes']);
}

/** A list query string: the same parameters as text, with now and then a faulty one or one given twice. */
export function listQueryArb(type: ResourceType, fx: Fixture): fc.Arbitrary<[string, string][]> {
  return fc
    .tuple(searchParamsArb(type, fx), fc.nat(9), textArb, fc.boolean())
    .map(([p, fault, junk, upper]) => {
      const params: [string, string][] = Object.entries(p).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]);
      if (upper && params[0]) params[0] = [params[0][0].toUpperCase(), params[0][1]];
      if (fault === 0 && params.length > 0) params.push(params[params.length - 1]!);
      if (fault === 1 && params.length > 0) params[0] = [params[0]![0], junk];
      if (fault === 2) params.push([junk, junk]);
      return params;
    });
}

// ---------------------------------------------------------------------------------------------
// Bulk (RFC 7644 §3.7).

/** A BulkRequest of a few operations; it never DELETEs the fixture (whose ids are only PUT or PATCHed). */
export function bulkBodyArb(fx: Fixture): fc.Arbitrary<Body> {
  const bulkIdArb = fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined });
  const op = fc.oneof(
    fc.record({ method: fc.constant('POST'), path: fc.constant('/Users'), bulkId: bulkIdArb, data: userBodyArb(fx) }, { requiredKeys: ['method', 'path', 'data'] }),
    fc.record({ method: fc.constant('POST'), path: fc.constant('/Groups'), bulkId: bulkIdArb, data: groupBodyArb(fx).map((g) => ({ ...g, members: [{ value: 'bulkId:a' }] })) }, { requiredKeys: ['method', 'path', 'data'] }),
    fc.record({ method: fc.constant('PATCH'), path: fc.constantFrom(...fx.userIds.map((id) => `/Users/${id}`)), data: patchBodyArb('User', fx), version: fc.constantFrom('W/"1"', '*') }, { requiredKeys: ['method', 'path', 'data'] }),
    fc.record({ method: fc.constant('PATCH'), path: fc.constantFrom(...fx.groupIds.map((id) => `/Groups/${id}`), '/Groups/bulkId:b'), data: patchBodyArb('Group', fx) }),
    fc.record({ method: fc.constant('PUT'), path: fc.constantFrom(...fx.userIds.map((id) => `/Users/${id}`)), data: userBodyArb(fx) }),
    fc.record({ method: fc.constant('DELETE'), path: fc.oneof(fc.constantFrom('/Users/bulkId:a', '/Groups/bulkId:b'), fc.uuid().map((u) => `/Users/${u}`)) }),
    withFaults(fc.record({ method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET'), path: fc.constantFrom('/Users', '/Groups/x', '/Bulk', ''), data: userBodyArb(fx) }), ['method', 'path', 'data', 'bulkId']),
  );
  const valid = fc
    .record({ failOnErrors: fc.integer({ min: 1, max: 3 }), Operations: fc.array(op, { minLength: 1, maxLength: 5 }) }, { requiredKeys: ['Operations'] })
    .map((b) => ({ schemas: [BULK_REQUEST_URN], ...b }));
  return withFaults(valid, ['schemas', 'failOnErrors', 'Operations']);
}

// ---------------------------------------------------------------------------------------------
// Raw bodies.

export const MEDIA_TYPES = [
  'application/scim+json',
  'application/json',
  'application/scim+json; charset=utf-8',
  'application/json;charset=UTF-16',
  'application/vnd.x+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/scim+json; charset="utf-8"; q=1',
  ';;;',
  '',
];

/** Raw request bytes that print short in a counterexample (a 5,000-deep nesting would fill the screen). */
export class RawBody {
  constructor(readonly bytes: Uint8Array) {}
  [fc.toStringMethod](): string {
    const text = Buffer.from(this.bytes).toString('utf8');
    return `RawBody(${this.bytes.length} bytes: ${JSON.stringify(text.length > 200 ? `${text.slice(0, 120)}…${text.slice(-40)}` : text)})`;
  }
}

/** Valid JSON text of a body, then damaged at one place. */
function damaged(text: string, cut: number, junk: string): string {
  const i = text.length ? cut % text.length : 0;
  return text.slice(0, i) + junk + text.slice(i + 1);
}

export function rawBodyArb(fx: Fixture): fc.Arbitrary<RawBody> {
  const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
  const bytes = fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }).map(enc) },
    { weight: 2, arbitrary: anyJsonArb.map((j) => enc(JSON.stringify(j))) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.oneof(userBodyArb(fx), groupBodyArb(fx), patchBodyArb('User', fx), searchBodyArb('User', fx)), fc.nat(), fc.constantFrom('', '}', '{', ',', '"', '\\', '\u0000', ']', 'null', '\ud800'))
        .map(([b, cut, junk]) => enc(damaged(JSON.stringify(b), cut, junk))),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dup","userName":"dup2"}',
        '{"__proto__":{"admin":true},"userName":"p"}',
        '{"constructor":{"prototype":{"admin":true}},"userName":"c"}',
        '\ufeff{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bom"}',
        '{"userName":"\\ud800"}',
        '{"userName":1e999}',
        `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"${'x'.repeat(3_000_000)}"}`,
        '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x","name":{"givenName":{"a":{"b":{"c":[[[[1]]]]}}}}}',
        'null',
        '[]',
        '""',
        ' ',
      ).map(enc),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.oneof(fc.integer({ min: 30, max: 100 }), fc.integer({ min: 100, max: 5000 }), fc.constant(300_000)), fc.constantFrom('[', '{"a":', '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"deep","x":'))
        .map(([depth, open]) => {
          // At most about 1.6 MB: just over the default body limit (413).
          const n = Math.min(depth, Math.floor(1_600_000 / open.length));
          return enc(`${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(n)}`);
        }),
    },
  );
  return bytes.map((b) => new RawBody(b));
}
