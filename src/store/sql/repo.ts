/**
 * The Repo, written once in SQL that SQLite and PostgreSQL both accept, over a Driver. Where the
 * two differ (placeholders, JSON functions, row locks) the Driver and the Dialect say so.
 */
import type { MemberDelta } from '../../scim/patch/members.ts';
import type { GroupMembership, Member, StoredResource } from '../../scim/resource.ts';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { Json } from '../../scim/schema/validate.ts';
import type { Mail, MemberFacts, Repo, RequestLogEntry, RequestLogQuery, ResourcePage, ResourceQuery, RoleRule, ScimClient, ScimdEvent, Settings, Tenant, TenantSchema, TenantStatus, Tombstone, TokenRecord, UserLink } from '../types.ts';
import { UniqueViolation } from '../types.ts';
import { indexedValues, keyColumns } from './columns.ts';
import { compileSearch, RESOURCE_COLUMNS } from './compile.ts';
import { markInNoGroup } from '../hints.ts';
import { fold } from '../../scim/values.ts';
import type { Driver, Row } from './sql-driver.ts';

const opt = (v: unknown) => (v === null || v === undefined ? undefined : (v as string));
const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
const settingsOf = (v: unknown): Settings => (v === null || v === undefined ? {} : (json(v) as Settings));

function resourceFromRow(row: Row): StoredResource {
  const r: StoredResource = {
    id: row.id as string,
    type: row.type as ResourceTypeName,
    version: Number(row.version),
    created: row.created as string,
    lastModified: row.last_modified as string,
    data: json(row.data) as Json,
  };
  // SQLite answers EXISTS with 0 or 1, PostgreSQL with a boolean.
  return row.in_group === 0 || row.in_group === false ? markInNoGroup(r) : r;
}

function tenantFromRow(r: Row): Tenant {
  return {
    id: r.id as string,
    name: r.name as string,
    status: r.status as TenantStatus,
    createdAt: r.created_at as string,
    settings: settingsOf(r.settings),
    schemaVersion: Number(r.schema_version ?? 0),
  };
}

function linkFromRow(r: Row): UserLink {
  return {
    ...(opt(r.id) ? { id: r.id as string } : {}),
    hash: r.hash as string,
    tenantId: r.tenant_id as string,
    userId: r.user_id as string,
    kind: r.kind as UserLink['kind'],
    email: r.email as string,
    createdAt: r.created_at as string,
    expiresAt: r.expires_at as string,
    ...(opt(r.used_at) ? { usedAt: r.used_at as string } : {}),
    ...(opt(r.origin) ? { origin: r.origin as string } : {}),
  };
}

function mailFromRow(r: Row): Mail {
  return {
    id: Number(r.id),
    tenantId: r.tenant_id as string,
    recipient: r.recipient as string,
    subject: r.subject as string,
    body: r.body as string,
    createdAt: r.created_at as string,
    attempts: Number(r.attempts),
    ...(opt(r.link_id) ? { linkId: r.link_id as string } : {}),
    ...(opt(r.sent_at) ? { sentAt: r.sent_at as string } : {}),
    ...(opt(r.dropped_at) ? { droppedAt: r.dropped_at as string } : {}),
    ...(opt(r.last_error) ? { lastError: r.last_error as string } : {}),
  };
}

function clientFromRow(r: Row): ScimClient {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    name: r.name as string,
    createdAt: r.created_at as string,
    settings: settingsOf(r.settings),
    ...(opt(r.revoked_at) ? { revokedAt: r.revoked_at as string } : {}),
    ...(opt(r.idp) ? { idp: r.idp as string } : {}),
    ...(opt(r.detected_idp) ? { detectedIdp: r.detected_idp as string } : {}),
    ...(opt(r.detected_reason) ? { detectedReason: r.detected_reason as string } : {}),
  };
}

function tokenFromRow(r: Row): TokenRecord {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    clientId: r.client_id as string,
    hash: r.hash as string,
    prefix: r.prefix as string,
    createdAt: r.created_at as string,
    ...(opt(r.expires_at) ? { expiresAt: r.expires_at as string } : {}),
    ...(opt(r.revoked_at) ? { revokedAt: r.revoked_at as string } : {}),
    ...(opt(r.last_used_at) ? { lastUsedAt: r.last_used_at as string } : {}),
  };
}

function logFromRow(r: Row): RequestLogEntry {
  return {
    id: Number(r.id),
    at: r.at as string,
    method: r.method as string,
    path: r.path as string,
    status: Number(r.status),
    durationMs: Number(r.duration_ms),
    notes: json(r.notes) as string[],
    ...(opt(r.tenant_id) ? { tenantId: r.tenant_id as string } : {}),
    ...(opt(r.tenant_name) ? { tenantName: r.tenant_name as string } : {}),
    ...(opt(r.client_id) ? { clientId: r.client_id as string } : {}),
    ...(opt(r.client_name) ? { clientName: r.client_name as string } : {}),
    ...(opt(r.idp) ? { idp: r.idp as string } : {}),
    ...(opt(r.scim_type) ? { scimType: r.scim_type as string } : {}),
    ...(opt(r.request_body) ? { requestBody: r.request_body as string } : {}),
    ...(opt(r.response_body) ? { responseBody: r.response_body as string } : {}),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(',');

export class SqlRepo implements Repo {
  /**
   * Set by every write that can change how a request authenticates or what its tenant looks like
   * (tenants, clients, tokens, tenant schemas, role rules). The store reads and clears it when the
   * transaction has committed, so caches learn of the change only once it is visible to readers.
   */
  touchedAuth = false;

  constructor(private readonly db: Driver) {}

  private async one(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return (await this.db.query(sql, params))[0];
  }

  // Tenants

  async createTenant(t: Tenant): Promise<void> {
    this.touchedAuth = true;
    await this.db.execute('INSERT INTO tenants (id, name, status, created_at, settings) VALUES (?, ?, ?, ?, ?)', [t.id, t.name, t.status, t.createdAt, JSON.stringify(t.settings)]);
  }

  async tenantByName(name: string): Promise<Tenant | undefined> {
    const r = await this.one('SELECT * FROM tenants WHERE name = ?', [name]);
    return r && tenantFromRow(r);
  }

  async tenantById(id: string): Promise<Tenant | undefined> {
    const r = await this.one('SELECT * FROM tenants WHERE id = ?', [id]);
    return r && tenantFromRow(r);
  }

  async listTenants(): Promise<Tenant[]> {
    return (await this.db.query('SELECT * FROM tenants ORDER BY created_at, name')).map(tenantFromRow);
  }

  async setTenantStatus(id: string, status: TenantStatus): Promise<void> {
    this.touchedAuth = true;
    await this.db.execute('UPDATE tenants SET status = ? WHERE id = ?', [status, id]);
  }

  async setTenantSettings(id: string, settings: Settings): Promise<void> {
    this.touchedAuth = true;
    // user_names_global mirrors userName.scope for the cross-tenant uniqueness check.
    await this.db.execute('UPDATE tenants SET settings = ?, user_names_global = ? WHERE id = ?', [JSON.stringify(settings), settings['userName.scope'] === 'global' ? 1 : 0, id]);
  }

  // Clients

  async createClient(c: ScimClient): Promise<void> {
    this.touchedAuth = true;
    await this.db.execute('INSERT INTO scim_clients (id, tenant_id, name, created_at, idp, settings) VALUES (?, ?, ?, ?, ?, ?)', [
      c.id,
      c.tenantId,
      c.name,
      c.createdAt,
      c.idp ?? null,
      JSON.stringify(c.settings),
    ]);
  }

  async clientByName(tenantId: string, name: string): Promise<ScimClient | undefined> {
    const r = await this.one('SELECT * FROM scim_clients WHERE tenant_id = ? AND name = ?', [tenantId, name]);
    return r && clientFromRow(r);
  }

  async clientById(id: string): Promise<ScimClient | undefined> {
    const r = await this.one('SELECT * FROM scim_clients WHERE id = ?', [id]);
    return r && clientFromRow(r);
  }

  async listClients(tenantId: string): Promise<ScimClient[]> {
    return (await this.db.query('SELECT * FROM scim_clients WHERE tenant_id = ? ORDER BY created_at, name', [tenantId])).map(clientFromRow);
  }

  async revokeClient(id: string, at: string): Promise<void> {
    this.touchedAuth = true;
    await this.db.execute('UPDATE scim_clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id]);
  }

  async updateClient(id: string, changes: { idp?: string | null; detectedIdp?: string | null; detectedReason?: string | null; settings?: Settings }): Promise<void> {
    this.touchedAuth = true;
    const columns: [keyof typeof changes, string][] = [
      ['idp', 'idp'],
      ['detectedIdp', 'detected_idp'],
      ['detectedReason', 'detected_reason'],
      ['settings', 'settings'],
    ];
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [field, column] of columns) {
      const v = changes[field];
      if (v === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(typeof v === 'object' && v !== null ? JSON.stringify(v) : v);
    }
    if (sets.length) await this.db.execute(`UPDATE scim_clients SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  }

  // Tokens

  async createToken(t: TokenRecord): Promise<void> {
    this.touchedAuth = true;
    await this.db.execute('INSERT INTO tokens (id, tenant_id, client_id, hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      t.id,
      t.tenantId,
      t.clientId,
      t.hash,
      t.prefix,
      t.createdAt,
      t.expiresAt ?? null,
    ]);
  }

  async tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const r = await this.one('SELECT * FROM tokens WHERE hash = ?', [hash]);
    return r && tokenFromRow(r);
  }

  async listTokens(filter: { tenantId?: string; clientId?: string }): Promise<TokenRecord[]> {
    const t = filter.tenantId ?? null;
    const c = filter.clientId ?? null;
    const rows = await this.db.query(
      'SELECT * FROM tokens WHERE (CAST(? AS TEXT) IS NULL OR tenant_id = ?) AND (CAST(? AS TEXT) IS NULL OR client_id = ?) ORDER BY created_at',
      [t, t, c, c],
    );
    return rows.map(tokenFromRow);
  }

  async expireTokens(clientId: string, at: string, exceptId: string): Promise<void> {
    this.touchedAuth = true;
    await this.db.execute('UPDATE tokens SET expires_at = ? WHERE client_id = ? AND id <> ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)', [
      at,
      clientId,
      exceptId,
      at,
    ]);
  }

  async revokeTokens(clientId: string, at: string): Promise<void> {
    this.touchedAuth = true;
    await this.db.execute('UPDATE tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL', [at, clientId]);
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.db.execute('UPDATE tokens SET last_used_at = ? WHERE id = ?', [at, id]);
  }

  // Resources

  private async seqOf(tenantId: string, id: string, type?: ResourceTypeName): Promise<unknown> {
    const r = type
      ? await this.one('SELECT seq FROM resources WHERE tenant_id = ? AND id = ? AND type = ?', [tenantId, id, type])
      : await this.one('SELECT seq FROM resources WHERE tenant_id = ? AND id = ?', [tenantId, id]);
    return r?.seq;
  }

  /**
   * The resource's rows in `resource_values`. On an update only the rows that differ are deleted
   * or inserted: most updates (a PATCH of displayName, an `active` flip) leave the emails alone, and
   * a read is cheaper than rewriting the rows and their two indexes.
   */
  private async writeValues(tenantId: string, seq: unknown, r: StoredResource, replace: boolean): Promise<void> {
    const wanted = indexedValues(r.type, r.data);
    const stale: { attr: string; value: string }[] = [];
    let fresh = wanted;
    if (replace) {
      const key = (v: { attr: string; value: string }) => `${v.attr}\u0000${v.value}`;
      const have = (await this.db.query('SELECT attr, value_fold FROM resource_values WHERE resource_seq = ?', [seq])).map((row) => ({ attr: row.attr as string, value: row.value_fold as string }));
      const haveKeys = new Set(have.map(key));
      const wantedKeys = new Set(wanted.map(key));
      fresh = wanted.filter((v) => !haveKeys.has(key(v)));
      for (const v of have) if (!wantedKeys.has(key(v))) stale.push(v);
    }
    for (const v of stale) {
      await this.db.execute('DELETE FROM resource_values WHERE resource_seq = ? AND attr = ? AND value_fold = ?', [seq, v.attr, v.value]);
    }
    for (const v of fresh) {
      await this.db.execute('INSERT INTO resource_values (resource_seq, tenant_id, attr, value_fold) VALUES (?, ?, ?, ?)', [seq, tenantId, v.attr, v.value]);
    }
  }

  private async uniqueGuard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (this.db.isUniqueViolation(e, 'resources_user_name')) throw new UniqueViolation('userName');
      throw e;
    }
  }

  async insertResource(tenantId: string, r: StoredResource, search: Json): Promise<void> {
    const k = keyColumns(r.type, r.data);
    const rows = await this.uniqueGuard(() =>
      this.db.query(
        `INSERT INTO resources (tenant_id, id, type, version, created, last_modified, user_name, user_name_fold, external_id, display_name, display_name_fold, data, search)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
        [tenantId, r.id, r.type, r.version, r.created, r.lastModified, k.user_name, k.user_name_fold, k.external_id, k.display_name, k.display_name_fold, this.db.json(r.data), this.db.json(search)],
      ),
    );
    await this.writeValues(tenantId, rows[0]!.seq, r, false);
  }

  /** 100 resources per INSERT … RETURNING, then their resource_values rows 250 to a statement. */
  async insertResources(tenantId: string, items: readonly { readonly resource: StoredResource; readonly search: Json }[]): Promise<void> {
    for (const part of chunks(items, 100)) {
      const params: unknown[] = [];
      for (const { resource: r, search } of part) {
        const k = keyColumns(r.type, r.data);
        params.push(tenantId, r.id, r.type, r.version, r.created, r.lastModified, k.user_name, k.user_name_fold, k.external_id, k.display_name, k.display_name_fold, this.db.json(r.data), this.db.json(search));
      }
      const row = `(${marks(13)})`;
      const rows = await this.uniqueGuard(() =>
        this.db.query(
          `INSERT INTO resources (tenant_id, id, type, version, created, last_modified, user_name, user_name_fold, external_id, display_name, display_name_fold, data, search)
           VALUES ${part.map(() => row).join(', ')} RETURNING seq, id`,
          params,
        ),
      );
      const seqOf = new Map(rows.map((r) => [r.id as string, r.seq]));
      const values: unknown[][] = [];
      for (const { resource: r } of part) for (const v of indexedValues(r.type, r.data)) values.push([seqOf.get(r.id), tenantId, v.attr, v.value]);
      for (const vpart of chunks(values, 250)) {
        await this.db.execute(`INSERT INTO resource_values (resource_seq, tenant_id, attr, value_fold) VALUES ${vpart.map(() => '(?, ?, ?, ?)').join(', ')}`, vpart.flat());
      }
    }
  }

  async getResource(tenantId: string, type: ResourceTypeName, id: string, opts: { lock?: boolean } = {}): Promise<StoredResource | undefined> {
    const lock = opts.lock ? this.db.forUpdate : '';
    const r = await this.one(`SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE r.tenant_id = ? AND r.id = ? AND r.type = ?${lock}`, [tenantId, id, type]);
    return r && resourceFromRow(r);
  }

  async updateResource(tenantId: string, r: StoredResource, expectedVersion: number, search?: Json): Promise<boolean> {
    const k = keyColumns(r.type, r.data);
    const rows = await this.uniqueGuard(() =>
      this.db.query(
        `UPDATE resources SET version = ?, last_modified = ?, user_name = ?, user_name_fold = ?, external_id = ?, display_name = ?, display_name_fold = ?, data = ?${search === undefined ? '' : ', search = ?'}
         WHERE tenant_id = ? AND id = ? AND type = ? AND version = ? RETURNING seq`,
        [
          r.version,
          r.lastModified,
          k.user_name,
          k.user_name_fold,
          k.external_id,
          k.display_name,
          k.display_name_fold,
          this.db.json(r.data),
          ...(search === undefined ? [] : [this.db.json(search)]),
          tenantId,
          r.id,
          r.type,
          expectedVersion,
        ],
      ),
    );
    if (rows.length === 0) return false;
    await this.writeValues(tenantId, rows[0]!.seq, r, true);
    return true;
  }

  async deleteResource(tenantId: string, type: ResourceTypeName, id: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM resources WHERE tenant_id = ? AND id = ? AND type = ?', [tenantId, id, type])) > 0;
  }

  /**
   * The page, and the total without a COUNT where the page already tells it: a page that is not
   * full and not empty ends the result (total = offset + its length), and an empty first page means
   * none. A lookup by userName or externalId, the commonest search of all, is then one statement.
   */
  async queryResources(tenantId: string, q: ResourceQuery): Promise<ResourcePage> {
    const c = compileSearch(this.db.dialect, tenantId, q);
    const offset = Math.max(0, q.startIndex - 1);
    if (q.count > 0) {
      const resources = (await this.db.queryCompiled(c.pageSql, c.pageParams)).map(resourceFromRow);
      if ((resources.length > 0 && resources.length < q.count) || (resources.length === 0 && offset === 0)) return { total: offset + resources.length, resources };
      // Two statements, two snapshots: a total never smaller than what the page shows.
      const total = Number((await this.db.queryCompiled(c.countSql, c.countParams))[0]!.n);
      return { total: resources.length ? Math.max(total, offset + resources.length) : total, resources };
    }
    return { total: Number((await this.db.queryCompiled(c.countSql, c.countParams))[0]!.n), resources: [] };
  }

  // Membership

  async membersOf(tenantId: string, groupId: string): Promise<Member[]> {
    const seq = await this.seqOf(tenantId, groupId, 'Group');
    if (seq === undefined) return [];
    const rows = await this.db.query(
      `SELECT m.id, m.type, COALESCE(m.display_name, m.user_name) AS display
       FROM group_members gm JOIN resources m ON m.seq = gm.member_seq WHERE gm.group_seq = ? ORDER BY m.seq`,
      [seq],
    );
    return rows.map((r) => {
      const m: Member = { value: r.id as string, type: r.type as 'User' | 'Group' };
      return r.display === null ? m : { ...m, display: r.display as string };
    });
  }

  async memberCountUpTo(tenantId: string, groupId: string, limit: number): Promise<number> {
    const seq = await this.seqOf(tenantId, groupId, 'Group');
    if (seq === undefined) return 0;
    const row = await this.one('SELECT COUNT(*) AS n FROM (SELECT 1 AS x FROM group_members WHERE group_seq = ? LIMIT ?) AS bounded', [seq, limit]);
    return Number(row?.n ?? 0);
  }

  async memberFacts(tenantId: string, groupId: string, ids: readonly string[]): Promise<MemberFacts> {
    const members = new Set<string>();
    const types = new Map<string, 'User' | 'Group'>();
    const groupSeq = (await this.seqOf(tenantId, groupId, 'Group')) ?? -1;
    for (const part of chunks([...new Set(ids)], 500)) {
      const rows = await this.db.query(
        `SELECT r.id, r.type, CASE WHEN EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_seq = ? AND gm.member_seq = r.seq) THEN 1 ELSE 0 END AS member
         FROM resources r WHERE r.tenant_id = ? AND r.id IN (${marks(part.length)})`,
        [groupSeq, tenantId, ...part],
      );
      for (const r of rows) {
        types.set(r.id as string, r.type as 'User' | 'Group');
        if (Number(r.member)) members.add(r.id as string);
      }
    }
    return { members, types };
  }

  async applyMemberDelta(tenantId: string, groupId: string, delta: MemberDelta): Promise<void> {
    const groupSeq = await this.seqOf(tenantId, groupId, 'Group');
    if (groupSeq === undefined) return;
    if (delta.clear) await this.db.execute('DELETE FROM group_members WHERE group_seq = ?', [groupSeq]);
    for (const id of delta.remove) {
      await this.db.execute('DELETE FROM group_members WHERE group_seq = ? AND member_seq = (SELECT seq FROM resources WHERE tenant_id = ? AND id = ?)', [groupSeq, tenantId, id]);
    }
    for (const id of delta.add.keys()) {
      await this.db.execute(
        'INSERT INTO group_members (group_seq, member_seq) SELECT ?, seq FROM resources WHERE tenant_id = ? AND id = ? ON CONFLICT DO NOTHING',
        [groupSeq, tenantId, id],
      );
    }
  }

  /**
   * Direct and nested memberships, walked level by level from the users up. One indexed probe
   * answers a user in no group; a recursive CTE would need temporary B-trees (UNION, GROUP BY,
   * ORDER BY) even for an empty answer, which made it the dearest statement of a GET.
   */
  async groupsOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, GroupMembership[]>> {
    const out = new Map<string, GroupMembership[]>();
    // Direct memberships: user id → group seqs.
    const direct = new Map<string, Set<number>>();
    for (const part of chunks([...new Set(userIds)], 500)) {
      const rows = await this.db.query(
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
        const rows = await this.db.query(`SELECT member_seq, group_seq FROM group_members WHERE member_seq IN (${marks(part.length)})`, part);
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
      const rows = await this.db.query(`SELECT seq, id, display_name FROM resources WHERE seq IN (${marks(part.length)})`, part);
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
  }

  // Request log

  /** Rows go in 50 to a statement: a batch of the log is written in a few statements, not one per entry. */
  async appendRequestLog(entries: readonly RequestLogEntry[]): Promise<void> {
    for (const part of chunks(entries, 50)) {
      const params: unknown[] = [];
      for (const e of part) {
        params.push(
          e.at,
          e.tenantId ?? null,
          e.tenantName ?? null,
          e.clientId ?? null,
          e.clientName ?? null,
          e.idp ?? null,
          e.method,
          e.path,
          e.status,
          e.scimType ?? null,
          Math.round(e.durationMs),
          JSON.stringify(e.notes),
          e.requestBody ?? null,
          e.responseBody ?? null,
        );
      }
      const row = `(${marks(14)})`;
      await this.db.execute(
        `INSERT INTO request_log (at, tenant_id, tenant_name, client_id, client_name, idp, method, path, status, scim_type, duration_ms, notes, request_body, response_body)
         VALUES ${Array.from({ length: part.length }, () => row).join(', ')}`,
        params,
      );
    }
  }

  async pruneRequestLog(before: string, keep: number): Promise<void> {
    await this.db.execute('DELETE FROM request_log WHERE at < ?', [before]);
    await this.db.execute('DELETE FROM request_log WHERE id <= (SELECT id FROM request_log ORDER BY id DESC LIMIT 1 OFFSET ?)', [keep]);
  }

  async requestLog(q: RequestLogQuery): Promise<RequestLogEntry[]> {
    const t = q.tenantId ?? null;
    const min = q.minStatus ?? null;
    const max = q.maxStatus ?? null;
    const after = q.afterId ?? null;
    const rows = await this.db.query(
      `SELECT * FROM request_log
       WHERE (CAST(? AS TEXT) IS NULL OR tenant_id = ?) AND (CAST(? AS INTEGER) IS NULL OR status >= ?) AND (CAST(? AS INTEGER) IS NULL OR status <= ?) AND (CAST(? AS INTEGER) IS NULL OR id > ?)
       ORDER BY id DESC LIMIT ?`,
      [t, t, min, min, max, max, after, after, q.limit],
    );
    return rows.map(logFromRow);
  }

  async requestLogEntry(id: number): Promise<RequestLogEntry | undefined> {
    const r = await this.one('SELECT * FROM request_log WHERE id = ?', [id]);
    return r && logFromRow(r);
  }

  // Tenant schemas and role rules

  private async bumpSchemaVersion(tenantId: string): Promise<void> {
    await this.db.execute('UPDATE tenants SET schema_version = schema_version + 1 WHERE id = ?', [tenantId]);
  }

  async tenantSchemas(tenantId: string): Promise<TenantSchema[]> {
    const rows = await this.db.query('SELECT * FROM tenant_schemas WHERE tenant_id = ? ORDER BY created_at, urn', [tenantId]);
    return rows.map((r) => ({
      urn: r.urn as string,
      resourceType: r.resource_type as 'User' | 'Group',
      createdAt: r.created_at as string,
      ...(opt(r.definition) ? { definition: r.definition as string } : {}),
    }));
  }

  async putTenantSchema(tenantId: string, t: TenantSchema): Promise<void> {
    this.touchedAuth = true;
    await this.db.execute('DELETE FROM tenant_schemas WHERE tenant_id = ? AND urn = ?', [tenantId, t.urn]);
    await this.db.execute('INSERT INTO tenant_schemas (tenant_id, urn, resource_type, definition, created_at) VALUES (?, ?, ?, ?, ?)', [
      tenantId,
      t.urn,
      t.resourceType,
      t.definition ?? null,
      t.createdAt,
    ]);
    await this.bumpSchemaVersion(tenantId);
  }

  async removeTenantSchema(tenantId: string, urn: string): Promise<boolean> {
    this.touchedAuth = true;
    const n = await this.db.execute('DELETE FROM tenant_schemas WHERE tenant_id = ? AND urn = ?', [tenantId, urn]);
    if (n > 0) await this.bumpSchemaVersion(tenantId);
    return n > 0;
  }

  async roleRules(tenantId: string): Promise<RoleRule[]> {
    const rows = await this.db.query('SELECT role, filter FROM role_rules WHERE tenant_id = ? ORDER BY role', [tenantId]);
    return rows.map((r) => ({ role: r.role as string, filter: r.filter as string }));
  }

  async putRoleRule(tenantId: string, rule: RoleRule, at: string): Promise<void> {
    this.touchedAuth = true;
    await this.db.execute('DELETE FROM role_rules WHERE tenant_id = ? AND role = ?', [tenantId, rule.role]);
    await this.db.execute('INSERT INTO role_rules (tenant_id, role, filter, created_at) VALUES (?, ?, ?, ?)', [tenantId, rule.role, rule.filter, at]);
    await this.bumpSchemaVersion(tenantId);
  }

  async removeRoleRule(tenantId: string, role: string): Promise<boolean> {
    this.touchedAuth = true;
    const n = await this.db.execute('DELETE FROM role_rules WHERE tenant_id = ? AND role = ?', [tenantId, role]);
    if (n > 0) await this.bumpSchemaVersion(tenantId);
    return n > 0;
  }

  // Tombstones

  async putTombstone(tenantId: string, t: Tombstone): Promise<void> {
    await this.db.execute('DELETE FROM tombstones WHERE tenant_id = ? AND id = ?', [tenantId, t.id]);
    await this.db.execute('INSERT INTO tombstones (tenant_id, id, type, data, created, deleted_at, version, password_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      tenantId,
      t.id,
      t.type,
      JSON.stringify(t.data),
      t.created,
      t.deletedAt,
      t.version ?? null,
      t.passwordHash ?? null,
    ]);
  }

  private tombstoneFromRow(r: Row): Tombstone {
    return {
      id: r.id as string,
      type: r.type as ResourceTypeName,
      data: json(r.data) as Json,
      created: r.created as string,
      deletedAt: r.deleted_at as string,
      ...(r.version === null || r.version === undefined ? {} : { version: Number(r.version) }),
      ...(opt(r.password_hash) ? { passwordHash: r.password_hash as string } : {}),
    };
  }

  async listTombstones(tenantId: string): Promise<Tombstone[]> {
    return (await this.db.query('SELECT * FROM tombstones WHERE tenant_id = ? ORDER BY deleted_at', [tenantId])).map((r) => this.tombstoneFromRow(r));
  }

  async takeTombstone(tenantId: string, id: string): Promise<Tombstone | undefined> {
    const r = await this.one('SELECT * FROM tombstones WHERE tenant_id = ? AND id = ?', [tenantId, id]);
    if (!r) return undefined;
    await this.db.execute('DELETE FROM tombstones WHERE tenant_id = ? AND id = ?', [tenantId, id]);
    return this.tombstoneFromRow(r);
  }

  // Links

  async createLink(l: UserLink): Promise<void> {
    await this.db.execute('INSERT INTO user_links (id, origin, hash, tenant_id, user_id, kind, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      l.id ?? null,
      l.origin ?? null,
      l.hash,
      l.tenantId,
      l.userId,
      l.kind,
      l.email,
      l.createdAt,
      l.expiresAt,
    ]);
  }

  async linkByHash(hash: string): Promise<UserLink | undefined> {
    const r = await this.one('SELECT * FROM user_links WHERE hash = ?', [hash]);
    return r && linkFromRow(r);
  }

  async linkById(id: string): Promise<UserLink | undefined> {
    const r = await this.one('SELECT * FROM user_links WHERE id = ?', [id]);
    return r && linkFromRow(r);
  }

  async latestLink(tenantId: string, userId: string, kind: UserLink['kind']): Promise<UserLink | undefined> {
    const r = await this.one('SELECT * FROM user_links WHERE tenant_id = ? AND user_id = ? AND kind = ? ORDER BY created_at DESC LIMIT 1', [tenantId, userId, kind]);
    return r && linkFromRow(r);
  }

  async reissueLink(id: string, hash: string, createdAt: string, expiresAt: string): Promise<boolean> {
    return (await this.db.execute('UPDATE user_links SET hash = ?, created_at = ?, expires_at = ? WHERE id = ? AND used_at IS NULL', [hash, createdAt, expiresAt, id])) > 0;
  }

  async deleteLinks(tenantId: string, userId: string): Promise<void> {
    await this.db.execute('DELETE FROM user_links WHERE tenant_id = ? AND user_id = ?', [tenantId, userId]);
  }

  async useLink(hash: string, at: string): Promise<boolean> {
    return (await this.db.execute('UPDATE user_links SET used_at = ? WHERE hash = ? AND used_at IS NULL', [at, hash])) > 0;
  }

  async retireLinks(tenantId: string, userId: string, kind: UserLink['kind'] | undefined, at: string): Promise<void> {
    const k = kind ?? null;
    await this.db.execute('UPDATE user_links SET used_at = ? WHERE tenant_id = ? AND user_id = ? AND (CAST(? AS TEXT) IS NULL OR kind = ?) AND used_at IS NULL', [at, tenantId, userId, k, k]);
  }

  // Mail

  async enqueueMail(m: Mail): Promise<void> {
    await this.db.execute('INSERT INTO mail_outbox (tenant_id, link_id, recipient, subject, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      m.tenantId,
      m.linkId ?? null,
      m.recipient,
      m.subject,
      m.body,
      m.createdAt,
      m.createdAt,
    ]);
  }

  async claimMail(now: string, until: string, limit: number): Promise<Mail[]> {
    // The claim conditions are repeated outside the subquery: PostgreSQL re-checks them on rows
    // another sender claimed meanwhile, so no mail is sent twice.
    const rows = await this.db.query(
      `UPDATE mail_outbox SET claimed_until = ?
       WHERE id IN (SELECT id FROM mail_outbox WHERE sent_at IS NULL AND dropped_at IS NULL AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY id LIMIT ?)
         AND sent_at IS NULL AND dropped_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?)
       RETURNING *`,
      [until, now, now, limit, now],
    );
    return rows.map(mailFromRow).sort((a, b) => a.id! - b.id!);
  }

  async markMailSent(id: number, at: string): Promise<void> {
    await this.db.execute('UPDATE mail_outbox SET sent_at = ?, attempts = attempts + 1, claimed_until = NULL, last_error = NULL WHERE id = ?', [at, id]);
  }

  async markMailFailed(id: number, error: string, nextAttemptAt: string): Promise<void> {
    await this.db.execute('UPDATE mail_outbox SET attempts = attempts + 1, claimed_until = NULL, last_error = ?, next_attempt_at = ? WHERE id = ?', [error.slice(0, 500), nextAttemptAt, id]);
  }

  async dropMail(id: number, reason: string, at: string): Promise<void> {
    await this.db.execute('UPDATE mail_outbox SET dropped_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?', [at, reason.slice(0, 500), id]);
  }

  async listMail(q: { tenantId?: string; pendingOnly?: boolean; limit: number }): Promise<Mail[]> {
    const t = q.tenantId ?? null;
    const rows = await this.db.query(
      `SELECT * FROM mail_outbox WHERE (CAST(? AS TEXT) IS NULL OR tenant_id = ?) AND (? = 0 OR (sent_at IS NULL AND dropped_at IS NULL)) ORDER BY id DESC LIMIT ?`,
      [t, t, q.pendingOnly ? 1 : 0, q.limit],
    );
    return rows.map(mailFromRow);
  }

  // Events

  async appendEvent(e: ScimdEvent): Promise<void> {
    await this.db.execute('INSERT INTO events (tenant_id, type, resource_id, at, data) VALUES (?, ?, ?, ?, ?)', [e.tenantId, e.type, e.resourceId ?? null, e.at, JSON.stringify(e.data)]);
  }

  async events(q: { tenantId?: string; afterSeq?: number; limit: number }): Promise<ScimdEvent[]> {
    const t = q.tenantId ?? null;
    const rows = await this.db.query(
      'SELECT * FROM events WHERE (CAST(? AS TEXT) IS NULL OR tenant_id = ?) AND seq > ? ORDER BY seq LIMIT ?',
      [t, t, q.afterSeq ?? 0, q.limit],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      tenantId: r.tenant_id as string,
      type: r.type as string,
      at: r.at as string,
      data: json(r.data) as Json,
      ...(opt(r.resource_id) ? { resourceId: r.resource_id as string } : {}),
    }));
  }

  // Users

  async userNameTakenElsewhere(tenantId: string, userNameFold: string, among: 'all' | 'global'): Promise<boolean> {
    const sql =
      among === 'all'
        ? "SELECT 1 AS x FROM resources WHERE user_name_fold = ? AND tenant_id <> ? AND type = 'User' LIMIT 1"
        : "SELECT 1 AS x FROM resources r JOIN tenants t ON t.id = r.tenant_id WHERE r.user_name_fold = ? AND r.tenant_id <> ? AND r.type = 'User' AND t.user_names_global = 1 LIMIT 1";
    return (await this.one(sql, [userNameFold, tenantId])) !== undefined;
  }

  async groupWithDisplayName(tenantId: string, displayNameFold: string, exceptId: string): Promise<string | undefined> {
    const row = await this.one("SELECT id FROM resources WHERE tenant_id = ? AND type = 'Group' AND display_name_fold = ? AND id <> ? LIMIT 1", [tenantId, displayNameFold, exceptId]);
    return row ? (row.id as string) : undefined;
  }

  async userNamesHeldElsewhere(tenantId: string, limit: number): Promise<{ names: string[]; total: number }> {
    const clash = `FROM resources r WHERE r.tenant_id = ? AND r.type = 'User'
      AND EXISTS (SELECT 1 FROM resources o WHERE o.user_name_fold = r.user_name_fold AND o.tenant_id <> r.tenant_id AND o.type = 'User')`;
    const count = await this.one(`SELECT COUNT(*) AS n ${clash}`, [tenantId]);
    const rows = await this.db.query(`SELECT r.user_name ${clash} ORDER BY r.user_name_fold LIMIT ?`, [tenantId, limit]);
    return { names: rows.map((r) => r.user_name as string), total: Number(count?.n ?? 0) };
  }

  async lockKey(key: string): Promise<void> {
    if (this.db.keyLock) await this.db.query(this.db.keyLock, [key]);
  }

  async setPasswordHash(tenantId: string, id: string, hash: string | null): Promise<void> {
    await this.db.execute("UPDATE resources SET password_hash = ? WHERE tenant_id = ? AND id = ? AND type = 'User'", [hash, tenantId, id]);
  }

  async passwordHash(tenantId: string, userName: string): Promise<{ id: string; hash: string } | undefined> {
    const r = await this.one("SELECT id, password_hash FROM resources WHERE tenant_id = ? AND type = 'User' AND user_name_fold = ?", [tenantId, fold(userName)]);
    return r && typeof r.password_hash === 'string' ? { id: r.id as string, hash: r.password_hash } : undefined;
  }
}
