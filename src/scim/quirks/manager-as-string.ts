import { ENTERPRISE_USER_URN } from '../urns.ts';
import type { Normaliser } from './types.ts';
import { getKey, isObject, keyOf, operations, withOperations, type Json } from './util.ts';

const MANAGER = `${ENTERPRISE_USER_URN}:manager`;

const QUOTED = /"(?:[^"\\]|\\.)*"/g;
/** `manager` (or `manager.value`…) in attribute position: at the start, after a space or "(", before an operator. */
const BARE_MANAGER_IN_FILTER = /(^|[\s(])manager(?=(?:\.[A-Za-z$][\w$-]*)?\s+(?:eq|ne|co|sw|ew|gt|lt|ge|le|pr)\b)/gi;

/** A manager given as an id string, or as a one-element array, becomes the complex `{value, $ref}`. */
function managerValue(v: unknown, note: (m: string) => void, where: string): unknown {
  if (typeof v === 'string') {
    note(`${where}: manager id "${v}" read as {"value": "${v}"}`);
    return { value: v };
  }
  if (Array.isArray(v) && v.length === 1 && isObject(v[0])) {
    note(`${where}: one-element manager array read as its element`);
    return v[0];
  }
  return v;
}

/**
 * IDP-QUIRKS 8: Entra sets the manager by a PATCH after create, either with the bare path
 * `manager` and `[{"$ref": …, "value": id}]`, or with the enterprise path and a plain id string.
 * Both become the enterprise `manager` complex value; `manager.value` is what is stored.
 */
export const managerAsString: Normaliser = {
  name: 'managerAsString',
  quirks: [8, 9],
  profiles: 'all',
  summary: 'manager as an id string, an array, or under the bare path "manager" is read as the enterprise manager',
  resource(body, ctx) {
    const extKey = keyOf(body, ENTERPRISE_USER_URN);
    const ext = extKey === undefined ? undefined : body[extKey];
    if (!isObject(ext)) return body;
    const mk = keyOf(ext, 'manager');
    if (mk === undefined) return body;
    return { ...body, [extKey!]: { ...ext, [mk]: managerValue(ext[mk], (m) => ctx.note(m), 'body') } };
  },
  patch(body, ctx) {
    if (ctx.schema.name !== 'User') return body;
    return withOperations(
      body,
      operations(body).map((op): Json => {
        const path = getKey(op, 'path');
        const vk = keyOf(op, 'value');
        if (typeof path !== 'string') return op;
        const trimmed = path.trim();
        const bare = trimmed.toLowerCase() === 'manager';
        if (!bare && trimmed.toLowerCase() !== MANAGER.toLowerCase()) return op;
        if (bare) ctx.note(`path "manager" read as "${MANAGER}"`);
        const value = vk === undefined ? undefined : managerValue(op[vk], (m) => ctx.note(m), `path "${trimmed}"`);
        const pk = keyOf(op, 'path')!;
        return vk === undefined ? { ...op, [pk]: MANAGER } : { ...op, [pk]: MANAGER, [vk]: value };
      }),
    );
  },
  /**
   * IDP-QUIRKS 9: Entra checks the manager before updating it with
   * `id eq "…" and manager eq "…"`; the bare name is read as the enterprise manager.
   */
  filter(filter, ctx) {
    if (!ctx.schemas.some((s) => s.resolve(undefined, 'manager') === undefined && s.resolve(ENTERPRISE_USER_URN, 'manager') !== undefined)) return filter;
    const rewrite = (segment: string) =>
      segment.replace(BARE_MANAGER_IN_FILTER, (_whole, before: string) => {
        ctx.note(`filter attribute "manager" read as "${MANAGER}"`);
        return `${before}${MANAGER}`;
      });
    let out = '';
    let last = 0;
    for (const m of filter.matchAll(QUOTED)) {
      out += rewrite(filter.slice(last, m.index)) + m[0];
      last = m.index + m[0].length;
    }
    return out + rewrite(filter.slice(last));
  },
};
