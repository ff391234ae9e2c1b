import type { AttributeDef } from '../schema/types.ts';
import type { Normaliser, QuirkContext } from './types.ts';
import { attributeRewrites, mapValue } from './util.ts';

/** "True", "false"… for a boolean attribute becomes the JSON boolean; anything else is left for the core to refuse. */
function coerce(ctx: QuirkContext) {
  return (def: AttributeDef, value: unknown, path: string): unknown => {
    if (def.type !== 'boolean' || typeof value !== 'string') return value;
    const m = /^\s*(true|false)\s*$/i.exec(value);
    if (!m) return value;
    const b = m[1]!.toLowerCase() === 'true';
    ctx.note(`'${path}' ${JSON.stringify(value)} read as ${b}`);
    return b;
  };
}

/**
 * IDP-QUIRKS 4, 31, 34: Entra (default mode) sends `"active": "False"`, the Keycloak plugin
 * `"true"`/`"false"`, OneLogin templates either. Stored and returned as JSON booleans.
 */
export const booleanStrings: Normaliser = {
  name: 'booleanStrings',
  quirks: [4, 31, 34],
  profiles: 'all',
  summary: 'boolean attributes given as "True"/"false" strings are read as booleans',
  // At a path, the value is that of the attribute or sub-attribute the path names (one element's, behind a filter).
  ...attributeRewrites(coerce, (visit, value, target) => {
    const leaf = target.filtered && target.leaf === target.top ? { ...target.top, multiValued: false } : target.leaf;
    return mapValue(leaf, value, leaf.name, visit);
  }),
};
