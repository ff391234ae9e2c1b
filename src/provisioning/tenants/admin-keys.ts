/**
 * Keys of the admin API: 256 random bits with a recognisable `scimd_admin_` prefix, stored only as
 * a SHA-256 hash (as SCIM tokens are, see tokens.ts), for every tenant or for one. The CLI's
 * `scimd admin-key` and the API's /admin-keys call these functions.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AdminKey, AuthStamp, Store, Tenant } from '../../store/types.ts';
import { AdminError } from './directory-admin.ts';
import { hashesEqual, hashToken, MAX_TOKEN_LENGTH } from './tokens.ts';
import { bearer } from '../requests/auth.ts';
import { StampedCache, TouchThrottle } from '../requests/credential-cache.ts';

export const ADMIN_KEY_PREFIX = 'scimd_admin_';
const KEY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$/;

/** An admin key as listings show it: no hash, the tenant by name. */
export interface AdminKeyView {
  readonly id: string;
  readonly name: string;
  /** The one tenant it may manage; null: every tenant. */
  readonly tenant: string | null;
  readonly prefix: string;
  readonly state: 'active' | 'revoked';
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface IssuedAdminKey extends AdminKeyView {
  /** The secret: shown once, never stored. */
  readonly key: string;
}

/** Who an admin request is: the key, and the tenant it is limited to (absent: every tenant). */
export interface AdminPrincipal {
  readonly key: AdminKey;
  readonly tenant?: Tenant;
}

/** Why an admin request was refused before it reached an operation. */
export class AdminAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminAuthError';
  }
}

export function mintAdminKey(): string {
  return ADMIN_KEY_PREFIX + randomBytes(32).toString('base64url');
}

function displayPrefix(key: string): string {
  return key.startsWith(ADMIN_KEY_PREFIX) && key.length >= 40 ? `${key.slice(0, ADMIN_KEY_PREFIX.length + 6)}…` : '(custom)';
}

interface Cached {
  readonly key: AdminKey;
  readonly tenant: Tenant | undefined;
}

export class AdminKeys {
  private readonly cache = new StampedCache<Cached>(1_000);
  private readonly touches: TouchThrottle;

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.touches = new TouchThrottle((id, at) => store.touchAdminKey(id, at));
  }

  private async view(k: AdminKey, tenants?: Map<string, string>): Promise<AdminKeyView> {
    let tenant: string | null = null;
    if (k.tenantId) tenant = tenants?.get(k.tenantId) ?? (await this.store.tenantById(k.tenantId))?.name ?? null;
    return { id: k.id, name: k.name, tenant, prefix: k.prefix, state: k.revokedAt ? 'revoked' : 'active', createdAt: k.createdAt, revokedAt: k.revokedAt ?? null, lastUsedAt: k.lastUsedAt ?? null };
  }

  /**
   * Creates a key for every tenant, or for `tenantName` only. `key` lets an operator choose the
   * secret (SCIMD_BOOTSTRAP_ADMIN_KEY); otherwise 256 random bits are minted.
   */
  async create(name: string, opts: { tenant?: string; key?: string } = {}): Promise<IssuedAdminKey> {
    if (!KEY_NAME.test(name)) throw new AdminError('invalid', `Admin key name '${name}' is not valid: use 1–63 letters, digits, '.', '-' or '_'`);
    if (opts.key !== undefined && (opts.key.length < 32 || opts.key.length > MAX_TOKEN_LENGTH || /\s/.test(opts.key))) {
      throw new AdminError('invalid', `An admin key must be 32 to ${MAX_TOKEN_LENGTH} characters without spaces`);
    }
    let tenant: Tenant | undefined;
    if (opts.tenant !== undefined) {
      tenant = await this.store.tenantByName(opts.tenant);
      if (!tenant) throw new AdminError('not_found', `No tenant named '${opts.tenant}'`);
    }
    const secret = opts.key ?? mintAdminKey();
    const record: AdminKey = {
      id: randomUUID(),
      name,
      hash: hashToken(secret),
      prefix: displayPrefix(secret),
      createdAt: this.now().toISOString(),
      ...(tenant ? { tenantId: tenant.id } : {}),
    };
    await this.store.transaction(async (tx) => {
      if (await tx.adminKeyByHash(record.hash)) throw new AdminError('exists', 'That admin key is already in use');
      await tx.createAdminKey(record);
    });
    return { ...(await this.view(record, new Map(tenant ? [[tenant.id, tenant.name]] : []))), key: secret };
  }

  /** Every key, oldest first; with `tenant`, only the keys limited to that tenant. */
  async list(tenant?: Tenant): Promise<AdminKeyView[]> {
    const names = new Map((await this.store.listTenants()).map((t) => [t.id, t.name]));
    const keys = (await this.store.listAdminKeys()).filter((k) => !tenant || k.tenantId === tenant.id);
    return Promise.all(keys.map((k) => this.view(k, names)));
  }

  /** Revokes the key with this id, or the one live key with this name. It stops working at once. */
  async revoke(idOrName: string, tenant?: Tenant): Promise<AdminKeyView> {
    const keys = (await this.store.listAdminKeys()).filter((k) => !tenant || k.tenantId === tenant.id);
    const byId = keys.find((k) => k.id === idOrName);
    const byName = keys.filter((k) => k.name === idOrName && !k.revokedAt);
    if (!byId && byName.length > 1) throw new AdminError('invalid', `${byName.length} live admin keys are named '${idOrName}': revoke one by its id (scimd admin-key list)`);
    const key = byId ?? byName[0];
    if (!key) throw new AdminError('not_found', `No admin key '${idOrName}'`);
    const at = this.now().toISOString();
    if (!key.revokedAt) await this.store.revokeAdminKey(key.id, at);
    return this.view({ ...key, revokedAt: key.revokedAt ?? at });
  }

  /** Whether any key exists (a first start seeds SCIMD_BOOTSTRAP_ADMIN_KEY only when none does). */
  async any(): Promise<boolean> {
    return (await this.store.listAdminKeys()).length > 0;
  }

  /** The key behind an `Authorization: Bearer <key>` header, and its tenant when it is limited to one. */
  async authenticate(header: string | undefined): Promise<AdminPrincipal> {
    const secret = bearer(header);
    if (secret === undefined) throw new AdminAuthError('Authentication required: send "Authorization: Bearer <admin key>"');
    if (secret.length > MAX_TOKEN_LENGTH) throw new AdminAuthError('The admin key is not valid');
    return this.authenticateHash(hashToken(secret));
  }

  /** The hash a console session keeps of the key it signed in with (never the key itself): the same checks as authenticate(). */
  hashOf(secret: string): string {
    return hashToken(secret);
  }

  /** As authenticate(), for a key known by its hash (a console session): a revoked key stops working here too. */
  async authenticateHash(hash: string): Promise<AdminPrincipal> {
    const now = this.now().getTime();
    const found = await this.lookup(hash, now);
    if (!found || !hashesEqual(found.key.hash, hash)) throw new AdminAuthError('The admin key is not valid');
    if (found.key.revokedAt) throw new AdminAuthError('The admin key has been revoked');
    if (found.key.tenantId && !found.tenant) throw new AdminAuthError('The admin key is not valid');
    this.touches.touch(found.key.id, now);
    return { key: found.key, ...(found.tenant ? { tenant: found.tenant } : {}) };
  }

  /** Whether the header's key is one a lookup found recently (not a guess; authenticate() says whether it is valid). */
  recognises(header: string | undefined): boolean {
    const secret = bearer(header);
    return secret !== undefined && secret.length <= MAX_TOKEN_LENGTH && this.cache.has(hashToken(secret));
  }

  private async lookup(hash: string, now: number): Promise<Cached | undefined> {
    // Another replica's change committed before this request came in moves the stamp first.
    if (this.store.authSync) await this.store.authSync();
    const stamp: AuthStamp = this.store.authStamp();
    const hit = this.cache.get(hash, stamp, now);
    if (hit) return hit;
    const key = await this.store.adminKeyByHash(hash);
    if (!key) return undefined;
    const found = { key, tenant: key.tenantId ? await this.store.tenantById(key.tenantId) : undefined };
    this.cache.set(hash, stamp, now, found);
    return found;
  }
}
