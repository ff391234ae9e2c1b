/**
 * Reads untrusted JSON text safely. One linear scan runs BEFORE JSON.parse, so a hostile body is
 * refused before parsing (or anything after it) costs more than that scan:
 *
 * - nesting deeper than `maxDepth` (a megabyte of `[[[[…` parses fine, then overflows the stack of
 *   whatever walks it recursively);
 * - keys longer than `maxKeyLength` (SCIM keys are attribute names and schema URNs);
 * - the keys `__proto__`, `constructor` and `prototype` in any casing, which name no SCIM
 *   attribute and are the tools of prototype pollution;
 * - one object naming a key twice, also in different casings: SCIM attribute names are
 *   case-insensitive (RFC 7643 §2.1), so `{"userName":"a","USERNAME":"b"}` has no one meaning, and
 *   JSON.parse would silently keep the last of two equal keys (RFC 8259 §4 leaves it undefined).
 *
 * Pure: no I/O. Syntax errors are left to JSON.parse, whose message is cut before any quoted
 * excerpt of the input (which could hold a password).
 */
import { invalidSyntax, ScimError } from './errors.ts';

export interface JsonLimits {
  /** Deepest nesting of objects and arrays; `{}` is depth 1. */
  readonly maxDepth: number;
  /** Longest object key, in characters. */
  readonly maxKeyLength: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxKeyLength: 512 };

/** Keys no SCIM document has and that JavaScript objects treat specially. Compared lower-cased. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name.toLowerCase());
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** Index of the quote that closes the string opening at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q;
    from = q + 1;
  }
}

/** Throws the ScimError for the first structural limit `text` breaks. Does not validate syntax. */
export function checkJsonText(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS, what = 'The request body'): void {
  // One entry per open container: the keys of an object (lower-cased), or null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end < 0) return; // unterminated: JSON.parse says so
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        let key = text.slice(i + 1, end);
        if (key.includes('\\')) {
          try {
            key = JSON.parse(text.slice(i, end + 1)) as string;
          } catch {
            return; // a bad escape: JSON.parse says so
          }
        }
        if (key.length > limits.maxKeyLength) {
          throw invalidSyntax(`${what} has a key of ${key.length} characters; the limit is ${limits.maxKeyLength} (attribute names and schema URNs are shorter)`);
        }
        const lower = key.toLowerCase();
        if (RESERVED_NAMES.has(lower)) throw invalidSyntax(`${what} has the key ${JSON.stringify(key.slice(0, 40))}, which is not an attribute name scimd accepts`);
        if (keys.has(lower)) {
          throw invalidSyntax(`${what} names the key ${JSON.stringify(key.slice(0, 80))} twice in one object (keys are compared without regard to case, as SCIM attribute names are)`);
        }
        keys.add(lower);
        expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (stack.length >= limits.maxDepth) throw invalidSyntax(`${what} nests objects and arrays deeper than the limit of ${limits.maxDepth} levels`);
      stack.push(c === OPEN_OBJECT ? new Set() : null);
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = stack.length > 0 && stack[stack.length - 1] !== null;
    }
  }
}

/** JSON.parse's message without the excerpt of the input it may quote. */
export function jsonSyntaxMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  // V8 quotes an excerpt of the input after the first double quote (`, "…"` or `, ..."…"`), and
  // "Unexpected token 'h'" names a character of it: keep neither.
  const cut = message.indexOf('"');
  const kept = (cut >= 0 ? message.slice(0, cut) : message).replace(/[,.\s]+$/, '');
  return kept.replace(/'[^']*'/g, '…').slice(0, 200);
}

/** checkJsonText, then JSON.parse; a syntax error is a 400 invalidSyntax. */
export function parseJsonText(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS, what = 'The request body'): unknown {
  checkJsonText(text, limits, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    if (e instanceof ScimError) throw e;
    throw invalidSyntax(`${what} is not valid JSON: ${jsonSyntaxMessage(e)}`);
  }
}
