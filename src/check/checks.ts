/**
 * The checks of `scimd check`, in the order they run, each naming the RFC section it holds a
 * server to. A check that needs another that did not pass is skipped; one whose feature the server
 * does not advertise in /ServiceProviderConfig is skipped, saying so. Every resource a check
 * creates is registered, so the run can delete it at the end.
 */
import type { Answer, ScimClient } from './client.ts';

export const URN = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  list: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  patch: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  search: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  spc: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  bulkRequest: 'urn:ietf:params:scim:api:messages:2.0:BulkRequest',
} as const;

/** A check's verdict when it does not hold. */
export class CheckFailed extends Error {}

/** Returned by a check whose feature the server does not offer. */
export interface Skip {
  readonly skip: string;
}

export interface Context {
  readonly client: ScimClient;
  /** Prefix of every userName and displayName the run creates. */
  readonly prefix: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spc?: any;
  hasGroups: boolean;
  /** The main test user. */
  userId?: string;
  userEtag?: string;
  groupId?: string;
  /** Users created for filters and paging, by userName. */
  readonly extra: Map<string, string>;
  /** Everything created and not yet deleted: path → description. */
  readonly created: Map<string, string>;
}

export interface Check {
  readonly id: string;
  readonly section: string;
  readonly title: string;
  readonly needs?: readonly string[];
  run(ctx: Context): Promise<void | Skip>;
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

const brief = (a: Answer) => (a.text.length > 200 ? `${a.text.slice(0, 200)}…` : a.text);

function status(a: Answer, wanted: number | readonly number[], what: string): void {
  const ok = typeof wanted === 'number' ? a.status === wanted : wanted.includes(a.status);
  expect(ok, `${what}: expected ${typeof wanted === 'number' ? wanted : wanted.join(' or ')}, got ${a.status} ${brief(a)}`);
}

function scimError(a: Answer, wanted: number, scimType?: string): void {
  status(a, wanted, 'error status');
  expect(Array.isArray(a.body?.schemas) && a.body.schemas.includes(URN.error), `the error body must carry the schema ${URN.error}: ${brief(a)}`);
  expect(String(a.body.status) === String(wanted), `the error body's status must be "${wanted}", not ${JSON.stringify(a.body.status)}`);
  if (scimType) expect(a.body.scimType === scimType, `scimType must be "${scimType}", not ${JSON.stringify(a.body.scimType)}`);
}

function listResponse(a: Answer, what: string): void {
  status(a, 200, what);
  expect(Array.isArray(a.body?.schemas) && a.body.schemas.includes(URN.list), `${what}: a ListResponse carries the schema ${URN.list}`);
  expect(Number.isInteger(a.body.totalResults), `${what}: totalResults must be an integer`);
  expect(a.body.totalResults === 0 || Array.isArray(a.body.Resources), `${what}: Resources must be a list`);
}

const ids = (a: Answer): string[] => ((a.body?.Resources ?? []) as { id: string }[]).map((r) => r.id);
const filterQuery = (f: string, extra = '') => `?filter=${encodeURIComponent(f)}${extra}`;

async function createUser(ctx: Context, userName: string, extra: Record<string, unknown> = {}): Promise<Answer> {
  const a = await ctx.client.request('POST', '/Users', { schemas: [URN.user], userName, ...extra });
  if (a.status === 201 && typeof a.body?.id === 'string') ctx.created.set(`/Users/${a.body.id}`, `user ${userName}`);
  return a;
}

/** A discovery list: a ListResponse's Resources (RFC 7644 §4), or a bare array as some servers answer. */
async function discovered<T>(ctx: Context, path: string): Promise<T[]> {
  const a = await ctx.client.request('GET', path);
  status(a, 200, `GET ${path}`);
  return (Array.isArray(a.body) ? a.body : (a.body?.Resources ?? [])) as T[];
}

const patchOp = (...Operations: unknown[]) => ({ schemas: [URN.patch], Operations });

export const CHECKS: readonly Check[] = [
  {
    id: 'discovery.config',
    section: 'RFC 7644 §4, RFC 7643 §5',
    title: 'GET /ServiceProviderConfig describes the server',
    async run(ctx) {
      const a = await ctx.client.request('GET', '/ServiceProviderConfig');
      status(a, 200, 'GET /ServiceProviderConfig');
      expect(Array.isArray(a.body?.schemas) && a.body.schemas.includes(URN.spc), `schemas must include ${URN.spc}`);
      for (const feature of ['patch', 'bulk', 'filter', 'changePassword', 'sort', 'etag']) {
        expect(typeof a.body[feature]?.supported === 'boolean', `${feature}.supported must be a boolean`);
      }
      expect(Array.isArray(a.body.authenticationSchemes), 'authenticationSchemes must be a list');
      ctx.spc = a.body;
    },
  },
  {
    id: 'discovery.types',
    section: 'RFC 7644 §4, RFC 7643 §6',
    title: 'GET /ResourceTypes lists User (and Group)',
    async run(ctx) {
      const types = await discovered<{ name?: string; schema?: string }>(ctx, '/ResourceTypes');
      const userType = types.find((t) => t.name === 'User');
      expect(userType?.schema === URN.user, `a User resource type with schema ${URN.user}`);
      ctx.hasGroups = types.some((t) => t.name === 'Group' && t.schema === URN.group);
    },
  },
  {
    id: 'discovery.schemas',
    section: 'RFC 7644 §4, RFC 7643 §7',
    title: 'GET /Schemas defines the User schema',
    async run(ctx) {
      const schemas = await discovered<{ id?: string; attributes?: { name: string }[] }>(ctx, '/Schemas');
      const user = schemas.find((s) => s.id === URN.user);
      expect(user && Array.isArray(user.attributes) && user.attributes.some((x) => x.name === 'userName'), 'the User schema with its userName attribute');
    },
  },
  {
    id: 'auth.required',
    section: 'RFC 7644 §2, §7',
    title: 'a request without a token is 401',
    async run(ctx) {
      const a = await ctx.client.request('GET', '/Users', undefined, { authorization: null });
      status(a, 401, 'GET /Users without Authorization');
    },
  },
  {
    id: 'errors.notFound',
    section: 'RFC 7644 §3.4.1, §3.12',
    title: 'an unknown id is 404 with a SCIM error body',
    async run(ctx) {
      scimError(await ctx.client.request('GET', '/Users/00000000-0000-4000-8000-00000000c4ec'), 404);
    },
  },
  {
    id: 'users.create',
    section: 'RFC 7644 §3.3',
    title: 'POST /Users creates a user: 201 with id and meta',
    async run(ctx) {
      const name = `${ctx.prefix}-main`;
      const a = await createUser(ctx, name, { name: { givenName: 'Check', familyName: 'Main' }, emails: [{ value: `${name}@example.com`, type: 'work', primary: true }], active: true });
      status(a, 201, 'POST /Users');
      expect(typeof a.body?.id === 'string' && a.body.id.length > 0, 'the answer carries an id');
      expect(a.body.userName === name, `userName comes back as sent (${JSON.stringify(a.body.userName)})`);
      expect(a.body.meta?.resourceType === 'User', 'meta.resourceType is "User"');
      expect(typeof a.body.meta?.location === 'string' && a.body.meta.location.endsWith(`/Users/${a.body.id}`), 'meta.location is the user\'s URL');
      const location = a.headers.get('location');
      if (location) expect(location === a.body.meta.location, 'the Location header equals meta.location');
      ctx.userId = a.body.id;
      ctx.userEtag = a.headers.get('etag') ?? undefined;
    },
  },
  {
    id: 'users.uniqueness',
    section: 'RFC 7644 §3.3, §3.12',
    title: 'a second user with the same userName is 409 uniqueness',
    needs: ['users.create'],
    async run(ctx) {
      scimError(await createUser(ctx, `${ctx.prefix}-main`), 409, 'uniqueness');
    },
  },
  {
    id: 'users.read',
    section: 'RFC 7644 §3.4.1, §3.14',
    title: 'GET /Users/{id} returns the user (with its ETag when ETags are supported)',
    needs: ['users.create'],
    async run(ctx) {
      const a = await ctx.client.request('GET', `/Users/${ctx.userId}`);
      status(a, 200, 'GET /Users/{id}');
      expect(a.body?.id === ctx.userId, 'the same id');
      expect(!('password' in a.body), 'a password is never returned');
      if (ctx.spc?.etag?.supported) {
        const etag = a.headers.get('etag');
        expect(etag, 'an ETag header (etag.supported is true)');
        if (a.body.meta?.version !== undefined) expect(a.body.meta.version === etag, `meta.version (${a.body.meta.version}) equals the ETag (${etag})`);
      }
    },
  },
  {
    id: 'filter.eq',
    section: 'RFC 7644 §3.4.2.2, RFC 7643 §4.1.1',
    title: 'filter userName eq finds the user regardless of case',
    needs: ['users.create'],
    async run(ctx) {
      const a = await ctx.client.request('GET', `/Users${filterQuery(`userName eq "${ctx.prefix.toUpperCase()}-MAIN"`)}`);
      listResponse(a, 'GET /Users?filter=userName eq');
      expect(a.body.totalResults === 1 && ids(a)[0] === ctx.userId, `one result, the user (userName is not caseExact); got ${a.body.totalResults}`);
    },
  },
  {
    id: 'filter.operators',
    section: 'RFC 7644 §3.4.2.2',
    title: 'filters: sw, co, ew, pr, and, or, not, value paths',
    needs: ['users.create'],
    async run(ctx) {
      for (const suffix of ['a', 'b', 'c']) {
        const a = await createUser(ctx, `${ctx.prefix}-list-${suffix}`, suffix === 'b' ? { title: 'Checker' } : {});
        status(a, 201, 'POST /Users');
        ctx.extra.set(suffix, a.body.id);
      }
      const cases: [string, string[]][] = [
        [`userName sw "${ctx.prefix}-list-"`, ['a', 'b', 'c']],
        [`userName co "-list-b"`, ['b']],
        [`userName ew "${ctx.prefix.slice(-4)}-list-c"`, ['c']],
        [`userName sw "${ctx.prefix}-list-" and title pr`, ['b']],
        [`userName eq "${ctx.prefix}-list-a" or userName eq "${ctx.prefix}-list-c"`, ['a', 'c']],
        [`userName sw "${ctx.prefix}-list-" and not (title eq "Checker")`, ['a', 'c']],
        [`emails[type eq "work" and value co "${ctx.prefix}-main@"]`, ['main']],
      ];
      for (const [filter, wanted] of cases) {
        const a = await ctx.client.request('GET', `/Users${filterQuery(filter)}`);
        listResponse(a, `filter ${filter}`);
        const want = wanted.map((w) => (w === 'main' ? ctx.userId : ctx.extra.get(w))).sort();
        expect(JSON.stringify(ids(a).sort()) === JSON.stringify(want), `filter ${filter}: expected ${want.length} result(s), got ${a.body.totalResults}`);
      }
    },
  },
  {
    id: 'filter.invalid',
    section: 'RFC 7644 §3.4.2.2, §3.12',
    title: 'a malformed filter is 400 invalidFilter',
    async run(ctx) {
      scimError(await ctx.client.request('GET', `/Users${filterQuery('userName eq')}`), 400, 'invalidFilter');
    },
  },
  {
    id: 'search.post',
    section: 'RFC 7644 §3.4.3',
    title: 'POST /Users/.search answers a ListResponse',
    needs: ['filter.operators'],
    async run(ctx) {
      const a = await ctx.client.request('POST', '/Users/.search', { schemas: [URN.search], filter: `userName sw "${ctx.prefix}-list-"`, attributes: ['userName'] });
      listResponse(a, 'POST /Users/.search');
      expect(a.body.totalResults === 3, `3 results, got ${a.body.totalResults}`);
    },
  },
  {
    id: 'paging.index',
    section: 'RFC 7644 §3.4.2.4',
    title: 'startIndex and count page through results',
    needs: ['filter.operators'],
    async run(ctx) {
      const f = filterQuery(`userName sw "${ctx.prefix}-list-"`);
      const first = await ctx.client.request('GET', `/Users${f}&startIndex=1&count=2`);
      listResponse(first, 'page 1');
      expect(first.body.totalResults === 3, `totalResults 3 on every page, got ${first.body.totalResults}`);
      expect(ids(first).length <= 2, `at most count (2) results, got ${ids(first).length}`);
      const second = await ctx.client.request('GET', `/Users${f}&startIndex=3&count=2`);
      listResponse(second, 'page 2');
      expect(ids(second).length === 1, `startIndex 3 of 3: one result, got ${ids(second).length}`);
      expect(second.body.startIndex === 3, `startIndex comes back as 3, got ${second.body.startIndex}`);
    },
  },
  {
    id: 'paging.cursor',
    section: 'RFC 9865 §2',
    title: 'cursor and count page through results (when advertised)',
    needs: ['filter.operators'],
    async run(ctx) {
      if (!ctx.spc?.pagination?.cursor) return { skip: '/ServiceProviderConfig does not advertise pagination.cursor' };
      const f = filterQuery(`userName sw "${ctx.prefix}-list-"`);
      const seen: string[] = [];
      let cursor = '';
      for (let page = 0; page < 10; page++) {
        const a = await ctx.client.request('GET', `/Users${f}&count=2&cursor=${encodeURIComponent(cursor)}`);
        listResponse(a, `cursor page ${page + 1}`);
        seen.push(...ids(a));
        if (a.body.nextCursor === undefined) break;
        cursor = a.body.nextCursor;
      }
      expect(seen.length === 3 && new Set(seen).size === 3, `three users, each once; got ${seen.length}`);
      scimError(await ctx.client.request('GET', `/Users${f}&count=2&cursor=x${cursor || 'bogus'}`), 400, 'invalidCursor');
    },
  },
  {
    id: 'sort',
    section: 'RFC 7644 §3.4.2.3',
    title: 'sortBy and sortOrder order results (when advertised)',
    needs: ['filter.operators'],
    async run(ctx) {
      if (!ctx.spc?.sort?.supported) return { skip: '/ServiceProviderConfig says sort.supported false' };
      const a = await ctx.client.request('GET', `/Users${filterQuery(`userName sw "${ctx.prefix}-list-"`)}&sortBy=userName&sortOrder=descending`);
      listResponse(a, 'sorted list');
      const names = ((a.body.Resources ?? []) as { userName: string }[]).map((r) => r.userName);
      expect(JSON.stringify(names) === JSON.stringify(['c', 'b', 'a'].map((s) => `${ctx.prefix}-list-${s}`)), `descending userName order, got ${names.join(', ')}`);
    },
  },
  {
    id: 'users.replace',
    section: 'RFC 7644 §3.5.1',
    title: 'PUT /Users/{id} replaces the user',
    needs: ['users.create'],
    async run(ctx) {
      const name = `${ctx.prefix}-main`;
      const a = await ctx.client.request('PUT', `/Users/${ctx.userId}`, { schemas: [URN.user], userName: name, displayName: 'Replaced', emails: [{ value: `${name}@example.com`, type: 'work', primary: true }], active: true });
      status(a, 200, 'PUT /Users/{id}');
      expect(a.body?.displayName === 'Replaced', 'displayName is the new one');
      const etag = a.headers.get('etag');
      if (ctx.spc?.etag?.supported && ctx.userEtag && etag) expect(etag !== ctx.userEtag, 'the ETag changed with the resource');
    },
  },
  {
    id: 'patch.forms',
    section: 'RFC 7644 §3.5.2',
    title: 'PATCH add, replace (with and without path), value-path replace, remove; remove without path is noTarget',
    needs: ['users.create'],
    async run(ctx) {
      if (ctx.spc?.patch?.supported === false) return { skip: '/ServiceProviderConfig says patch.supported false' };
      const path = `/Users/${ctx.userId}`;
      const steps: [string, unknown[], (u: Record<string, unknown>) => boolean][] = [
        ['add title', [{ op: 'add', path: 'title', value: 'Engineer' }], (u) => u.title === 'Engineer'],
        ['replace without a path', [{ op: 'replace', value: { displayName: 'Patched', nickName: 'pat' } }], (u) => u.displayName === 'Patched' && u.nickName === 'pat'],
        ['replace name.givenName', [{ op: 'replace', path: 'name.givenName', value: 'Given' }], (u) => (u.name as Record<string, unknown> | undefined)?.givenName === 'Given'],
        ['replace emails[type eq "work"].value', [{ op: 'replace', path: 'emails[type eq "work"].value', value: `${ctx.prefix}-moved@example.com` }], (u) => JSON.stringify(u.emails).includes(`${ctx.prefix}-moved@example.com`)],
        ['remove title', [{ op: 'remove', path: 'title' }], (u) => u.title === undefined],
      ];
      for (const [what, ops, holds] of steps) {
        const a = await ctx.client.request('PATCH', path, patchOp(...ops));
        status(a, [200, 204], `PATCH ${what}`);
        const now = a.status === 200 ? a.body : (await ctx.client.request('GET', path)).body;
        expect(holds(now ?? {}), `PATCH ${what} did not take effect: ${JSON.stringify(now).slice(0, 200)}`);
      }
      // §3.5.2.2: a remove must name its target.
      scimError(await ctx.client.request('PATCH', path, patchOp({ op: 'remove' })), 400, 'noTarget');
    },
  },
  {
    id: 'etag.ifMatch',
    section: 'RFC 7644 §3.14',
    title: 'If-Match with an old version is 412 (when ETags are supported)',
    needs: ['users.create'],
    async run(ctx) {
      if (!ctx.spc?.etag?.supported) return { skip: '/ServiceProviderConfig says etag.supported false' };
      const current = await ctx.client.request('GET', `/Users/${ctx.userId}`);
      const etag = current.headers.get('etag');
      expect(etag, 'an ETag on GET');
      const stale = await ctx.client.request('PATCH', `/Users/${ctx.userId}`, patchOp({ op: 'replace', path: 'title', value: 'stale' }), { 'if-match': 'W/"not-a-version"' });
      scimError(stale, 412);
      const fresh = await ctx.client.request('PATCH', `/Users/${ctx.userId}`, patchOp({ op: 'replace', path: 'title', value: 'fresh' }), { 'if-match': etag });
      status(fresh, [200, 204], 'PATCH with the current ETag');
    },
  },
  {
    id: 'errors.invalidJson',
    section: 'RFC 7644 §3.12',
    title: 'a body that is not JSON is 400',
    async run(ctx) {
      const a = await ctx.client.request('POST', '/Users', '{"schemas": [');
      scimError(a, 400);
      expect(a.body.scimType === undefined || a.body.scimType === 'invalidSyntax', `scimType, when given, is invalidSyntax (got ${a.body.scimType})`);
    },
  },
  {
    id: 'errors.required',
    section: 'RFC 7643 §4.1, RFC 7644 §3.12',
    title: 'a user without userName is 400',
    async run(ctx) {
      const a = await ctx.client.request('POST', '/Users', { schemas: [URN.user], displayName: 'no userName' });
      if (a.status === 201 && a.body?.id) ctx.created.set(`/Users/${a.body.id}`, 'user without userName');
      scimError(a, 400);
    },
  },
  {
    id: 'groups.create',
    section: 'RFC 7644 §3.3, RFC 7643 §4.2',
    title: 'POST /Groups creates a group with a member',
    needs: ['users.create', 'discovery.types'],
    async run(ctx) {
      if (!ctx.hasGroups) return { skip: 'the server has no Group resource type' };
      const a = await ctx.client.request('POST', '/Groups', { schemas: [URN.group], displayName: `${ctx.prefix}-group`, members: [{ value: ctx.userId }] });
      if (a.status === 201 && typeof a.body?.id === 'string') ctx.created.set(`/Groups/${a.body.id}`, `group ${ctx.prefix}-group`);
      status(a, 201, 'POST /Groups');
      const members = (a.body.members ?? (await ctx.client.request('GET', `/Groups/${a.body.id}`)).body?.members ?? []) as { value: string }[];
      expect(members.some((m) => m.value === ctx.userId), 'the member is in the group');
      ctx.groupId = a.body.id;
    },
  },
  {
    id: 'groups.members',
    section: 'RFC 7644 §3.5.2',
    title: 'PATCH adds and removes group members',
    needs: ['groups.create', 'filter.operators'],
    async run(ctx) {
      const path = `/Groups/${ctx.groupId}`;
      const other = ctx.extra.get('a')!;
      status(await ctx.client.request('PATCH', path, patchOp({ op: 'add', path: 'members', value: [{ value: other }] })), [200, 204], 'PATCH add member');
      let members = ((await ctx.client.request('GET', path)).body?.members ?? []) as { value: string }[];
      expect(members.some((m) => m.value === other), 'the added member is in the group');
      status(await ctx.client.request('PATCH', path, patchOp({ op: 'remove', path: `members[value eq "${other}"]` })), [200, 204], 'PATCH remove member');
      members = ((await ctx.client.request('GET', path)).body?.members ?? []) as { value: string }[];
      expect(!members.some((m) => m.value === other) && members.some((m) => m.value === ctx.userId), 'only the removed member left');
      const byMember = await ctx.client.request('GET', `/Groups${filterQuery(`members.value eq "${ctx.userId}"`)}&attributes=displayName`);
      listResponse(byMember, 'filter members.value eq');
      expect(ids(byMember).includes(ctx.groupId!), 'filter members.value eq finds the group');
    },
  },
  {
    id: 'bulk',
    section: 'RFC 7644 §3.7',
    title: 'POST /Bulk runs operations (when advertised)',
    async run(ctx) {
      if (!ctx.spc?.bulk?.supported) return { skip: '/ServiceProviderConfig says bulk.supported false' };
      const name = `${ctx.prefix}-bulk`;
      const a = await ctx.client.request('POST', '/Bulk', { schemas: [URN.bulkRequest], Operations: [{ method: 'POST', path: '/Users', bulkId: 'u1', data: { schemas: [URN.user], userName: name } }] });
      status(a, 200, 'POST /Bulk');
      const op = (a.body?.Operations ?? [])[0] as { status?: string; location?: string } | undefined;
      if (op?.location) ctx.created.set(`/Users/${op.location.split('/Users/')[1]}`, `user ${name}`);
      expect(String(op?.status) === '201', `the operation answered 201, got ${op?.status}`);
    },
  },
  {
    id: 'users.delete',
    section: 'RFC 7644 §3.6',
    title: 'DELETE /Users/{id} is 204, then the user is 404',
    needs: ['users.create'],
    async run(ctx) {
      status(await ctx.client.request('DELETE', `/Users/${ctx.userId}`), 204, 'DELETE /Users/{id}');
      ctx.created.delete(`/Users/${ctx.userId}`);
      scimError(await ctx.client.request('GET', `/Users/${ctx.userId}`), 404);
    },
  },
];
