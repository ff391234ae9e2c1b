/**
 * The search form of a resource: its attributes with every case-insensitive string folded
 * (scim/values.ts fold). Stores keep it beside the resource and compile filters and sorts against
 * it, so the database compares and orders exactly as the in-memory evaluator does, with no
 * database-specific case folding (PostgreSQL's lower() is not JavaScript's).
 */
import type { ResourceSchema } from './schema/registry.ts';
import type { AttributeDef } from './schema/types.ts';
import { isObject, type Json } from './schema/validate.ts';
import { fold } from './values.ts';

function foldValue(def: AttributeDef, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => foldValue({ ...def, multiValued: false }, x));
  if (def.type === 'complex' && isObject(v)) {
    const out: Json = {};
    for (const [k, sv] of Object.entries(v)) {
      const sub = def.subAttributes?.find((s) => s.name === k);
      out[k] = sub ? foldValue(sub, sv) : sv;
    }
    return out;
  }
  const insensitive = (def.type === 'string' || def.type === 'reference') && !def.caseExact;
  return insensitive && typeof v === 'string' ? fold(v) : v;
}

export function searchForm(data: Json, schema: ResourceSchema): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(data)) {
    const ext = schema.extension(k);
    if (ext && isObject(v)) {
      const inner: Json = {};
      for (const [ek, ev] of Object.entries(v)) {
        const def = ext.attributes.find((a) => a.name === ek);
        inner[ek] = def ? foldValue(def, ev) : ev;
      }
      out[k] = inner;
      continue;
    }
    // Values kept under an extension the tenant removed are not searchable (nor served).
    if (k.toLowerCase().startsWith('urn:')) continue;
    const found = schema.coreOrCommon(k);
    out[k] = found ? foldValue(found.attr, v) : v;
  }
  return out;
}
