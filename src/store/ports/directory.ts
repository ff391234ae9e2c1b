/** Tenants, their SCIM clients and the clients' bearer tokens. */
import type { Port } from './port.ts';

export type TenantStatus = 'active' | 'disabled';

/** Per-tenant or per-client settings: key → value, validated by the layer that owns the key. */
export type Settings = Readonly<Record<string, string>>;

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly status: TenantStatus;
  readonly createdAt: string;
  readonly settings: Settings;
  /** Bumped whenever the tenant's schemas or role rules change, so every process rebuilds what it cached. */
  readonly schemaVersion?: number;
}

export interface ScimClient {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  /** IdP profile pinned by an operator (`--idp`). */
  readonly idp?: string;
  /** IdP profile recognised from the client's requests, and what gave it away. */
  readonly detectedIdp?: string;
  readonly detectedReason?: string;
  readonly settings: Settings;
}

export interface TokenRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly clientId: string;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  readonly hash: string;
  /** The first characters of the token, for recognising it in listings; never enough to use it. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  readonly lastUsedAt?: string;
}

/** A key of the admin API: for every tenant, or for one (`tenantId`). */
export interface AdminKey {
  readonly id: string;
  readonly name: string;
  /** The one tenant the key may manage; absent: every tenant, and the server's own settings. */
  readonly tenantId?: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  readonly hash: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly lastUsedAt?: string;
}

export interface DirectoryReads {
  tenantByName(name: string): Promise<Tenant | undefined>;
  tenantById(id: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  /** Up to `limit` tenants in name order: after the name `after`, or the ones just before `before`, or the first. */
  tenantPage(q: { readonly limit: number; readonly after?: string; readonly before?: string }): Promise<Tenant[]>;

  clientByName(tenantId: string, name: string): Promise<ScimClient | undefined>;
  clientById(id: string): Promise<ScimClient | undefined>;
  listClients(tenantId: string): Promise<ScimClient[]>;

  tokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(filter: { tenantId?: string; clientId?: string }): Promise<TokenRecord[]>;

  adminKeyByHash(hash: string): Promise<AdminKey | undefined>;
  /** Oldest first, revoked ones included. */
  listAdminKeys(): Promise<AdminKey[]>;
}

export interface DirectoryWrites {
  /** The tenant as committed, locked until the transaction ends: a read-modify-write of its settings. */
  lockTenant(id: string): Promise<Tenant | undefined>;
  /** The client as committed, locked until the transaction ends. */
  lockClient(id: string): Promise<ScimClient | undefined>;
  createTenant(t: Tenant): Promise<void>;
  setTenantStatus(id: string, status: TenantStatus): Promise<void>;
  setTenantSettings(id: string, settings: Settings): Promise<void>;

  createClient(c: ScimClient): Promise<void>;
  revokeClient(id: string, at: string): Promise<void>;
  updateClient(id: string, changes: { idp?: string | null; detectedIdp?: string | null; detectedReason?: string | null; settings?: Settings }): Promise<void>;

  createToken(t: TokenRecord): Promise<void>;
  /** Sets expiry `at` on every live token of the client that would outlive it, except `exceptId`. */
  expireTokens(clientId: string, at: string, exceptId: string): Promise<void>;
  revokeTokens(clientId: string, at: string): Promise<void>;
  touchToken(id: string, at: string): Promise<void>;

  createAdminKey(k: AdminKey): Promise<void>;
  /** False when no live key has that id. */
  revokeAdminKey(id: string, at: string): Promise<boolean>;
  touchAdminKey(id: string, at: string): Promise<void>;
}

export interface Directory extends DirectoryReads, DirectoryWrites {}

export type DirectoryPort = Port<DirectoryReads, DirectoryWrites>;
