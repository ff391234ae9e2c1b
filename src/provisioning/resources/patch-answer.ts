/**
 * What a PATCH answers with (RFC 7644 §3.5.2 allows 200 with the resource or 204). Validators and
 * some IdPs read the body of a group PATCH, while rendering a group of 100,000 members to add one
 * would make a one-member change cost the whole group. The client setting `groupPatchResponse`
 * chooses: `auto` (the default) answers 200 with the group while it has at most
 * GROUP_PATCH_BODY_MAX_MEMBERS members, found by a bounded count, else 204; `full` always 200;
 * `none` always 204. A PATCH on a User always answers 200 with the user.
 */
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { Settings } from '../../store/types.ts';
import { setting } from '../policies/attribute-rules.ts';

export const GROUP_PATCH_RESPONSE = 'groupPatchResponse';
/** The largest group `auto` answers a PATCH on with its body. */
export const GROUP_PATCH_BODY_MAX_MEMBERS = 1000;

/** `body`: 200 with the resource; `none`: 204; `small`: 200 if the group has at most `maxMembers` members, else 204. */
export type PatchAnswer = { readonly kind: 'body' } | { readonly kind: 'none' } | { readonly kind: 'small'; readonly maxMembers: number };

/**
 * `asked`: the request named `attributes` or `excludedAttributes`, which under `auto` is honoured
 * with a body whatever the group's size (the client chose what it reads).
 */
export function patchAnswer(type: ResourceTypeName, clientSettings: Settings, asked: boolean): PatchAnswer {
  if (type === 'User') return { kind: 'body' };
  const mode = setting(clientSettings, GROUP_PATCH_RESPONSE, 'auto');
  if (mode === 'none') return { kind: 'none' };
  if (mode === 'full' || asked) return { kind: 'body' };
  return { kind: 'small', maxMembers: GROUP_PATCH_BODY_MAX_MEMBERS };
}
