import { extensionPathKey, pathKey } from '../schema/path-keys.ts';
import type { Normaliser } from './types.ts';
import { getKey, isObject, keyOf, operations, withOperations, type Json } from './util.ts';

/**
 * IDP-QUIRKS 5: in its `aadOptscim062020` mode Entra sends a path-less replace whose value keys are
 * attribute paths: `{"name.givenName": "x", "urn:…:enterprise:2.0:User:employeeNumber": "1"}`.
 * Each such key (path-keys.ts: one that names a path, not an unknown extension's block) becomes an
 * operation of its own with that path, and so does a `manager.value` inside an extension's block.
 * Without it the core refuses such keys by name.
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
        const ext = ctx.schema.extension(k);
        if (ext && isObject(v) && Object.keys(v).some((ik) => extensionPathKey(ik))) {
          // An extension's block with path keys inside: those become operations on the extension's paths.
          const rest: Json = {};
          for (const [ik, iv] of Object.entries(v)) {
            if (!extensionPathKey(ik)) rest[ik] = iv;
            else {
              ctx.note(`value key '${ik}' of ${ext.id} read as path "${ext.id}:${ik}"`);
              split.push({ op: getKey(op, 'op'), path: `${ext.id}:${ik}`, value: iv });
            }
          }
          if (Object.keys(rest).length > 0) plain[k] = rest;
        } else if (!pathKey(k, ctx.schema)) plain[k] = v;
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
