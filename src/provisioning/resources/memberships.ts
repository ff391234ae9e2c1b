/** Group membership changes that start from the user's side (IDP-QUIRKS row 23). */
import type { Membership, Resources } from '../../store/types.ts';
import type { Cause, Change } from './changes.ts';

/**
 * Makes `groupIds` the user's direct memberships (`set`) or adds them (`add`). Ids that are not
 * groups of the tenant are skipped and noted. Every group whose members change gets a new version.
 */
export async function setUserGroups(
  repo: Resources & Membership,
  tenantId: string,
  userId: string,
  groupIds: readonly string[],
  mode: 'set' | 'add',
  now: string,
  note: (m: string) => void,
  /** Where each group's change goes, recorded by the caller at the end of its transaction. */
  record: { readonly cause: Cause; readonly changes: Change[] },
): Promise<void> {
  const facts = await repo.memberFacts(tenantId, '', groupIds);
  const wanted = new Set(groupIds.filter((id) => facts.types.get(id) === 'Group'));
  for (const id of groupIds) if (!wanted.has(id)) note(`userGroupsMembership: '${id}' is not a group of this tenant; skipped`);
  const direct = new Set(((await repo.groupsOf(tenantId, [userId])).get(userId) ?? []).filter((g) => g.type === 'direct').map((g) => g.value));
  const changes: [string, 'add' | 'remove'][] = [];
  for (const id of wanted) if (!direct.has(id)) changes.push([id, 'add']);
  if (mode === 'set') for (const id of direct) if (!wanted.has(id)) changes.push([id, 'remove']);
  for (const [groupId, change] of changes) {
    const group = await repo.getResource(tenantId, 'Group', groupId, { lock: true });
    if (!group) continue;
    const delta = {
      clear: false,
      add: change === 'add' ? new Map([[userId, 'User' as const]]) : new Map<string, 'User' | 'Group'>(),
      remove: change === 'remove' ? new Set([userId]) : new Set<string>(),
    };
    await repo.applyMemberDelta(tenantId, groupId, delta);
    const next = { ...group, version: group.version + 1, lastModified: now };
    // The row is locked, so the version cannot have moved; a false here would be a store bug.
    if (!(await repo.updateResource(tenantId, next, group.version))) {
      throw new Error(`group ${groupId} changed under a row lock`);
    }
    record.changes.push({ tenantId, resource: next, what: { kind: 'update', before: group.data }, members: { added: delta.add, removed: delta.remove, typeOf: () => 'User' }, at: now, cause: record.cause });
  }
}
