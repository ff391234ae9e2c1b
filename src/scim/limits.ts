/**
 * Size limits on what one request may ask for, checked on the raw input before any work (and
 * before any database transaction) starts. Each error names the limit and its value, so a client
 * that meets one knows what to change. The configured values come from src/config.ts.
 */
import { invalidPath, invalidSyntax, invalidValue } from './errors.ts';
import { isObject, type Json } from './schema/validate.ts';

export interface InputLimits {
  /** Most members in the `members` of one POST or PUT, and in the member values of one PATCH. */
  readonly maxMembers: number;
  /** Most values of one multi-valued attribute (other than a group's members, which are rows). */
  readonly maxValues: number;
}

export interface PatchInputLimits extends InputLimits {
  readonly maxOperations: number;
  /** Longest PATCH path (the path grammar is the filter grammar; it shares the filter's limits). */
  readonly maxPathLength: number;
  /** Deepest nesting of brackets, parentheses and `not (` in a PATCH path. */
  readonly maxPathDepth: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = { maxMembers: 10_000, maxValues: 1000 };

function key(obj: Json, name: string): unknown {
  const k = Object.keys(obj).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : obj[k];
}

const join = (path: string, k: string) => (path === '' ? k : /^urn:/i.test(path) ? `${path}:${k}` : `${path}.${k}`);
const shown = (path: string) => (path === '' ? 'value' : path.length > 120 ? `${path.slice(0, 120)}…` : path);

/** Every array anywhere in `v` has at most `maxValues` elements. */
function checkArrays(v: unknown, path: string, limits: InputLimits): void {
  if (Array.isArray(v)) {
    if (v.length > limits.maxValues) {
      throw invalidValue(`'${shown(path)}' has ${v.length} values; the limit is ${limits.maxValues} values per attribute`);
    }
    for (const item of v) checkArrays(item, path, limits);
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) checkArrays(x, join(path, k), limits);
  }
}

function tooManyMembers(n: number, limits: InputLimits): never {
  throw invalidValue(`The request names ${n} members; the limit is ${limits.maxMembers} members per request (add the rest with further PATCH requests)`);
}

/** A POST or PUT body of a User or Group, before it is normalised. */
export function checkResourceBody(body: unknown, isGroup: boolean, limits: InputLimits): void {
  if (!isObject(body)) return;
  for (const [k, v] of Object.entries(body)) {
    if (isGroup && k.toLowerCase() === 'members') {
      if (Array.isArray(v) && v.length > limits.maxMembers) tooManyMembers(v.length, limits);
      if (Array.isArray(v)) for (const m of v) checkArrays(m, 'members', limits);
      continue;
    }
    checkArrays(v, k, limits);
  }
}

/** Nesting of ( and [ outside string literals, as the parser counts it (which runs later, in the transaction). */
function checkPathDepth(path: string, max: number, where: string): void {
  let depth = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '"') {
      for (i++; i < path.length && path[i] !== '"'; i++) if (path[i] === '\\') i++;
    } else if (c === '(' || c === '[') {
      if (++depth > max) throw invalidPath(`${where}: Invalid path at position ${i + 1}: nesting is deeper than ${max}`);
    } else if (c === ')' || c === ']') depth--;
  }
}

/** `members`, `members[…]`, `members[…].x`, optionally qualified with the core Group URN. */
const MEMBERS_PATH = /^(urn:ietf:params:scim:schemas:core:2\.0:group:)?members(\[|\.|$)/i;

/** A PatchOp body (RFC 7644 §3.5.2), before normalisers or the PATCH engine see it. */
export function checkPatchBody(body: unknown, isGroup: boolean, limits: PatchInputLimits): void {
  if (!isObject(body)) return;
  const ops = key(body, 'Operations');
  if (!Array.isArray(ops)) return;
  if (ops.length > limits.maxOperations) {
    throw invalidSyntax(`"Operations" has ${ops.length} entries; the limit is ${limits.maxOperations} operations per PATCH`);
  }
  let members = 0;
  ops.forEach((op, i) => {
    if (!isObject(op)) return;
    const path = key(op, 'path');
    const value = key(op, 'value');
    if (typeof path === 'string' && path.length > limits.maxPathLength) {
      throw invalidPath(`Operations[${i}].path is ${path.length} characters long; the limit is ${limits.maxPathLength}`);
    }
    if (typeof path === 'string') checkPathDepth(path, limits.maxPathDepth, `Operations[${i}]`);
    const p = typeof path === 'string' ? path.trim() : '';
    if (isGroup && MEMBERS_PATH.test(p)) {
      members += Array.isArray(value) ? value.length : value === undefined || value === null ? 0 : 1;
      if (Array.isArray(value)) for (const m of value) checkArrays(m, 'members', limits);
      return;
    }
    if (isGroup && p === '' && isObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (k.toLowerCase() === 'members') {
          members += Array.isArray(v) ? v.length : 0;
          continue;
        }
        checkArrays(v, k, limits);
      }
      return;
    }
    checkArrays(value, p, limits);
  });
  if (members > limits.maxMembers) tooManyMembers(members, limits);
}

/** Every per-request limit besides body size, page size and Bulk's (configured in src/config.ts). */
export interface RequestLimits {
  /** Deepest nesting of objects and arrays in a JSON body. */
  readonly maxJsonDepth: number;
  /** Longest JSON key, and attribute path in sortBy, attributes and excludedAttributes. */
  readonly maxNameLength: number;
  /** Longest filter, and PATCH path (one grammar). */
  readonly maxFilterLength: number;
  /** Deepest nesting of parentheses, not and value filters in a filter or PATCH path. */
  readonly maxFilterDepth: number;
  readonly patchMaxOperations: number;
  /** Most members in one POST/PUT members array or in the member values of one PATCH. */
  readonly maxMembers: number;
  /** Most values of one multi-valued attribute (members excepted). */
  readonly maxValues: number;
  /** Most names in attributes or excludedAttributes. */
  readonly maxAttributeNames: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  maxJsonDepth: 32,
  maxNameLength: 512,
  maxFilterLength: 4096,
  maxFilterDepth: 32,
  patchMaxOperations: 1000,
  maxMembers: DEFAULT_INPUT_LIMITS.maxMembers,
  maxValues: DEFAULT_INPUT_LIMITS.maxValues,
  maxAttributeNames: 200,
};
