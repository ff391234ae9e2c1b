/**
 * Attribute projection (RFC 7644 §3.4.2.5, §3.9): `attributes`, `excludedAttributes` and the
 * `returned` characteristic of RFC 7643 §2.2. Unknown names in either list are ignored, as a
 * client may ask for an extension attribute this resource type does not carry.
 */
import { parseAttrPath } from './filter/parse.ts';
import type { ResourceSchema } from './schema/registry.ts';
import type { AttributeDef } from './schema/types.ts';
import { returnedIn } from './schema/context.ts';
import { isObject, type Json } from './schema/validate.ts';

/** Per top-level attribute: the whole attribute, or some of its sub-attributes. */
type Selection = Map<string, true | Set<string>>;

function selectionKey(extension: string | null, attr: string): string {
  return extension ? `${extension}:${attr}` : attr;
}

export class Projection {
  private constructor(
    private readonly schema: ResourceSchema,
    private readonly include: Selection | undefined,
    private readonly exclude: Selection,
    /** Extension URNs requested as a whole in `attributes`. */
    private readonly wholeExtensions: Set<string>,
  ) {}

  static of(schema: ResourceSchema, attributes: readonly string[] = [], excluded: readonly string[] = []): Projection {
    const whole = new Set<string>();
    const build = (names: readonly string[]): Selection => {
      const sel: Selection = new Map();
      for (const raw of names) {
        const name = raw.trim();
        if (!name) continue;
        const ext = schema.extension(name);
        if (ext) {
          whole.add(ext.id);
          for (const a of ext.attributes) sel.set(selectionKey(ext.id, a.name), true);
          continue;
        }
        const p = parseAttrPath(name);
        const ref = schema.resolve(p.uri, p.name, p.sub);
        if (!ref) continue;
        const k = selectionKey(ref.extension ? ref.schema : null, ref.attr.name);
        if (!ref.sub) sel.set(k, true);
        else {
          const cur = sel.get(k);
          if (cur === true) continue;
          const subs = cur ?? new Set<string>();
          subs.add(ref.sub.name);
          sel.set(k, subs);
        }
      }
      return sel;
    };
    const include = attributes.length > 0 ? build(attributes) : undefined;
    const exclude = build(excluded);
    return new Projection(schema, include, exclude, whole);
  }

  /** Whether a top-level attribute will appear at all (lets the service skip loading members or groups). */
  includes(attrName: string, extension: string | null = null): boolean {
    const def = extension
      ? this.schema.extensionAttr(extension, attrName)
      : this.schema.coreOrCommon(attrName)?.attr;
    return def ? this.decide(def, selectionKey(extension, attrName)) !== false : false;
  }

  /** false: drop; true: keep whole; Set: keep only these sub-attributes. */
  private decide(def: AttributeDef, k: string): boolean | Set<string> {
    const returned = returnedIn(def);
    if (returned === 'never') return false;
    if (returned === 'always') return true;
    const inc = this.include?.get(k);
    const exc = this.exclude.get(k);
    if (exc === true) return false;
    if (returned === 'request' && inc === undefined) return false;
    if (this.include && inc === undefined) return false;
    const keep = inc ?? true;
    if (exc instanceof Set) {
      const subs = keep === true ? new Set((def.subAttributes ?? []).map((s) => s.name)) : new Set(keep);
      for (const s of exc) subs.delete(s);
      return subs;
    }
    return keep;
  }

  private projectValue(def: AttributeDef, value: unknown, decision: true | Set<string>): unknown {
    if (def.type !== 'complex') return value;
    const pick = (obj: unknown): Json | undefined => {
      if (!isObject(obj)) return undefined;
      const out: Json = {};
      for (const sub of def.subAttributes ?? []) {
        const returned = returnedIn(sub);
        if (obj[sub.name] === undefined || returned === 'never') continue;
        const keep = returned === 'always' || (decision === true ? returned !== 'request' : decision.has(sub.name));
        if (keep) out[sub.name] = obj[sub.name];
      }
      return Object.keys(out).length ? out : undefined;
    };
    if (def.multiValued) {
      const items = (Array.isArray(value) ? value : []).map(pick).filter((x) => x !== undefined);
      return items.length ? items : undefined;
    }
    return pick(value);
  }

  /** Applies the projection to a rendered resource. */
  apply(doc: Json): Json {
    const out: Json = {};
    for (const [k, v] of Object.entries(doc)) {
      if (k === 'schemas') {
        out.schemas = v;
        continue;
      }
      const ext = this.schema.extension(k);
      if (ext) {
        if (!isObject(v)) continue;
        const extOut: Json = {};
        for (const def of ext.attributes) {
          if (v[def.name] === undefined) continue;
          const d = this.wholeExtensions.has(ext.id) && !this.exclude.has(selectionKey(ext.id, def.name)) && returnedIn(def) !== 'never' ? true : this.decide(def, selectionKey(ext.id, def.name));
          if (d === false) continue;
          const pv = this.projectValue(def, v[def.name], d);
          if (pv !== undefined) extOut[def.name] = pv;
        }
        if (Object.keys(extOut).length) out[ext.id] = extOut;
        continue;
      }
      const found = this.schema.coreOrCommon(k);
      if (!found) continue;
      const d = this.decide(found.attr, k);
      if (d === false) continue;
      const pv = this.projectValue(found.attr, v, d);
      if (pv !== undefined) out[k] = pv;
    }
    return out;
  }
}
