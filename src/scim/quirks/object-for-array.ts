import type { AttributeDef } from '../schema/types.ts';
import type { Normaliser, QuirkContext } from './types.ts';
import { isObject, mapAttributes, mapOperationValues, type Json } from './util.ts';

function wrap(ctx: QuirkContext) {
  return (def: AttributeDef, value: unknown, path: string): unknown => {
    if (!def.multiValued || value === null || value === undefined || Array.isArray(value)) return value;
    if (def.type === 'complex' ? !isObject(value) : typeof value === 'object') return value;
    ctx.note(`'${path}' given one value where an array belongs: wrapped`);
    return [value];
  };
}

/**
 * IDP-QUIRKS 34: OneLogin's admin-templated bodies send `"emails": {"value": …}` where the RFC
 * has an array. A single value of a multi-valued attribute is wrapped in an array.
 */
export const objectForArray: Normaliser = {
  name: 'objectForArray',
  quirks: [34],
  profiles: 'all',
  summary: 'a single value where a multi-valued attribute belongs is wrapped in an array',
  resource(body, ctx) {
    return mapAttributes(body, ctx.schema, wrap(ctx));
  },
  patch(body, ctx) {
    const visit = wrap(ctx);
    return mapOperationValues(body, ctx.schema, (value, target) => {
      if (!target) return isObject(value) ? mapAttributes(value as Json, ctx.schema, visit) : value;
      return target.leaf === target.top && !target.filtered ? visit(target.top, value, target.top.name) : value;
    });
  },
};
