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

const keysOf = (b: Json, a: Json) => new Set([...Object.keys(b), ...Object.keys(a)]);
const objectOrAbsent = (v: unknown) => v === undefined || isObject(v);

/** One attribute: a single-valued complex attribute by its sub-attributes, any other as a whole. */
function attributePaths(name: string, b: unknown, a: unknown, out: string[]): void {
  if (sameJson(b, a)) return;
  if (!objectOrAbsent(b) || !objectOrAbsent(a)) {
    out.push(name);
    return;
  }
  const bo = (b ?? {}) as Json;
  const ao = (a ?? {}) as Json;
  for (const sub of keysOf(bo, ao)) if (!sameJson(bo[sub], ao[sub])) out.push(`${name}.${sub}`);
}

/**
 * The attribute paths whose values differ between two stored documents, sorted: `displayName`,
 * `name.givenName`, `emails` (multi-valued attributes as a whole), and extension attributes after
 * their schema URN (`urn:…:enterprise:2.0:User:department`, `urn:…:User:manager.value`).
 */
export function changedPaths(before: Json, after: Json): string[] {
  const out: string[] = [];
  for (const key of keysOf(before, after)) {
    const b = before[key];
    const a = after[key];
    if (key.toLowerCase().startsWith('urn:') && objectOrAbsent(b) && objectOrAbsent(a)) {
      const bo = (b ?? {}) as Json;
      const ao = (a ?? {}) as Json;
      for (const attr of keysOf(bo, ao)) attributePaths(`${key}:${attr}`, bo[attr], ao[attr], out);
    } else attributePaths(key, b, a, out);
  }
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
  if (path.toLowerCase().startsWith('urn:')) {
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

/**
 * The resource as it is after the change, as events carry it (tenant setting events.state):
 * a user as shown (no password: none is ever stored in it), a group without its members (each
 * has its own event), with id and meta.
 */
function stateOf(r: StoredResource, shownData?: Json): Json {
  const { members: _members, ...data } = shownData ?? shown(r.type, r.data);
  return { id: r.id, ...data, meta: { resourceType: r.type, created: r.created, lastModified: r.lastModified, version: `W/"${r.version}"` } };
}

/** How a transaction's changes are recorded. */
export interface RecordOptions {
  /** Whether events carry the resource's state after the change (tenant setting events.state; default true). */
  readonly state?: boolean;
}

type NewEvent = Omit<ScimdEvent, 'id' | 'tenantSeq'>;

/** What every event of a change says: the tenant, the resource and its version, when, and the cause. */
function common(c: Change) {
  return {
    tenantId: c.tenantId,
    resourceType: c.resource.type,
    resourceId: c.resource.id,
    version: c.resource.version,
    at: c.at,
    actor: c.cause.actor,
    ...(c.cause.clientId !== undefined ? { clientId: c.cause.clientId } : {}),
    ...(c.cause.requestId !== undefined ? { requestId: c.cause.requestId } : {}),
  };
}

/** The event about the resource itself, or undefined when its attributes did not change. */
function resourceEvent(c: Change, withState: boolean): NewEvent | undefined {
  const r = c.resource;
  const base = common(c);
  const w = c.what;
  const state = () => (withState ? { state: stateOf(r) } : {});
  switch (w.kind) {
    case 'create':
      return { ...base, type: `${lower(r.type)}.created`, ...state(), data: {} };
    case 'delete':
      return { ...base, type: `${lower(r.type)}.deleted`, data: w.tombstone ? { tombstone: true } : {} };
    case 'restore':
      return { ...base, type: `${lower(r.type)}.restored`, ...state(), data: w.data };
    case 'policy': {
      const before = shown(r.type, w.before);
      const after = shown(r.type, r.data);
      const paths = pathsOf(w.before, r.data, before, after);
      return { ...base, type: w.type, paths, previous: previousOf(before, paths), ...(withState ? { state: stateOf(r, after) } : {}), data: w.data };
    }
    case 'update': {
      const before = shown(r.type, w.before);
      const after = shown(r.type, r.data);
      const paths = pathsOf(w.before, r.data, before, after);
      if (paths.length === 0) return undefined;
      let type = `${lower(r.type)}.updated`;
      if (r.type === 'User' && isActive(before) !== isActive(after)) type = isActive(after) ? 'user.reactivated' : 'user.deactivated';
      return { ...base, type, paths, previous: previousOf(before, paths), ...(withState ? { state: stateOf(r, after) } : {}), data: {} };
    }
  }
}

/** The member events of a change, one at a time. */
function* memberEvents(c: Change): Generator<NewEvent> {
  const m = c.members;
  if (!m) return;
  const base = common(c);
  const event = (type: string, id: string): NewEvent => {
    const memberType = m.typeOf?.(id);
    return { ...base, type, data: memberType ? { value: id, type: memberType } : { value: id } };
  };
  // In the order the store applies a delta: removals, then additions.
  for (const id of m.removed.keys()) yield event('group.member.removed', id);
  for (const id of m.added.keys()) yield event('group.member.added', id);
}

/**
 * Records a transaction's committed changes, in order: for each, the resource's event (created,
 * updated, deactivated, …) and one event per member added or removed, numbered from the tenant's
 * sequence. Call it last in the transaction, after every write and row lock: the tenant's counter
 * row is locked from here until commit, so nothing may wait for another lock meanwhile.
 */
export async function recordChanges(tx: Repo, changes: readonly Change[], options: RecordOptions = {}): Promise<void> {
  const heads = changes.map((c) => resourceEvent(c, options.state ?? true));
  for (const tenantId of new Set(changes.map((c) => c.tenantId))) {
    let count = 0;
    changes.forEach((c, i) => {
      if (c.tenantId === tenantId) count += (heads[i] ? 1 : 0) + (c.members?.added.size ?? 0) + (c.members?.removed.size ?? 0);
    });
    if (count === 0) continue;
    let seq = await tx.takeEventSeqs(tenantId, count);
    const batch: ScimdEvent[] = [];
    const push = async (e: NewEvent) => {
      batch.push({ ...e, id: randomUUID(), tenantSeq: seq++ });
      if (batch.length >= BATCH) await tx.insertEvents(batch.splice(0));
    };
    for (const [i, c] of changes.entries()) {
      if (c.tenantId !== tenantId) continue;
      const head = heads[i];
      if (head) await push(head);
      for (const e of memberEvents(c)) await push(e);
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
