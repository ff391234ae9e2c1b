/**
 * The fuzz suite shared by `npm test` (test/fuzz.test.ts: a fixed seed, a few hundred cases) and
 * `npm run fuzz` (test/fuzz/main.ts: ≥ 10,000 cases, a random or given seed). Every property runs
 * against a running scimd over real HTTP, except parse → print → parse, which is pure.
 *
 * Properties, for every request: no 5xx; the server keeps answering; each error is an RFC 7644
 * §3.12 body with a status and scimType that agree (exchange.ts); each response within 1 s.
 * Writes that fail change nothing (RFC 7644 §3.5.2: a PATCH applies all or nothing; bad input
 * leaves the resource as it was). Filters and PATCH paths that parse print back to text that
 * parses to the same tree, and printing that again gives the same text.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ScimError } from '../../src/scim/errors.ts';
import { parseFilter, parsePath } from '../../src/scim/filter/parse.ts';
import { printFilter, printPath } from '../../src/scim/filter/print.ts';
import { ENTERPRISE_USER_URN, GROUP_URN, PATCH_OP_URN, USER_URN } from '../../src/scim/urns.ts';
import { bulkBodyArb, fuzzedPathOpArb, groupBodyArb, listQueryArb, MEDIA_TYPES, patchBodyArb, rawBodyArb, searchBodyArb, userBodyArb, type Fixture, type ResourceType } from './bodies.ts';
import { checked, percentEncode, probe, queryString, outcomesText, outcomeTally, statusTally, tallyText, type Exchange, type Target } from './exchange.ts';
import { anyFilterArb, anyPatchPathArb, rawTextArb } from './grammar.ts';

/** The server runs with the default body limit (RFC 7644 §3.7.4 maxPayloadSize, 413 above it). */
const DEFAULT_BODY_LIMIT = 1_048_576;

export interface FuzzContext {
  readonly target: Target;
  readonly fixture: Fixture;
}

export interface FuzzProperty {
  readonly name: string;
  /** Share of the total number of cases. */
  readonly weight: number;
  run(ctx: FuzzContext, params: fc.Parameters<unknown>): Promise<void>;
}

/**
 * Runs property `index` of the suite with its share of the cases, then checks the server still
 * answers. Returns a one-line summary of what the fuzzed requests got.
 */
export async function runProperty(ctx: FuzzContext, index: number, opts: RunOptions): Promise<string> {
  statusTally.clear();
  outcomeTally.clear();
  await PROPERTIES[index]!.run(ctx, paramsOf(index, opts));
  await assertAlive(ctx.target);
  return statusTally.size ? `statuses ${tallyText()}` : 'no HTTP';
}

/** Creates the users and groups that fuzzed requests refer to. */
export async function createFixture(target: Target): Promise<Fixture> {
  const userIds: string[] = [];
  for (let i = 0; i < 4; i++) {
    const body = {
      schemas: [USER_URN, ENTERPRISE_USER_URN],
      userName: `fixture-${i}`,
      displayName: `Fixture ${i}`,
      name: { givenName: 'Fix', familyName: `Ture${i}` },
      emails: [{ value: `fixture-${i}@example.com`, type: 'work', primary: true }, { value: `f${i}@home.example`, type: 'home' }],
      phoneNumbers: [{ value: `+1555000${i}`, type: 'mobile' }],
      active: i % 2 === 0,
      externalId: `ext-${i}`,
      [ENTERPRISE_USER_URN]: { employeeNumber: String(i), department: 'QA', ...(userIds[0] ? { manager: { value: userIds[0] } } : {}) },
    };
    const x = await checked(target, 'POST', '/Users', body);
    assert.equal(x.status, 201, x.text);
    userIds.push(x.body.id as string);
  }
  const groupIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const members = [...userIds.slice(i), ...groupIds.slice(0, 1)].map((value) => ({ value }));
    const x = await checked(target, 'POST', '/Groups', { schemas: [GROUP_URN], displayName: `Fixture group ${i}`, externalId: `gext-${i}`, members });
    assert.equal(x.status, 201, x.text);
    groupIds.push(x.body.id as string);
  }
  return { userIds, groupIds };
}

/** The server still answers, and correctly (the "no crash" property). */
export async function assertAlive(target: Target): Promise<void> {
  const spc = await checked(target, 'GET', '/ServiceProviderConfig');
  assert.equal(spc.status, 200, spc.text);
  const list = await checked(target, 'GET', '/Users?count=1');
  assert.equal(list.status, 200, list.text);
}

/** Resource paths of the fixture (of one type, or of both). */
function resourcePaths(fx: Fixture, type?: ResourceType): string[] {
  return [...(type === 'Group' ? [] : fx.userIds.map((id) => `/Users/${id}`)), ...(type === 'User' ? [] : fx.groupIds.map((id) => `/Groups/${id}`))];
}

/** A resource type (Users three times as often as Groups: they have more to fuzz) and something for it. */
function typedArb<T>(_fx: Fixture, of: (type: ResourceType) => fc.Arbitrary<T>): fc.Arbitrary<[ResourceType, T]> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant<ResourceType>('User') }, { weight: 1, arbitrary: fc.constant<ResourceType>('Group') }).chain((type) => of(type).map((x): [ResourceType, T] => [type, x]));
}

/**
 * Sends a write to an existing resource; when it fails, the resource must read back exactly as it
 * was (same version, same document).
 */
async function writeLeavesNothingOnError(target: Target, method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Exchange> {
  const before = await checked(target, 'GET', path);
  assert.equal(before.status, 200, before.text);
  const x = await probe(target, method, path, body, headers);
  if (x.status >= 400 || x.closedEarly) {
    const after = await checked(target, 'GET', path);
    assert.deepEqual(after.body, before.body, `a failed ${method} changes nothing: ${x.status} ${x.text.slice(0, 300)}`);
  }
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    // RFC 7644 §3.14 with weak comparison (RFC 9110 §8.8.3.2): `*` or a listed tag of the current version.
    const current = String(before.body.meta.version).replace(/^W\//, '');
    const matches = ifMatch.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === current);
    if (x.status === 412) assert.ok(!matches, `If-Match ${ifMatch} names the current version ${before.body.meta.version}, yet 412`);
    if (x.status >= 200 && x.status < 300) assert.ok(matches, `If-Match ${ifMatch} does not name the current version ${before.body.meta.version}, yet ${x.status}`);
  }
  return x;
}

/** Total resources of a type, for "a failed POST creates nothing". */
async function total(target: Target, endpoint: string): Promise<number> {
  const x = await checked(target, 'GET', `${endpoint}?count=0`);
  return x.body.totalResults as number;
}

async function createLeavesNothingOnError(target: Target, endpoint: string, body: unknown, headers: Record<string, string> = {}): Promise<Exchange> {
  const before = await total(target, endpoint);
  const x = await probe(target, 'POST', endpoint, body, headers);
  const after = await total(target, endpoint);
  assert.equal(after, before + (x.status === 201 ? 1 : 0), `POST ${endpoint} → ${x.status}: resources counted ${before} then ${after}`);
  return x;
}

/** What fetch lets through in a header value: no control characters but tab. */
const headerSafe = (h: string): string => [...h].filter((c) => c === '\t' || (c >= ' ' && c !== '\u007f')).join('');

/** Authorization headers: the right token mangled, other schemes, garbage (RFC 6750 §2.1). */
function authorizationArb(token: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', 'Bearer', 'Bearer ', `bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${Buffer.from('a:b').toString('base64')}`, `Bearer  ${token} x`, 'Bearer scimd_'),
    fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((t) => `Bearer ${t}`),
    fc.string({ unit: 'binary-ascii', maxLength: 60 }),
  ).map(headerSafe);
}

/** If-Match values: the likely versions, `*`, lists, and garbage (RFC 9110 §13.1.1). */
const ifMatchArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('W/"1"', 'W/"2"', '"1"', '*', 'W/"1", W/"2"', 'W/"', 'W/""', 'W/"99999999999999999999"', 'W/"-1"', ''),
  fc.string({ unit: 'binary-ascii', maxLength: 30 }).map(headerSafe),
);

/** parse → print → parse gives the same tree, and print is a fixed point. */
function assertStable<T>(text: string, parse: (s: string) => T, print: (t: T) => string, kind: string): boolean {
  let tree: T;
  try {
    tree = parse(text);
  } catch (e) {
    assert.ok(e instanceof ScimError, `${kind} ${JSON.stringify(text)}: parse failed with ${String(e)}, not a ScimError`);
    assert.equal(e.status, 400);
    assert.equal(e.scimType, kind === 'filter' ? 'invalidFilter' : 'invalidPath', `${JSON.stringify(text)}: ${e.message}`);
    return false;
  }
  const printed = print(tree);
  let again: T;
  try {
    again = parse(printed);
  } catch (e) {
    assert.fail(`${kind} ${JSON.stringify(text)} parsed, but its print ${JSON.stringify(printed)} does not: ${String(e)}`);
  }
  // A path's text is the input as sent (whitespace and all); everything else must be equal as is
  // (not through JSON, which would map Infinity to null and -0 to 0).
  const strip = (t: T): unknown => (kind === 'path' ? { ...(t as object), text: undefined } : t);
  assert.deepEqual(strip(again), strip(tree), `${kind} ${JSON.stringify(text)} → ${JSON.stringify(printed)} parses to the same tree`);
  assert.equal(print(again), printed, `${kind}: printing is a fixed point for ${JSON.stringify(printed)}`);
  return true;
}


export const PROPERTIES: readonly FuzzProperty[] = [
  {
    name: 'filters and PATCH paths: parse → print → parse is stable; a failed parse is 400 invalidFilter/invalidPath',
    weight: 3,
    async run(_ctx, params) {
      let parsed = 0;
      let cases = 0;
      fc.assert(
        fc.property(anyFilterArb, anyPatchPathArb, (filter, path) => {
          cases++;
          if (assertStable(filter, (s) => parseFilter(s), printFilter, 'filter')) parsed++;
          assertStable(path, (s) => parsePath(s), printPath, 'path');
        }),
        params,
      );
      // Guard against a vacuous run: the grammar generators do produce parseable filters.
      if (cases >= 50) assert.ok(parsed > cases / 4, `only ${parsed} of ${cases} generated filters parsed`);
    },
  },
  {
    name: 'GET /Users and /Groups with fuzzed ?filter= and paging, sorting, projection parameters',
    weight: 3,
    async run({ target, fixture }, params) {
      let ok = 0;
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(typedArb(fixture, (type) => listQueryArb(type, fixture)), async ([type, query]) => {
          const endpoint = type === 'User' ? '/Users' : '/Groups';
          cases++;
          const x = await probe(target, 'GET', `${endpoint}?${queryString(query)}`);
          if (x.status === 200) {
            ok++;
            assert.equal(typeof x.body.totalResults, 'number');
            const ids = (x.body.Resources ?? []).map((r: { id: string }) => r.id);
            assert.equal(new Set(ids).size, ids.length, 'a page never repeats a resource');
          }
        }),
        params,
      );
      if (cases >= 50) assert.ok(ok > cases / 10, `only ${ok} of ${cases} list requests succeeded:\n${outcomesText()}`);
    },
  },
  {
    name: 'GET with raw bytes in the query string and in the resource id, and fuzzed Authorization and If-None-Match headers',
    weight: 1,
    async run({ target }, params) {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/Users', '/Groups', '/Users/', '/Groups/', '/Schemas/', '/ResourceTypes/'),
          fc.uint8Array({ maxLength: 40 }),
          rawTextArb,
          fc.boolean(),
          fc.option(authorizationArb(target.token), { nil: undefined, freq: 3 }),
          async (endpoint, bytes, text, asId, authorization) => {
            const path = asId || endpoint.endsWith('/') ? `${endpoint.replace(/\/$/, '')}/${percentEncode(bytes)}?filter=${percentEncode(text)}` : `${endpoint}?filter=${percentEncode(bytes)}&${percentEncode(text)}=1`;
            const x = await probe(target, 'GET', path, undefined, authorization === undefined ? {} : { authorization, 'if-none-match': authorization });
            // A wrong token sees nothing: 401, unless the request breaks a protocol limit checked
            // before authentication (400 for a URL that is not valid, 414 one too long, 431 headers too large).
            if (authorization !== undefined && authorization !== `Bearer ${target.token}`) {
              const beforeAuth = (x.status === 400 && x.body.detail === 'The URL is not valid') || x.status === 414 || x.status === 431;
              assert.ok(x.status === 401 || beforeAuth, `a wrong token gets ${x.status}: ${x.text}`);
            }
          },
        ),
        params,
      );
    },
  },
  {
    name: 'POST /.search, /Users/.search and /Groups/.search with fuzzed SearchRequests',
    weight: 3,
    async run({ target, fixture }, params) {
      await fc.assert(
        fc.asyncProperty(typedArb(fixture, (type) => searchBodyArb(type, fixture)), fc.boolean(), async ([type, body], root) => {
          await probe(target, 'POST', root && type === 'User' ? '/.search' : type === 'User' ? '/Users/.search' : '/Groups/.search', body);
        }),
        params,
      );
    },
  },
  {
    name: 'PATCH with one operation on a fuzzed path: errors change nothing',
    weight: 3,
    async run({ target, fixture }, params) {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...resourcePaths(fixture)), fuzzedPathOpArb(fixture), async (path, op) => {
          await writeLeavesNothingOnError(target, 'PATCH', path, { schemas: [PATCH_OP_URN], Operations: [op] });
        }),
        params,
      );
    },
  },
  {
    name: 'PATCH with fuzzed PatchOp bodies and If-Match headers: all or nothing, 412 exactly when the version is not named',
    weight: 3,
    async run({ target, fixture }, params) {
      await fc.assert(
        fc.asyncProperty(typedArb(fixture, (type) => fc.tuple(fc.constantFrom(...resourcePaths(fixture, type)), patchBodyArb(type, fixture))), fc.option(ifMatchArb, { nil: undefined, freq: 4 }), async ([, [path, body]], ifMatch) => {
          await writeLeavesNothingOnError(target, 'PATCH', path, body, ifMatch === undefined ? {} : { 'if-match': ifMatch });
        }),
        params,
      );
    },
  },
  {
    name: 'POST and PUT of Users of random shape: a failed POST creates nothing, a failed PUT changes nothing',
    weight: 3,
    async run({ target, fixture }, params) {
      await fc.assert(
        fc.asyncProperty(userBodyArb(fixture), fc.option(fc.constantFrom(...fixture.userIds), { nil: undefined, freq: 2 }), async (body, putId) => {
          if (putId === undefined) await createLeavesNothingOnError(target, '/Users', body);
          else await writeLeavesNothingOnError(target, 'PUT', `/Users/${putId}`, body);
        }),
        params,
      );
    },
  },
  {
    name: 'POST and PUT of Groups of random shape: a failed POST creates nothing, a failed PUT changes nothing',
    weight: 2,
    async run({ target, fixture }, params) {
      await fc.assert(
        fc.asyncProperty(groupBodyArb(fixture), fc.option(fc.constantFrom(...fixture.groupIds), { nil: undefined, freq: 2 }), async (body, putId) => {
          if (putId === undefined) await createLeavesNothingOnError(target, '/Groups', body);
          else await writeLeavesNothingOnError(target, 'PUT', `/Groups/${putId}`, body);
        }),
        params,
      );
    },
  },
  {
    name: 'POST /Bulk with fuzzed BulkRequests: every operation answers without 5xx, failures with error bodies',
    weight: 1,
    async run({ target, fixture }, params) {
      await fc.assert(
        fc.asyncProperty(bulkBodyArb(fixture), async (body) => {
          await probe(target, 'POST', '/Bulk', body);
        }),
        params,
      );
    },
  },
  {
    name: 'raw bodies (bytes, broken JSON, deep nesting) under any media type to every writing endpoint',
    weight: 3,
    async run({ target, fixture }, params) {
      const endpoints: [string, string][] = [
        ['POST', '/Users'],
        ['POST', '/Groups'],
        ['POST', '/.search'],
        ['POST', '/Users/.search'],
        ['POST', '/Bulk'],
        ['DELETE', `/Users/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`],
        ...resourcePaths(fixture).flatMap((p): [string, string][] => [
          ['PUT', p],
          ['PATCH', p],
        ]),
      ];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...endpoints), rawBodyArb(fixture), fc.constantFrom(...MEDIA_TYPES), async ([method, path], raw, type) => {
          const headers: Record<string, string> = type ? { 'content-type': type } : {};
          const body = raw.bytes;
          const over = body.length > DEFAULT_BODY_LIMIT;
          let x: Exchange;
          if (method === 'PUT' || method === 'PATCH') x = await writeLeavesNothingOnError(target, method, path, body, headers);
          else if (path === '/Users' || path === '/Groups') x = await createLeavesNothingOnError(target, path, body, headers);
          else x = await probe(target, method, path, body, headers);
          // Too large: 413, unless the media type was refused first (415); or the server closed the
          // upload before the client could read that answer. Only then may the answer be missing.
          assert.ok(!x.closedEarly || over, `the server closed the connection on a body of ${body.length} bytes`);
          if (over && !x.closedEarly) assert.ok(x.status === 413 || (x.status === 415 && !/^application\/(scim\+)?json$/.test(type)), `a body of ${body.length} bytes as ${type}: ${x.status} ${x.text.slice(0, 200)}`);
        }),
        params,
      );
    },
  },
];

export interface RunOptions {
  readonly seed: number;
  /** Total cases over all properties, shared by weight. */
  readonly cases: number;
  /** Only the properties whose name contains this. */
  readonly only?: string;
}

/** How many cases a property gets out of `cases`. */
export function runsOf(p: FuzzProperty, cases: number): number {
  const weights = PROPERTIES.reduce((s, x) => s + x.weight, 0);
  return Math.max(1, Math.round((cases * p.weight) / weights));
}

/** fast-check parameters for property `index` of a run: seeds derive from one seed, so one number replays the run. */
export function paramsOf(index: number, opts: RunOptions): fc.Parameters<unknown> {
  const p = PROPERTIES[index]!;
  return { seed: (opts.seed + index) | 0, numRuns: runsOf(p, opts.cases), endOnFailure: false };
}
