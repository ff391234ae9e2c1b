/**
 * Identity matching for POSTs that meet an existing resource (IDP-QUIRKS; issue: real IdPs). With
 * the tenant setting `identity.match = adopt`, a POST links the existing resource instead of
 * failing: a user created by the host app at first sign-in, a deactivated user the IdP provisions
 * again, a renamed user. Users match by externalId, then a verified email, then userName; groups by
 * externalId, then displayName. Each step needs exactly one candidate; the default, `reject`,
 * keeps RFC 7644 §3.3 (409 uniqueness).
 */
import type { Filter } from '../../scim/filter/ast.ts';
import { bindFilter } from '../../scim/filter/bind.ts';
import { and, eq } from '../../scim/filter/build.ts';
import type { StoredResource } from '../../scim/resource.ts';
import type { ResourceSchema } from '../../scim/schema/registry.ts';
import { isObject, type Json } from '../../scim/schema/validate.ts';
import { SCIMD_USER_URN } from '../../scim/urns.ts';
import type { Resources } from '../../store/types.ts';

export const IDENTITY_MATCH = 'identity.match';

export interface Match {
  readonly resource: StoredResource;
  /** Which rule matched, for the request log. */
  readonly by: string;
}

async function onlyMatch(repo: Resources, tenantId: string, schema: ResourceSchema, filter: Filter): Promise<StoredResource | undefined> {
  // A tree, not filter text: the values are the client's and may be longer than a client filter may be.
  const bound = bindFilter(filter, schema);
  const page = await repo.queryResources(tenantId, { types: [schema.name], filters: new Map([[schema.name, bound]]), startIndex: 1, count: 2 });
  return page.total === 1 ? page.resources[0] : undefined;
}

export async function findMatch(repo: Resources, tenantId: string, schema: ResourceSchema, data: Json): Promise<Match | undefined> {
  const tries: [string, Filter][] = [];
  if (typeof data.externalId === 'string') tries.push(['externalId', eq('externalId', data.externalId)]);
  if (schema.name === 'User') {
    const emails = Array.isArray(data.emails) ? (data.emails as unknown[]).filter(isObject) : [];
    emails.sort((a, b) => Number(b.primary === true) - Number(a.primary === true));
    for (const e of emails) {
      if (typeof e.value === 'string') tries.push(['verified email', and(eq('emails.value', e.value), eq(`${SCIMD_USER_URN}:emailVerified`, true))]);
    }
    if (typeof data.userName === 'string') tries.push(['userName', eq('userName', data.userName)]);
  } else if (typeof data.displayName === 'string') {
    tries.push(['displayName', eq('displayName', data.displayName)]);
  }
  for (const [by, filter] of tries) {
    const resource = await onlyMatch(repo, tenantId, schema, filter);
    if (resource) return { resource, by };
  }
  return undefined;
}
