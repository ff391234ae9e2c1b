/**
 * Runs one fixture case against a real scimd (test/replay.test.ts describes the fixture format):
 * a fresh tenant and client per case and mode, real HTTP.
 */
import assert from 'node:assert/strict';
import { ERROR_SCHEMA, send, type Reply, type TestServer } from '../server.ts';
import { asLogRow, logRows, secretsFound } from './log.ts';
import { isObj, mismatches, type Json, type Obj } from './match.ts';
import { render, renderString, type Locals, type TemplateScope } from './template.ts';

/**
 * How a case is replayed: `rfc` (the RFC fixtures, on a client pinned to the strict profile),
 * `unpinned` (an IdP fixture on a client with no profile), `pinned` (on a client pinned to the
 * IdP's profile), `strict` (on a client pinned to the strict profile).
 */
export type Mode = 'rfc' | 'unpinned' | 'pinned' | 'strict';

export interface Expect {
  readonly status: number | readonly number[];
  /** The body is a SCIM Error (RFC 7644 §3.12) with this scimType. */
  readonly scimType?: string;
  /** The body is a SCIM Error (RFC 7644 §3.12). */
  readonly error?: boolean;
  readonly headers?: Record<string, Json>;
  readonly body?: Json;
  /** A matcher on the raw response text. */
  readonly text?: Json;
  readonly then?: readonly Step[];
}

export type ExpectSpec = Expect | { readonly anyOf: readonly Expect[] };

export interface Step {
  readonly as?: string;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string | null>;
  readonly body?: Json;
  readonly rawBody?: string;
  readonly expect?: ExpectSpec;
  /** What the strict profile answers instead (IdP fixtures); in strict mode the case ends there. */
  readonly strict?: ExpectSpec;
  /** Only in these modes. */
  readonly only?: readonly Mode[];
  readonly repeat?: number;
  /** With `repeat`: how many of the repeated requests are in flight at once (default 1, one after another). */
  readonly concurrent?: number;
  readonly use?: string;
  readonly admin?: 'disableTenant';
  /** Send as another (unpinned) client of the tenant, created on first use, without the IdP's headers and query. */
  readonly by?: string;
  /** Leave out the fixture's `query` (the step's path carries it where it wants it). */
  readonly noQuery?: boolean;
  /** A matcher on the request-log rows of the case's client (LogRow, oldest first). */
  readonly log?: Json;
  /** A matcher on the case's client (idp, detectedIdp, detectedReason). */
  readonly client?: Json;
  /** No log row of the tenant and no data file holds any of these (templates allowed). */
  readonly secrets?: readonly string[];
  /** Why the step is there (not checked). */
  readonly note?: string;
}

export interface Case {
  /** A short id (IdP fixtures), used by the runner's pending list. */
  readonly id?: string;
  readonly section?: string;
  readonly name: string;
  readonly source?: string;
  /** RFC fixtures: the profile this case's client is pinned to instead of the strict one. */
  readonly idp?: string;
  /** Where the exchange is documented (IdP fixtures). */
  readonly cites?: string;
  readonly note?: string;
  /** Tenant settings set before the case starts. */
  readonly settings?: Record<string, string>;
  readonly setup?: readonly Step[];
  readonly request: Step;
  readonly expect: ExpectSpec;
  readonly strict?: ExpectSpec;
  readonly then?: readonly Step[];
}

/** What a fixture file gives every request of its IdP client. */
export interface ClientShape {
  readonly headers?: Record<string, string>;
  /** A query parameter put first in every request's query (Entra's `aadOptscim062020`). */
  readonly query?: string;
  /** "form": query values encoded with "+" for spaces (Python's quote_plus); default encodeURIComponent. */
  readonly encode?: 'form';
}

export interface CaseContext {
  readonly s: TestServer;
  readonly mode: Mode;
  /** The profile the client is pinned to (none in unpinned mode). */
  readonly pin: string | undefined;
  readonly shape: ClientShape;
  readonly datasets: Readonly<Record<string, readonly Step[]>>;
  /** After the case: every row of the client names this profile (checked when set). */
  readonly logIdp: string | undefined;
  /** After the case: the client was recognised as this profile (checked when set). */
  readonly detected: string | undefined;
}

interface Captured {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Json;
  readonly text: string;
  readonly id?: Json;
  readonly etag?: string;
  readonly location?: string;
  readonly version?: Json;
}

interface Scope extends TemplateScope {
  readonly ctx: CaseContext;
  readonly tenant: string;
  readonly tenantId: string;
  readonly token: string;
  readonly others: Map<string, string>;
  sent: number;
}

/** Thrown when a strict-mode step answered its documented `strict` refusal: the case ends there. */
class StrictStop extends Error {}

const CLIENT = 'idp';

function withQuery(path: string, shape: ClientShape, noQuery: boolean): string {
  const q = path.indexOf('?');
  const enc = (v: string) => (shape.encode === 'form' ? encodeURIComponent(v).replace(/%20/g, '+') : encodeURIComponent(v));
  const parts = q < 0 ? [] : path.slice(q + 1).split('&');
  if (shape.query && !noQuery) parts.unshift(shape.query);
  if (parts.length === 0) return path;
  const params = parts.map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? enc(p) : `${enc(p.slice(0, eq))}=${enc(p.slice(eq + 1))}`;
  });
  return `${q < 0 ? path : path.slice(0, q)}?${params.join('&')}`;
}

async function tokenOf(scope: Scope, by: string | undefined): Promise<string> {
  if (by === undefined) return scope.token;
  let t = scope.others.get(by);
  if (!t) {
    t = (await scope.ctx.s.running.services.admin.createClient(scope.tenant, by)).token;
    scope.others.set(by, t);
  }
  return t;
}

async function perform(step: Step, scope: Scope, locals: Locals): Promise<Captured> {
  const { s, shape: fileShape } = scope.ctx;
  const shape: ClientShape = step.by === undefined ? fileShape : { ...(fileShape.encode ? { encode: fileShape.encode } : {}) };
  const path = String(render(step.path, scope, locals));
  const url = path.startsWith('http') ? withQuery(path, shape, true) : `${s.base}${withQuery(path, shape, step.noQuery === true)}`;
  const headers: Record<string, string | null> = { accept: 'application/scim+json', ...(step.by === undefined ? shape.headers : {}), authorization: `Bearer ${await tokenOf(scope, step.by)}` };
  for (const [k, v] of Object.entries(step.headers ?? {})) headers[k.toLowerCase()] = v === null ? null : String(render(v, scope, locals));
  let body: string | undefined;
  if (step.rawBody !== undefined) body = String(render(step.rawBody, scope, locals));
  else if (step.body !== undefined) body = JSON.stringify(render(step.body, scope, locals));
  if (step.by === undefined) scope.sent++;
  const reply: Reply = await send(url, step.method!, body, headers);
  const h: Record<string, string> = {};
  reply.headers.forEach((v, k) => (h[k] = v));
  if (reply.text !== '') {
    assert.match(h['content-type'] ?? '', /^application\/scim\+json/, `${step.method} ${path}: a body must come as application/scim+json (RFC 7644 §3.8)`);
  }
  const b = reply.body as Obj | undefined;
  return {
    status: reply.status,
    headers: h,
    body: reply.body,
    text: reply.text,
    ...(isObj(b) && b.id !== undefined ? { id: b.id } : {}),
    ...(h.etag !== undefined ? { etag: h.etag } : {}),
    ...(h.location !== undefined ? { location: h.location } : {}),
    ...(isObj(b) && isObj(b.meta) && b.meta.version !== undefined ? { version: b.meta.version } : {}),
  };
}

function expectMismatches(e: Expect, r: Captured): string[] {
  const out: string[] = [];
  const statuses = typeof e.status === 'number' ? [e.status] : e.status;
  if (!statuses.includes(r.status)) out.push(`status: expected ${statuses.join(' or ')}, got ${r.status} ${r.text.slice(0, 300)}`);
  for (const [name, exp] of Object.entries(e.headers ?? {})) out.push(...mismatches(exp, r.headers[name.toLowerCase()], `header ${name}`));
  if (e.error === true || e.scimType !== undefined) {
    const error: Obj = { schemas: [ERROR_SCHEMA], status: String(r.status), ...(e.scimType !== undefined ? { scimType: e.scimType } : {}) };
    out.push(...mismatches(error, r.body, 'error'));
  }
  if (e.text !== undefined) out.push(...mismatches(e.text, r.text, 'text'));
  if (r.status === 204) {
    if (r.text !== '') out.push(`204 with a body: ${r.text.slice(0, 200)}`);
  } else if (e.body !== undefined) {
    out.push(...mismatches(e.body, r.body, 'body'));
  }
  return out;
}

/** Checks `expect` (or its alternatives) and returns the alternative that held. */
function check(e: ExpectSpec, r: Captured, scope: Scope, what: string): Expect {
  const alternatives = 'anyOf' in e ? e.anyOf : [e];
  const problems: string[] = [];
  for (const alt of alternatives) {
    const { then: _then, ...checks } = alt;
    const rendered = render(checks, scope, { res: r as unknown as Json }) as Expect;
    const found = expectMismatches(rendered, r);
    if (found.length === 0) return alt;
    problems.push(found.join('\n  '));
  }
  assert.fail(`${what}\n  ${problems.join(alternatives.length > 1 ? '\n  -- or --\n  ' : '')}`);
}

async function checkLog(scope: Scope, expected: Json, what: string): Promise<void> {
  const { mine } = await logRows(scope.ctx.s, scope.tenantId, CLIENT, scope.sent);
  assert.equal(mine.length, scope.sent, `${what}: one log row per request of the client`);
  const found = mismatches(render(expected, scope), mine.map(asLogRow), 'rows');
  assert.deepEqual(found, [], `${what}\n  ${found.join('\n  ')}`);
}

async function checkClient(scope: Scope, expected: Json, what: string): Promise<void> {
  const c = await scope.ctx.s.running.services.admin.client(scope.tenant, CLIENT);
  const found = mismatches(render(expected, scope), { idp: c.idp, detectedIdp: c.detectedIdp, detectedReason: c.detectedReason }, 'client');
  assert.deepEqual(found, [], `${what}\n  ${found.join('\n  ')}`);
}

async function checkSecrets(scope: Scope, secrets: readonly string[], what: string): Promise<void> {
  const { all } = await logRows(scope.ctx.s, scope.tenantId, CLIENT, scope.sent);
  const found = secretsFound(scope.ctx.s, all, secrets.map((x) => String(renderString(x, scope))));
  assert.deepEqual(found, [], what);
}

/** Checks one answer in the case's mode; in strict mode a matched `strict` expectation ends the case. */
async function answer(r: Captured, scope: Scope, what: string, expect: ExpectSpec | undefined, strict: ExpectSpec | undefined): Promise<void> {
  if (scope.ctx.mode === 'strict' && strict !== undefined) {
    check(strict, r, scope, `${what} (strict profile)`);
    throw new StrictStop();
  }
  if (!expect) {
    assert.ok(r.status >= 200 && r.status < 300, `${what} failed: ${r.status} ${r.text.slice(0, 300)}`);
    return;
  }
  const matched = check(expect, r, scope, what);
  if (matched.then) await runSteps(matched.then, scope, `${what} (then)`);
}

async function runSteps(steps: readonly Step[], scope: Scope, phase: string): Promise<void> {
  const { ctx } = scope;
  for (const step of steps) {
    if (step.only && !step.only.includes(ctx.mode)) continue;
    if (step.use !== undefined) {
      const ds = ctx.datasets[step.use];
      if (!ds) throw new Error(`fixture: no dataset '${step.use}'`);
      await runSteps(ds, scope, `${phase} (${step.use})`);
      continue;
    }
    if (step.admin === 'disableTenant') {
      await ctx.s.running.services.admin.setTenantStatus(scope.tenant, 'disabled');
      continue;
    }
    if (step.log !== undefined) await checkLog(scope, step.log, `${phase}: log`);
    if (step.client !== undefined) await checkClient(scope, step.client, `${phase}: client`);
    if (step.secrets !== undefined) await checkSecrets(scope, step.secrets, `${phase}: secrets`);
    if (step.method === undefined) continue;
    const one = async (i: number) => {
      const locals = step.repeat !== undefined ? { i } : {};
      const r = await perform(step, scope, locals);
      const what = `${phase}: ${step.method} ${step.path}`;
      if (step.as) scope.vars.set(String(renderString(step.as, scope, locals)), r as unknown as Json);
      await answer(r, scope, what, step.expect, step.strict);
    };
    const n = step.repeat ?? 1;
    const batch = Math.max(1, step.concurrent ?? 1);
    for (let i = 1; i <= n; i += batch) {
      await Promise.all(Array.from({ length: Math.min(batch, n - i + 1) }, (_, k) => one(i + k)));
    }
  }
}

/** Replays a case on a fresh tenant named `tenant` with a client pinned to `ctx.pin` (none: unpinned). */
export async function runCase(ctx: CaseContext, c: Case, tenant: string): Promise<void> {
  const admin = ctx.s.running.services.admin;
  const t = await admin.createTenant(tenant);
  for (const [k, v] of Object.entries(c.settings ?? {})) await admin.setTenantSetting(tenant, k, v);
  const { token } = await admin.createClient(tenant, CLIENT, ctx.pin !== undefined ? { idp: ctx.pin } : {});
  const names = { base: ctx.s.base, origin: ctx.s.origin, tenant, token, serverToken: ctx.s.token, profile: ctx.pin ?? 'unpinned' };
  const scope: Scope = { ctx, tenant, tenantId: t.id, token, names, vars: new Map(), others: new Map(), sent: 0 };
  try {
    await runSteps(c.setup ?? [], scope, 'setup');
    const r = await perform(c.request, scope, {});
    scope.vars.set('response', r as unknown as Json);
    if (c.request.as) scope.vars.set(c.request.as, r as unknown as Json);
    await answer(r, scope, `${c.request.method} ${c.request.path}`, c.expect, c.strict ?? c.request.strict);
    await runSteps(c.then ?? [], scope, 'then');
  } catch (e) {
    if (!(e instanceof StrictStop)) throw e;
  }
  if (ctx.detected !== undefined) await checkClient(scope, { idp: '$absent', detectedIdp: ctx.detected }, 'the client is recognised');
  if (ctx.logIdp !== undefined) await checkLog(scope, { $each: { idp: ctx.logIdp } }, `every log row names profile '${ctx.logIdp}'`);
}
