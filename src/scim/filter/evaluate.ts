/**
 * In-memory filter evaluation over a rendered SCIM resource. This is the reference semantics:
 * the SQL compilers must return exactly the resources this function accepts (property-tested).
 *
 * Rules: a comparison needs a value to compare (an absent attribute matches no operator, `ne`
 * included; use `not (… eq …)` for "absent or different"); a multi-valued attribute matches when
 * any of its values does (RFC 7644 §3.4.2.2); caseExact=false strings compare folded.
 */
import type { AttrRef } from '../schema/registry.ts';
import { compareCodePoints, fold } from '../values.ts';
import type { BoundFilter, Target } from './bind.ts';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value of the top-level attribute `ref.attr` in `doc`. */
export function topLevelValue(doc: Json, ref: AttrRef): unknown {
  if (ref.extension) {
    const ext = doc[ref.schema!];
    return isObject(ext) ? ext[ref.attr.name] : undefined;
  }
  return doc[ref.attr.name];
}

function present(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.some(present);
  if (isObject(v)) return Object.values(v).some(present);
  return true;
}

/** All values a target denotes in `doc` (or in one multi-valued element when the target is relative). */
function values(doc: Json, t: Target): unknown[] {
  if (t.relative) {
    const v = doc[t.leaf.name];
    return present(v) ? (Array.isArray(v) ? v : [v]) : [];
  }
  const top = topLevelValue(doc, t.ref);
  const items = t.ref.attr.multiValued ? (Array.isArray(top) ? top : []) : top === undefined ? [] : [top];
  const out: unknown[] = [];
  for (const item of items) {
    const v = t.ref.sub ? (isObject(item) ? item[t.ref.sub.name] : undefined) : item;
    if (present(v)) out.push(v);
  }
  return out;
}

function compareOne(actual: unknown, f: Extract<BoundFilter, { kind: 'compare' }>): boolean {
  const leaf = f.target.leaf;
  const expected = f.value;
  if (typeof actual === 'string' && typeof expected === 'string') {
    // "A binary is case exact" (RFC 7643 §2.3.6), whatever the schema lists.
    const exact = leaf.caseExact || leaf.type === 'binary';
    const a = exact ? actual : fold(actual);
    const b = exact ? expected : fold(expected);
    switch (f.op) {
      case 'eq':
        return a === b;
      case 'ne':
        return a !== b;
      case 'co':
        return a.includes(b);
      case 'sw':
        return a.startsWith(b);
      case 'ew':
        return a.endsWith(b);
      case 'gt':
        return compareCodePoints(a, b) > 0;
      case 'ge':
        return compareCodePoints(a, b) >= 0;
      case 'lt':
        return compareCodePoints(a, b) < 0;
      case 'le':
        return compareCodePoints(a, b) <= 0;
    }
  }
  if (typeof actual === 'number' && typeof expected === 'number') {
    switch (f.op) {
      case 'eq':
        return actual === expected;
      case 'ne':
        return actual !== expected;
      case 'gt':
        return actual > expected;
      case 'ge':
        return actual >= expected;
      case 'lt':
        return actual < expected;
      case 'le':
        return actual <= expected;
      default:
        return false;
    }
  }
  if (typeof actual === 'boolean' && typeof expected === 'boolean') {
    if (f.op === 'eq') return actual === expected;
    if (f.op === 'ne') return actual !== expected;
  }
  return false;
}

/** True when `doc` (a rendered resource, or one multi-valued element for relative targets) matches. */
export function evaluate(f: BoundFilter, doc: Json): boolean {
  switch (f.kind) {
    case 'const':
      return f.value;
    case 'and':
      return evaluate(f.left, doc) && evaluate(f.right, doc);
    case 'or':
      return evaluate(f.left, doc) || evaluate(f.right, doc);
    case 'not':
      return !evaluate(f.filter, doc);
    case 'present':
      return values(doc, f.target).length > 0;
    case 'compare':
      return values(doc, f.target).some((v) => compareOne(v, f));
    case 'valuePath': {
      const top = topLevelValue(doc, f.ref);
      return Array.isArray(top) && top.some((el) => isObject(el) && evaluate(f.filter, el));
    }
  }
}
