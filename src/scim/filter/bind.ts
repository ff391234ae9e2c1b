/**
 * Binds a parsed filter to a resource schema: resolves every attribute path, checks that the
 * operator suits the attribute's type (RFC 7644 §3.4.2.2) and turns literals into typed values.
 * Both the in-memory evaluator and the SQL compilers work on the bound form, so they agree on
 * what a filter means.
 */
import { invalidFilter } from '../errors.ts';
import { SCIMD_USER_URN } from '../urns.ts';
import type { AttrRef, ResourceSchema } from '../schema/registry.ts';
import { attr } from '../schema/define.ts';
import { subAttribute } from '../schema/registry.ts';
import type { AttributeDef } from '../schema/types.ts';
import { queryable } from '../schema/context.ts';
import { normalizeDateTime } from '../values.ts';
import type { AttrPath, CompareOp, Filter, Literal } from './ast.ts';
import { evaluate } from './evaluate.ts';

/** What a comparison reads: an attribute, possibly a sub-attribute, possibly of a multi-valued element. */
export interface Target {
  readonly ref: AttrRef;
  /** The attribute whose type governs the comparison (the sub-attribute when there is one). */
  readonly leaf: AttributeDef;
  /** Inside a value filter, paths are relative to one element of `ref.attr`. */
  readonly relative: boolean;
}

export type BoundFilter =
  | { readonly kind: 'compare'; readonly target: Target; readonly op: CompareOp; readonly value: string | number | boolean }
  | { readonly kind: 'present'; readonly target: Target }
  | { readonly kind: 'and' | 'or'; readonly left: BoundFilter; readonly right: BoundFilter }
  | { readonly kind: 'not'; readonly filter: BoundFilter }
  | { readonly kind: 'valuePath'; readonly ref: AttrRef; readonly filter: BoundFilter }
  | { readonly kind: 'const'; readonly value: boolean };

/** Attributes that exist but may not be filtered on. */
function unfilterable(ref: AttrRef): string | undefined {
  const a = ref.sub ?? ref.attr;
  if (!queryable(a)) return `'${a.name}' is never returned and cannot be used in a filter`;
  if (ref.schema === null && ref.attr.name === 'meta' && ref.sub && (ref.sub.name === 'location' || ref.sub.name === 'version')) {
    return `'meta.${ref.sub.name}' cannot be used in a filter`;
  }
  if (ref.schema === SCIMD_USER_URN && ref.attr.name === 'appRoles') return `'appRoles' is derived on every read and cannot be used in a filter`;
  if (ref.sub?.name === '$ref' && (ref.attr.name === 'members' || ref.attr.name === 'groups')) {
    return `'${ref.attr.name}.$ref' cannot be used in a filter; filter on '${ref.attr.name}.value'`;
  }
  return undefined;
}

export class UnknownAttribute extends Error {}

/**
 * Binds `filter` for `schema`. Unknown attributes are an invalidFilter error, unless
 * `unknownAsFalse` is set (used by root-level search, where an attribute may exist on only one type).
 */
export function bindFilter(filter: Filter, schema: ResourceSchema, unknownAsFalse = false): BoundFilter {
  return bind(filter, schema, undefined, unknownAsFalse);
}

/**
 * Binds one filter for several resource types at once (root-level search, RFC 7644 §3.4.3). An
 * attribute a type lacks makes only its own comparison false there, so `userName eq "bob" or
 * displayName eq "Admins"` finds both a User and a Group; an attribute no type knows is an error.
 */
export function bindFilterForTypes(filter: Filter, schemas: readonly ResourceSchema[]): Map<string, BoundFilter> {
  const known = (p: AttrPath) => schemas.some((s) => isSchemas(p, s) || s.resolve(p.uri, p.name, p.sub) !== undefined);
  const check = (f: Filter): void => {
    switch (f.kind) {
      case 'and':
      case 'or':
        check(f.left);
        check(f.right);
        return;
      case 'not':
        return check(f.filter);
      default:
        // Paths inside a value filter are relative; the binder checks them against their parent.
        if (!known(f.path)) throw invalidFilter(`Unknown attribute '${f.path.text}'`);
    }
  };
  check(filter);
  return new Map(schemas.map((s) => [s.name, bind(filter, s, undefined, true)]));
}

/** Binds the filter of a value path (`attr[filter]`), whose paths name sub-attributes of `parent`. */
export function bindValueFilter(filter: Filter, schema: ResourceSchema, parent: AttrRef): BoundFilter {
  return bind(filter, schema, parent, false);
}

function bind(f: Filter, schema: ResourceSchema, parent: AttrRef | undefined, unknownAsFalse: boolean): BoundFilter {
  switch (f.kind) {
    case 'and':
    case 'or':
      return { kind: f.kind, left: bind(f.left, schema, parent, unknownAsFalse), right: bind(f.right, schema, parent, unknownAsFalse) };
    case 'not':
      return { kind: 'not', filter: bind(f.filter, schema, parent, unknownAsFalse) };
    case 'valuePath': {
      const ref = schema.resolve(f.path.uri, f.path.name);
      if (!ref) {
        if (unknownAsFalse) return { kind: 'const', value: false };
        throw invalidFilter(`Unknown attribute '${f.path.text}'`);
      }
      if (ref.attr.type !== 'complex' || !ref.attr.multiValued) {
        throw invalidFilter(`'${f.path.text}' is not a multi-valued complex attribute, so it cannot take a value filter`);
      }
      return { kind: 'valuePath', ref, filter: bind(f.filter, schema, ref, unknownAsFalse) };
    }
    case 'present': {
      if (!parent && isSchemas(f.path, schema)) return bindSchemas(f, schema);
      const target = resolveTarget(f.path, schema, parent, unknownAsFalse, false);
      return target ? { kind: 'present', target } : { kind: 'const', value: false };
    }
    case 'compare': {
      if (!parent && isSchemas(f.path, schema)) return bindSchemas(f, schema);
      // `eq null` / `ne null` ask whether the attribute itself is present, as `pr` does.
      const target = resolveTarget(f.path, schema, parent, unknownAsFalse, f.value !== null);
      if (!target) return { kind: 'const', value: false };
      // RFC 7644 allows null as a compValue: "eq null" reads as "has no value".
      if (f.value === null) {
        if (f.op === 'eq') return { kind: 'not', filter: { kind: 'present', target } };
        if (f.op === 'ne') return { kind: 'present', target };
        throw invalidFilter(`'${f.op} null' is not meaningful on '${f.path.text}'; use 'pr' or 'eq null'`);
      }
      return { kind: 'compare', target, op: f.op, value: typedValue(f.path, target.leaf, f.op, f.value) };
    }
  }
}

/**
 * RFC 7643 §3 "schemas" is not stored but known: a resource carries its core schema URN, and an
 * extension's URN exactly when it holds attributes of that extension. RFC 7644 §3.4.2.2 filters on
 * it (`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`). URNs compare
 * without regard to case (RFC 7644 §3.10).
 */
const SCHEMAS: AttributeDef = attr('schemas', 'string', 'The URIs of the schemas of the resource.', { multiValued: true, mutability: 'readOnly', returned: 'always' });

function isSchemas(path: AttrPath, schema: ResourceSchema): boolean {
  return path.uri === undefined && path.sub === undefined && path.name.toLowerCase() === 'schemas' && !schema.resolve(undefined, path.name);
}

/** Decides a `schemas` test for each URN the resource type knows, leaving presence tests for extensions. */
function bindSchemas(f: Extract<Filter, { kind: 'compare' | 'present' }>, schema: ResourceSchema): BoundFilter {
  if (f.kind === 'present' || (f.value === null && f.op === 'ne')) return { kind: 'const', value: true };
  if (f.value === null) {
    if (f.op === 'eq') return { kind: 'const', value: false };
    throw invalidFilter(`'${f.op} null' is not meaningful on '${f.path.text}'; use 'pr' or 'eq null'`);
  }
  const test: BoundFilter = {
    kind: 'compare',
    target: { ref: { schema: null, extension: false, attr: SCHEMAS }, leaf: SCHEMAS, relative: false },
    op: f.op,
    value: typedValue(f.path, SCHEMAS, f.op, f.value),
  };
  const holds = (urn: string) => evaluate(test, { schemas: [urn] });
  if (holds(schema.core.id)) return { kind: 'const', value: true };
  let out: BoundFilter = { kind: 'const', value: false };
  for (const ext of schema.extensions) {
    if (!holds(ext.id)) continue;
    // Stored extensions are never empty objects, so "has the extension" is "has one of its attributes".
    for (const a of ext.attributes) {
      const present: BoundFilter = { kind: 'present', target: { ref: { schema: ext.id, extension: true, attr: a }, leaf: a, relative: false } };
      out = out.kind === 'const' ? present : { kind: 'or', left: out, right: present };
    }
  }
  return out;
}

function resolveTarget(path: AttrPath, schema: ResourceSchema, parent: AttrRef | undefined, unknownAsFalse: boolean, compares: boolean): Target | undefined {
  let ref: AttrRef | undefined;
  if (parent) {
    // Inside attr[...]: a bare sub-attribute name of the parent.
    const sub = path.uri === undefined && path.sub === undefined ? subAttribute(parent.attr, path.name) : undefined;
    if (!sub) throw invalidFilter(`'${path.text}' is not a sub-attribute of '${parent.attr.name}'`);
    ref = { ...parent, sub };
    const why = unfilterable(ref);
    if (why) throw invalidFilter(why);
    return { ref, leaf: sub, relative: true };
  }
  ref = schema.resolve(path.uri, path.name, path.sub);
  if (!ref) {
    if (unknownAsFalse) return undefined;
    throw invalidFilter(`Unknown attribute '${path.text}'`);
  }
  // A complex attribute named without a sub-attribute compares its "value" (e.g. `emails co "x"`);
  // presence is of the attribute itself: "pr … if it contains a non-empty node" (RFC 7644 §3.4.2.2).
  if (compares && !ref.sub && ref.attr.type === 'complex') {
    const value = subAttribute(ref.attr, 'value');
    if (value) ref = { ...ref, sub: value };
  }
  const why = unfilterable(ref);
  if (why) throw invalidFilter(why);
  return { ref, leaf: ref.sub ?? ref.attr, relative: false };
}

const SUBSTRING: readonly CompareOp[] = ['co', 'sw', 'ew'];

function typedValue(path: AttrPath, leaf: AttributeDef, op: CompareOp, value: Exclude<Literal, null>): string | number | boolean {
  const name = path.text;
  switch (leaf.type) {
    case 'string':
    case 'reference':
      if (typeof value !== 'string') throw invalidFilter(`'${name}' is a string; compare it with a quoted string, not ${JSON.stringify(value)}`);
      return value;
    case 'binary':
      if (op !== 'eq' && op !== 'ne') throw invalidFilter(`'${name}' is binary; only eq, ne and pr apply`);
      if (typeof value !== 'string') throw invalidFilter(`'${name}' is binary; compare it with a base64 string`);
      return value;
    case 'boolean':
      if (op !== 'eq' && op !== 'ne') throw invalidFilter(`'${name}' is a boolean; only eq, ne and pr apply`);
      if (typeof value !== 'boolean') throw invalidFilter(`'${name}' is a boolean; compare it with true or false, not ${JSON.stringify(value)}`);
      return value;
    case 'integer':
    case 'decimal':
      if (SUBSTRING.includes(op)) throw invalidFilter(`'${name}' is a number; ${op} applies to strings only`);
      if (typeof value !== 'number') throw invalidFilter(`'${name}' is a number; compare it with a number, not ${JSON.stringify(value)}`);
      return value;
    case 'dateTime': {
      if (SUBSTRING.includes(op)) throw invalidFilter(`'${name}' is a dateTime; ${op} applies to strings only`);
      const t = typeof value === 'string' ? normalizeDateTime(value) : undefined;
      if (t === undefined) throw invalidFilter(`'${name}' is a dateTime; compare it with a quoted xsd:dateTime such as "2024-01-31T12:00:00Z"`);
      return t;
    }
    case 'complex':
      throw invalidFilter(`'${name}' is complex; name a sub-attribute (e.g. '${name}.${leaf.subAttributes?.[0]?.name ?? 'value'}') or use pr`);
  }
}
