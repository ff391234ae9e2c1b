import type { Normaliser } from './types.ts';
import { getKey, isObject, keyOf, operations, withOperations, type Json } from './util.ts';

/**
 * IDP-QUIRKS 5: in its `aadOptscim062020` mode Entra sends a path-less replace whose value keys are
 * attribute paths: `{"name.givenName": "x", "urn:…:enterprise:2.0:User:employeeNumber": "1"}`.
 * Each such key becomes an operation of its own with that path, so no literal dotted attribute is
 * ever stored.
 */
export const pathKeyedReplace: Normaliser = {
  name: 'pathKeyedReplace',
  quirks: [5],
  profiles: 'all',
  summary: 'path-less add/replace whose value keys are paths becomes one operation per path',
  patch(body, ctx) {
    const out: Json[] = [];
    for (const op of operations(body)) {
      const path = getKey(op, 'path');
      const vk = keyOf(op, 'value');
      const value = vk === undefined ? undefined : op[vk];
      if ((typeof path === 'string' && path.trim() !== '') || !isObject(value)) {
        out.push(op);
        continue;
      }
      const plain: Json = {};
      const split: Json[] = [];
      for (const [k, v] of Object.entries(value)) {
        // A key naming an extension schema is an extension object, not a path.
        const isPath = !ctx.schema.extension(k) && /[.[:]/.test(k);
        if (!isPath) plain[k] = v;
        else {
          ctx.note(`value key '${k}' read as path "${k}"`);
          split.push({ op: getKey(op, 'op'), path: k, value: v });
        }
      }
      if (split.length === 0) out.push(op);
      else {
        if (Object.keys(plain).length > 0) out.push({ ...op, [vk!]: plain });
        out.push(...split);
      }
    }
    return withOperations(body, out);
  },
};
