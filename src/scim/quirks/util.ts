/** Helpers the normalisers share: reading SCIM JSON without regard to key case, and walking it by schema. */
import { parsePath } from '../filter/parse.ts';
import type { ResourceSchema } from '../schema/registry.ts';
import type { AttributeDef } from '../schema/types.ts';
import { isObject, type Json } from '../schema/validate.ts';

export { isObject, type Json };

/** The actual key of `obj` equal to `name` without regard to case. */
export function keyOf(obj: Json, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

export function getKey(obj: Json, name: string): unknown {
  const k = keyOf(obj, name);
  return k === undefined ? undefined : obj[k];
}

/** The Operations array of a PatchOp body, or [] when it has none. */
export function operations(body: Json): Json[] {
  const ops = getKey(body, 'Operations');
  return Array.isArray(ops) ? (ops.filter(isObject) as Json[]) : [];
}

/** Replaces the Operations of a PatchOp body. */
export function withOperations(body: Json, ops: Json[]): Json {
  return { ...body, [keyOf(body, 'Operations') ?? 'Operations']: ops };
}

/** The attribute (or sub-attribute) a PATCH path ends at; undefined when it names nothing known. */
export function pathLeaf(path: string, schema: ResourceSchema): { top: AttributeDef; leaf: AttributeDef; filtered: boolean } | undefined {
  const trimmed = path.trim();
  const ext = schema.extension(trimmed);
  if (ext) return undefined;
  try {
    const p = parsePath(trimmed);
    const ref = schema.resolve(p.attr.uri, p.attr.name, p.attr.sub);
    if (!ref) return undefined;
    if (p.subAfterFilter !== undefined) {
      const sub = ref.attr.subAttributes?.find((s) => s.name.toLowerCase() === p.subAfterFilter!.toLowerCase());
      return sub ? { top: ref.attr, leaf: sub, filtered: true } : undefined;
    }
    return { top: ref.attr, leaf: ref.sub ?? ref.attr, filtered: p.filter !== undefined };
  } catch {
    return undefined;
  }
}

/**
 * Rewrites every value of a resource-shaped object (top-level attributes and extension objects)
 * with `visit(def, value, path)`, which sees each attribute and, for complex values, each
 * sub-attribute. Unknown keys are left alone.
 */
export function mapAttributes(body: Json, schema: ResourceSchema, visit: (def: AttributeDef, value: unknown, path: string) => unknown): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(body)) {
    const ext = schema.extension(k);
    if (ext && isObject(v)) {
      const inner: Json = {};
      for (const [ek, ev] of Object.entries(v)) {
        const def = ext.attributes.find((a) => a.name.toLowerCase() === ek.toLowerCase());
        inner[ek] = def ? mapValue(def, ev, `${ext.id}:${def.name}`, visit) : ev;
      }
      out[k] = inner;
      continue;
    }
    const found = ext ? undefined : schema.coreOrCommon(k);
    out[k] = found ? mapValue(found.attr, v, found.attr.name, visit) : v;
  }
  return out;
}

/** Applies `visit` to a value of `def` and, inside complex values, to each sub-attribute. */
export function mapValue(def: AttributeDef, value: unknown, path: string, visit: (def: AttributeDef, value: unknown, path: string) => unknown): unknown {
  const v = visit(def, value, path);
  if (def.type !== 'complex') return v;
  const mapComplex = (item: unknown) => {
    if (!isObject(item)) return item;
    const out: Json = {};
    for (const [k, sv] of Object.entries(item)) {
      const sub = def.subAttributes?.find((s) => s.name.toLowerCase() === k.toLowerCase());
      out[k] = sub ? visit(sub, sv, `${path}.${sub.name}`) : sv;
    }
    return out;
  };
  return Array.isArray(v) ? v.map(mapComplex) : mapComplex(v);
}

/** Applies `fn` to the value of every add/replace operation, with the attribute its path names (if any). */
export function mapOperationValues(body: Json, schema: ResourceSchema, fn: (value: unknown, target: ReturnType<typeof pathLeaf>, op: Json) => unknown): Json {
  const ops = operations(body).map((op) => {
    const vk = keyOf(op, 'value');
    if (vk === undefined) return op;
    const path = getKey(op, 'path');
    const target = typeof path === 'string' && path.trim() ? pathLeaf(path, schema) : undefined;
    return { ...op, [vk]: fn(op[vk], target, op) };
  });
  return withOperations(body, ops);
}

type Visitor = (def: AttributeDef, value: unknown, path: string) => unknown;
type PatchTarget = NonNullable<ReturnType<typeof pathLeaf>>;

/**
 * The `resource` and `patch` rewrites of a normaliser that runs one attribute visitor over a POST/PUT
 * body and over the values of PATCH operations: a path-less value is visited as a body; a value at a
 * path goes to `atPath` (by default: visited when the path names a whole top-level attribute).
 */
export function attributeRewrites<C>(
  makeVisitor: (ctx: C) => Visitor,
  atPath: (visit: Visitor, value: unknown, target: PatchTarget) => unknown = (visit, value, target) =>
    target.leaf === target.top && !target.filtered ? visit(target.top, value, target.top.name) : value,
): { resource(body: Json, ctx: C & { readonly schema: ResourceSchema }): Json; patch(body: Json, ctx: C & { readonly schema: ResourceSchema }): Json } {
  return {
    resource: (body, ctx) => mapAttributes(body, ctx.schema, makeVisitor(ctx)),
    patch(body, ctx) {
      const visit = makeVisitor(ctx);
      return mapOperationValues(body, ctx.schema, (value, target) => {
        if (!target) return isObject(value) ? mapAttributes(value as Json, ctx.schema, visit) : value;
        return atPath(visit, value, target);
      });
    },
  };
}
