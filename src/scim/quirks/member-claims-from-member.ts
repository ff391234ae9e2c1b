import type { Normaliser } from './types.ts';

/**
 * A group member whose client-sent `type` or `$ref` disagrees with the resource its id names
 * (`{"value": "<a user's id>", "type": "Group"}`, or a `$ref` to another resource) is refused by
 * the RFC core. The id is what names the member, and scimd renders `type` and `$ref` from the
 * member itself on every read, so the tolerant profiles take them from the member and note it.
 * It only decides requests the core refuses; strict still refuses them.
 */
export const memberClaimsFromMember: Normaliser = {
  name: 'memberClaimsFromMember',
  quirks: [31],
  profiles: 'all',
  summary: "a member's type or $ref that disagrees with the member its id names is taken from the member",
  member(disagreement, ctx) {
    ctx.note(`${disagreement}: taken from the member`);
    return true;
  },
};
