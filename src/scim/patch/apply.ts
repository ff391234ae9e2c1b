/**
 * The PATCH engine (RFC 7644 §3.5.2): applies a PatchOp to a stored resource document, in order,
 * all or nothing. Pure: no I/O. The service reads the resource, calls applyPatch, and writes the
 * result in one transaction, so storage adapters never implement PATCH rules.
 */
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget, ScimError } from '../errors.ts';
import type { Filter } from '../filter/ast.ts';
import type { BoundFilter } from '../filter/bind.ts';
import { bindValueFilter } from '../filter/bind.ts';
import { evaluate } from '../filter/evaluate.ts';
import { parsePath, type ParseLimits, DEFAULT_PARSE_LIMITS } from '../filter/parse.ts';
import type { AttrRef, ResourceSchema } from '../schema/registry.ts';
import type { AttributeDef, SchemaDef } from '../schema/types.ts';
import { canonical } from '../schema/canonical.ts';
import { checkImmutable, immutableChange, inputRule, readOnlyInput } from '../schema/context.ts';
import { checkNotBlank, checkPrimary, checkRequired, isObject, normalizeAttribute, normalizeAttributes, type Json, type Notes } from '../schema/validate.ts';
import { PATCH_OP_URN } from '../urns.ts';
import { MemberTracker, plainValueIds, type ClaimedMember, type MemberClaims, type MemberDelta, type MemberView } from './members.ts';

export type OpName = 'add' | 'remove' | 'replace';

type Target =
  | { readonly kind: 'root' }
  | { readonly kind: 'extension'; readonly ext: SchemaDef }
  | { readonly kind: 'attr'; readonly ref: AttrRef }
  | { readonly kind: 'filtered'; readonly ref: AttrRef; readonly filter: BoundFilter; readonly sub?: AttributeDef };

export interface ParsedOp {
  readonly index: number;
  readonly op: OpName;
  readonly path?: string;
  readonly target: Target;
  readonly value: unknown;
}

export interface PatchLimits extends ParseLimits {
  readonly maxOperations: number;
}

export const DEFAULT_PATCH_LIMITS: PatchLimits = { ...DEFAULT_PARSE_LIMITS, maxOperations: 1000 };

function key(obj: Json, name: string): unknown {
  const k = Object.keys(obj).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : obj[k];
}

/** Validates the PatchOp message (RFC 7644 §3.5.2) and resolves every path against the schema. */
export function parsePatchRequest(body: unknown, schema: ResourceSchema, limits: PatchLimits = DEFAULT_PATCH_LIMITS): ParsedOp[] {
  if (!isObject(body)) throw invalidSyntax('The PATCH body must be a JSON object (a PatchOp message)');
  const schemas = key(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_URN.toLowerCase())) {
    throw invalidSyntax(`The PATCH body must carry "schemas": ["${PATCH_OP_URN}"]`);
  }
  const ops = key(body, 'Operations');
  if (!Array.isArray(ops) || ops.length === 0) throw invalidSyntax('"Operations" must be a non-empty array');
  if (ops.length > limits.maxOperations) throw invalidSyntax(`"Operations" has ${ops.length} entries; the limit is ${limits.maxOperations}`);
  return ops.map((raw, index) => parseOperation(raw, index, schema, limits));
}

function parseOperation(raw: unknown, index: number, schema: ResourceSchema, limits: ParseLimits): ParsedOp {
  const where = `Operations[${index}]`;
  if (!isObject(raw)) throw invalidSyntax(`${where} must be an object`);
  const op = key(raw, 'op');
  if (op !== 'add' && op !== 'remove' && op !== 'replace') {
    throw invalidSyntax(`${where}.op must be "add", "remove" or "replace", not ${JSON.stringify(op)}`);
  }
  const path = key(raw, 'path');
  const value = key(raw, 'value');
  if (path !== undefined && path !== null && typeof path !== 'string') throw invalidPath(`${where}.path must be a string`);
  if (op !== 'remove' && (value === undefined || value === null)) throw invalidSyntax(`${where}: "${op}" requires a "value"`);
  if (op === 'remove' && value !== undefined && value !== null) {
    throw invalidSyntax(`${where}: "remove" takes no "value"; to remove particular values, select them with a filter in "path", e.g. members[value eq "…"]`);
  }
  const hasPath = typeof path === 'string' && path.trim() !== '';
  if (!hasPath && op === 'remove') throw noTarget(`${where}: "remove" requires a "path" (RFC 7644 §3.5.2.2)`);
  const target = hasPath ? resolveTarget(path, schema, limits, where) : ({ kind: 'root' } as const);
  return hasPath ? { index, op, path, target, value } : { index, op, target, value };
}

function resolveTarget(text: string, schema: ResourceSchema, limits: ParseLimits, where: string): Target {
  const trimmed = text.trim();
  const ext = schema.extension(trimmed);
  if (ext) return { kind: 'extension', ext };
  const p = parsePath(trimmed, limits);
  const ref = schema.resolve(p.attr.uri, p.attr.name, p.attr.sub);
  if (!ref) throw invalidPath(`${where}: unknown attribute '${p.attr.text}' in path "${text}"`);
  if (!p.filter) return { kind: 'attr', ref };
  if (ref.attr.type !== 'complex' || !ref.attr.multiValued) {
    throw invalidPath(`${where}: '${p.attr.text}' is not a multi-valued complex attribute, so it cannot take a filter`);
  }
  const filter = bindPathFilter(p.filter, schema, ref, where);
  if (p.subAfterFilter === undefined) return { kind: 'filtered', ref, filter };
  const sub = ref.attr.subAttributes?.find((s) => s.name.toLowerCase() === p.subAfterFilter!.toLowerCase());
  if (!sub) throw invalidPath(`${where}: '${p.subAfterFilter}' is not a sub-attribute of '${ref.attr.name}'`);
  return { kind: 'filtered', ref, filter, sub };
}

function bindPathFilter(f: Filter, schema: ResourceSchema, ref: AttrRef, where: string): BoundFilter {
  try {
    return bindValueFilter(f, schema, ref);
  } catch (e) {
    if (e instanceof ScimError && e.scimType === 'invalidFilter') throw invalidPath(`${where}: ${e.message}`);
    throw e;
  }
}

/** Whether a PATCH refuses to set the attribute (readOnly, RFC 7644 §3.5.2). */
const refused = (def: AttributeDef) => inputRule('patchRequest', def) === 'reject';

const isMembers = (schema: ResourceSchema, ref: AttrRef) => schema.name === 'Group' && !ref.extension && ref.attr.name === 'members';

/**
 * What a PATCH needs to know about group membership before it runs: the ids it names, and
 * whether it needs the whole list (a members filter other than `value eq`).
 */
export function memberQuestions(ops: readonly ParsedOp[], schema: ResourceSchema): { ids: Set<string>; all: boolean } {
  const ids = new Set<string>();
  let all = false;
  const collect = (v: unknown) => {
    for (const item of Array.isArray(v) ? v : [v]) {
      const id = isObject(item) ? key(item, 'value') : undefined;
      if (typeof id === 'string') ids.add(id);
    }
  };
  if (schema.name !== 'Group') return { ids, all };
  for (const op of ops) {
    const t = op.target;
    if (t.kind === 'root' && isObject(op.value)) collect(key(op.value, 'members'));
    if ((t.kind === 'attr' || t.kind === 'filtered') && isMembers(schema, t.ref)) {
      if (op.op !== 'remove') collect(op.value);
      if (t.kind === 'filtered') {
        const plain = plainValueIds(t.filter);
        if (plain) plain.forEach((id) => ids.add(id));
        else all = true;
      }
    }
  }
  return { ids, all };
}

export interface PatchOutcome {
  readonly data: Json;
  readonly members?: MemberDelta;
  /** False when the PATCH left the resource as it was (RFC 7644 §3.5.2.1: then nothing is bumped). */
  readonly changed: boolean;
  readonly notes: Notes;
}

export interface PatchInput {
  readonly schema: ResourceSchema;
  readonly id: string;
  readonly data: Json;
  readonly members?: MemberView;
  /** What to do with members whose claimed type or $ref disagrees with the resource (members.ts). */
  readonly memberClaims?: MemberClaims;
  /** Most values a multi-valued attribute may hold after the PATCH (members excepted: they are rows). */
  readonly maxValues?: number;
}

/** null, "" or [] (RFC 7643 §2.5: unassigned), or an object that sets some attribute to one of them. */
function unassigning(v: unknown): boolean {
  if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) return true;
  return typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).some(unassigning);
}

/** Whether an operation takes a value away: a remove, or a replace that unassigns something. */
function unassigns(op: ParsedOp): boolean {
  return op.op === 'remove' || (op.op === 'replace' && unassigning(op.value));
}

/** Applies parsed operations in order. Throws ScimError on the first failing operation; the input is not modified. */
export function applyPatch(input: PatchInput, ops: readonly ParsedOp[]): PatchOutcome {
  const notes: Notes = { ignored: [] };
  const data = structuredClone(input.data);
  const tracker = input.members ? new MemberTracker(input.members, input.id, input.memberClaims) : undefined;
  const engine = new Engine(input.schema, data, tracker, notes, input.maxValues ?? Infinity);
  for (const op of ops) engine.apply(op);
  cleanup(data);
  try {
    checkRequired(data, input.schema);
  } catch (e) {
    // RFC 7644 §3.5.2.2: taking away a required attribute is a mutability error. Adding a value
    // that lacks a required sub-attribute takes nothing away: that stays an invalidValue.
    if (e instanceof ScimError && e.scimType === 'invalidValue' && ops.some(unassigns)) throw mutability(`${e.message} and cannot be removed`);
    throw e;
  }
  checkNotBlank(data, input.schema);
  const changed = canonical(data) !== canonical(input.data) || (tracker?.changed ?? false);
  return tracker ? { data, members: tracker.delta, changed, notes } : { data, changed, notes };
}

class Engine {
  constructor(
    private readonly schema: ResourceSchema,
    private readonly data: Json,
    private readonly members: MemberTracker | undefined,
    private readonly notes: Notes,
    private readonly maxValues: number,
  ) {}

  private where(op: ParsedOp): string {
    return `Operations[${op.index}]${op.path ? ` (path "${op.path}")` : ''}`;
  }

  apply(op: ParsedOp): void {
    const t = op.target;
    switch (t.kind) {
      case 'root':
        return this.applyObject(op, op.value, undefined);
      case 'extension':
        if (op.op === 'remove') {
          delete this.data[t.ext.id];
          return;
        }
        return this.applyObject(op, op.value, t.ext);
      case 'attr':
        return isMembers(this.schema, t.ref) ? this.membersAttr(op, t.ref) : this.applyAttr(op, t.ref);
      case 'filtered':
        return isMembers(this.schema, t.ref) ? this.membersFiltered(op, t) : this.applyFiltered(op, t);
    }
  }

  /** Path-less add/replace (or a path naming an extension): the value holds attributes. */
  private applyObject(op: ParsedOp, value: unknown, ext: SchemaDef | undefined): void {
    if (!isObject(value)) throw invalidValue(`${this.where(op)}: the value must be an object of attributes`);
    const body = ext ? { [ext.id]: value } : value;
    const opts = { readOnly: readOnlyInput('patchRequest'), notes: this.notes };
    if (!ext && this.schema.name === 'Group') {
      const members = key(value, 'members');
      if (members !== undefined) {
        const ref = this.schema.resolve(undefined, 'members')!;
        this.membersAttr({ ...op, value: members }, ref);
      }
    }
    const skip = this.schema.name === 'Group' ? ['schemas', 'members'] : ['schemas'];
    const normalized = normalizeAttributes(body, this.schema, opts, skip);
    for (const [k, v] of Object.entries(normalized)) {
      const extension = this.schema.extension(k);
      if (extension) {
        const container = (this.data[extension.id] ??= {}) as Json;
        const raw = key(body, extension.id);
        for (const [ek, ev] of Object.entries(v as Json)) {
          this.merge(op.op, container, extension.attributes.find((a) => a.name === ek)!, ev, isObject(raw) ? key(raw, ek) : undefined);
        }
      } else {
        this.merge(op.op, this.data, this.schema.coreOrCommon(k)!.attr, v, key(body, k));
      }
    }
    if (op.op === 'replace') this.clearUnassignedAttributes(body, skip);
  }

  /**
   * In a replace, null, "" and [] make an attribute unassigned (RFC 7643 §2.5), so a path-less
   * replace with `{"displayName": null}` clears displayName rather than doing nothing.
   */
  private clearUnassignedAttributes(body: Json, skip: readonly string[]): void {
    for (const [k, raw] of Object.entries(body)) {
      if (skip.includes(k.toLowerCase())) continue;
      const extension = this.schema.extension(k);
      if (extension) {
        if (isUnassigned(raw)) delete this.data[extension.id];
        else if (isObject(raw) && isObject(this.data[extension.id])) clearUnassigned(this.data[extension.id] as Json, raw, extension.attributes, `${extension.id}:`);
        continue;
      }
      const found = this.schema.coreOrCommon(k);
      if (found && isUnassigned(raw)) clearUnassigned(this.data, { [k]: raw }, [found.attr], '');
    }
  }

  /** Add or replace one normalised attribute value in `container` (RFC 7644 §3.5.2.1 and §3.5.2.3). */
  private merge(op: OpName, container: Json, def: AttributeDef, value: unknown, raw?: unknown): void {
    this.checkImmutable(container, def, `'${def.name}'`, value);
    const current = container[def.name];
    if (def.multiValued) {
      const incoming = value as unknown[];
      if (op === 'replace' || !Array.isArray(current)) {
        container[def.name] = incoming;
        return;
      }
      const existing = new Set(current.map(canonical));
      const added = incoming.filter((v) => !existing.has(canonical(v)));
      if (added.some((v) => isObject(v) && v.primary === true)) clearPrimary(current);
      container[def.name] = [...current, ...added];
      const n = (container[def.name] as unknown[]).length;
      if (n > this.maxValues) throw invalidValue(`'${def.name}' would have ${n} values; the limit is ${this.maxValues} values per attribute`);
      checkPrimary(def, container[def.name] as unknown[], def.name);
      return;
    }
    if (def.type === 'complex' && isObject(current)) {
      for (const sub of def.subAttributes ?? []) {
        const sv = (value as Json)[sub.name];
        if (sv !== undefined) this.checkImmutable(current, sub, `'${def.name}.${sub.name}'`, sv);
      }
      const merged = { ...current, ...(value as Json) };
      if (op === 'replace' && isObject(raw)) clearUnassigned(merged, raw, def.subAttributes ?? [], `${def.name}.`);
      container[def.name] = merged;
      return;
    }
    container[def.name] = value;
  }

  private checkImmutable(container: Json, def: AttributeDef, what: string, value?: unknown): void {
    checkImmutable('patchRequest', def, container[def.name], value, what);
  }

  private containerFor(ref: AttrRef, create: boolean): Json | undefined {
    if (!ref.extension) return this.data;
    const existing = this.data[ref.schema!];
    if (isObject(existing)) return existing;
    if (!create) return undefined;
    const fresh: Json = {};
    this.data[ref.schema!] = fresh;
    return fresh;
  }

  private normalize(op: ParsedOp, def: AttributeDef, value: unknown, path: string): unknown {
    const nv = normalizeAttribute(def, value, path, { readOnly: readOnlyInput('patchRequest'), notes: this.notes });
    if (nv === undefined && op.op !== 'remove') {
      // A value of null or [] in add/replace means "unassigned" (RFC 7643 §2.5).
      return undefined;
    }
    return nv;
  }

  /** A path naming an attribute or a sub-attribute, without a filter. */
  private applyAttr(op: ParsedOp, ref: AttrRef): void {
    const where = this.where(op);
    const leaf = ref.sub ?? ref.attr;
    if (refused(ref.attr) || refused(leaf)) throw mutability(`${where}: '${leaf.name}' is read-only`);
    const container = this.containerFor(ref, op.op !== 'remove');
    if (!ref.sub) {
      if (op.op === 'remove') {
        if (!container) return;
        if (immutableChange('patchRequest', ref.attr, container[ref.attr.name], undefined)) throw mutability(`${where}: '${ref.attr.name}' is immutable`);
        delete container[ref.attr.name];
        return;
      }
      const v = this.normalize(op, ref.attr, op.value, ref.attr.name);
      if (v === undefined) {
        // A complex value whose sub-attributes all normalised away names nothing to replace; the
        // sub-attributes it does not name are left unchanged (RFC 7644 §3.5.2.3), those it names
        // as null/""/[] become unassigned.
        const complexSingle = ref.attr.type === 'complex' && !ref.attr.multiValued;
        if (op.op === 'replace' && !complexSingle) delete container![ref.attr.name];
        const current = container![ref.attr.name];
        if (op.op === 'replace' && complexSingle && isObject(current) && isObject(op.value)) {
          clearUnassigned(current, op.value, ref.attr.subAttributes ?? [], `${ref.attr.name}.`);
        }
        return;
      }
      this.merge(op.op, container!, ref.attr, v, op.value);
      return;
    }
    // attr.sub
    if (ref.attr.multiValued) {
      if (op.op !== 'remove') {
        throw invalidPath(`${where}: '${ref.attr.name}' is multi-valued; select the values with a filter, e.g. ${ref.attr.name}[type eq "work"].${ref.sub.name}`);
      }
      const items = container?.[ref.attr.name];
      if (Array.isArray(items)) for (const item of items) if (isObject(item)) delete item[ref.sub.name];
      return;
    }
    if (op.op === 'remove') {
      const obj = container?.[ref.attr.name];
      if (isObject(obj)) {
        if (immutableChange('patchRequest', ref.sub, obj[ref.sub.name], undefined)) throw mutability(`${where}: '${ref.sub.name}' is immutable`);
        delete obj[ref.sub.name];
      }
      return;
    }
    const v = this.normalize(op, ref.sub, op.value, `${ref.attr.name}.${ref.sub.name}`);
    const obj = isObject(container![ref.attr.name]) ? (container![ref.attr.name] as Json) : {};
    this.checkImmutable(obj, ref.sub, `'${ref.attr.name}.${ref.sub.name}'`, v);
    if (v === undefined) delete obj[ref.sub.name];
    else obj[ref.sub.name] = v;
    container![ref.attr.name] = obj;
  }

  /** `attr[filter]` and `attr[filter].sub` on a multi-valued complex attribute stored in the document. */
  private applyFiltered(op: ParsedOp, t: Extract<Target, { kind: 'filtered' }>): void {
    const where = this.where(op);
    const { ref, filter, sub } = t;
    if (refused(ref.attr) || (sub !== undefined && refused(sub))) throw mutability(`${where}: '${(sub ?? ref.attr).name}' is read-only`);
    const container = this.containerFor(ref, false);
    const items = container && Array.isArray(container[ref.attr.name]) ? (container[ref.attr.name] as unknown[]) : [];
    const matches = items.filter((el) => isObject(el) && evaluate(filter, el)) as Json[];
    if (matches.length === 0) throw noTarget(`${where}: the filter matches no value of '${ref.attr.name}'`);
    const path = sub ? `${ref.attr.name}.${sub.name}` : ref.attr.name;
    if (op.op === 'remove') {
      if (sub) for (const m of matches) delete m[sub.name];
      else container![ref.attr.name] = items.filter((el) => !matches.includes(el as Json));
      return;
    }
    if (sub) {
      const v = this.normalize(op, sub, op.value, path);
      if (sub.name === 'primary' && v === true) clearPrimary(items);
      for (const m of matches) {
        this.checkImmutable(m, sub, `'${path}'`, v);
        if (v === undefined) delete m[sub.name];
        else m[sub.name] = v;
      }
    } else {
      if (!isObject(op.value)) throw invalidValue(`${where}: the value must be one ${ref.attr.name} object`);
      const v = this.normalize(op, { ...ref.attr, multiValued: false }, op.value, path) as Json | undefined;
      if (v === undefined && op.op === 'replace') {
        throw invalidValue(`${where}: the value names no sub-attribute of '${ref.attr.name}'; to delete the matched values use "remove"`);
      }
      if (v?.primary === true) clearPrimary(items);
      for (const m of matches) {
        if (op.op === 'replace') for (const k of Object.keys(m)) delete m[k];
        Object.assign(m, v ?? {});
      }
    }
    checkPrimary(ref.attr, items, ref.attr.name);
  }

  private memberValues(op: ParsedOp, ref: AttrRef, value: unknown[]): ClaimedMember[] {
    value.forEach((item, i) => {
      const id = isObject(item) ? key(item, 'value') : undefined;
      if (typeof id !== 'string' || id === '') throw invalidValue(`${this.where(op)}: members[${i}] needs a "value" (the member's id)`);
    });
    const v = normalizeAttribute(ref.attr, value, 'members', { readOnly: readOnlyInput('patchRequest'), notes: this.notes });
    const items = (v as Json[] | undefined) ?? [];
    return items.map((m, i) => {
      if (typeof m.value !== 'string') throw invalidValue(`${this.where(op)}: members[${i}] needs a "value" (the member's id)`);
      return claimed(m.value, m);
    });
  }

  private membersAttr(op: ParsedOp, ref: AttrRef): void {
    const tracker = this.members!;
    if (ref.sub) throw mutability(`${this.where(op)}: member '${ref.sub.name}' cannot be changed; add or remove the member instead`);
    if (op.op === 'remove') return tracker.clear();
    if (!Array.isArray(op.value)) throw invalidValue(`${this.where(op)}: 'members' is multi-valued; the value must be an array of members`);
    const values = this.memberValues(op, ref, op.value);
    if (op.op === 'replace') tracker.clear();
    tracker.add(values);
  }

  private membersFiltered(op: ParsedOp, t: Extract<Target, { kind: 'filtered' }>): void {
    const tracker = this.members!;
    if (t.sub) throw mutability(`${this.where(op)}: member '${t.sub.name}' cannot be changed; add or remove the member instead`);
    if (op.op === 'add') throw invalidPath(`${this.where(op)}: "add" to members takes path "members" and the new members as value`);
    const ids = tracker.matching(t.filter);
    if (ids.length === 0) throw noTarget(`${this.where(op)}: no member matches the filter`);
    tracker.remove(ids);
    if (op.op === 'replace') tracker.add(this.memberValues(op, t.ref, Array.isArray(op.value) ? op.value : [op.value]));
  }
}

/** A normalised member value as the client claimed it: its id, and the type and $ref it gave. */
export function claimed(value: string, m: Json): ClaimedMember {
  return { value, ...(typeof m.type === 'string' ? { type: m.type } : {}), ...(typeof m.$ref === 'string' ? { $ref: m.$ref } : {}) };
}

/** RFC 7643 §2.5: null, "" and [] all mean "no value". */
function isUnassigned(v: unknown): boolean {
  return v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

/** Deletes from `target` each attribute that `raw` names (in any case) with an unassigned value. */
function clearUnassigned(target: Json, raw: Json, defs: readonly AttributeDef[], prefix: string): void {
  for (const [k, v] of Object.entries(raw)) {
    if (!isUnassigned(v)) continue;
    const def = defs.find((d) => d.name.toLowerCase() === k.toLowerCase());
    if (!def) continue;
    if (refused(def)) throw mutability(`'${prefix}${def.name}' is read-only`);
    checkImmutable('patchRequest', def, target[def.name], undefined, `'${prefix}${def.name}'`);
    delete target[def.name];
  }
}

function clearPrimary(items: unknown[]): void {
  for (const el of items) if (isObject(el) && el.primary === true) delete el.primary;
}

/** Drops what RFC 7643 §2.5 calls unassigned: empty objects, empty arrays, elements with nothing left. */
export function cleanup(obj: Json): void {
  for (const [k, v] of Object.entries(obj)) {
    if (Array.isArray(v)) {
      const kept = v.filter((el) => {
        if (isObject(el)) cleanup(el);
        return !(isObject(el) && Object.keys(el).length === 0);
      });
      if (kept.length === 0) delete obj[k];
      else obj[k] = kept;
    } else if (isObject(v)) {
      cleanup(v);
      if (Object.keys(v).length === 0) delete obj[k];
    } else if (v === undefined || v === null || v === '') {
      delete obj[k];
    }
  }
}

/** JSON with sorted keys (schema/canonical.ts), exported here for the use cases. */
export { canonical };
