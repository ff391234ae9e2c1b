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

/** The projection without attributes or excludedAttributes, per resource schema (schemas do not change once built). */
const defaults = new WeakMap<ResourceSchema, Projection>();

export class Projection {
  private readonly plans = new Map<string, KeyPlan>();
  private readonly included = new Map<string, boolean>();

  private constructor(
    private readonly schema: ResourceSchema,
    private readonly include: Selection | undefined,
    private readonly exclude: Selection,
    /** Extension URNs requested as a whole in `attributes`. */
    private readonly wholeExtensions: Set<string>,
  ) {}

  static of(schema: ResourceSchema, attributes: readonly string[] = [], excluded: readonly string[] = []): Projection {
    if (attributes.length === 0 && excluded.length === 0) {
      let p = defaults.get(schema);
      if (!p) defaults.set(schema, (p = new Projection(schema, undefined, new Map(), new Set())));
      return p;
    }
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
    const k = selectionKey(extension, attrName);
    let yes = this.included.get(k);
    if (yes === undefined) {
      const def = extension ? this.schema.extensionAttr(extension, attrName) : this.schema.coreOrCommon(attrName)?.attr;
      yes = def ? this.decide(def, k) !== false : false;
      if (this.included.size >= 256) this.included.clear();
      this.included.set(k, yes);
    }
    return yes;
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

  /** How `apply` treats a key of a rendered resource, worked out from the schema and the selection. */
  private planFor(k: string): KeyPlan {
    let plan = this.plans.get(k);
    if (plan) return plan;
    plan = this.buildPlan(k);
    // Keys are attribute names (renderResource writes no others); bounded all the same.
    if (this.plans.size >= 256) this.plans.clear();
    this.plans.set(k, plan);
    return plan;
  }

  private buildPlan(k: string): KeyPlan {
    if (k === 'schemas') return { kind: 'schemas' };
    const ext = this.schema.extension(k);
    if (ext) {
      const attrs: { readonly name: string; readonly plan: ValuePlan }[] = [];
      for (const def of ext.attributes) {
        const key = selectionKey(ext.id, def.name);
        const d = this.wholeExtensions.has(ext.id) && !this.exclude.has(key) && returnedIn(def) !== 'never' ? true : this.decide(def, key);
        if (d !== false) attrs.push({ name: def.name, plan: valuePlan(def, d) });
      }
      return { kind: 'extension', id: ext.id, attrs };
    }
    const found = this.schema.coreOrCommon(k);
    if (!found) return { kind: 'drop' };
    const d = this.decide(found.attr, k);
    return d === false ? { kind: 'drop' } : { kind: 'attribute', plan: valuePlan(found.attr, d) };
  }

  /**
   * Applies the projection to a rendered resource. What to do with each key is worked out once per
   * projection (planFor), not once per resource: a page of 100 asks the same questions 100 times.
   */
  apply(doc: Json): Json {
    const out: Json = {};
    for (const k in doc) {
      const v = doc[k];
      const plan = this.planFor(k);
      switch (plan.kind) {
        case 'schemas':
          out.schemas = v;
          break;
        case 'drop':
          break;
        case 'attribute': {
          const pv = projected(plan.plan, v);
          if (pv !== undefined) out[k] = pv;
          break;
        }
        case 'extension': {
          if (!isObject(v)) break;
          const extOut: Json = {};
          let n = 0;
          for (const a of plan.attrs) {
            const av = v[a.name];
            if (av === undefined) continue;
            const pv = projected(a.plan, av);
            if (pv !== undefined) {
              extOut[a.name] = pv;
              n++;
            }
          }
          if (n) out[plan.id] = extOut;
          break;
        }
      }
    }
    return out;
  }
}

/** A value kept as it is, or a complex value (or each of a multi-valued one) cut to some sub-attributes. */
type ValuePlan = { readonly kind: 'whole' } | { readonly kind: 'pick'; readonly subs: readonly string[]; readonly multi: boolean };

type KeyPlan =
  | { readonly kind: 'schemas' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'attribute'; readonly plan: ValuePlan }
  | { readonly kind: 'extension'; readonly id: string; readonly attrs: readonly { readonly name: string; readonly plan: ValuePlan }[] };

const WHOLE: ValuePlan = { kind: 'whole' };

/** The sub-attributes a complex value keeps, in schema order: never a `returned: never` one. */
function valuePlan(def: AttributeDef, decision: true | Set<string>): ValuePlan {
  if (def.type !== 'complex') return WHOLE;
  const subs: string[] = [];
  for (const sub of def.subAttributes ?? []) {
    const returned = returnedIn(sub);
    if (returned === 'never') continue;
    if (returned === 'always' || (decision === true ? returned !== 'request' : decision.has(sub.name))) subs.push(sub.name);
  }
  return { kind: 'pick', subs, multi: def.multiValued === true };
}

function picked(subs: readonly string[], obj: unknown): Json | undefined {
  if (!isObject(obj)) return undefined;
  const out: Json = {};
  let n = 0;
  for (const name of subs) {
    const v = obj[name];
    if (v === undefined) continue;
    out[name] = v;
    n++;
  }
  return n ? out : undefined;
}

function projected(plan: ValuePlan, value: unknown): unknown {
  if (plan.kind === 'whole') return value;
  if (!plan.multi) return picked(plan.subs, value);
  const items: Json[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      const p = picked(plan.subs, item);
      if (p !== undefined) items.push(p);
    }
  }
  return items.length ? items : undefined;
}
