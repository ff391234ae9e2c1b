import type { Filter } from '../filter/ast.ts';
import { bindValueFilter } from '../filter/bind.ts';
import { evaluate } from '../filter/evaluate.ts';
import { parsePath } from '../filter/parse.ts';
import { topLevelValue } from '../filter/evaluate.ts';
import type { Normaliser } from './types.ts';
import { getKey, isObject, keyOf, operations, withOperations, type Json } from './util.ts';

/** The sub-attribute values a filter of `eq` tests joined by `and` pins down, or undefined. */
function pinned(f: Filter): Json | undefined {
  if (f.kind === 'compare' && f.op === 'eq' && f.path.uri === undefined && f.path.sub === undefined && f.value !== null) return { [f.path.name]: f.value };
  if (f.kind === 'and') {
    const l = pinned(f.left);
    const r = pinned(f.right);
    return l && r ? { ...l, ...r } : undefined;
  }
  return undefined;
}

/**
 * IDP-QUIRKS 7: Entra adds `phoneNumbers[type eq "mobile"].value` or
 * `addresses[type eq "work"].country` to users that have no such element yet; RFC 7644 says
 * noTarget. When nothing matches and the filter pins the element down (`eq` tests joined by
 * `and`), the operation becomes an add of the new element `{type: "mobile", value: …}`.
 * It touches only a request the strict core refuses (noTarget), so every profile but `strict` has it.
 */
export const addCreatesFilteredElement: Normaliser = {
  name: 'addCreatesFilteredElement',
  quirks: [7],
  profiles: 'all',
  summary: 'add/replace on attr[type eq "x"].sub with no match creates the element',
  patch(body, ctx) {
    const current = ctx.current ?? {};
    return withOperations(
      body,
      operations(body).map((op) => {
        const kind = getKey(op, 'op');
        const path = getKey(op, 'path');
        const vk = keyOf(op, 'value');
        if (typeof kind !== 'string' || !['add', 'replace'].includes(kind.toLowerCase()) || typeof path !== 'string' || vk === undefined) return op;
        let p;
        try {
          p = parsePath(path.trim());
        } catch {
          return op;
        }
        if (!p.filter || p.subAfterFilter === undefined) return op;
        const ref = ctx.schema.resolve(p.attr.uri, p.attr.name, p.attr.sub);
        const fields = pinned(p.filter);
        if (!ref || !ref.attr.multiValued || ref.attr.type !== 'complex' || !fields) return op;
        let bound;
        try {
          bound = bindValueFilter(p.filter, ctx.schema, ref);
        } catch {
          return op;
        }
        const items = topLevelValue(current, ref);
        if (Array.isArray(items) && items.some((el) => isObject(el) && evaluate(bound, el))) return op;
        const element = { ...fields, [p.subAfterFilter]: op[vk] };
        const target = p.attr.uri ? `${p.attr.uri}:${p.attr.name}` : p.attr.name;
        ctx.note(`"${path}" matches nothing: ${kind} of the new element ${JSON.stringify(element)} to '${target}'`);
        return { op: 'add', path: target, value: [element] };
      }),
    );
  },
};
