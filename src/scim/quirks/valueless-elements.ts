import type { AttributeDef } from '../schema/types.ts';
import type { Normaliser, QuirkContext } from './types.ts';
import { isObject, mapAttributes, mapOperationValues, type Json } from './util.ts';

const empty = (v: unknown) => v === undefined || v === null || v === '';

/** Drops elements of a multi-valued attribute whose `value` is empty: a phone number with no number. */
function dropValueless(ctx: QuirkContext) {
  return (def: AttributeDef, value: unknown, path: string): unknown => {
    if (!def.multiValued || def.type !== 'complex' || !Array.isArray(value)) return value;
    if (!def.subAttributes?.some((s) => s.name === 'value')) return value;
    const kept = value.filter((el) => !isObject(el) || !empty(Object.entries(el).find(([k]) => k.toLowerCase() === 'value')?.[1]));
    if (kept.length !== value.length) ctx.note(`'${path}': ${value.length - kept.length} element(s) with an empty value dropped`);
    return kept;
  };
}

/**
 * IDP-QUIRKS 34: OneLogin renders admin-written templates, so a user without a mobile number
 * arrives with `{"type": "mobile", "value": ""}`. The core would keep a value-less
 * `{"type": "mobile"}`; such elements are dropped instead.
 */
export const valuelessElements: Normaliser = {
  name: 'valuelessElements',
  quirks: [34],
  // It changes what an accepted request stores (the core keeps a bare {type}), so OneLogin only.
  profiles: ['onelogin'],
  summary: 'elements of emails, phoneNumbers… whose value is empty are dropped',
  resource(body, ctx) {
    return mapAttributes(body, ctx.schema, dropValueless(ctx));
  },
  patch(body, ctx) {
    const visit = dropValueless(ctx);
    return mapOperationValues(body, ctx.schema, (value, target) => {
      if (!target) return isObject(value) ? mapAttributes(value as Json, ctx.schema, visit) : value;
      return target.leaf === target.top && !target.filtered ? visit(target.top, value, target.top.name) : value;
    });
  },
};
