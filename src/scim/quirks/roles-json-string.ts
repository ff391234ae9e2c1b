import { checkJsonText, DEFAULT_JSON_LIMITS } from '../json-guard.ts';
import type { Normaliser } from './types.ts';
import { getKey, isObject, keyOf, mapOperationValues, type Json } from './util.ts';

function parseRoles(v: unknown, note: (m: string) => void): unknown {
  if (typeof v !== 'string') return v;
  // The string is client JSON like any body: the same guard (depth, prototype keys, duplicates).
  checkJsonText(v, DEFAULT_JSON_LIMITS, 'The roles value');
  try {
    const parsed: unknown = JSON.parse(v);
    if (Array.isArray(parsed) || isObject(parsed)) {
      note('roles given as a JSON string: parsed');
      return Array.isArray(parsed) ? parsed : [parsed];
    }
  } catch {
    // not JSON: a plain role name
  }
  note(`roles given as the string ${JSON.stringify(v.slice(0, 40))}: read as [{"value": …}]`);
  return [{ value: v }];
}

/**
 * IDP-QUIRKS 13: with the SingleAppRoleAssignment / AppRoleAssignmentsComplex mappings Entra
 * sends the `roles` value as a JSON document serialised into a string. It is parsed (or, when it
 * is not JSON, taken as one role's value). `roles` is a multi-valued complex attribute, so the core
 * refuses every string this rewrites: it is on for every profile but strict.
 */
export const rolesJsonString: Normaliser = {
  name: 'rolesJsonString',
  quirks: [13],
  profiles: 'all',
  summary: 'roles given as a JSON string are parsed',
  resource(body, ctx) {
    if (ctx.schema.name !== 'User') return body;
    const k = keyOf(body, 'roles');
    return k === undefined || typeof body[k] !== 'string' ? body : { ...body, [k]: parseRoles(body[k], (m) => ctx.note(m)) };
  },
  patch(body, ctx) {
    if (ctx.schema.name !== 'User') return body;
    return mapOperationValues(body, ctx.schema, (value, target, op) => {
      if (target?.top.name === 'roles' && !target.filtered && target.leaf === target.top) return parseRoles(value, (m) => ctx.note(m));
      if (getKey(op, 'path') === undefined && isObject(value)) return this.resource!(value as Json, ctx);
      return value;
    });
  },
};
