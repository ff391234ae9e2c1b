/**
 * Fixture templates (test/replay.test.ts describes the grammar): "{{name.path|pipe}}" reads a
 * captured response or a built-in name; templates nest ("{{user{{i}}.id}}", the inner one first);
 * a string that is only a template keeps the value's type. Request bodies may use
 * {"$repeat": {times, plus?, from?, item}} inside arrays and {"$string": {length, plus?, fill?}}.
 */
import { isObj, type Json } from './match.ts';

export interface TemplateScope {
  /** Built-in names (base, origin, tenant, token, …). */
  readonly names: Readonly<Record<string, Json>>;
  /** Responses captured with `as`. */
  readonly vars: Map<string, Json>;
}

export type Locals = Readonly<Record<string, Json>>;

function lookup(expr: string, scope: TemplateScope, locals: Locals): Json {
  const [path, ...pipes] = expr.split('|').map((p) => p.trim());
  const [head, ...rest] = path!.split('.');
  let v: Json;
  if (head! in locals) v = locals[head!];
  else if (head! in scope.names) v = scope.names[head!];
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
    else if (p === 'upper') v = String(v).toUpperCase();
    else throw new Error(`fixture template {{${expr}}}: unknown pipe '${p}'`);
  }
  return v;
}

const TEMPLATE = /\{\{([^{}]+)\}\}/g;
const WHOLE = /^\{\{([^{}]+)\}\}$/;

export function renderString(s: string, scope: TemplateScope, locals: Locals = {}): Json {
  let cur = s;
  for (;;) {
    const whole = WHOLE.exec(cur);
    if (whole) return lookup(whole[1]!, scope, locals);
    const next = cur.replace(TEMPLATE, (_, e: string) => {
      const v = lookup(e, scope, locals);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
    if (next === cur) return cur;
    cur = next;
  }
}

function count(v: Json, scope: TemplateScope, locals: Locals): number {
  const n = Number(typeof v === 'string' ? renderString(v, scope, locals) : v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`fixture: ${JSON.stringify(v)} is not a count`);
  return n;
}

export function render(v: Json, scope: TemplateScope, locals: Locals = {}): Json {
  if (typeof v === 'string') return renderString(v, scope, locals);
  if (Array.isArray(v)) {
    return v.flatMap((el) => {
      if (isObj(el) && isObj(el.$repeat)) {
        const r = el.$repeat;
        const n = count(r.times, scope, locals) + Number(r.plus ?? 0);
        const from = Number(r.from ?? 1);
        return Array.from({ length: n }, (_, i) => render(r.item, scope, { ...locals, i: from + i }));
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
