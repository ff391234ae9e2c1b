/**
 * Admin operations on what a tenant's SCIM surface holds: extension schemas, role rules,
 * tombstones, the mail outbox, the event log, and password checks for host applications.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bindFilter } from '../../scim/filter/bind.ts';
import { parseFilter } from '../../scim/filter/parse.ts';
import { ScimError } from '../../scim/errors.ts';
import { parseSchemaDocument, SchemaDocumentError } from '../../scim/schema/document.ts';
import { BUILTIN_EXTENSIONS } from '../../scim/schema/wire.ts';
import { searchForm } from '../../scim/search-form.ts';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { Mail, RoleRule, ScimdEvent, Store, TenantSchema, Tombstone, TombstoneKey } from '../../store/types.ts';
import { UniqueViolation } from '../../store/types.ts';
import { AdminError } from './directory-admin.ts';
import { presentedUser } from '../policies/presentation.ts';
import { buildRegistry, type TenantModels } from './tenant-model.ts';
import { hashPassword, verifyPasswordHash } from '../policies/user-lifecycle.ts';
import { outboxMailBody } from '../links/mail-templates.ts';
import { ADMIN_CAUSE, recordChange, recordOptionsOf } from '../resources/changes.ts';
import { fold } from '../../scim/values.ts';

export type { Mail, TenantSchema };

/** The hash a password is checked against when the user has none (see verifyPassword). */
let decoy: Promise<string> | undefined;

/** What admins see of a tombstone: everything but the password hash it keeps for a restore. */
const withoutHash = ({ passwordHash: _, ...t }: Tombstone): Tombstone => t;

export interface TombstonePage {
  readonly tombstones: Tombstone[];
  /** Pass as `before` for the older page; null on the oldest. */
  readonly next: string | null;
  /** Pass as `after` for the newer page; null on the newest. */
  readonly previous: string | null;
}

/** A page cursor: where a tombstone stands in the order (deletedAt, id), opaque to clients. */
const encodeCursor = (t: TombstoneKey): string => Buffer.from(JSON.stringify([t.deletedAt, t.id])).toString('base64url');

function decodeCursor(raw: string): TombstoneKey {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') throw new AdminError('invalid', `'${raw.slice(0, 100)}' is not a cursor this listing gave (use its next or previous)`);
  return { deletedAt: v[0], id: v[1] };
}

const ROLE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export class TenantAdmin {
  constructor(
    private readonly store: Store,
    private readonly models: TenantModels,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async tenant(name: string) {
    const t = await this.store.tenantByName(name);
    if (!t) throw new AdminError('not_found', `No tenant named '${name}'`);
    return t;
  }

  // Extension schemas

  /**
   * Adds (or replaces) a custom extension schema from an RFC 7643 §7 JSON document, then rewrites
   * the search form of the tenant's resources of that type, so filters see values stored under
   * the schema's URN (a schema removed and added again) with the new definition's case rules.
   */
  async addSchema(tenantName: string, document: unknown, resourceType: 'User' | 'Group' = 'User'): Promise<TenantSchema> {
    const t = await this.tenant(tenantName);
    let schema;
    try {
      schema = parseSchemaDocument(document);
    } catch (e) {
      if (e instanceof SchemaDocumentError) throw new AdminError('invalid', e.message);
      throw e;
    }
    const builtin = [...BUILTIN_EXTENSIONS.keys()].find((u) => u.toLowerCase() === schema.id.toLowerCase());
    if (builtin) throw new AdminError('invalid', `${builtin} is built in: use 'scimd schema enable ${tenantName} ${builtin}'`);
    const existing = await this.store.tenantSchemas(t.id);
    const sameUrn = existing.find((s) => s.urn.toLowerCase() === schema.id.toLowerCase());
    if (sameUrn && sameUrn.urn !== schema.id) throw new AdminError('invalid', `Tenant '${tenantName}' already has ${sameUrn.urn} (schema URNs are case-insensitive); spell it the same way to replace it`);
    if (sameUrn && sameUrn.resourceType !== resourceType) throw new AdminError('invalid', `${schema.id} extends ${sameUrn.resourceType}s in tenant '${tenantName}'; remove it first to move it to ${resourceType}s`);
    const row: TenantSchema = { urn: schema.id, resourceType, definition: JSON.stringify(document), createdAt: this.now().toISOString() };
    await this.checkRoles(t.id, [...existing.filter((s) => s.urn !== row.urn), row]);
    await this.store.putTenantSchema(t.id, row);
    await this.reindex(t.id, resourceType);
    return row;
  }

  async addSchemaFile(tenantName: string, file: string, resourceType: 'User' | 'Group' = 'User'): Promise<TenantSchema> {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new AdminError('invalid', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e)}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new AdminError('invalid', `${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    return this.addSchema(tenantName, doc, resourceType);
  }

  /** Turns on a schema scimd ships (e.g. Wire's urn:wire:scim:schemas:profile:1.0). */
  async enableSchema(tenantName: string, urn: string): Promise<TenantSchema> {
    const t = await this.tenant(tenantName);
    const builtin = [...BUILTIN_EXTENSIONS].find(([u]) => u.toLowerCase() === urn.toLowerCase());
    if (!builtin) throw new AdminError('not_found', `No built-in extension '${urn}'. Built in: ${[...BUILTIN_EXTENSIONS.keys()].join(', ')}`);
    const row: TenantSchema = { urn: builtin[0], resourceType: builtin[1].resourceType, createdAt: this.now().toISOString() };
    await this.store.putTenantSchema(t.id, row);
    await this.reindex(t.id, row.resourceType);
    return row;
  }

  async listSchemas(tenantName: string): Promise<TenantSchema[]> {
    return this.store.tenantSchemas((await this.tenant(tenantName)).id);
  }

  /**
   * Removes an extension schema. Its stored values stay in the documents, no longer served,
   * filterable or writable, so adding the schema again brings them back; a PUT, which replaces
   * the whole resource, drops them. With `purge` they are deleted at once.
   */
  async removeSchema(tenantName: string, urn: string, opts: { purge?: boolean } = {}): Promise<{ purged: number }> {
    const t = await this.tenant(tenantName);
    const schemas = await this.store.tenantSchemas(t.id);
    const row = schemas.find((s) => s.urn.toLowerCase() === urn.toLowerCase());
    if (!row) throw new AdminError('not_found', `Tenant '${tenantName}' has no extension schema '${urn}'`);
    await this.checkRoles(
      t.id,
      schemas.filter((s) => s !== row),
    );
    await this.store.removeTenantSchema(t.id, row.urn);
    return { purged: await this.reindex(t.id, row.resourceType, opts.purge ? row.urn : undefined) };
  }

  /**
   * Rewrites the search form of every resource of `type` in the tenant against its current
   * schemas (and deletes the values stored under `purge`), a page per transaction so SCIM writes
   * go on meanwhile. The version stays: what a client sees does not change.
   */
  private async reindex(tenantId: string, type: ResourceTypeName, purge?: string): Promise<number> {
    const schema = buildRegistry(await this.store.tenantSchemas(tenantId)).resource(type);
    const PAGE = 500;
    let purged = 0;
    for (let start = 1; ; start += PAGE) {
      const { n, dropped } = await this.store.transaction(async (tx) => {
        const page = await tx.queryResources(tenantId, { types: [type], startIndex: start, count: PAGE });
        let dropped = 0;
        for (const r of page.resources) {
          const data = { ...r.data };
          if (purge !== undefined && data[purge] !== undefined) {
            delete data[purge];
            dropped++;
          }
          await tx.updateResource(tenantId, { ...r, data }, r.version, searchForm(type === 'User' ? presentedUser(data) : data, schema));
        }
        return { n: page.resources.length, dropped };
      });
      purged += dropped;
      if (n < PAGE) return purged;
    }
  }

  // Role rules

  /** Every role rule must still bind against the schemas the tenant would have. */
  private async checkRoles(tenantId: string, schemas: readonly TenantSchema[], rules?: readonly RoleRule[]): Promise<void> {
    const registry = buildRegistry(schemas);
    for (const r of rules ?? (await this.store.roleRules(tenantId))) {
      try {
        bindFilter(parseFilter(r.filter), registry.resource('User'));
      } catch (e) {
        if (e instanceof ScimError) throw new AdminError('invalid', `Role '${r.role}': ${e.message}`);
        throw e;
      }
    }
  }

  /** A role rule: users matching the SCIM filter get the role (scimd extension appRoles). */
  async addRole(tenantName: string, role: string, filter: string): Promise<RoleRule> {
    if (!ROLE.test(role)) throw new AdminError('invalid', `Role name '${role}' is not valid: 1–64 letters, digits, '.', '_', ':' or '-'`);
    const t = await this.tenant(tenantName);
    const rule = { role, filter };
    await this.checkRoles(t.id, await this.store.tenantSchemas(t.id), [rule]);
    await this.store.putRoleRule(t.id, rule, this.now().toISOString());
    return rule;
  }

  async listRoles(tenantName: string): Promise<RoleRule[]> {
    return this.store.roleRules((await this.tenant(tenantName)).id);
  }

  async removeRole(tenantName: string, role: string): Promise<void> {
    const t = await this.tenant(tenantName);
    if (!(await this.store.removeRoleRule(t.id, role))) throw new AdminError('not_found', `Tenant '${tenantName}' has no role '${role}'`);
  }

  // Tombstones

  async listTombstones(tenantName: string): Promise<Tombstone[]> {
    return (await this.store.listTombstones((await this.tenant(tenantName)).id)).map(withoutHash);
  }

  /**
   * One page of the tenant's tombstones, newest first: the newest, those older than `before` or
   * those just newer than `after` (cursors this answer gives as `next` and `previous`: null when
   * there is no such page). Reads `limit` + 1 rows of one index range, never the whole set.
   */
  async tombstonePage(tenantName: string, q: { limit: number; before?: string; after?: string }): Promise<TombstonePage> {
    const t = await this.tenant(tenantName);
    if (q.before !== undefined && q.after !== undefined) throw new AdminError('invalid', 'Give before or after, not both');
    const before = q.before === undefined ? undefined : decodeCursor(q.before);
    const after = q.after === undefined ? undefined : decodeCursor(q.after);
    const rows = await this.store.tombstonePage(t.id, { limit: q.limit + 1, ...(before ? { before } : {}), ...(after ? { after } : {}) });
    const more = rows.length > q.limit;
    // Newest first either way; the extra row is the oldest one (before, or none) or the newest (after).
    const items = more ? (after ? rows.slice(1) : rows.slice(0, q.limit)) : rows;
    const first = items[0];
    const last = items[items.length - 1];
    const next = last && (after || more) ? encodeCursor(last) : null;
    const previous = first && (before || (after && more)) ? encodeCursor(first) : null;
    return { tombstones: items.map(withoutHash), next, previous };
  }

  async tombstone(tenantName: string, id: string): Promise<Tombstone> {
    const t = await this.tenant(tenantName);
    const stone = await this.store.tombstone(t.id, id);
    if (!stone) throw new AdminError('not_found', `Tenant '${tenantName}' has no deleted user '${id}'`);
    return withoutHash(stone);
  }

  /**
   * Brings a tombstoned user back under its id, with the next version (so an ETag from before the
   * deletion never matches), if its userName is still free. Group memberships are not restored.
   */
  async restoreUser(tenantName: string, id: string): Promise<Tombstone> {
    const t = await this.tenant(tenantName);
    const schema = (await this.models.forTenant(t)).registry.resource('User');
    return this.store.transaction(async (tx) => {
      const stone = await tx.takeTombstone(t.id, id);
      if (!stone) throw new AdminError('not_found', `Tenant '${tenantName}' has no deleted user '${id}'`);
      const now = this.now().toISOString();
      const userName = String(stone.data.userName);
      const taken = () => new AdminError('exists', `Cannot restore '${userName}' (${id}): another user has taken the userName '${userName}' since it was deleted. Rename or delete that user, then restore again; the tombstone is kept.`);
      // The userName.scope rule of a write (user-lifecycle.ts): a global tenant's names are unique
      // everywhere, and no tenant takes a name a global tenant holds.
      await tx.lockKey(`userName:${fold(userName)}`);
      if (await tx.userNameTakenElsewhere(t.id, fold(userName), t.settings['userName.scope'] === 'global' ? 'all' : 'global')) throw taken();
      const restored = { id, type: stone.type, version: (stone.version ?? 0) + 1, created: stone.created, lastModified: now, data: stone.data };
      try {
        await tx.insertResource(t.id, restored, searchForm(presentedUser(stone.data), schema));
      } catch (e) {
        if (e instanceof UniqueViolation) throw taken();
        throw e;
      }
      if (stone.passwordHash) await tx.setPasswordHash(t.id, id, stone.passwordHash);
      await recordChange(tx, { tenantId: t.id, resource: restored, what: { kind: 'restore', data: { userName: String(stone.data.userName) } }, at: now, cause: ADMIN_CAUSE }, recordOptionsOf(t.settings));
      return withoutHash(stone);
    });
  }

  // Mail and events

  async listMail(tenantName: string | undefined, pendingOnly: boolean, limit = 50): Promise<Mail[]> {
    const tenantId = tenantName ? (await this.tenant(tenantName)).id : undefined;
    const mails = await this.store.listMail({ ...(tenantId ? { tenantId } : {}), pendingOnly, limit });
    return mails.map((m) => (m.linkId ? { ...m, body: outboxMailBody(m.body, m.sentAt !== undefined) } : m));
  }

  async listEvents(tenantName: string | undefined, afterSeq = 0, limit = 100): Promise<ScimdEvent[]> {
    const tenantId = tenantName ? (await this.tenant(tenantName)).id : undefined;
    return this.store.events({ ...(tenantId ? { tenantId } : {}), afterSeq, limit });
  }

  // Passwords (passwords = hash)

  /**
   * For host applications that sign users in with the password their IdP provisioned: the user's
   * id when `password` is theirs, else undefined. A userName without a stored password costs one
   * scrypt too, so the time taken does not tell which userNames exist.
   */
  async verifyPassword(tenantName: string, userName: string, password: string): Promise<string | undefined> {
    const t = await this.tenant(tenantName);
    const row = await this.store.passwordHash(t.id, userName);
    if (!row) {
      await verifyPasswordHash(password, await (decoy ??= hashPassword(randomBytes(16).toString('hex'))));
      return undefined;
    }
    return (await verifyPasswordHash(password, row.hash)) ? row.id : undefined;
  }
}
