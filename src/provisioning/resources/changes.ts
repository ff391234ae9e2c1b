/**
 * The change recorder: every committed write of a User or Group records its changes here, inside
 * its write transaction, so the change log (docs/events.md) holds exactly what committed — a write
 * that rolls back takes its events with it, a write that changes nothing records nothing.
 *
 * A use case collects its changes and records them at the end of its transaction (recordChanges):
 * one upsert of the tenant's counter row for all of them, then one INSERT per 250 events (a single
 * change is one INSERT); member events are built a batch at a time from the delta, never all at
 * once. No reads.
 */
import { randomUUID } from 'node:crypto';
import { rememberedJson } from '../../scim/json-text.ts';
import { sameJson } from '../../scim/schema/canonical.ts';
import type { StoredResource } from '../../scim/resource.ts';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import { isObject, type Json } from '../../scim/schema/validate.ts';
import type { EventActor, Repo, ScimdEvent } from '../../store/types.ts';
import { presentedUser } from '../policies/presentation.ts';

/** What caused a change: the actor, and for SCIM requests the client and the request. */
export interface Cause {
  readonly actor: EventActor;
  readonly clientId?: string;
  readonly requestId?: string;
}

export const ADMIN_CAUSE: Cause = { actor: 'admin' };

/** The events of a policy (mailed links); each is the one event of the user write it makes. */
export type PolicyEventType = 'user.invitation.accepted' | 'user.email.verified';

/** What happened to the resource. */
export type ChangeKind =
  | { readonly kind: 'create' }
  /** `before` is the stored document before the write; `resource` holds the one after. */
  | { readonly kind: 'update'; readonly before: Json }
  | { readonly kind: 'delete'; readonly tombstone?: boolean }
  | { readonly kind: 'restore'; readonly data: Json }
  | { readonly kind: 'policy'; readonly type: PolicyEventType; readonly before: Json; readonly data: Json };

/** Members a write added to or removed from a group (the rows that changed, nothing else). */
export interface MemberChanges {
  readonly added: { keys(): Iterable<string>; readonly size: number };
  readonly removed: { keys(): Iterable<string>; readonly size: number };
  /** The member's type, when the write knows it (every write that adds or removes a member does). */
  readonly typeOf?: (id: string) => 'User' | 'Group' | undefined;
}

export interface Change {
  readonly tenantId: string;
  /** The resource after the change (for a delete, as it was). */
  readonly resource: StoredResource;
  readonly what: ChangeKind;
  readonly members?: MemberChanges;
  readonly at: string;
  readonly cause: Cause;
}

const BATCH = 250;

const lower = (t: ResourceTypeName) => (t === 'User' ? 'user' : 'group');

/** Each key of either object once (those of `b`, then those only `a` has). */
function eachKey(b: Json, a: Json, fn: (key: string) => void): void {
  for (const k of Object.keys(b)) fn(k);
  for (const k of Object.keys(a)) if (!Object.hasOwn(b, k)) fn(k);
}
const objectOrAbsent = (v: unknown) => v === undefined || isObject(v);
/** Whether a key or path starts with a schema URN (`urn:`, any case), without lower-casing it. */
const isUrn = (s: string) => s.length >= 4 && (s.charCodeAt(0) | 32) === 117 && (s.charCodeAt(1) | 32) === 114 && (s.charCodeAt(2) | 32) === 110 && s.charCodeAt(3) === 58;

/** One attribute: a single-valued complex attribute by its sub-attributes, any other as a whole. */
function attributePaths(name: string, b: unknown, a: unknown, out: string[]): void {
  if (sameJson(b, a)) return;
  if (!objectOrAbsent(b) || !objectOrAbsent(a)) {
    out.push(name);
    return;
  }
  const bo = (b ?? {}) as Json;
  const ao = (a ?? {}) as Json;
  eachKey(bo, ao, (sub) => {
    if (!sameJson(bo[sub], ao[sub])) out.push(`${name}.${sub}`);
  });
}

/**
 * The attribute paths whose values differ between two stored documents, sorted: `displayName`,
 * `name.givenName`, `emails` (multi-valued attributes as a whole), and extension attributes after
 * their schema URN (`urn:…:enterprise:2.0:User:department`, `urn:…:User:manager.value`).
 */
export function changedPaths(before: Json, after: Json): string[] {
  const out: string[] = [];
  eachKey(before, after, (key) => {
    const b = before[key];
    const a = after[key];
    if (isUrn(key) && objectOrAbsent(b) && objectOrAbsent(a)) {
      const bo = (b ?? {}) as Json;
      const ao = (a ?? {}) as Json;
      eachKey(bo, ao, (attr) => attributePaths(`${key}:${attr}`, bo[attr], ao[attr], out));
    } else attributePaths(key, b, a, out);
  });
  return out.sort();
}

/** Users are compared as shown (a pending invitation shows active false). */
const shown = (type: ResourceTypeName, data: Json): Json => (type === 'User' ? presentedUser(data) : data);

/**
 * What changed in the stored document, and in the user as shown: presentedUser changes `active`
 * alone (false while an invitation is pending), so accepting an invitation also changes `active`.
 */
function pathsOf(before: Json, after: Json, shownBefore: Json, shownAfter: Json): string[] {
  const paths = changedPaths(before, after);
  if (shownBefore.active !== shownAfter.active && !paths.includes('active')) {
    paths.push('active');
    paths.sort();
  }
  return paths;
}

const isActive = (data: Json) => data.active !== false;

/**
 * The value a document holds at one of changedPaths' paths (null where it holds none):
 * `displayName`, `name.givenName`, `urn:…:User:department`, `urn:…:User:manager.value`.
 */
export function valueAtPath(doc: Json, path: string): unknown {
  let container: Json = doc;
  let rest = path;
  if (isUrn(path)) {
    // The longest key of the document that is the path's schema URN.
    const urn = Object.keys(doc)
      .filter((k) => path.startsWith(`${k}:`))
      .sort((a, b) => b.length - a.length)[0];
    if (urn === undefined) return null;
    const ext = doc[urn];
    if (!isObject(ext)) return null;
    container = ext;
    rest = path.slice(urn.length + 1);
  }
  const dot = rest.indexOf('.');
  if (dot < 0) return container[rest] ?? null;
  const parent = container[rest.slice(0, dot)];
  return isObject(parent) ? (parent[rest.slice(dot + 1)] ?? null) : null;
}

/** The values the changed paths had before the change. */
function previousOf(before: Json, paths: readonly string[]): Json {
  const out: Json = {};
  for (const p of paths) out[p] = valueAtPath(before, p) as Json[string];
  return out;
}

/** The state an event carries: the document as an object, or as JSON text where the store just wrote it. */
type State = { readonly state: Json; readonly text?: undefined } | { readonly state?: undefined; readonly text: string };

/**
 * The resource as it is after the change, as events carry it (tenant setting events.state):
 * a user as shown (no password: none is ever stored in it), a group without its members (each
 * has its own event), with id and meta. Keys in the order `{ id, ...data, meta }` gives them.
 * Where the document is the one the store just wrote (its text remembered, json-text.ts), the
 * state is that text between the id and the meta: the same bytes, without a second serialisation.
 */
function stateOf(r: StoredResource, shownData?: Json): State {
  const data = shownData ?? shown(r.type, r.data);
  const meta = { resourceType: r.type, created: r.created, lastModified: r.lastModified, version: `W/"${r.version}"` };
  const written = data === r.data && !Object.hasOwn(data, 'members') && !Object.hasOwn(data, 'id') && !Object.hasOwn(data, 'meta') ? rememberedJson(data) : undefined;
  if (written !== undefined) {
    const inner = written.slice(1, -1);
    return { text: `{"id":${JSON.stringify(r.id)},${inner}${inner ? ',' : ''}"meta":${JSON.stringify(meta)}}` };
  }
  const out: Json = { id: r.id };
  for (const k of Object.keys(data)) {
    if (k === 'members') continue;
    // An own `__proto__` key stays a key, as a spread keeps it (an assignment would set the prototype).
    if (k === '__proto__') Object.defineProperty(out, k, { value: data[k], enumerable: true, writable: true, configurable: true });
    else out[k] = data[k];
  }
  out.meta = meta;
  return { state: out };
}

/** How a transaction's changes are recorded. */
export interface RecordOptions {
  /** Whether events carry the resource's state after the change (tenant setting events.state; default true). */
  readonly state?: boolean;
}

/** An event on its way to the log: its id and tenantSeq are set when it is numbered. */
type NewEvent = { -readonly [K in keyof ScimdEvent]: ScimdEvent[K] };

/**
 * An event of a change: the tenant, the resource and its version, when, and the cause, with its
 * type and details. One object literal with every field, unset ones undefined: every event has the
 * same shape, so the store reads their fields without a lookup each (events of several shapes made
 * each of putRow's 15 reads a megamorphic miss, about 19,000 instructions an event).
 */
function eventOf(c: Change, type: string, data: Json, paths?: string[], previous?: Json, state?: State): NewEvent {
  const cause = c.cause;
  const r = c.resource;
  return {
    seq: undefined,
    id: undefined,
    tenantSeq: undefined,
    tenantId: c.tenantId,
    type,
    resourceType: r.type,
    resourceId: r.id,
    version: r.version,
    paths,
    previous,
    state: state?.state,
    stateText: state?.text,
    at: c.at,
    clientId: cause.clientId,
    requestId: cause.requestId,
    actor: cause.actor,
    data,
  };
}

/** The event about the resource itself, or undefined when its attributes did not change. */
function resourceEvent(c: Change, withState: boolean): NewEvent | undefined {
  const r = c.resource;
  const w = c.what;
  switch (w.kind) {
    case 'create':
      return eventOf(c, `${lower(r.type)}.created`, {}, undefined, undefined, withState ? stateOf(r) : undefined);
    case 'delete':
      return eventOf(c, `${lower(r.type)}.deleted`, w.tombstone ? { tombstone: true } : {});
    case 'restore':
      return eventOf(c, `${lower(r.type)}.restored`, w.data, undefined, undefined, withState ? stateOf(r) : undefined);
    case 'policy': {
      const before = shown(r.type, w.before);
      const after = shown(r.type, r.data);
      const paths = pathsOf(w.before, r.data, before, after);
      return eventOf(c, w.type, w.data, paths, previousOf(before, paths), withState ? stateOf(r, after) : undefined);
    }
    case 'update': {
      const before = shown(r.type, w.before);
      const after = shown(r.type, r.data);
      const paths = pathsOf(w.before, r.data, before, after);
      if (paths.length === 0) return undefined;
      let type = `${lower(r.type)}.updated`;
      if (r.type === 'User' && isActive(before) !== isActive(after)) type = isActive(after) ? 'user.reactivated' : 'user.deactivated';
      return eventOf(c, type, {}, paths, previousOf(before, paths), withState ? stateOf(r, after) : undefined);
    }
  }
}

/** The member events of a change, one at a time. */
function* memberEvents(c: Change): Generator<NewEvent> {
  const m = c.members;
  if (!m) return;
  const event = (type: string, id: string): NewEvent => {
    const memberType = m.typeOf?.(id);
    return eventOf(c, type, memberType ? { value: id, type: memberType } : { value: id });
  };
  // In the order the store applies a delta: removals, then additions.
  for (const id of m.removed.keys()) yield event('group.member.removed', id);
  for (const id of m.added.keys()) yield event('group.member.added', id);
}

/** How many events a change makes, its resource event (`head`) given. */
const eventCount = (c: Change, head: NewEvent | undefined) => (head ? 1 : 0) + (c.members?.added.size ?? 0) + (c.members?.removed.size ?? 0);

/**
 * Records a transaction's committed changes, in order: for each, the resource's event (created,
 * updated, deactivated, …) and one event per member added or removed, numbered from the tenant's
 * sequence. Call it last in the transaction, after every write and row lock: the tenant's counter
 * row is locked from here until commit, so nothing may wait for another lock meanwhile.
 */
export async function recordChanges(tx: Repo, changes: readonly Change[], options: RecordOptions = {}): Promise<void> {
  const withState = options.state ?? true;
  // The common case: one change without members (a user's POST, PUT, PATCH, DELETE) is one event.
  const only = changes.length === 1 ? changes[0]! : undefined;
  if (only && !only.members?.added.size && !only.members?.removed.size) {
    const head = resourceEvent(only, withState);
    if (!head) return;
    head.id = randomUUID();
    await tx.appendEvents(head.tenantId, [head]);
    return;
  }
  const heads = changes.map((c) => resourceEvent(c, withState));
  for (const tenantId of new Set(changes.map((c) => c.tenantId))) {
    let count = 0;
    changes.forEach((c, i) => {
      if (c.tenantId === tenantId) count += eventCount(c, heads[i]);
    });
    if (count === 0) continue;
    if (count <= BATCH) {
      // Few (a group PATCH's member or two): numbered and written in one statement.
      const events: NewEvent[] = [];
      for (const [i, c] of changes.entries()) {
        if (c.tenantId !== tenantId) continue;
        const head = heads[i];
        if (head) events.push(head);
        for (const e of memberEvents(c)) events.push(e);
      }
      for (const e of events) e.id = randomUUID();
      await tx.appendEvents(tenantId, events);
      continue;
    }
    let seq = await tx.takeEventSeqs(tenantId, count);
    let batch: NewEvent[] = [];
    const add = async (e: NewEvent) => {
      e.id = randomUUID();
      e.tenantSeq = seq++;
      batch.push(e);
      if (batch.length >= BATCH) {
        await tx.insertEvents(batch);
        batch = [];
      }
    };
    for (const [i, c] of changes.entries()) {
      if (c.tenantId !== tenantId) continue;
      const head = heads[i];
      if (head) await add(head);
      for (const e of memberEvents(c)) await add(e);
    }
    if (batch.length) await tx.insertEvents(batch);
  }
}

/** Records one change (see recordChanges): for a use case whose transaction makes one. */
export function recordChange(tx: Repo, c: Change, options: RecordOptions = {}): Promise<void> {
  return recordChanges(tx, [c], options);
}

/** Whether a tenant's events carry the resource's state (tenant setting events.state). */
export const recordOptionsOf = (settings: Readonly<Record<string, string>>): RecordOptions => ({ state: settings['events.state'] !== 'none' });

/** Every event type the change log records (docs/events.md). */
export const EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'user.restored',
  'user.invitation.accepted',
  'user.email.verified',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.member.added',
  'group.member.removed',
] as const;
