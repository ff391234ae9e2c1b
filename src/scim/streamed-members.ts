/**
 * A group's JSON text in pieces, so that a huge member list is written as it is read: the text
 * before the members, each page of members, the text after. Joined, the pieces are exactly
 * JSON.stringify of the projected document that renderResource makes with every member.
 */
import type { Projection } from './project.ts';
import { renderMember, type Member } from './resource.ts';
import type { Json } from './schema/validate.ts';

/** A member as every member is rendered: value, $ref and type (display only when it has one). */
const PROBE: Member = { value: '0', type: 'User' };

/**
 * Whether the projection shows `members` and keeps something of every member: then the member
 * list appears exactly when the group has members, and its values are the members one for one.
 * (Asking only for members.display would drop members without a display, and the list with them.)
 */
export function membersStreamable(projection: Projection): boolean {
  return projection.includes('members') && projection.apply({ members: [renderMember(PROBE, '')] }).members !== undefined;
}

export interface MembersSplit {
  /** The text up to the member list's opening bracket, excluded (it ends with `"members":`). */
  readonly head: string;
  /** The text after the member list's closing bracket. */
  readonly tail: string;
}

/**
 * Cuts the JSON text of `projected` around its `members` value. `projected` is the projected
 * document rendered with some members (any: they are not part of the answer), so its keys are in
 * the order of the document with every member.
 */
export function splitAroundMembers(projected: Json): MembersSplit {
  if (projected.members === undefined) throw new Error('splitAroundMembers: the document has no members');
  const before: Json = {};
  const after: Json = {};
  let side = before;
  for (const [k, v] of Object.entries(projected)) {
    if (k === 'members') side = after;
    else side[k] = v;
  }
  // JSON.stringify of an object is its members' texts, comma-separated, in braces.
  const b = JSON.stringify(before);
  const a = JSON.stringify(after);
  return { head: `${b === '{}' ? '{' : `${b.slice(0, -1)},`}"members":`, tail: a === '{}' ? '}' : `,${a.slice(1)}` };
}

/**
 * The JSON text of some members as items of the list, comma-separated, without brackets: the
 * pages' texts joined with commas are the list's text. Projected one by one as the whole list is.
 */
export function memberItemsText(projection: Projection, members: readonly Member[], baseUrl: string): string {
  if (members.length === 0) return '';
  const shown = projection.apply({ members: members.map((m) => renderMember(m, baseUrl)) }).members as Json[] | undefined;
  if (!shown || shown.length !== members.length) throw new Error('memberItemsText: the projection drops members (see membersStreamable)');
  return JSON.stringify(shown).slice(1, -1);
}
