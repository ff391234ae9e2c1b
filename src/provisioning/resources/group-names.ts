/**
 * Group displayName unique per tenant without regard to case (tenant setting
 * `groups.displayName.unique`, on by default). IdPs rely on it: authentik links a group it meets
 * again by the 409 and a filter, and Entra's validator expects the 409. Enforced here, under the
 * write transaction, rather than by a unique index: a tenant may switch it off, and data written
 * before it (or while it was off) may hold duplicates, which stay until renamed.
 */
import { uniqueness } from '../../scim/errors.ts';
import type { Json } from '../../scim/schema/validate.ts';
import { fold } from '../../scim/values.ts';
import type { UniqueNames } from '../../store/types.ts';
import { quoted, setting } from '../policies/attribute-rules.ts';
import type { ScimContext } from './resource-service.ts';

export const GROUP_NAMES_UNIQUE = 'groups.displayName.unique';

/**
 * Refuses (409 uniqueness) a group write whose displayName another group of the tenant holds. A
 * write that keeps the name (in any case) is never refused, so existing duplicates stay writable.
 */
export async function checkGroupDisplayName(tx: UniqueNames, ctx: ScimContext, data: Json, previous: Json | undefined, id: string): Promise<void> {
  if (setting(ctx.settings, GROUP_NAMES_UNIQUE, 'true') !== 'true') return;
  const name = data.displayName;
  if (typeof name !== 'string') return;
  const key = fold(name);
  if (previous !== undefined && typeof previous.displayName === 'string' && fold(previous.displayName) === key) return;
  // Both writers of one name take this lock, so on PostgreSQL the second sees the first's group
  // (SQLite writers are serial anyway).
  await tx.lockKey(`groupName:${ctx.tenantId}:${key}`);
  if ((await tx.groupWithDisplayName(ctx.tenantId, key, id)) === undefined) return;
  throw uniqueness(`displayName ${quoted(name)} is already another group's in this tenant (groups.displayName.unique = true: group names are unique without regard to case)`);
}
