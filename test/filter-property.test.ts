/**
 * Property: the SQL filter compiler (store.queryResources on a real SQLite file) and the in-memory
 * reference evaluator (scim/filter/evaluate.ts over renderResource) select exactly the same
 * resources, for random data and random filters (RFC 7644 §3.4.2.2). A second property checks that
 * SQL sorting and paging (RFC 7644 §3.4.2.3, §3.4.2.4) equal an in-memory sort by the same rules.
 *
 * The data is built to be awkward: userNames and other strings that collide under case folding,
 * non-ASCII and astral characters, quotes and backslashes, absent and present attributes, emails
 * with and without value/type/primary, enterprise and test-extension attributes (integer, decimal,
 * dateTime, multi-valued string), groups nesting users and groups, cycles included. Filter literals
 * are often drawn from the data (whole, re-cased or cut) so that filters match something.
 * Fixed seeds keep the run reproducible and fast enough for `npm test`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { AttrPath, CompareOp, Filter, Literal } from '../src/scim/filter/ast.ts';
import { bindFilter, type BoundFilter, type Target } from '../src/scim/filter/bind.ts';
import { evaluate, topLevelValue } from '../src/scim/filter/evaluate.ts';
import { parseAttrPath, parseFilter } from '../src/scim/filter/parse.ts';
import { printFilter } from '../src/scim/filter/print.ts';
import { ScimError } from '../src/scim/errors.ts';
import { renderResource, type StoredResource } from '../src/scim/resource.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE_TYPE, GROUP_SCHEMA, USER_RESOURCE_TYPE, USER_SCHEMA } from '../src/scim/schema/core.ts';
import { attr } from '../src/scim/schema/define.ts';
import { searchForm } from '../src/scim/search-form.ts';
import { ResourceSchema, subAttribute } from '../src/scim/schema/registry.ts';
import type { AttributeDef, ResourceTypeName, SchemaDef } from '../src/scim/schema/types.ts';
import type { Json } from '../src/scim/schema/validate.ts';
import { ENTERPRISE_USER_URN, GROUP_URN, USER_URN } from '../src/scim/urns.ts';
import { compareCodePoints, fold } from '../src/scim/values.ts';
import { BACKENDS } from './helpers/backends.ts';
import type { SortSpec, Store } from '../src/store/types.ts';

const SEED = 7644;
const RUNS = 300;

// ---------------------------------------------------------------------------------------------
// Schema: the RFC 7643 User (with Enterprise User) plus an extension with integer, decimal,
// dateTime and multi-valued string attributes, which the core schemas lack.

const X = 'urn:example:params:scim:schemas:extension:filterprop:2.0:User';
const ENT = ENTERPRISE_USER_URN;
const TEST_EXTENSION: SchemaDef = {
  id: X,
  name: 'FilterProperty',
  description: 'Attributes of the types the core schemas lack',
  attributes: [
    attr('level', 'integer', 'An integer.'),
    attr('score', 'decimal', 'A decimal.'),
    attr('hired', 'dateTime', 'A dateTime.'),
    attr('tags', 'string', 'A multi-valued string.', { multiValued: true }),
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

// ---------------------------------------------------------------------------------------------
// Data.

/** Pieces that collide under case folding or are otherwise awkward: non-ASCII, astral, quotes. */
const ATOMS = [
  'a', 'A', 'al', 'AL', 'ice', 'ICE', 'bob', 'Bob', 'BOB', 'z', 'Z', '0', '9', '-', '.', '@', ' ', '_',
  'é', 'É', 'e\u0301', 'ß', 'SS', 'ẞ', 'İ', 'i', 'I', 'ı', 'Σ', 'σ', 'ς', 'Ω', 'ω', 'ǅ', 'ﬁ',
  '😀', '𐐀', '𐐨', '中', '\u00a0', '"', '\\', '\'', '%', '[', ')',
];
const noNul = (s: string) => s.length > 0 && !s.includes('\u0000');
const wordArb: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 5, arbitrary: fc.array(fc.constantFrom(...ATOMS), { minLength: 1, maxLength: 3 }).map((a) => a.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }) },
  )
  .filter(noNul);

const DATES = ['2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.001Z', '2021-06-15T12:30:00.000Z', '1999-12-31T23:59:59.999Z', '2024-02-29T00:00:00.000Z'];
const dateArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...DATES),
  fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
);
const emailArb = fc
  .record(
    {
      value: fc.tuple(wordArb, fc.constantFrom('@example.com', '@EXAMPLE.com', '@x.com', '', '@é.org')).map(([a, b]) => a + b),
      type: fc.constantFrom('work', 'home', 'other', 'Work', 'HOME'),
      primary: fc.boolean(),
      display: wordArb,
    },
    { requiredKeys: [] },
  )
  .filter((e) => Object.keys(e).length > 0);
const decimalArb = fc.oneof(
  fc.integer({ min: -100, max: 100 }),
  fc.constantFrom(0.1, 0.2, 0.30000000000000004, 1e-7, 2.5, -2.5, 1e21, Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
);

const userArb = fc.record(
  {
    userName: wordArb,
    displayName: wordArb,
    title: wordArb,
    name: fc.record({ givenName: wordArb, familyName: wordArb, formatted: wordArb }, { requiredKeys: [] }),
    active: fc.boolean(),
    externalId: wordArb,
    profileUrl: fc.constantFrom('https://example.com/A', 'https://EXAMPLE.com/a', 'http://x.test/ü', 'https://example.com/A/b'),
    emails: fc.array(emailArb, { minLength: 1, maxLength: 3 }),
    x509Certificates: fc.array(fc.record({ value: fc.constantFrom('QUJD', 'qujd', 'QUJE') }), { minLength: 1, maxLength: 2 }),
    enterprise: fc.record({ employeeNumber: wordArb, department: wordArb, manager: fc.nat() }, { requiredKeys: [] }),
    extension: fc.record(
      {
        level: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.constant(Number.MAX_SAFE_INTEGER)),
        score: decimalArb,
        hired: dateArb,
        tags: fc.array(wordArb, { minLength: 1, maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
    created: dateArb,
    lastModified: dateArb,
  },
  { requiredKeys: ['userName', 'created', 'lastModified'] },
);
type UserInput = typeof userArb extends fc.Arbitrary<infer T> ? T : never;

const groupArb = fc.record(
  { displayName: wordArb, externalId: wordArb, created: dateArb, lastModified: dateArb },
  { requiredKeys: ['displayName', 'created', 'lastModified'] },
);

interface World {
  readonly resources: StoredResource[];
  readonly userIds: string[];
  readonly groupIds: string[];
  /** group id → member ids */
  readonly members: Map<string, string[]>;
}

/** Drops empty objects and arrays and keeps one primary email: the canonical stored form (RFC 7643 §2.5). */
function compact(v: Json): Json {
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    if (Array.isArray(x) && x.length === 0) continue;
    if (typeof x === 'object' && x !== null && !Array.isArray(x)) {
      const c = compact(x as Json);
      if (Object.keys(c).length) out[k] = c;
      continue;
    }
    out[k] = x;
  }
  return out;
}

function userData(u: UserInput, userIds: readonly string[]): Json {
  let primarySeen = false;
  const emails = u.emails?.map((e) => {
    if (e.primary !== true) return e;
    if (primarySeen) return { ...e, primary: false };
    primarySeen = true;
    return e;
  });
  const { manager, ...enterprise } = u.enterprise ?? {};
  const data: Json = {
    userName: u.userName,
    displayName: u.displayName,
    title: u.title,
    name: u.name,
    active: u.active,
    externalId: u.externalId,
    profileUrl: u.profileUrl,
    emails,
    x509Certificates: u.x509Certificates,
    [ENT]: { ...enterprise, manager: manager === undefined ? undefined : { value: userIds[manager % userIds.length] } },
    [X]: u.extension,
  };
  // What the store keeps is JSON: round-trip so the in-memory documents hold exactly that.
  return JSON.parse(JSON.stringify(compact(data))) as Json;
}

const worldArb: fc.Arbitrary<World> = fc
  .tuple(fc.uniqueArray(userArb, { maxLength: 8, selector: (u) => fold(u.userName) }), fc.array(groupArb, { maxLength: 5 }))
  .chain(([users, groups]) => {
    // Ids alternate case so that caseExact comparisons and code-point order of ids matter.
    const userIds = users.map((_, i) => (i % 2 ? `u-${i}` : `U-${i}`));
    const groupIds = groups.map((_, i) => (i % 2 ? `g-${i}` : `G-${i}`));
    const everyone = [...userIds, ...groupIds];
    const memberships = groupIds.map((gid) => fc.subarray(everyone.filter((id) => id !== gid)));
    return fc.tuple(...memberships).map((lists): World => {
      const resources: StoredResource[] = [
        ...users.map((u, i): StoredResource => ({ id: userIds[i]!, type: 'User', version: 1, created: u.created, lastModified: u.lastModified, data: userData(u, userIds) })),
        ...groups.map((g, i): StoredResource => ({
          id: groupIds[i]!,
          type: 'Group',
          version: 1,
          created: g.created,
          lastModified: g.lastModified,
          data: compact({ displayName: g.displayName, externalId: g.externalId }),
        })),
      ];
      return { resources, userIds, groupIds, members: new Map(groupIds.map((gid, i) => [gid, lists[i] ?? []])) };
    });
  });

/** Values found in the data, so that random filters hit something. */
interface Pools {
  readonly strings: string[];
  readonly numbers: number[];
  readonly dates: string[];
}

function poolsOf(w: World): Pools {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const dates = new Set<string>();
  const walk = (v: unknown, key = ''): void => {
    if (typeof v === 'string') (/^\d{4}-\d\d-\d\dT/.test(v) ? dates : strings).add(v);
    else if (typeof v === 'number') numbers.add(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  for (const urn of [USER_URN, GROUP_URN, ENT, X]) strings.add(urn);
  for (const r of w.resources) {
    strings.add(r.id);
    dates.add(r.created);
    dates.add(r.lastModified);
    walk(r.data);
  }
  return { strings: [...strings], numbers: [...numbers], dates: [...dates] };
}

// ---------------------------------------------------------------------------------------------
// Filters. Paths are described by the kind of literal that suits them.

type Kind = 'string' | 'binary' | 'boolean' | 'number' | 'dateTime';

interface PathSpec {
  readonly uri?: string;
  readonly name: string;
  readonly sub?: string;
  readonly kind: Kind;
}

const spec = (path: string, kind: Kind): PathSpec => {
  const colon = path.lastIndexOf(':');
  const uri = colon >= 0 ? path.slice(0, colon) : undefined;
  const [name, sub] = (colon >= 0 ? path.slice(colon + 1) : path).split('.') as [string, string?];
  return { ...(uri ? { uri } : {}), name, ...(sub ? { sub } : {}), kind };
};

const COMMON_PATHS: PathSpec[] = [
  spec('id', 'string'),
  spec('externalId', 'string'),
  spec('displayName', 'string'),
  spec('meta.created', 'dateTime'),
  spec('meta.lastModified', 'dateTime'),
  spec('meta.resourceType', 'string'),
  spec('meta', 'string'),
  spec('schemas', 'string'),
];
const USER_PATHS: PathSpec[] = [
  ...COMMON_PATHS,
  spec('userName', 'string'),
  spec('title', 'string'),
  spec('name', 'string'),
  spec('name.givenName', 'string'),
  spec('name.familyName', 'string'),
  spec('name.formatted', 'string'),
  spec('active', 'boolean'),
  spec('profileUrl', 'string'),
  spec('emails', 'string'),
  spec('emails.value', 'string'),
  spec('emails.type', 'string'),
  spec('emails.primary', 'boolean'),
  spec('emails.display', 'string'),
  spec('x509Certificates', 'binary'),
  spec('x509Certificates.value', 'binary'),
  spec('groups', 'string'),
  spec('groups.value', 'string'),
  spec('groups.display', 'string'),
  spec('groups.type', 'string'),
  spec(`${ENT}:employeeNumber`, 'string'),
  spec(`${ENT}:department`, 'string'),
  spec(`${ENT}:manager`, 'string'),
  spec(`${ENT}:manager.value`, 'string'),
  spec(`${USER_URN}:userName`, 'string'),
  spec(`${USER_URN}:name.givenName`, 'string'),
  spec(`${USER_URN}:emails.value`, 'string'),
  spec(`${X}:level`, 'number'),
  spec(`${X}:score`, 'number'),
  spec(`${X}:hired`, 'dateTime'),
  spec(`${X}:tags`, 'string'),
];
const GROUP_PATHS: PathSpec[] = [
  ...COMMON_PATHS,
  spec('members', 'string'),
  spec('members.value', 'string'),
  spec('members.type', 'string'),
  spec('members.display', 'string'),
  spec(`${GROUP_URN}:displayName`, 'string'),
  spec(`${GROUP_URN}:members.value`, 'string'),
];

/** Multi-valued complex attributes and the sub-attributes a value filter may name. */
interface ValueSpec {
  readonly uri?: string;
  readonly name: string;
  readonly subs: readonly PathSpec[];
}
const USER_VALUE_PATHS: ValueSpec[] = [
  { name: 'emails', subs: [spec('value', 'string'), spec('type', 'string'), spec('primary', 'boolean'), spec('display', 'string')] },
  { uri: USER_URN, name: 'emails', subs: [spec('value', 'string'), spec('type', 'string')] },
  { name: 'groups', subs: [spec('value', 'string'), spec('display', 'string'), spec('type', 'string')] },
  { name: 'x509Certificates', subs: [spec('value', 'binary')] },
];
const GROUP_VALUE_PATHS: ValueSpec[] = [{ name: 'members', subs: [spec('value', 'string'), spec('type', 'string'), spec('display', 'string')] }];

const OPS: readonly CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

/** Mostly the operators the type accepts (RFC 7644 §3.4.2.2), sometimes any (a binding error, skipped). */
function opArb(kind: Kind): fc.Arbitrary<CompareOp> {
  const suited: readonly CompareOp[] =
    kind === 'boolean' || kind === 'binary' ? ['eq', 'ne'] : kind === 'number' || kind === 'dateTime' ? ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] : OPS;
  return fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...suited) }, { weight: 1, arbitrary: fc.constantFrom(...OPS) });
}

/** Path text as a client might write it: attribute names are case-insensitive (RFC 7644 §3.10). */
function pathArb(s: { uri?: string; name: string; sub?: string }): fc.Arbitrary<AttrPath> {
  return fc.constantFrom<(x: string) => string>((x) => x, (x) => x.toUpperCase(), (x) => x.toLowerCase()).map((c) => {
    const uri = s.uri === undefined ? undefined : c(s.uri);
    const name = c(s.name);
    const sub = s.sub === undefined ? undefined : c(s.sub);
    const text = `${uri !== undefined ? `${uri}:` : ''}${name}${sub !== undefined ? `.${sub}` : ''}`;
    return { text, ...(uri !== undefined ? { uri } : {}), name, ...(sub !== undefined ? { sub } : {}) };
  });
}

/** Re-expresses an instant with a UTC offset: the same time, written differently. */
function withOffset(iso: string, minutes: number): string {
  const local = new Date(Date.parse(iso) + minutes * 60_000).toISOString().slice(0, 23);
  const m = Math.abs(minutes);
  return `${local}${minutes < 0 ? '-' : '+'}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

function stringLiteralArb(pools: Pools): fc.Arbitrary<string> {
  const fromData = pools.strings.length ? fc.constantFrom(...pools.strings) : wordArb;
  const cut = fc.tuple(fromData, fc.constantFrom('upper', 'lower', 'prefix', 'suffix', 'middle'), fc.nat(), fc.nat()).map(([s, how, a, b]) => {
    const cps = Array.from(s);
    const i = a % cps.length;
    switch (how) {
      case 'upper':
        return s.toUpperCase();
      case 'lower':
        return s.toLowerCase();
      case 'prefix':
        return cps.slice(0, i + 1).join('');
      case 'suffix':
        return cps.slice(i).join('');
      default:
        return cps.slice(Math.min(i, b % cps.length), Math.max(i, b % cps.length) + 1).join('');
    }
  });
  return fc.oneof(
    { weight: 5, arbitrary: fromData },
    { weight: 4, arbitrary: cut },
    { weight: 2, arbitrary: wordArb },
    { weight: 1, arbitrary: fc.constant('') },
  );
}

function literalArb(kind: Kind, pools: Pools): fc.Arbitrary<Literal> {
  let typed: fc.Arbitrary<Literal>;
  switch (kind) {
    case 'string':
      typed = stringLiteralArb(pools);
      break;
    case 'binary':
      typed = fc.constantFrom('QUJD', 'qujd', 'QUJE', 'AAAA');
      break;
    case 'boolean':
      typed = fc.boolean();
      break;
    case 'number': {
      const near = pools.numbers.length ? fc.tuple(fc.constantFrom(...pools.numbers), fc.constantFrom(0, 0, 1, -1, 0.5)).map(([n, d]) => n + d) : fc.integer();
      typed = fc.oneof({ weight: 3, arbitrary: near }, { weight: 1, arbitrary: fc.integer({ min: -10, max: 30 }) }, { weight: 1, arbitrary: decimalArb });
      break;
    }
    case 'dateTime': {
      const near = pools.dates.length
        ? fc.tuple(fc.constantFrom(...pools.dates), fc.integer({ min: -14 * 60, max: 14 * 60 }), fc.constantFrom(0, 0, 1, -1)).map(([d, offset, ms]) => {
            const t = new Date(Date.parse(d) + ms).toISOString();
            return offset % 3 === 0 ? t : withOffset(t, offset);
          })
        : dateArb;
      typed = fc.oneof({ weight: 4, arbitrary: near }, { weight: 1, arbitrary: dateArb });
      break;
    }
  }
  // Now and then a null (presence) or a literal of another type (a binding error, skipped).
  return fc.oneof(
    { weight: 14, arbitrary: typed },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.oneof(fc.boolean(), fc.integer({ min: -5, max: 5 }), wordArb) },
  );
}

function leafArb(specs: readonly PathSpec[], pools: Pools): fc.Arbitrary<Filter> {
  return fc.constantFrom(...specs).chain((s) =>
    fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('compare' as const), path: pathArb(s), op: opArb(s.kind), value: literalArb(s.kind, pools) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('present' as const), path: pathArb(s) }) },
    ),
  );
}

function valuePathArb(specs: readonly ValueSpec[], pools: Pools): fc.Arbitrary<Filter> {
  return fc.constantFrom(...specs).chain((v) => {
    const leaf = leafArb(v.subs, pools);
    const inner = fc.oneof(
      { weight: 3, arbitrary: leaf },
      { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: leaf, right: leaf }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('not' as const), filter: leaf }) },
    );
    return fc.record({ kind: fc.constant('valuePath' as const), path: pathArb({ ...(v.uri ? { uri: v.uri } : {}), name: v.name }), filter: inner });
  });
}

function filterArb(specs: readonly PathSpec[], values: readonly ValueSpec[], pools: Pools, depth: number): fc.Arbitrary<Filter> {
  const leaf = fc.oneof({ weight: 4, arbitrary: leafArb(specs, pools) }, { weight: 1, arbitrary: valuePathArb(values, pools) });
  if (depth === 0) return leaf;
  const sub = filterArb(specs, values, pools, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: sub, right: sub }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('not' as const), filter: sub }) },
  );
}

type Scope = ResourceTypeName | 'root';
const typesOf = (scope: Scope): ResourceTypeName[] => (scope === 'root' ? ['User', 'Group'] : [scope]);

function scopedFilterArb(scope: Scope, pools: Pools): fc.Arbitrary<Filter> {
  const specs = scope === 'User' ? USER_PATHS : scope === 'Group' ? GROUP_PATHS : [...USER_PATHS, ...GROUP_PATHS.filter((s) => !COMMON_PATHS.includes(s))];
  const values = scope === 'User' ? USER_VALUE_PATHS : scope === 'Group' ? GROUP_VALUE_PATHS : [...USER_VALUE_PATHS, ...GROUP_VALUE_PATHS];
  return filterArb(specs, values, pools, 3);
}

// Sorting: single-valued attributes (and a complex one, which sorts by its value).
const SORT_PATHS: Record<Scope, string[]> = {
  User: ['userName', 'displayName', 'title', 'name.givenName', 'name.familyName', 'active', 'externalId', 'id', 'meta.created', 'meta.lastModified', 'profileUrl', `${ENT}:employeeNumber`, `${ENT}:manager`, `${X}:level`, `${X}:score`, `${X}:hired`, 'USERNAME'],
  Group: ['displayName', 'id', 'externalId', 'meta.created', 'meta.lastModified'],
  root: ['displayName', 'id', 'externalId', 'meta.created', 'userName', 'meta.resourceType'],
};

interface Case {
  readonly world: World;
  readonly filters: { scope: Scope; filter: Filter }[];
  readonly sorts: { scope: Scope; sortBy: string; descending: boolean; startIndex: number; count: number; filter?: Filter }[];
}

const SCOPES: readonly Scope[] = ['User', 'Group', 'root'];

const caseArb: fc.Arbitrary<Case> = worldArb.chain((world) => {
  const pools = poolsOf(world);
  const n = world.resources.length;
  const filters = fc.tuple(
    fc.array(scopedFilterArb('User', pools).map((filter) => ({ scope: 'User' as const, filter })), { minLength: 8, maxLength: 8 }),
    fc.array(scopedFilterArb('Group', pools).map((filter) => ({ scope: 'Group' as const, filter })), { minLength: 4, maxLength: 4 }),
    fc.array(scopedFilterArb('root', pools).map((filter) => ({ scope: 'root' as const, filter })), { minLength: 4, maxLength: 4 }),
  );
  const sort = fc.constantFrom(...SCOPES).chain((scope) =>
    fc.record(
      {
        scope: fc.constant(scope),
        sortBy: fc.constantFrom(...SORT_PATHS[scope]),
        descending: fc.boolean(),
        startIndex: fc.integer({ min: 1, max: n + 2 }),
        count: fc.integer({ min: 0, max: n + 2 }),
        filter: scopedFilterArb(scope, pools),
      },
      { requiredKeys: ['scope', 'sortBy', 'descending', 'startIndex', 'count'] },
    ),
  );
  return fc.record({ world: fc.constant(world), filters: filters.map(([u, g, r]) => [...u, ...g, ...r]), sorts: fc.array(sort, { minLength: 3, maxLength: 3 }) });
});

// ---------------------------------------------------------------------------------------------
// Running both sides.

const isInvalidFilter = (e: unknown) => e instanceof ScimError && e.status === 400 && e.scimType === 'invalidFilter';

/**
 * Binds per type as root-level search does (an attribute unknown to a type is false there; a type
 * the filter cannot bind to matches nothing). Undefined when no type binds: the filter is skipped.
 */
function bindAll(filter: Filter, types: readonly ResourceTypeName[]): Map<ResourceTypeName, BoundFilter> | undefined {
  const ast = parseFilter(printFilter(filter), { maxLength: 100_000, maxDepth: 64 });
  const out = new Map<ResourceTypeName, BoundFilter>();
  let bound = 0;
  for (const type of types) {
    try {
      out.set(type, bindFilter(ast, SCHEMAS[type], types.length > 1));
      bound++;
    } catch (e) {
      if (!isInvalidFilter(e)) throw e;
      out.set(type, { kind: 'const', value: false });
    }
  }
  return bound > 0 ? out : undefined;
}

/** The sort target for `sortBy`, resolved as the service does (a complex attribute sorts by its value). */
function sortTargets(sortBy: string, types: readonly ResourceTypeName[]): Map<ResourceTypeName, SortSpec> {
  const path = parseAttrPath(sortBy);
  const out = new Map<ResourceTypeName, SortSpec>();
  for (const type of types) {
    let ref = SCHEMAS[type].resolve(path.uri, path.name, path.sub);
    if (!ref) continue;
    if (!ref.sub && ref.attr.type === 'complex') ref = { ...ref, sub: subAttribute(ref.attr, 'value')! };
    out.set(type, { target: { ref, leaf: ref.sub ?? ref.attr, relative: false }, descending: false });
  }
  return out;
}

function sortValue(doc: Json, t: Target): unknown {
  const top = topLevelValue(doc, t.ref);
  const v = t.ref.sub ? (typeof top === 'object' && top !== null && !Array.isArray(top) ? (top as Json)[t.ref.sub.name] : undefined) : top;
  return v === undefined || v === null || v === '' ? undefined : v;
}

/** RFC 7644 §3.4.2.3 ordering of two present values, by the attribute's type and caseExact. */
function compareValues(a: unknown, b: unknown, leaf: AttributeDef): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const f = (leaf.type === 'string' || leaf.type === 'reference') && !leaf.caseExact ? fold : (s: string) => s;
    return compareCodePoints(f(a), f(b));
  }
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error(`cannot order ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
}

for (const backend of BACKENDS) describe(`${backend.name}: SQL filters agree with the in-memory evaluator (property, RFC 7644 §3.4.2.2-§3.4.2.4)`, () => {
  let store: Store;
  let close: () => Promise<void>;
  let tenants = 0;
  const stats = { filters: 0, skipped: 0, nonTrivial: 0, sorts: 0 };

  before(async () => {
    ({ store, close } = await backend.open('property'));
  });
  after(() => close());

  /** Stores the world in a fresh tenant and renders every resource as the store reports it. */
  async function load(w: World): Promise<{ tenant: string; docs: { r: StoredResource; doc: Json }[] }> {
    const tenant = `t${++tenants}`;
    await store.createTenant({ id: tenant, name: tenant, status: 'active', createdAt: '2024-01-01T00:00:00.000Z', settings: {} });
    await store.transaction(async (tx) => {
      for (const r of w.resources) await tx.insertResource(tenant, r, searchForm(r.data, SCHEMAS[r.type]));
      for (const [gid, ids] of w.members) {
        const add = new Map(ids.map((id) => [id, w.userIds.includes(id) ? ('User' as const) : ('Group' as const)]));
        if (add.size) await tx.applyMemberDelta(tenant, gid, { clear: false, add, remove: new Set() });
      }
    });
    const groups = await store.groupsOf(tenant, w.userIds);
    const docs = [];
    for (const r of w.resources) {
      const members = r.type === 'Group' ? await store.membersOf(tenant, r.id) : undefined;
      const ctx = { baseUrl: 'https://scim.example.com/scim/v2', ...(members ? { members } : {}), groups: groups.get(r.id) ?? [] };
      docs.push({ r, doc: renderResource(r, SCHEMAS[r.type], ctx) });
    }
    return { tenant, docs };
  }

  it('store.queryResources returns exactly the resources evaluate() accepts, per type and at the root', async (t) => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ world, filters }) => {
        const { tenant, docs } = await load(world);
        for (const { scope, filter } of filters) {
          const types = typesOf(scope);
          const bound = bindAll(filter, types);
          stats.filters++;
          if (!bound) {
            stats.skipped++;
            continue;
          }
          const page = await store.queryResources(tenant, { types, filters: bound, startIndex: 1, count: 1000 });
          const sql = page.resources.map((r) => r.id);
          const memory = docs.filter(({ r, doc }) => types.includes(r.type) && evaluate(bound.get(r.type)!, doc)).map(({ r }) => r.id);
          assert.deepEqual(sql, memory, `${scope}: ${printFilter(filter)}`);
          assert.equal(page.total, memory.length);
          const candidates = docs.filter(({ r }) => types.includes(r.type)).length;
          if (memory.length > 0 && memory.length < candidates) stats.nonTrivial++;
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Guard against a vacuous property: most filters bind, and many select a proper subset.
    t.diagnostic(`${stats.filters} filters, ${stats.skipped} did not bind, ${stats.nonTrivial} selected a proper subset`);
    assert.ok(stats.filters >= RUNS * 16, `only ${stats.filters} filters generated`);
    assert.ok(stats.skipped < stats.filters * 0.25, `${stats.skipped} of ${stats.filters} filters did not bind`);
    assert.ok(stats.nonTrivial > (stats.filters - stats.skipped) * 0.2, `only ${stats.nonTrivial} of ${stats.filters - stats.skipped} filters selected a proper subset`);
  });

  it('sortBy/sortOrder/startIndex/count in SQL equal an in-memory sort: missing last ascending, first descending, folded when caseExact=false, code-point order, ties by insertion', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ world, sorts }) => {
        const { tenant, docs } = await load(world);
        for (const s of sorts) {
          const types = typesOf(s.scope);
          const bound = s.filter && bindAll(s.filter, types);
          const sort = sortTargets(s.sortBy, types);
          const page = await store.queryResources(tenant, {
            types,
            ...(bound ? { filters: bound } : {}),
            sort,
            descending: s.descending,
            startIndex: s.startIndex,
            count: s.count,
          });
          const selected = docs
            .map((d, seq) => ({ ...d, seq }))
            .filter(({ r, doc }) => types.includes(r.type) && (!bound || evaluate(bound.get(r.type)!, doc)))
            .map((d) => {
              const spec = sort.get(d.r.type);
              return { ...d, key: spec ? sortValue(d.doc, spec.target) : undefined, leaf: spec?.target.leaf };
            });
          selected.sort((a, b) => {
            if ((a.key === undefined) !== (b.key === undefined)) return (a.key === undefined ? 1 : -1) * (s.descending ? -1 : 1);
            if (a.key !== undefined && b.key !== undefined) {
              const c = compareValues(a.key, b.key, a.leaf!);
              if (c !== 0) return s.descending ? -c : c;
            }
            return a.seq - b.seq;
          });
          const expected = selected.slice(s.startIndex - 1, s.startIndex - 1 + s.count).map((d) => d.r.id);
          const label = `${s.scope}: sortBy=${s.sortBy} ${s.descending ? 'descending' : 'ascending'} startIndex=${s.startIndex} count=${s.count}${s.filter ? ` filter=${printFilter(s.filter)}` : ''}`;
          assert.deepEqual(
            page.resources.map((r) => r.id),
            expected,
            `${label}\nkeys: ${selected.map((d) => `${d.r.id}=${JSON.stringify(d.key)}`).join(' ')}`,
          );
          assert.equal(page.total, selected.length, label);
          stats.sorts++;
        }
      }),
      { seed: SEED + 1, numRuns: 150 },
    );
    assert.ok(stats.sorts >= 450);
  });

});
