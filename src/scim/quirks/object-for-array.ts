import type { AttributeDef } from '../schema/types.ts';
import type { Normaliser, QuirkContext } from './types.ts';
import { attributeRewrites, isObject } from './util.ts';

/** An object that reads as one element of `def`: every key one of its sub-attributes. */
function element(def: AttributeDef, value: unknown): boolean {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => def.subAttributes?.some((s) => s.name.toLowerCase() === k.toLowerCase()));
}

function wrap(ctx: QuirkContext) {
  return (def: AttributeDef, value: unknown, path: string): unknown => {
    if (!def.multiValued || value === null || value === undefined || Array.isArray(value)) return value;
    // An object with keys the element does not have is something else (Wire's GET format of
    // richInfo, {version, fields}): left for the core to refuse rather than wrapped and dropped.
    if (def.type === 'complex' ? !element(def, value) : typeof value === 'object') return value;
    ctx.note(`'${path}' given one value where an array belongs: wrapped`);
    return [value];
  };
}

/**
 * IDP-QUIRKS 34: OneLogin's admin-templated bodies send `"emails": {"value": …}` where the RFC
 * has an array. A single value of a multi-valued attribute is wrapped in an array (an object only
 * when each of its keys is a sub-attribute of the element).
 */
export const objectForArray: Normaliser = {
  name: 'objectForArray',
  quirks: [34],
  profiles: 'all',
  summary: 'a single value where a multi-valued attribute belongs is wrapped in an array',
  ...attributeRewrites(wrap),
};
