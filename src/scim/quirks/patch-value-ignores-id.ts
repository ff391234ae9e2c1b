import type { Normaliser } from './types.ts';
import { getKey, isObject, keyOf, mapOperationValues, type Json } from './util.ts';

/**
 * IDP-QUIRKS 21, 28: Okta's group rename and authentik's group update send a path-less replace
 * whose value is the whole resource: `schemas`, `id` (the resource's own), sometimes `meta`.
 * Those are dropped from the value; an `id` that differs from the resource's is left for the core
 * to refuse.
 */
export const patchValueIgnoresId: Normaliser = {
  name: 'patchValueIgnoresId',
  quirks: [21, 28],
  profiles: 'all',
  summary: 'a path-less PATCH value carrying the resource\'s own id, schemas or meta has them dropped',
  patch(body, ctx) {
    return mapOperationValues(body, ctx.schema, (value, _target, op) => {
      if (getKey(op, 'path') !== undefined || !isObject(value)) return value;
      const out: Json = { ...value };
      for (const name of ['id', 'schemas', 'meta']) {
        const k = keyOf(out, name);
        if (k === undefined) continue;
        if (name === 'id' && out[k] !== ctx.resourceId) continue;
        ctx.note(`'${k}' in a path-less ${String(getKey(op, 'op'))} value dropped`);
        delete out[k];
      }
      return out;
    });
  },
};
