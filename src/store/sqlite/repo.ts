/** Repo on one better-sqlite3 connection. Synchronous inside; the Repo interface is async for PostgreSQL's sake. */
import type Database from 'better-sqlite3';
import type { MemberDelta } from '../../scim/patch/members.ts';
import type { GroupMembership, Member, StoredResource } from '../../scim/resource.ts';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { Json } from '../../scim/schema/validate.ts';
import { compileSearch } from '../sql/compile.ts';
import { indexedValues, keyColumns } from '../sql/columns.ts';
import type { MemberFacts, Repo, RequestLogEntry, RequestLogQuery, ResourcePage, ResourceQuery, ScimClient, Settings, Tenant, TenantStatus, TokenRecord } from '../types.ts';
import { UniqueViolation } from '../types.ts';
import type { Connection } from './connection.ts';
import { sqliteDialect } from './dialect.ts';

type Row = Record<string, unknown>;

const named = (params: readonly unknown[]) => Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]));

function resourceFromRow(row: Row): StoredResource {
  return {
    id: row.id as string,
    type: row.type as ResourceTypeName,
    version: row.version as number,
    created: row.created as string,
    lastModified: row.last_modified as string,
    data: JSON.parse(row.data as string) as Record<string, unknown>,
  };
}

const opt = (v: unknown) => (v === null || v === undefined ? undefined : (v as string));

const settingsOf = (v: unknown): Settings => (typeof v === 'string' ? (JSON.parse(v) as Settings) : {});

function tenantFromRow(r: Row): Tenant {
  return { id: r.id as string, name: r.name as string, status: r.status as TenantStatus, createdAt: r.created_at as string, settings: settingsOf(r.settings) };
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

function logFromRow(r: Row): RequestLogEntry {
  return {
    id: r.id as number,
    at: r.at as string,
    method: r.method as string,
    path: r.path as string,
    status: r.status as number,
    durationMs: r.duration_ms as number,
    notes: JSON.parse(r.notes as string) as string[],
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

function tokenFromRow(r: Row): TokenRecord {
  const t: TokenRecord = {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    clientId: r.client_id as string,
    hash: r.hash as string,
    prefix: r.prefix as string,
    createdAt: r.created_at as string,
  };
  return {
    ...t,
    ...(opt(r.expires_at) ? { expiresAt: r.expires_at as string } : {}),
    ...(opt(r.revoked_at) ? { revokedAt: r.revoked_at as string } : {}),
    ...(opt(r.last_used_at) ? { lastUsedAt: r.last_used_at as string } : {}),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class SqliteRepo implements Repo {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Connection) {}

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      // Bounded: filters produce many distinct statements.
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, s);
    }
    return s;
  }

  private get<T = Row>(sql: string, ...params: unknown[]): T | undefined {
    return this.stmt(sql).get(...params) as T | undefined;
  }

  private all<T = Row>(sql: string, ...params: unknown[]): T[] {
    return this.stmt(sql).all(...params) as T[];
  }

  private run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.stmt(sql).run(...params);
  }

  // Tenants

  async createTenant(t: Tenant): Promise<void> {
    this.run('INSERT INTO tenants (id, name, status, created_at, settings) VALUES (?, ?, ?, ?, ?)', t.id, t.name, t.status, t.createdAt, JSON.stringify(t.settings));
  }

  async setTenantSettings(id: string, settings: Settings): Promise<void> {
    this.run('UPDATE tenants SET settings = ? WHERE id = ?', JSON.stringify(settings), id);
  }

  async tenantByName(name: string): Promise<Tenant | undefined> {
    const r = this.get('SELECT * FROM tenants WHERE name = ?', name);
    return r && tenantFromRow(r);
  }

  async tenantById(id: string): Promise<Tenant | undefined> {
    const r = this.get('SELECT * FROM tenants WHERE id = ?', id);
    return r && tenantFromRow(r);
  }

  async listTenants(): Promise<Tenant[]> {
    return this.all('SELECT * FROM tenants ORDER BY created_at, name').map(tenantFromRow);
  }

  async setTenantStatus(id: string, status: TenantStatus): Promise<void> {
    this.run('UPDATE tenants SET status = ? WHERE id = ?', status, id);
  }

  // Clients

  async createClient(c: ScimClient): Promise<void> {
    this.run(
      'INSERT INTO scim_clients (id, tenant_id, name, created_at, idp, settings) VALUES (?, ?, ?, ?, ?, ?)',
      c.id,
      c.tenantId,
      c.name,
      c.createdAt,
      c.idp ?? null,
      JSON.stringify(c.settings),
    );
  }

  async updateClient(id: string, changes: { idp?: string | null; detectedIdp?: string | null; detectedReason?: string | null; settings?: Settings }): Promise<void> {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    const columns: [keyof typeof changes, string][] = [
      ['idp', 'idp'],
      ['detectedIdp', 'detected_idp'],
      ['detectedReason', 'detected_reason'],
      ['settings', 'settings'],
    ];
    for (const [field, column] of columns) {
      const v = changes[field];
      if (v === undefined) continue;
      sets.push(`${column} = @${column}`);
      params[column] = typeof v === 'object' && v !== null ? JSON.stringify(v) : v;
    }
    if (sets.length) this.run(`UPDATE scim_clients SET ${sets.join(', ')} WHERE id = @id`, params);
  }

  async clientByName(tenantId: string, name: string): Promise<ScimClient | undefined> {
    const r = this.get('SELECT * FROM scim_clients WHERE tenant_id = ? AND name = ?', tenantId, name);
    return r && clientFromRow(r);
  }

  async clientById(id: string): Promise<ScimClient | undefined> {
    const r = this.get('SELECT * FROM scim_clients WHERE id = ?', id);
    return r && clientFromRow(r);
  }

  async listClients(tenantId: string): Promise<ScimClient[]> {
    return this.all('SELECT * FROM scim_clients WHERE tenant_id = ? ORDER BY created_at, name', tenantId).map(clientFromRow);
  }

  async revokeClient(id: string, at: string): Promise<void> {
    this.run('UPDATE scim_clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', at, id);
  }

  // Tokens

  async createToken(t: TokenRecord): Promise<void> {
    this.run(
      'INSERT INTO tokens (id, tenant_id, client_id, hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      t.id,
      t.tenantId,
      t.clientId,
      t.hash,
      t.prefix,
      t.createdAt,
      t.expiresAt ?? null,
    );
  }

  async tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const r = this.get('SELECT * FROM tokens WHERE hash = ?', hash);
    return r && tokenFromRow(r);
  }

  async listTokens(filter: { tenantId?: string; clientId?: string }): Promise<TokenRecord[]> {
    return this.all(
      'SELECT * FROM tokens WHERE (@tenant IS NULL OR tenant_id = @tenant) AND (@client IS NULL OR client_id = @client) ORDER BY created_at',
      { tenant: filter.tenantId ?? null, client: filter.clientId ?? null },
    ).map(tokenFromRow);
  }

  async expireTokens(clientId: string, at: string, exceptId: string): Promise<void> {
    this.run(
      'UPDATE tokens SET expires_at = ? WHERE client_id = ? AND id <> ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)',
      at,
      clientId,
      exceptId,
      at,
    );
  }

  async revokeTokens(clientId: string, at: string): Promise<void> {
    this.run('UPDATE tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL', at, clientId);
  }

  async touchToken(id: string, at: string): Promise<void> {
    this.run('UPDATE tokens SET last_used_at = ? WHERE id = ?', at, id);
  }

  // Resources

  private seqOf(tenantId: string, id: string, type?: ResourceTypeName): number | undefined {
    const r = type
      ? this.get<{ seq: number }>('SELECT seq FROM resources WHERE tenant_id = ? AND id = ? AND type = ?', tenantId, id, type)
      : this.get<{ seq: number }>('SELECT seq FROM resources WHERE tenant_id = ? AND id = ?', tenantId, id);
    return r?.seq;
  }

  private writeValues(tenantId: string, seq: number, r: StoredResource, replace: boolean): void {
    if (replace) this.run('DELETE FROM resource_values WHERE resource_seq = ?', seq);
    for (const v of indexedValues(r.type, r.data)) {
      this.run('INSERT INTO resource_values (resource_seq, tenant_id, attr, value_fold) VALUES (?, ?, ?, ?)', seq, tenantId, v.attr, v.value);
    }
  }

  private uniqueGuard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const err = e as { code?: string; message?: string };
      if (err.code === 'SQLITE_CONSTRAINT_UNIQUE' && err.message?.includes('user_name_fold')) throw new UniqueViolation('userName');
      throw e;
    }
  }

  async insertResource(tenantId: string, r: StoredResource, search: Json): Promise<void> {
    const k = keyColumns(r.type, r.data);
    const row = this.uniqueGuard(() =>
      this.get<{ seq: number }>(
        `INSERT INTO resources (tenant_id, id, type, version, created, last_modified, user_name, user_name_fold, external_id, display_name, display_name_fold, data, search)
         VALUES (@tenant, @id, @type, @version, @created, @modified, @user_name, @user_name_fold, @external_id, @display_name, @display_name_fold, @data, @search) RETURNING seq`,
        { tenant: tenantId, id: r.id, type: r.type, version: r.version, created: r.created, modified: r.lastModified, data: JSON.stringify(r.data), search: JSON.stringify(search), ...k },
      ),
    );
    this.writeValues(tenantId, row!.seq, r, false);
  }

  async getResource(tenantId: string, type: ResourceTypeName, id: string, _opts?: { lock?: boolean }): Promise<StoredResource | undefined> {
    // SQLite transactions take the database write lock up front (BEGIN IMMEDIATE): no row lock needed.
    const row = this.get('SELECT id, type, version, created, last_modified, data FROM resources WHERE tenant_id = ? AND id = ? AND type = ?', tenantId, id, type);
    return row && resourceFromRow(row);
  }

  async updateResource(tenantId: string, r: StoredResource, expectedVersion: number, search?: Json): Promise<boolean> {
    const k = keyColumns(r.type, r.data);
    const row = this.uniqueGuard(() =>
      this.get<{ seq: number }>(
        `UPDATE resources SET version = @version, last_modified = @modified, user_name = @user_name, user_name_fold = @user_name_fold,
           external_id = @external_id, display_name = @display_name, display_name_fold = @display_name_fold, data = @data, search = COALESCE(@search, search)
         WHERE tenant_id = @tenant AND id = @id AND type = @type AND version = @expected RETURNING seq`,
        {
          tenant: tenantId,
          id: r.id,
          type: r.type,
          version: r.version,
          modified: r.lastModified,
          data: JSON.stringify(r.data),
          search: search === undefined ? null : JSON.stringify(search),
          expected: expectedVersion,
          ...k,
        },
      ),
    );
    if (!row) return false;
    this.writeValues(tenantId, row.seq, r, true);
    return true;
  }

  async deleteResource(tenantId: string, type: ResourceTypeName, id: string): Promise<boolean> {
    return this.run('DELETE FROM resources WHERE tenant_id = ? AND id = ? AND type = ?', tenantId, id, type).changes > 0;
  }

  async queryResources(tenantId: string, q: ResourceQuery): Promise<ResourcePage> {
    const c = compileSearch(sqliteDialect, tenantId, q);
    const total = this.get<{ n: number }>(c.countSql, named(c.countParams))!.n;
    const resources = q.count > 0 && total > 0 ? this.all(c.pageSql, named(c.pageParams)).map(resourceFromRow) : [];
    return { total, resources };
  }

  // Membership

  async membersOf(tenantId: string, groupId: string): Promise<Member[]> {
    const seq = this.seqOf(tenantId, groupId, 'Group');
    if (seq === undefined) return [];
    return this.all<{ id: string; type: 'User' | 'Group'; display: string | null }>(
      `SELECT m.id, m.type, COALESCE(m.display_name, m.user_name) AS display
       FROM group_members gm JOIN resources m ON m.seq = gm.member_seq WHERE gm.group_seq = ? ORDER BY m.seq`,
      seq,
    ).map((r) => (r.display === null ? { value: r.id, type: r.type } : { value: r.id, type: r.type, display: r.display }));
  }

  async memberFacts(tenantId: string, groupId: string, ids: readonly string[]): Promise<MemberFacts> {
    const members = new Set<string>();
    const types = new Map<string, 'User' | 'Group'>();
    const groupSeq = this.seqOf(tenantId, groupId, 'Group') ?? -1;
    for (const part of chunks([...new Set(ids)], 500)) {
      const rows = this.db
        .prepare(
          `SELECT r.id, r.type, EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_seq = ? AND gm.member_seq = r.seq) AS member
           FROM resources r WHERE r.tenant_id = ? AND r.id IN (${part.map(() => '?').join(',')})`,
        )
        .all(groupSeq, tenantId, ...part) as { id: string; type: 'User' | 'Group'; member: number }[];
      for (const r of rows) {
        types.set(r.id, r.type);
        if (r.member) members.add(r.id);
      }
    }
    return { members, types };
  }

  async applyMemberDelta(tenantId: string, groupId: string, delta: MemberDelta): Promise<void> {
    const groupSeq = this.seqOf(tenantId, groupId, 'Group');
    if (groupSeq === undefined) return;
    if (delta.clear) this.run('DELETE FROM group_members WHERE group_seq = ?', groupSeq);
    for (const id of delta.remove) {
      this.run('DELETE FROM group_members WHERE group_seq = ? AND member_seq = (SELECT seq FROM resources WHERE tenant_id = ? AND id = ?)', groupSeq, tenantId, id);
    }
    for (const id of delta.add.keys()) {
      this.run('INSERT OR IGNORE INTO group_members (group_seq, member_seq) SELECT ?, seq FROM resources WHERE tenant_id = ? AND id = ?', groupSeq, tenantId, id);
    }
  }

  async groupsOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, GroupMembership[]>> {
    const out = new Map<string, GroupMembership[]>();
    for (const part of chunks([...new Set(userIds)], 500)) {
      const rows = this.db
        .prepare(
          `WITH RECURSIVE anc(user_seq, seq, direct) AS (
             SELECT gm.member_seq, gm.group_seq, 1 FROM group_members gm
               WHERE gm.member_seq IN (SELECT seq FROM resources WHERE tenant_id = ? AND id IN (${part.map(() => '?').join(',')}))
             UNION
             SELECT anc.user_seq, gm.group_seq, 0 FROM group_members gm JOIN anc ON gm.member_seq = anc.seq)
           SELECT u.id AS user_id, g.id AS group_id, g.display_name AS display, MAX(anc.direct) AS direct
           FROM anc JOIN resources g ON g.seq = anc.seq JOIN resources u ON u.seq = anc.user_seq
           GROUP BY anc.user_seq, anc.seq ORDER BY g.seq`,
        )
        .all(tenantId, ...part) as { user_id: string; group_id: string; display: string | null; direct: number }[];
      for (const r of rows) {
        const list = out.get(r.user_id) ?? [];
        const g: GroupMembership = { value: r.group_id, type: r.direct ? 'direct' : 'indirect' };
        list.push(r.display === null ? g : { ...g, display: r.display });
        out.set(r.user_id, list);
      }
    }
    return out;
  }

  // Request log

  async appendRequestLog(entries: readonly RequestLogEntry[]): Promise<void> {
    for (const e of entries) {
      this.run(
        `INSERT INTO request_log (at, tenant_id, tenant_name, client_id, client_name, idp, method, path, status, scim_type, duration_ms, notes, request_body, response_body)
         VALUES (@at, @tenant_id, @tenant_name, @client_id, @client_name, @idp, @method, @path, @status, @scim_type, @duration_ms, @notes, @request_body, @response_body)`,
        {
          at: e.at,
          tenant_id: e.tenantId ?? null,
          tenant_name: e.tenantName ?? null,
          client_id: e.clientId ?? null,
          client_name: e.clientName ?? null,
          idp: e.idp ?? null,
          method: e.method,
          path: e.path,
          status: e.status,
          scim_type: e.scimType ?? null,
          duration_ms: Math.round(e.durationMs),
          notes: JSON.stringify(e.notes),
          request_body: e.requestBody ?? null,
          response_body: e.responseBody ?? null,
        },
      );
    }
  }

  async pruneRequestLog(before: string, keep: number): Promise<void> {
    this.run('DELETE FROM request_log WHERE at < ?', before);
    this.run('DELETE FROM request_log WHERE id <= (SELECT id FROM request_log ORDER BY id DESC LIMIT 1 OFFSET ?)', keep);
  }

  async requestLog(q: RequestLogQuery): Promise<RequestLogEntry[]> {
    return this.all(
      `SELECT * FROM request_log
       WHERE (@tenant IS NULL OR tenant_id = @tenant) AND (@min IS NULL OR status >= @min) AND (@max IS NULL OR status <= @max) AND (@after IS NULL OR id > @after)
       ORDER BY id DESC LIMIT @limit`,
      { tenant: q.tenantId ?? null, min: q.minStatus ?? null, max: q.maxStatus ?? null, after: q.afterId ?? null, limit: q.limit },
    ).map(logFromRow);
  }

  async requestLogEntry(id: number): Promise<RequestLogEntry | undefined> {
    const r = this.get('SELECT * FROM request_log WHERE id = ?', id);
    return r && logFromRow(r);
  }
}
