/**
 * Replays the request/response examples of RFC 7644 §3.3–§3.7 and §3.12 (fixtures/*.json) against
 * a real scimd: one server per fixture file, one fresh tenant per case, real HTTP and SQLite.
 *
 * Fixture format: each file is an array of cases
 *   { section, name, source: "example" | "text", idp?, note?, setup?: Step[], request, expect, then?: Step[] }
 * - `source` says whether the case replays an example of the RFC ("example") or a rule its text
 *   states for that section ("text").
 * - The case's SCIM client is unpinned (the tolerant default profile) unless `idp` pins one: a case
 *   whose expected 400 is a request the tolerant default reads (a body without "schemas", say)
 *   pins "strict", the exact RFC 7644 behaviour.
 * - A Step is a request ({ method, path, headers?, body?, rawBody? }) plus optional `as` (a name to
 *   capture the response under), `expect`, `repeat` (run n times with {{i}} = 1..n), or
 *   `use` (splice in a named step list from fixtures/_datasets.json), or `admin` (a tenant
 *   operation with no SCIM endpoint, e.g. "disableTenant"). Setup steps without `expect` must
 *   answer 2xx.
 * - `expect` is { status: n | [n…], headers?, body?, then? } or { anyOf: [expect…] } where the RFC
 *   allows more than one answer. `body` is a partial match: objects match when every expected key
 *   matches (extra keys are fine), arrays match element by element. Matchers: "$present",
 *   "$absent", {"$regex"}, {"$unordered": [...]}, {"$contains": [...]}, {"$oneOf": [...]},
 *   {"$not"}, {"$includes"}, {"$type"}, {"$length"}, {"$ge"|"$gt"|"$le"|"$lt"}.
 *   A 204 answer must have an empty body, and any `body` expectation is then not applied.
 * - Templates: "{{name.path}}" reads a captured response ({ status, headers, body, id, etag,
 *   location, version }); a string that is only a template keeps the value's type. Also {{base}}
 *   (…/scim/v2), {{origin}}, {{tenant}}, {{i}}, {{res}} (the response being checked) and
 *   {{response}} (the case's main response, in `then` steps). Pipes: |last (last path segment),
 *   |re (regex-escaped), |json (JSON text). Request bodies may use {"$repeat": {times, plus?, item}}
 *   inside arrays and {"$string": {length, plus?, fill?}} to build large requests.
 * - Query strings in `path` are written unencoded, as the RFC prints them; the runner encodes them.
 * Every response with a body must be application/scim+json (RFC 7644 §3.8, §8.1).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { send, startTestServer, type Reply, type TestServer } from '../helpers/server.ts';

type Json = unknown;
type Obj = Record<string, Json>;

interface Expect {
  readonly status: number | readonly number[];
  readonly headers?: Record<string, Json>;
  readonly body?: Json;
  readonly then?: readonly Step[];
}

interface Step {
  readonly as?: string;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string | null>;
  readonly body?: Json;
  readonly rawBody?: string;
  readonly expect?: Expect | { readonly anyOf: readonly Expect[] };
  readonly repeat?: number;
  readonly use?: string;
  readonly admin?: 'disableTenant';
}

interface Case {
  readonly section: string;
  readonly name: string;
  readonly source: 'example' | 'text';
  readonly idp?: string;
  readonly note?: string;
  readonly setup?: readonly Step[];
  readonly request: Step;
  readonly expect: Expect | { readonly anyOf: readonly Expect[] };
  readonly then?: readonly Step[];
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

interface Scope {
  readonly s: TestServer;
  readonly tenant: string;
  readonly token: string;
  readonly vars: Map<string, Json>;
}

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const DATASETS = JSON.parse(readFileSync(join(FIXTURES, '_datasets.json'), 'utf8')) as Record<string, Step[]>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// Templates

function lookup(expr: string, scope: Scope, locals: Record<string, Json>): Json {
  const [path, ...pipes] = expr.split('|').map((p) => p.trim());
  const [head, ...rest] = path!.split('.');
  let v: Json;
  if (head! in locals) v = locals[head!];
  else if (head === 'base') v = scope.s.base;
  else if (head === 'origin') v = scope.s.origin;
  else if (head === 'tenant') v = scope.tenant;
  else if (scope.vars.has(head!)) v = scope.vars.get(head!);
  else throw new Error(`fixture template {{${expr}}}: nothing is named '${head}'`);
  for (const k of rest) {
    if (Array.isArray(v) && /^\d+$/.test(k)) v = v[Number(k)];
    else if (isObj(v)) v = v[k];
    else throw new Error(`fixture template {{${expr}}}: '${k}' of a non-object`);
  }
  if (v === undefined) throw new Error(`fixture template {{${expr}}} is undefined`);
  for (const p of pipes) {
    if (p === 'last') v = String(v).split('/').pop();
    else if (p === 're') v = String(v).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (p === 'json') v = JSON.stringify(v);
    else throw new Error(`fixture template {{${expr}}}: unknown pipe '${p}'`);
  }
  return v;
}

function renderString(s: string, scope: Scope, locals: Record<string, Json>): Json {
  const whole = /^\{\{([^{}]+)\}\}$/.exec(s);
  if (whole) return lookup(whole[1]!, scope, locals);
  return s.replace(/\{\{([^{}]+)\}\}/g, (_, e: string) => {
    const v = lookup(e, scope, locals);
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

function count(v: Json, scope: Scope, locals: Record<string, Json>): number {
  const n = Number(typeof v === 'string' ? renderString(v, scope, locals) : v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`fixture: ${JSON.stringify(v)} is not a count`);
  return n;
}

function render(v: Json, scope: Scope, locals: Record<string, Json> = {}): Json {
  if (typeof v === 'string') return renderString(v, scope, locals);
  if (Array.isArray(v)) {
    return v.flatMap((el) => {
      if (isObj(el) && isObj(el.$repeat)) {
        const r = el.$repeat;
        const n = count(r.times, scope, locals) + Number(r.plus ?? 0);
        return Array.from({ length: n }, (_, i) => render(r.item, scope, { ...locals, i: i + 1 }));
      }
      return [render(el, scope, locals)];
    });
  }
  if (isObj(v)) {
    if (isObj(v.$string)) {
      const r = v.$string;
      const n = count(r.length, scope, locals) + Number(r.plus ?? 0);
      return String(r.fill ?? 'x').repeat(n).slice(0, n);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x, scope, locals)]));
  }
  return v;
}

// Matching

const MATCHERS = new Set(['$regex', '$unordered', '$contains', '$oneOf', '$not', '$includes', '$type', '$length', '$ge', '$gt', '$le', '$lt']);

function typeOf(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number' && Number.isInteger(v)) return 'integer';
  return typeof v;
}

function show(v: Json): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** Assigns each expected element to a distinct actual one (backtracking; lists here are short). */
function assign(expected: readonly Json[], actual: readonly Json[], at: string): boolean {
  const used = new Set<number>();
  const go = (i: number): boolean => {
    if (i === expected.length) return true;
    for (let j = 0; j < actual.length; j++) {
      if (used.has(j) || mismatches(expected[i], actual[j], at).length > 0) continue;
      used.add(j);
      if (go(i + 1)) return true;
      used.delete(j);
    }
    return false;
  };
  return go(0);
}

function compare(op: string, bound: Json, actual: Json): boolean {
  if (!((typeof bound === 'number' && typeof actual === 'number') || (typeof bound === 'string' && typeof actual === 'string'))) return false;
  const c = bound < actual ? 1 : bound > actual ? -1 : 0; // sign of (actual - bound)
  return op === '$ge' ? c >= 0 : op === '$gt' ? c > 0 : op === '$le' ? c <= 0 : c < 0;
}

function mismatches(exp: Json, act: Json, at: string): string[] {
  const fail = (why: string) => [`${at || '(root)'}: ${why}, got ${show(act)}`];
  if (exp === '$present') return act === undefined ? fail('expected a value') : [];
  if (exp === '$absent') return act === undefined ? [] : fail('expected no value');
  if (isObj(exp)) {
    const keys = Object.keys(exp);
    if (keys.length === 1 && MATCHERS.has(keys[0]!)) {
      const m = keys[0]!;
      const arg = exp[m];
      switch (m) {
        case '$regex':
          return typeof act === 'string' && new RegExp(String(arg)).test(act) ? [] : fail(`expected to match /${String(arg)}/`);
        case '$includes':
          return typeof act === 'string' && act.includes(String(arg)) ? [] : fail(`expected to include ${show(arg)}`);
        case '$type':
          return typeOf(act) === arg || (arg === 'number' && typeOf(act) === 'integer') ? [] : fail(`expected a value of type ${String(arg)}`);
        case '$length':
          return (Array.isArray(act) || typeof act === 'string') && act.length === arg ? [] : fail(`expected length ${String(arg)}`);
        case '$not':
          return mismatches(arg, act, at).length > 0 ? [] : fail(`expected anything but ${show(arg)}`);
        case '$oneOf':
          return (arg as Json[]).some((alt) => mismatches(alt, act, at).length === 0) ? [] : fail(`expected one of ${show(arg)}`);
        case '$unordered': {
          const list = arg as Json[];
          if (!Array.isArray(act) || act.length !== list.length) return fail(`expected ${list.length} values in any order: ${show(list)}`);
          return assign(list, act, at) ? [] : fail(`expected, in any order, ${show(list)}`);
        }
        case '$contains': {
          const list = arg as Json[];
          return Array.isArray(act) && assign(list, act, at) ? [] : fail(`expected to contain ${show(list)}`);
        }
        default:
          return compare(m, arg, act) ? [] : fail(`expected ${m.slice(1)} ${show(arg)}`);
      }
    }
    if (!isObj(act)) return fail('expected an object');
    return keys.flatMap((k) => mismatches(exp[k], act[k], `${at}.${k}`));
  }
  if (Array.isArray(exp)) {
    if (!Array.isArray(act) || act.length !== exp.length) return fail(`expected an array of ${exp.length}: ${show(exp)}`);
    return exp.flatMap((e, i) => mismatches(e, act[i], `${at}[${i}]`));
  }
  return exp === act ? [] : fail(`expected ${show(exp)}`);
}

function expectMismatches(e: Expect, r: Captured): string[] {
  const out: string[] = [];
  const statuses = typeof e.status === 'number' ? [e.status] : e.status;
  if (!statuses.includes(r.status)) out.push(`status: expected ${statuses.join(' or ')}, got ${r.status} ${r.text.slice(0, 300)}`);
  for (const [name, exp] of Object.entries(e.headers ?? {})) out.push(...mismatches(exp, r.headers[name.toLowerCase()], `header ${name}`));
  if (r.status === 204) {
    if (r.text !== '') out.push(`204 with a body: ${r.text.slice(0, 200)}`);
  } else if (e.body !== undefined) {
    out.push(...mismatches(e.body, r.body, 'body'));
  }
  return out;
}

// Running

function withQuery(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const params = path
    .slice(q + 1)
    .split('&')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? encodeURIComponent(p) : `${encodeURIComponent(p.slice(0, eq))}=${encodeURIComponent(p.slice(eq + 1))}`;
    });
  return `${path.slice(0, q)}?${params.join('&')}`;
}

async function perform(step: Step, scope: Scope, locals: Record<string, Json>): Promise<Captured> {
  const path = String(render(step.path, scope, locals));
  const url = path.startsWith('http') ? withQuery(path) : `${scope.s.base}${withQuery(path)}`;
  const headers: Record<string, string | null> = { accept: 'application/scim+json', authorization: `Bearer ${scope.token}` };
  for (const [k, v] of Object.entries(step.headers ?? {})) headers[k.toLowerCase()] = v === null ? null : String(render(v, scope, locals));
  let body: string | undefined;
  if (step.rawBody !== undefined) body = String(render(step.rawBody, scope, locals));
  else if (step.body !== undefined) body = JSON.stringify(render(step.body, scope, locals));
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

/** Checks `expect` (or its alternatives) and returns the alternative that held. */
function check(e: Case['expect'], r: Captured, scope: Scope, what: string): Expect {
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

async function runSteps(steps: readonly Step[], scope: Scope, phase: string): Promise<void> {
  for (const step of steps) {
    if (step.use !== undefined) {
      const ds = DATASETS[step.use];
      if (!ds) throw new Error(`fixture: no dataset '${step.use}' in _datasets.json`);
      await runSteps(ds, scope, `${phase} (${step.use})`);
      continue;
    }
    if (step.admin === 'disableTenant') {
      await scope.s.running.services.admin.setTenantStatus(scope.tenant, 'disabled');
      continue;
    }
    for (let i = 1; i <= (step.repeat ?? 1); i++) {
      const locals = step.repeat !== undefined ? { i } : {};
      const r = await perform(step, scope, locals);
      const what = `${phase}: ${step.method} ${step.path}`;
      if (step.as) scope.vars.set(step.as, r as unknown as Json);
      if (!step.expect) {
        assert.ok(r.status >= 200 && r.status < 300, `${what} failed: ${r.status} ${r.text.slice(0, 300)}`);
        continue;
      }
      const matched = check(step.expect, r, scope, what);
      if (matched.then) await runSteps(matched.then, scope, `${phase} (then)`);
    }
  }
}

async function runCase(s: TestServer, c: Case, tenant: string): Promise<void> {
  const token = await s.tenant(tenant);
  if (c.idp !== undefined) await s.running.services.admin.setClientSetting(tenant, 'idp', 'idp', c.idp);
  const scope: Scope = { s, tenant, token, vars: new Map() };
  await runSteps(c.setup ?? [], scope, 'setup');
  const r = await perform(c.request, scope, {});
  scope.vars.set('response', r as unknown as Json);
  if (c.request.as) scope.vars.set(c.request.as, r as unknown as Json);
  const matched = check(c.expect, r, scope, `${c.request.method} ${c.request.path}`);
  await runSteps([...(matched.then ?? []), ...(c.then ?? [])], scope, 'then');
}

function loadCases(file: string): Case[] {
  const cases = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Case[];
  assert.ok(Array.isArray(cases) && cases.length > 0, `${file} must hold an array of cases`);
  for (const c of cases) {
    assert.ok(typeof c.section === 'string' && typeof c.name === 'string' && c.request && c.expect, `${file}: malformed case ${JSON.stringify(c).slice(0, 200)}`);
    assert.ok(c.source === 'example' || c.source === 'text', `${file}: case '${c.name}' needs source "example" or "text"`);
  }
  const names = cases.map((c) => `${c.section} ${c.name}`);
  assert.equal(new Set(names).size, names.length, `${file}: case names must be unique`);
  return cases;
}

const files = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json') && !f.startsWith('_'))
  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

for (const file of files) {
  const cases = loadCases(file);
  describe(`RFC 7644 fixtures: ${file}`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer();
    });
    after(() => s.close());
    cases.forEach((c, i) => {
      it(`RFC 7644 §${c.section} ${c.name}`, () => runCase(s, c, `case-${i}`));
    });
  });
}
