/**
 * Schema rules that depend on the request's context (RFC 7643 §2.2 "mutability" and "returned"),
 * after the validation contexts of scim2-models: a creation request (POST), a replacement request
 * (PUT), a patch request (PATCH), a query request (filter, sortBy) and a response. The attribute
 * definitions decide; the use cases and the PATCH engine ask here instead of keeping copies.
 *
 * - writeOnly: accepted in a write, taken out of the document before it is stored, never returned.
 * - server-owned (readOnly): ignored in a POST or PUT body, refused by PATCH, kept from the stored
 *   resource when a PUT replaces it.
 * - immutable: may be set once; a PUT may repeat the value but not change it (an omitted value is
 *   kept), a PATCH may neither change nor remove an assigned value.
 */
import { mutability, ScimError } from '../errors.ts';
import { canonical } from './canonical.ts';
import type { ResourceSchema } from './registry.ts';
import type { AttributeDef, Returned } from './types.ts';
import { isObject, type Json } from './validate.ts';

export type SchemaContext = 'creationRequest' | 'replacementRequest' | 'patchRequest' | 'queryRequest' | 'response';
export type WriteContext = Extract<SchemaContext, 'creationRequest' | 'replacementRequest' | 'patchRequest'>;

export const SCHEMA_CONTEXTS: readonly SchemaContext[] = ['creationRequest', 'replacementRequest', 'patchRequest', 'queryRequest', 'response'];

/**
 * What a context does with a value the client gives for an attribute: `store` it; `take` it out
 * before storing (writeOnly: the use case may use it, e.g. hash a password); `ignore` it (readOnly
 * in a POST or PUT); `reject` it (readOnly in a PATCH); `none` where a context carries no values
 * (a query, a response).
 */
export type InputRule = 'store' | 'take' | 'ignore' | 'reject' | 'none';

/** How one context treats one attribute (or sub-attribute). */
export interface AttributeRule {
  readonly input: InputRule;
  /** writeOnly: never stored in the document, never returned. */
  readonly writeOnly: boolean;
  /** readOnly: the server's, whatever the client sends. */
  readonly serverOwned: boolean;
  /** The context may not change (nor, in a PATCH, remove) an assigned value. */
  readonly immutable: boolean;
  /** A value the request omits keeps the stored one (a PUT: readOnly and immutable attributes). */
  readonly keepsStored: boolean;
  /** When a response carries it (`never` for writeOnly, whatever the definition says). */
  readonly returned: Returned;
  /** Whether a filter or sortBy may name it (not what is never returned). */
  readonly queryable: boolean;
}

const isWrite = (context: SchemaContext): context is WriteContext => context !== 'queryRequest' && context !== 'response';

/** What `context` does with a value the client gives for `def`. */
export function inputRule(context: SchemaContext, def: AttributeDef): InputRule {
  if (!isWrite(context)) return 'none';
  if (serverOwned(def)) return readOnlyInput(context);
  return def.mutability === 'writeOnly' ? 'take' : 'store';
}

/** Whether `def` is the server's (readOnly): ignored in a POST or PUT, refused by PATCH, kept by a PUT. */
export function serverOwned(def: AttributeDef): boolean {
  return def.mutability === 'readOnly';
}

/** When a response carries `def`: a writeOnly attribute never, whatever its definition says. */
export function returnedIn(def: AttributeDef): Returned {
  return def.mutability === 'writeOnly' ? 'never' : def.returned;
}

/** Whether a query (filter, sortBy) may name `def`: not what is never returned. */
export function queryable(def: AttributeDef): boolean {
  return returnedIn(def) !== 'never';
}

/** Whether `context` holds an assigned value of `def` fixed (immutable in a PUT or PATCH). */
export function immutableIn(context: SchemaContext, def: AttributeDef): boolean {
  return def.mutability === 'immutable' && (context === 'replacementRequest' || context === 'patchRequest');
}

/**
 * The rule of `context` for the attribute `def`. (The predicates above answer one question each
 * without building the rule, for the paths that run per attribute per resource.)
 */
export function ruleFor(context: SchemaContext, def: AttributeDef): AttributeRule {
  const owned = serverOwned(def);
  return {
    input: inputRule(context, def),
    writeOnly: def.mutability === 'writeOnly',
    serverOwned: owned,
    immutable: immutableIn(context, def),
    keepsStored: context === 'replacementRequest' && (owned || def.mutability === 'immutable'),
    returned: returnedIn(def),
    queryable: queryable(def),
  };
}

/** What a write does with readOnly input: a POST or PUT ignores it, a PATCH refuses it (RFC 7644 §3.5.2). */
export function readOnlyInput(context: WriteContext): 'ignore' | 'reject' {
  return context === 'patchRequest' ? 'reject' : 'ignore';
}

/**
 * The attribute paths of a resource type whose rule in `context` passes `pick`: core attributes by
 * name, sub-attributes as `attr.sub`, extension attributes prefixed by their schema URN.
 */
export function attributesWhere(context: SchemaContext, schema: ResourceSchema, pick: (rule: AttributeRule) => boolean): string[] {
  const out: string[] = [];
  const walk = (attrs: readonly AttributeDef[], prefix: string) => {
    for (const a of attrs) {
      if (pick(ruleFor(context, a))) out.push(`${prefix}${a.name}`);
      for (const sub of a.subAttributes ?? []) if (pick(ruleFor(context, sub))) out.push(`${prefix}${a.name}.${sub.name}`);
    }
  };
  walk(schema.core.attributes, '');
  for (const ext of schema.extensions) walk(ext.attributes, `${ext.id}:`);
  return out;
}

/**
 * Whether going from `before` to `after` (undefined: unassigned) changes an assigned value that
 * `context` holds immutable. A creation sets values once; a PUT that omits a value keeps it; a
 * PATCH that removes one changes it.
 */
export function immutableChange(context: WriteContext, def: AttributeDef, before: unknown, after: unknown): boolean {
  if (!immutableIn(context, def) || before === undefined) return false;
  if (context === 'replacementRequest' && after === undefined) return false;
  return canonical(before) !== canonical(after);
}

/**
 * Refuses a change `immutableChange` finds, as `label` (e.g. `'serial'`): a PUT's "cannot be
 * changed", a PATCH's "already has a value"; both 400 mutability.
 */
export function checkImmutable(context: WriteContext, def: AttributeDef, before: unknown, after: unknown, label: string): void {
  if (!immutableChange(context, def, before, after)) return;
  if (context === 'replacementRequest') throw new ScimError(400, 'mutability', `${label} is immutable and cannot be changed`);
  throw mutability(`${label} is immutable and already has a value`);
}

/**
 * Takes the writeOnly attributes out of a document; returns the password if given. Write-only
 * attributes of extension schemas (and write-only sub-attributes) are discarded: RFC 7643 §2.2
 * says they are never returned, and scimd keeps no secret it cannot protect.
 */
export function takeWriteOnly(schema: ResourceSchema, data: Json): string | undefined {
  const writeOnly = (a: AttributeDef) => inputRule('creationRequest', a) === 'take';
  let password: string | undefined;
  for (const a of schema.core.attributes) {
    if (!writeOnly(a)) continue;
    if (a.name === 'password' && typeof data[a.name] === 'string') password = data[a.name] as string;
    delete data[a.name];
  }
  const strip = (attrs: readonly AttributeDef[], obj: Json) => {
    for (const a of attrs) {
      if (writeOnly(a)) delete obj[a.name];
      else if (a.subAttributes?.some(writeOnly) && obj[a.name] !== undefined) {
        for (const item of Array.isArray(obj[a.name]) ? (obj[a.name] as unknown[]) : [obj[a.name]]) if (isObject(item)) strip(a.subAttributes, item);
      }
    }
  };
  for (const ext of schema.extensions) {
    const v = data[ext.id];
    if (!isObject(v)) continue;
    strip(ext.attributes, v);
    if (Object.keys(v).length === 0) delete data[ext.id];
  }
  return password;
}

/**
 * RFC 7643 §2.2 "immutable" in a replacement (PUT) of `before` by `after`, in place: once set, a
 * value may be repeated but not changed, and one the PUT omits keeps its value. Top-level
 * attributes of the core schema and of each extension the PUT carries.
 */
export function keepImmutable(schema: ResourceSchema, before: Json, after: Json): void {
  const hold = (attrs: readonly AttributeDef[], b: Json, a: Json, prefix: string) => {
    for (const def of attrs) {
      if (!immutableIn('replacementRequest', def)) continue;
      checkImmutable('replacementRequest', def, b[def.name], a[def.name], `'${prefix}${def.name}'`);
      if (b[def.name] !== undefined && a[def.name] === undefined) a[def.name] = b[def.name];
    }
  };
  hold(schema.core.attributes, before, after, '');
  for (const ext of schema.extensions) {
    const b = before[ext.id];
    const a = after[ext.id];
    if (isObject(b) && isObject(a)) hold(ext.attributes, b, a, `${ext.id}:`);
  }
}

/**
 * Read-only attributes the server keeps in the stored document (such as scimd's emailVerified)
 * are the server's: a replacement (PUT), which never carries them, leaves them as they were.
 * Top-level attributes of the core schema and of each extension.
 */
export function keepServerOwned(schema: ResourceSchema, before: Json, after: Json): void {
    for (const a of schema.core.attributes) if (serverOwned(a) && before[a.name] !== undefined) after[a.name] = before[a.name];
  for (const ext of schema.extensions) {
    const b = before[ext.id];
    if (!isObject(b)) continue;
    for (const a of ext.attributes) {
      if (!serverOwned(a) || b[a.name] === undefined) continue;
      const target = isObject(after[ext.id]) ? (after[ext.id] as Json) : ((after[ext.id] = {}) as Json);
      target[a.name] = b[a.name];
    }
  }
}
