/**
 * Schema-driven validation and normalisation of client input (RFC 7643 §2, §7; RFC 7644 §3.3, §3.5).
 *
 * Output is the canonical stored form: attribute names in schema casing, extension attributes
 * under their canonical URN key, dateTimes in UTC, no nulls, no empty strings, arrays or objects
 * (all of which RFC 7643 §2.5 treats as "unassigned"). readOnly input is dropped, never stored.
 */
import { invalidSyntax, invalidValue, mutability } from '../errors.ts';
import { isBase64, normalizeDateTime, unusableText } from '../values.ts';
import { extensionPathKey, pathKey, pathKeyMessage } from './path-keys.ts';
import type { ResourceSchema } from './registry.ts';
import type { AttributeDef } from './types.ts';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Records what was dropped from the input and why, for the request log. */
export interface Notes {
  readonly ignored: string[];
}

export interface NormalizeOptions {
  /** In PATCH, naming a readOnly top-level attribute is an error (RFC 7644 §3.5.2); elsewhere it is ignored. */
  readonly readOnly: 'ignore' | 'reject';
  readonly notes: Notes;
}

/** Keys of `obj` matched to definitions without regard to case; duplicate spellings are an error. */
function matchKeys(obj: Json, where: string): Map<string, [string, unknown]> {
  const out = new Map<string, [string, unknown]>();
  for (const [k, v] of Object.entries(obj)) {
    const lk = k.toLowerCase();
    if (out.has(lk)) throw invalidSyntax(`${where} has the attribute '${k}' more than once (names are case-insensitive)`);
    out.set(lk, [k, v]);
  }
  return out;
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`.slice(0, 80);
}

/** An attribute whose value must never be repeated back (a password): errors name its type only. */
function describeValue(def: AttributeDef, v: unknown): string {
  if (def.returned !== 'never' && def.mutability !== 'writeOnly') return describe(v);
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Longest string value accepted (characters); binary values may be longer (certificates). */
export const MAX_STRING_LENGTH = 8192;
export const MAX_BINARY_LENGTH = 65536;

/** Normalises one scalar of `def.type`. Returns undefined for "unassigned". */
function scalar(def: AttributeDef, v: unknown, path: string): unknown {
  switch (def.type) {
    case 'string':
    case 'reference':
      if (typeof v !== 'string') throw invalidValue(`'${path}' must be a string, not ${describeValue(def, v)}`);
      if (v.length > MAX_STRING_LENGTH) throw invalidValue(`'${path}' is ${v.length} characters long; the limit is ${MAX_STRING_LENGTH}`);
      {
        const why = unusableText(v);
        if (why) throw invalidValue(`'${path}' ${why}`);
      }
      return v === '' ? undefined : v;
    case 'binary':
      if (typeof v !== 'string' || !isBase64(v)) throw invalidValue(`'${path}' must be base64-encoded binary`);
      if (v.length > MAX_BINARY_LENGTH) throw invalidValue(`'${path}' is ${v.length} characters long; the limit is ${MAX_BINARY_LENGTH}`);
      return v === '' ? undefined : v;
    case 'boolean':
      if (typeof v !== 'boolean') throw invalidValue(`'${path}' must be a boolean (true or false), not ${describeValue(def, v)}`);
      return v;
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalidValue(`'${path}' must be an integer, not ${describeValue(def, v)}`);
      return v;
    case 'decimal':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidValue(`'${path}' must be a number, not ${describeValue(def, v)}`);
      return v;
    case 'dateTime': {
      const t = typeof v === 'string' ? normalizeDateTime(v) : undefined;
      if (t === undefined) throw invalidValue(`'${path}' must be an xsd:dateTime such as "2024-01-31T12:00:00Z", not ${describeValue(def, v)}`);
      return t;
    }
    case 'complex':
      throw new Error('complex is not a scalar');
  }
}

/** Normalises a complex value: sub-attributes matched without regard to case; readOnly ones dropped. */
function complexValue(def: AttributeDef, v: unknown, path: string, opts: NormalizeOptions): Json | undefined {
  if (!isObject(v)) throw invalidValue(`'${path}' must be an object with sub-attributes, not ${describe(v)}`);
  const out: Json = {};
  for (const [lk, [k, sv]] of matchKeys(v, `'${path}'`)) {
    const sub = def.subAttributes?.find((s) => s.name.toLowerCase() === lk);
    if (!sub) {
      opts.notes.ignored.push(`${join(path, k)} (unknown sub-attribute)`);
      continue;
    }
    if (sv === null || sv === undefined) continue;
    if (sub.mutability === 'readOnly') {
      opts.notes.ignored.push(`${join(path, sub.name)} (read-only)`);
      continue;
    }
    const nv = sub.multiValued ? multi(sub, sv, join(path, sub.name), opts) : scalar(sub, sv, join(path, sub.name));
    if (nv !== undefined) out[sub.name] = nv;
  }
  return Object.keys(out).length ? out : undefined;
}

function single(def: AttributeDef, v: unknown, path: string, opts: NormalizeOptions): unknown {
  return def.type === 'complex' ? complexValue(def, v, path, opts) : scalar(def, v, path);
}

function multi(def: AttributeDef, v: unknown, path: string, opts: NormalizeOptions): unknown[] | undefined {
  if (!Array.isArray(v)) throw invalidValue(`'${path}' is multi-valued and must be an array, not ${describe(v)}`);
  const out: unknown[] = [];
  v.forEach((item, i) => {
    if (item === null) return;
    const nv = single(def, item, `${path}[${i}]`, opts);
    if (nv !== undefined) out.push(nv);
  });
  checkPrimary(def, out, path);
  return out.length ? out : undefined;
}

/** RFC 7643 §2.4: "primary" true appears at most once in a multi-valued attribute. */
export function checkPrimary(def: AttributeDef, items: readonly unknown[], path: string): void {
  if (def.type !== 'complex') return;
  const primaries = items.filter((i) => isObject(i) && i.primary === true).length;
  if (primaries > 1) throw invalidValue(`'${path}' has ${primaries} values with "primary": true; at most one is allowed`);
}

/**
 * Normalises the value of one attribute (top-level or sub-attribute). Returns undefined when the
 * value is "unassigned" or was dropped as readOnly.
 */
export function normalizeAttribute(def: AttributeDef, v: unknown, path: string, opts: NormalizeOptions): unknown {
  if (v === null || v === undefined) return undefined;
  if (def.mutability === 'readOnly') {
    if (opts.readOnly === 'reject') throw mutability(`'${path}' is read-only`);
    opts.notes.ignored.push(`${path} (read-only)`);
    return undefined;
  }
  return def.multiValued ? multi(def, v, path, opts) : single(def, v, path, opts);
}

/**
 * Normalises the attributes of a resource body or of a path-less PATCH value: core and common
 * attributes at the top level, extension attributes under their URN. Keys `schemas`, `id` and
 * `meta` are the caller's business and are skipped here. Unknown attributes are ignored and noted;
 * a key that is an attribute path (`name.givenName`) is refused, never ignored (path-keys.ts).
 */
export function normalizeAttributes(body: Json, schema: ResourceSchema, opts: NormalizeOptions, skip: readonly string[] = ['schemas', 'id', 'meta']): Json {
  const out: Json = {};
  for (const [lk, [k, v]] of matchKeys(body, 'The resource')) {
    if (skip.includes(lk)) continue;
    if (pathKey(k, schema)) throw invalidValue(pathKeyMessage(k));
    const ext = schema.extension(k);
    if (ext) {
      if (v === null || v === undefined) continue;
      if (!isObject(v)) throw invalidValue(`'${k}' must be an object holding the extension's attributes, not ${describe(v)}`);
      const extOut: Json = {};
      for (const [elk, [ek, ev]] of matchKeys(v, `'${ext.id}'`)) {
        const def = ext.attributes.find((a) => a.name.toLowerCase() === elk);
        if (!def && extensionPathKey(ek)) throw invalidValue(pathKeyMessage(ek, `'${ext.id}'`));
        if (!def) {
          opts.notes.ignored.push(`${ext.id}:${ek} (unknown attribute)`);
          continue;
        }
        const nv = normalizeAttribute(def, ev, `${ext.id}:${def.name}`, opts);
        if (nv !== undefined) extOut[def.name] = nv;
      }
      if (Object.keys(extOut).length) out[ext.id] = extOut;
      continue;
    }
    const found = schema.coreOrCommon(k);
    if (!found) {
      opts.notes.ignored.push(`${k} (unknown attribute)`);
      continue;
    }
    const nv = normalizeAttribute(found.attr, v, found.attr.name, opts);
    if (nv !== undefined) out[found.attr.name] = nv;
  }
  return out;
}

/**
 * Checks the `schemas` attribute of a request body (RFC 7643 §3): an array of URIs that names the
 * resource's core schema and only schemas this resource type knows, including every extension
 * whose attributes the body carries.
 */
export function checkSchemas(body: Json, schema: ResourceSchema): void {
  const schemas = Object.entries(body).find(([k]) => k.toLowerCase() === 'schemas')?.[1];
  if (!Array.isArray(schemas) || schemas.length === 0 || !schemas.every((s) => typeof s === 'string')) {
    throw invalidSyntax(`The request must carry "schemas": ["${schema.core.id}"] (RFC 7643 §3)`);
  }
  const known = new Set(schema.schemaUrns.map((u) => u.toLowerCase()));
  const listed = new Set((schemas as string[]).map((s) => s.toLowerCase()));
  if (!listed.has(schema.core.id.toLowerCase())) {
    throw invalidValue(`"schemas" must include the core schema "${schema.core.id}"`);
  }
  for (const s of schemas as string[]) {
    if (!known.has(s.toLowerCase())) throw invalidValue(`"schemas" lists "${s}", which is not a schema of ${schema.name} resources`);
  }
  for (const k of Object.keys(body)) {
    const ext = schema.extension(k);
    if (ext && body[k] !== null && !listed.has(ext.id.toLowerCase())) {
      throw invalidValue(`The body carries attributes of "${ext.id}" but "schemas" does not list it`);
    }
  }
}

/** RFC 7643 §2.2 "required": every required attribute (and required sub-attribute of a present value) has a value. */
export function checkRequired(data: Json, schema: ResourceSchema): void {
  const check = (attrs: readonly AttributeDef[], obj: Json, prefix: string) => {
    for (const a of attrs) {
      const v = obj[a.name];
      const path = prefix ? `${prefix}${a.name}` : a.name;
      if (a.required && a.mutability !== 'readOnly' && v === undefined) {
        throw invalidValue(`'${path}' is required`);
      }
      if (a.type === 'complex' && v !== undefined && a.subAttributes?.some((s) => s.required)) {
        const items = a.multiValued && Array.isArray(v) ? v : [v];
        for (const item of items) if (isObject(item)) check(a.subAttributes, item, `${path}.`);
      }
    }
  };
  check(schema.core.attributes, data, '');
  for (const ext of schema.extensions) {
    const extData = data[ext.id];
    const required = schema.type.schemaExtensions.find((e) => e.schema === ext.id)?.required;
    if (extData === undefined) {
      if (required) throw invalidValue(`The extension '${ext.id}' is required`);
      continue;
    }
    if (isObject(extData)) check(ext.attributes, extData, `${ext.id}:`);
  }
}

/** Required strings must say something: a userName or group displayName of only spaces is refused. */
export function checkNotBlank(data: Json, schema: ResourceSchema): void {
  for (const a of schema.core.attributes) {
    const v = data[a.name];
    if (a.required && a.type === 'string' && typeof v === 'string' && v.trim() === '') throw invalidValue(`'${a.name}' must not be blank`);
  }
}
