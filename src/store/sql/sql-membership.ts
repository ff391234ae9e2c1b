/** The Membership port in SQL: group_members rows between resources, by their seq. */
import type { GroupMembership, Member } from '../../scim/resource.ts';
import type { MembershipPort } from '../types.ts';
import type { Row } from './sql-driver.ts';
import { chunks, marks, one } from './rows.ts';
import type { Driver } from './sql-driver.ts';

function memberOf(r: Row): Member {
  const m: Member = { value: r.id as string, type: r.type as 'User' | 'Group' };
  return r.display === null ? m : { ...m, display: r.display as string };
}

export function sqlMembership(db: Driver): MembershipPort {
  async function groupSeq(tenantId: string, groupId: string): Promise<unknown> {
    const r = await one(db, 'SELECT seq FROM resources WHERE tenant_id = ? AND id = ? AND type = ?', [tenantId, groupId, 'Group']);
    return r?.seq;
  }

  return {
    reads: {
      async membersOf(tenantId, groupId) {
        const seq = await groupSeq(tenantId, groupId);
        if (seq === undefined) return [];
        const rows = await db.query(
          `SELECT m.id, m.type, COALESCE(m.display_name, m.user_name) AS display
           FROM group_members gm JOIN resources m ON m.seq = gm.member_seq WHERE gm.group_seq = ? ORDER BY m.seq`,
          [seq],
        );
        return rows.map(memberOf);
      },

      async memberPage(tenantId, groupId, limit, from) {
        const seq = from ? from.group : await groupSeq(tenantId, groupId);
        if (seq === undefined || limit <= 0) return { members: [] };
        // The primary key (group_seq, member_seq) gives the order and the start; m.seq = gm.member_seq.
        // The page of keys is cut first: PostgreSQL without statistics yet (a group just loaded)
        // otherwise joined every later member before sorting, 0.3–0.9 s a page at 100,000 members.
        const rows = await db.query(
          `SELECT gm.k, m.id, m.type, COALESCE(m.display_name, m.user_name) AS display
           FROM (SELECT member_seq AS k FROM group_members WHERE group_seq = ? AND member_seq > ? ORDER BY group_seq, member_seq LIMIT ?) gm
           JOIN resources m ON m.seq = gm.k ORDER BY gm.k`,
          [seq, from?.after ?? -1, limit],
        );
        const members = rows.map(memberOf);
        if (rows.length < limit) return { members };
        return { members, next: { group: Number(seq), after: Number(rows[rows.length - 1]!.k) } };
      },

      async memberCountUpTo(tenantId, groupId, limit) {
        const seq = await groupSeq(tenantId, groupId);
        if (seq === undefined) return 0;
        const row = await one(db, 'SELECT COUNT(*) AS n FROM (SELECT 1 AS x FROM group_members WHERE group_seq = ? LIMIT ?) AS bounded', [seq, limit]);
        return Number(row?.n ?? 0);
      },

      async memberFacts(tenantId, groupId, ids) {
        const members = new Set<string>();
        const types = new Map<string, 'User' | 'Group'>();
        const seq = (await groupSeq(tenantId, groupId)) ?? -1;
        for (const part of chunks([...new Set(ids)], 500)) {
          const rows = await db.query(
            `SELECT r.id, r.type, CASE WHEN EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_seq = ? AND gm.member_seq = r.seq) THEN 1 ELSE 0 END AS member
             FROM resources r WHERE r.tenant_id = ? AND r.id IN (${marks(part.length)})`,
            [seq, tenantId, ...part],
          );
          for (const r of rows) {
            types.set(r.id as string, r.type as 'User' | 'Group');
            if (Number(r.member)) members.add(r.id as string);
          }
        }
        return { members, types };
      },

      /**
       * Direct and nested memberships, walked level by level from the users up. One indexed probe
       * answers a user in no group; a recursive CTE would need temporary B-trees (UNION, GROUP BY,
       * ORDER BY) even for an empty answer, which made it the dearest statement of a GET.
       */
      async groupsOf(tenantId, userIds) {
        const out = new Map<string, GroupMembership[]>();
        // Direct memberships: user id → group seqs.
        const direct = new Map<string, Set<number>>();
        for (const part of chunks([...new Set(userIds)], 500)) {
          const rows = await db.query(
            `SELECT r.id, gm.group_seq FROM resources r JOIN group_members gm ON gm.member_seq = r.seq WHERE r.tenant_id = ? AND r.id IN (${marks(part.length)})`,
            [tenantId, ...part],
          );
          for (const r of rows) {
            const set = direct.get(r.id as string) ?? new Set<number>();
            set.add(Number(r.group_seq));
            direct.set(r.id as string, set);
          }
        }
        if (direct.size === 0) return out;
        // The groups above them, level by level (memberships never cross tenants); cycles end the walk.
        const parents = new Map<number, number[]>();
        let frontier = [...new Set([...direct.values()].flatMap((s) => [...s]))];
        const known = new Set<number>(frontier);
        while (frontier.length) {
          const next: number[] = [];
          for (const part of chunks(frontier, 500)) {
            const rows = await db.query(`SELECT member_seq, group_seq FROM group_members WHERE member_seq IN (${marks(part.length)})`, part);
            for (const r of rows) {
              const child = Number(r.member_seq);
              const parent = Number(r.group_seq);
              parents.set(child, [...(parents.get(child) ?? []), parent]);
              if (!known.has(parent)) {
                known.add(parent);
                next.push(parent);
              }
            }
          }
          frontier = next;
        }
        const groups = new Map<number, { id: string; display: string | null }>();
        for (const part of chunks([...known], 500)) {
          const rows = await db.query(`SELECT seq, id, display_name FROM resources WHERE seq IN (${marks(part.length)})`, part);
          for (const r of rows) groups.set(Number(r.seq), { id: r.id as string, display: (r.display_name as string | null) ?? null });
        }
        for (const [userId, mine] of direct) {
          const reached = new Set<number>();
          const stack = [...mine];
          while (stack.length) {
            const g = stack.pop()!;
            if (reached.has(g)) continue;
            reached.add(g);
            stack.push(...(parents.get(g) ?? []));
          }
          const list: GroupMembership[] = [];
          for (const seq of [...reached].sort((a, b) => a - b)) {
            const g = groups.get(seq);
            if (!g) continue;
            const m: GroupMembership = { value: g.id, type: mine.has(seq) ? 'direct' : 'indirect' };
            list.push(g.display === null ? m : { ...m, display: g.display });
          }
          out.set(userId, list);
        }
        return out;
      },
    },

    writes: {
      async applyMemberDelta(tenantId, groupId, delta) {
        const seq = await groupSeq(tenantId, groupId);
        if (seq === undefined) return;
        if (delta.clear) await db.execute('DELETE FROM group_members WHERE group_seq = ?', [seq]);
        for (const id of delta.remove) {
          await db.execute('DELETE FROM group_members WHERE group_seq = ? AND member_seq = (SELECT seq FROM resources WHERE tenant_id = ? AND id = ?)', [seq, tenantId, id]);
        }
        for (const id of delta.add.keys()) {
          await db.execute('INSERT INTO group_members (group_seq, member_seq) SELECT ?, seq FROM resources WHERE tenant_id = ? AND id = ? ON CONFLICT DO NOTHING', [seq, tenantId, id]);
        }
      },
    },
  };
}
