import type { AttrRef } from '../schema/registry.ts';
import { extensionPathKey, pathKey } from '../schema/path-keys.ts';
import type { Normaliser, QuirkContext } from './types.ts';
import { isObject, keyOf, type Json } from './util.ts';

/**
 * Puts `value` where the path `ref` leads inside `container` (the body, or an extension's block):
 * the attribute itself, or a sub-attribute of a single-valued complex attribute. False when the
 * body already sets that place or the path leads into a multi-valued attribute (which element?):
 * the key is then left for the core to refuse by name.
 */
function place(container: Json, ref: AttrRef, value: unknown): boolean {
  const ak = keyOf(container, ref.attr.name);
  if (!ref.sub) {
    if (ak !== undefined) return false;
    container[ref.attr.name] = value;
    return true;
  }
  if (ref.attr.multiValued) return false;
  const current = ak === undefined ? undefined : container[ak];
  if (current !== undefined && current !== null && !isObject(current)) return false;
  const complex: Json = isObject(current) ? { ...current } : {};
  if (keyOf(complex, ref.sub.name) !== undefined) return false;
  complex[ref.sub.name] = value;
  if (ak !== undefined && ak !== ref.attr.name) delete container[ak];
  container[ref.attr.name] = complex;
  return true;
}

/** Places `value` at `ref` in `body`, inside the extension's block (a copy) when the path leads there. */
function placeIn(body: Json, ref: AttrRef, value: unknown): boolean {
  if (!ref.extension) return place(body, ref, value);
  const k = keyOf(body, ref.schema!) ?? ref.schema!;
  const current = body[k];
  if (current !== undefined && current !== null && !isObject(current)) return false;
  const copy: Json = isObject(current) ? { ...current } : {};
  if (!place(copy, ref, value)) return false;
  body[k] = copy;
  return true;
}

function nest(body: Json, ctx: QuirkContext): Json {
  const out: Json = {};
  const paths: [string, unknown][] = [];
  for (const [k, v] of Object.entries(body)) {
    if (pathKey(k, ctx.schema)) paths.push([k, v]);
    else out[k] = v;
  }
  for (const [k, v] of paths) {
    const p = pathKey(k, ctx.schema)!;
    const ref = p.filter ? undefined : ctx.schema.resolve(p.attr.uri, p.attr.name, p.attr.sub);
    if (ref && placeIn(out, ref, v)) ctx.note(`key '${k}' read as path "${k}"`);
    else out[k] = v;
  }
  // Inside an extension's block: `manager.value` is a path relative to the extension.
  for (const ext of ctx.schema.extensions) {
    const bk = keyOf(out, ext.id);
    const inner = bk === undefined ? undefined : out[bk];
    if (!isObject(inner) || !Object.keys(inner).some((ik) => extensionPathKey(ik))) continue;
    const rebuilt: Json = {};
    const later: [string, unknown][] = [];
    for (const [ik, iv] of Object.entries(inner)) {
      if (extensionPathKey(ik)) later.push([ik, iv]);
      else rebuilt[ik] = iv;
    }
    for (const [ik, iv] of later) {
      const p = extensionPathKey(ik)!;
      const ref = p.filter ? undefined : ctx.schema.resolve(ext.id, p.attr.name, p.attr.sub);
      if (ref && place(rebuilt, ref, iv)) ctx.note(`key '${ik}' of ${ext.id} read as path "${ext.id}:${ik}"`);
      else rebuilt[ik] = iv;
    }
    out[bk!] = rebuilt;
  }
  return out;
}

/**
 * IDP-QUIRKS 5, on POST and PUT: a body key that is an attribute path (`name.givenName`,
 * `urn:…:enterprise:2.0:User:department`, or `manager.value` inside the enterprise block) is read
 * as that path and nested where it leads, instead of being ignored as an unknown attribute. The
 * core refuses such keys by name, so this only rewrites requests it would refuse. A path into a
 * multi-valued attribute, with a filter, naming nothing, or clashing with what the body already
 * sets is left for the core to refuse.
 */
export const pathKeyedAttributes: Normaliser = {
  name: 'pathKeyedAttributes',
  quirks: [5],
  profiles: 'all',
  summary: 'POST/PUT body keys that are attribute paths (name.givenName, urn:…:department) are nested where they lead',
  resource(body, ctx) {
    return nest(body, ctx);
  },
};
