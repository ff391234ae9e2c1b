/** How a stored user is shown: what the IdP asked for, combined with what scimd and the host app know. */
import type { BoundFilter } from '../../scim/filter/bind.ts';
import { evaluate } from '../../scim/filter/evaluate.ts';
import { isObject, type Json } from '../../scim/schema/validate.ts';
import { SCIMD_USER_URN } from '../../scim/urns.ts';

/**
 * `active` as returned is both what the IdP asked for and whether the user accepted the
 * invitation (Wire: "the account will be set to active: false until the user has accepted").
 * The stored document keeps the IdP's value, so accepting later restores it.
 */
export function presentedUser(data: Json): Json {
  const own = data[SCIMD_USER_URN];
  if (isObject(own) && own.invitation === 'pending' && data.active !== false) return { ...data, active: false };
  return data;
}

/** Adds the roles the tenant's role rules give a rendered user (scimd extension `appRoles`). */
export function withAppRoles(doc: Json, roles: readonly { readonly role: string; readonly filter: BoundFilter }[]): void {
  const granted = roles.filter((r) => evaluate(r.filter, doc)).map((r) => r.role);
  if (granted.length === 0) return;
  const own = isObject(doc[SCIMD_USER_URN]) ? (doc[SCIMD_USER_URN] as Json) : {};
  doc[SCIMD_USER_URN] = { ...own, appRoles: granted };
  const schemas = Array.isArray(doc.schemas) ? (doc.schemas as string[]) : [];
  if (!schemas.includes(SCIMD_USER_URN)) doc.schemas = [...schemas, SCIMD_USER_URN];
}
