/**
 * Group membership inside the PATCH engine. Members live in their own rows, so a PATCH must not
 * read or rewrite the whole list: the engine works against a MemberView that answers point
 * questions, and produces a MemberDelta the store applies row by row (RFC 7644 §3.5.2 semantics,
 * scimd's storage). The full list is loaded only for filters that are not plain `value eq` tests.
 */
import { invalidValue } from '../errors.ts';
import type { BoundFilter } from '../filter/bind.ts';
import { evaluate } from '../filter/evaluate.ts';

export interface MemberRef {
  readonly value: string;
  readonly type: 'User' | 'Group';
  readonly display?: string;
}

/** Membership before the PATCH. */
export interface MemberView {
  has(id: string): boolean;
  /** The type of every resource a PATCH names as a member; undefined when no such resource exists. */
  typeOf(id: string): 'User' | 'Group' | undefined;
  /** Every member, when the service loaded them (needed for filters beyond `value eq`). */
  readonly all?: readonly MemberRef[];
}

/** What the PATCH does to membership, applied by the store in order: clear, remove, add. */
export interface MemberDelta {
  clear: boolean;
  /** id → the type of the resource added. */
  readonly add: Map<string, 'User' | 'Group'>;
  readonly remove: Set<string>;
}

/** A member as the client wrote it: the id, and the type and `$ref` it claims for it. */
export interface ClaimedMember {
  readonly value: string;
  readonly type?: string;
  readonly $ref?: string;
}

/**
 * What to do with a member whose claimed type or `$ref` disagrees with the resource its id names:
 * true takes them from that resource (the client's claim is dropped), false refuses the request.
 * Without one, the request is refused (the strict RFC behaviour).
 */
export type MemberClaims = (disagreement: string) => boolean;

/** The resource type and id a member `$ref` names ("…/Users/<id>", relative "Users/<id>"), when it names one. */
export function refTarget(ref: string): { type: 'User' | 'Group'; id: string } | undefined {
  const m = /(?:^|\/)(Users|Groups)\/([^/?#]+)\/?(?:[?#].*)?$/i.exec(ref);
  if (!m) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(m[2]!);
  } catch {
    return undefined;
  }
  return { type: m[1]!.toLowerCase() === 'users' ? 'User' : 'Group', id };
}

/** Why a claimed member disagrees with the resource its id names, or undefined when it does not. */
export function claimDisagreement(m: ClaimedMember, actual: 'User' | 'Group'): string | undefined {
  if (m.type !== undefined && m.type.toLowerCase() !== actual.toLowerCase()) return `Member '${m.value}' is a ${actual}, not a ${m.type}`;
  const target = m.$ref === undefined ? undefined : refTarget(m.$ref);
  if (target && (target.type !== actual || target.id !== m.value)) {
    return `Member '${m.value}' is a ${actual}, but its $ref "${m.$ref!.slice(0, 200)}" names the ${target.type} '${target.id.slice(0, 100)}'`;
  }
  return undefined;
}

/** Checks a claimed member against the resource its id names: refused unless `claims` takes it from the resource. */
export function checkClaim(m: ClaimedMember, actual: 'User' | 'Group', claims: MemberClaims | undefined): void {
  const why = claimDisagreement(m, actual);
  if (why !== undefined && !claims?.(why)) throw invalidValue(why);
}

export class NeedAllMembers extends Error {
  constructor() {
    super('this PATCH needs the full member list');
  }
}

/** The ids a filter selects when it is `value eq "…"` or an `or` of such tests; undefined otherwise. */
export function plainValueIds(f: BoundFilter): string[] | undefined {
  if (f.kind === 'compare' && f.op === 'eq' && f.target.leaf.name === 'value' && typeof f.value === 'string') return [f.value];
  if (f.kind === 'or') {
    const l = plainValueIds(f.left);
    const r = plainValueIds(f.right);
    return l && r ? [...l, ...r] : undefined;
  }
  return undefined;
}

export class MemberTracker {
  readonly delta: MemberDelta = { clear: false, add: new Map(), remove: new Set() };

  constructor(
    private readonly view: MemberView,
    private readonly groupId: string,
    private readonly claims?: MemberClaims,
  ) {}

  isMember(id: string): boolean {
    if (this.delta.add.has(id)) return true;
    return !this.delta.clear && !this.delta.remove.has(id) && this.view.has(id);
  }

  get changed(): boolean {
    return this.delta.clear || this.delta.add.size > 0 || this.delta.remove.size > 0;
  }

  /** Adds members; ones already present are left alone (RFC 7644 §3.5.2.1: no change, no error). */
  add(items: readonly ClaimedMember[]): void {
    for (const m of items) {
      const actual = this.view.typeOf(m.value);
      if (!actual) throw invalidValue(`Member '${m.value}' does not exist`);
      checkClaim(m, actual, this.claims);
      if (m.value === this.groupId) throw invalidValue('A group cannot be a member of itself');
      // Re-adding a member removed earlier in this PATCH just cancels the removal.
      if (this.delta.remove.delete(m.value)) continue;
      if (this.isMember(m.value)) continue;
      this.delta.add.set(m.value, actual);
    }
  }

  clear(): void {
    this.delta.clear = true;
    this.delta.add.clear();
    this.delta.remove.clear();
  }

  remove(ids: Iterable<string>): void {
    for (const id of ids) {
      this.delta.add.delete(id);
      // Only rows that exist need deleting: a member added and removed in one PATCH leaves no trace.
      if (!this.delta.clear && this.view.has(id)) this.delta.remove.add(id);
    }
  }

  /** Ids of current members matching a value filter. */
  matching(filter: BoundFilter): string[] {
    const ids = plainValueIds(filter);
    if (ids) return [...new Set(ids)].filter((id) => this.isMember(id));
    if (!this.view.all) throw new NeedAllMembers();
    const current: Record<string, unknown>[] = [];
    if (!this.delta.clear) {
      for (const m of this.view.all) if (!this.delta.remove.has(m.value) && !this.delta.add.has(m.value)) current.push({ ...m });
    }
    for (const [value, type] of this.delta.add) current.push({ value, type });
    return current.filter((m) => evaluate(filter, m)).map((m) => m.value as string);
  }
}
