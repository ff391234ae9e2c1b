/** Tenants, SCIM clients and their tokens: the operations behind the CLI (and later the admin API). */
import { randomUUID } from 'node:crypto';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { ScimClient, Store, Tenant, TenantStatus, TokenRecord } from '../../store/types.ts';
import { normaliserByName, normalisersFor } from '../../scim/quirks/index.ts';
import { profileOf } from '../requests/idp-profile.ts';
import { checkClientSetting, checkTenantSetting, SettingError, TENANT_SETTINGS } from './settings.ts';
import { displayPrefix, hashToken, mintToken } from './tokens.ts';

/** What the admin front ends (CLI, admin API) show of tenants. */
export type { Tenant, TenantStatus };

/** A failed admin operation, with a stable code for `--json` output. */
export class AdminError extends Error {
  constructor(
    readonly code: 'not_found' | 'exists' | 'invalid' | 'revoked' | 'gone',
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

const TENANT_NAME = /^[a-z0-9](?:[a-z0-9_-]{0,62})$/;
const CLIENT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$/;

export interface IssuedToken {
  readonly client: ScimClient;
  /** The secret: shown once, never stored. */
  readonly token: string;
  readonly record: TokenRecord;
}

export interface TenantSummary extends Tenant {
  readonly users: number;
  readonly groups: number;
  readonly clients: number;
}

/** A tenant setting as shown to operators: the value in force, its default and what it allows. */
export interface SettingView {
  readonly key: string;
  readonly value: string;
  readonly default: string;
  readonly isDefault: boolean;
  /** The values it takes; empty for a duration. */
  readonly allowed: readonly string[];
  readonly doc: string;
  readonly source: string;
}

export interface TenantDetails extends TenantSummary {
  /** Every setting with the value in force (set or default). */
  readonly settings: Readonly<Record<string, string>>;
  /** The keys left at their default. */
  readonly defaults: readonly string[];
  readonly settingsInfo: readonly SettingView[];
}

/** A token as listings show it: never its hash. */
export type TokenView = Omit<TokenRecord, 'hash'> & { readonly state: 'active' | 'expired' | 'revoked' };

/** A client as listings show it: its IdP profile and why, the normalisers in force, its tokens. */
export interface ClientView extends ScimClient {
  readonly profile: string;
  readonly profileSource: 'pinned' | 'detected' | 'default';
  readonly profileReason: string | null;
  readonly normalisers: readonly string[];
  readonly liveTokens: number;
  readonly lastUsedAt: string | null;
  readonly tokens: readonly TokenView[];
}

const TENANT_DEFAULTS: Record<string, string> = Object.fromEntries(TENANT_SETTINGS.map((s) => [s.key, s.fallback]));

/** Whether a token works now. */
export function tokenState(t: TokenRecord, now: number): 'active' | 'expired' | 'revoked' {
  if (t.revokedAt) return 'revoked';
  return t.expiresAt && Date.parse(t.expiresAt) <= now ? 'expired' : 'active';
}

export class AdminService {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createTenant(name: string): Promise<Tenant> {
    if (!TENANT_NAME.test(name)) {
      throw new AdminError('invalid', `Tenant name '${name}' is not valid: use 1–63 lower-case letters, digits, '-' or '_', starting with a letter or digit`);
    }
    return this.store.transaction(async (tx) => {
      if (await tx.tenantByName(name)) throw new AdminError('exists', `Tenant '${name}' already exists`);
      const t: Tenant = { id: randomUUID(), name, status: 'active', createdAt: this.now().toISOString(), settings: {} };
      await tx.createTenant(t);
      return t;
    });
  }

  async tenant(name: string): Promise<Tenant> {
    const t = await this.store.tenantByName(name);
    if (!t) throw new AdminError('not_found', `No tenant named '${name}'`);
    return t;
  }

  async countResources(tenantId: string, type: ResourceTypeName): Promise<number> {
    return (await this.store.queryResources(tenantId, { types: [type], startIndex: 1, count: 0 })).total;
  }

  async summary(name: string): Promise<TenantSummary> {
    const t = await this.tenant(name);
    const [users, groups, clients] = await Promise.all([
      this.countResources(t.id, 'User'),
      this.countResources(t.id, 'Group'),
      this.store.listClients(t.id),
    ]);
    return { ...t, users, groups, clients: clients.filter((c) => !c.revokedAt).length };
  }

  /** The summary with every setting: its value in force, default, allowed values and origin. */
  async details(name: string): Promise<TenantDetails> {
    const t = await this.summary(name);
    const settingsInfo = TENANT_SETTINGS.map((spec) => ({
      key: spec.key,
      value: t.settings[spec.key] ?? spec.fallback,
      default: spec.fallback,
      isDefault: t.settings[spec.key] === undefined,
      allowed: spec.values,
      doc: spec.doc,
      source: spec.source,
    }));
    const settings: Record<string, string> = { ...t.settings };
    for (const v of settingsInfo) settings[v.key] = v.value;
    return { ...t, settings, defaults: settingsInfo.filter((v) => v.isDefault).map((v) => v.key), settingsInfo };
  }

  /** The tenant's clients as operators see them (profile, normalisers, tokens without hashes). */
  async clientViews(tenantName: string): Promise<ClientView[]> {
    const now = this.now().getTime();
    return (await this.listClients(tenantName)).map(({ tokens, ...c }) => {
      const profile = profileOf(c);
      const views = tokens.map(({ hash: _hash, ...tok }) => ({ ...tok, state: tokenState({ hash: '', ...tok }, now) }));
      return {
        ...c,
        profile: profile.profile,
        profileSource: profile.source,
        profileReason: profile.reason ?? null,
        normalisers: normalisersFor(profile.profile, c.settings).map((n) => n.name),
        liveTokens: views.filter((t) => t.state === 'active').length,
        lastUsedAt: tokens.map((t) => t.lastUsedAt).filter(Boolean).sort().pop() ?? null,
        tokens: views,
      };
    });
  }

  async clientView(tenantName: string, clientName: string): Promise<ClientView> {
    await this.client(tenantName, clientName);
    const view = (await this.clientViews(tenantName)).find((c) => c.name === clientName);
    if (!view) throw new AdminError('not_found', `No client named '${clientName}' in tenant '${tenantName}'`);
    return view;
  }

  async listTenants(): Promise<Tenant[]> {
    return this.store.listTenants();
  }

  /**
   * One page of tenants in name order: after the name `after`, just before the name `before`, or
   * the first. `more`: whether tenants follow the page (after, or no cursor) or precede it (before).
   */
  async tenantPage(q: { limit: number; after?: string; before?: string }): Promise<{ tenants: Tenant[]; more: boolean }> {
    if (q.after !== undefined && q.before !== undefined) throw new AdminError('invalid', 'Give after or before, not both');
    const rows = await this.store.tenantPage({ ...q, limit: q.limit + 1 });
    const more = rows.length > q.limit;
    return { tenants: more ? (q.before !== undefined ? rows.slice(1) : rows.slice(0, q.limit)) : rows, more };
  }

  /** Sets a tenant setting (see settings.ts); the value `default` removes it. */
  async setTenantSetting(name: string, key: string, value: string): Promise<Tenant> {
    return this.updateTenant(name, { settings: { [key]: value } });
  }

  /** A tenant can join the server-wide userName namespace only if none of its userNames is held elsewhere. */
  private async checkNoClash(t: Tenant): Promise<void> {
    const { names, total } = await this.store.userNamesHeldElsewhere(t.id, 5);
    if (total === 0) return;
    const shown = names.map((n) => `'${n}'`).join(', ');
    throw new AdminError(
      'invalid',
      `Tenant '${t.name}' cannot have userName.scope = global: ${total} of its userNames ${total === 1 ? 'is' : 'are'} also held in other tenants (${shown}${total > names.length ? ', …' : ''}). Rename or remove them first.`,
    );
  }

  private validate(check: () => void): void {
    try {
      check();
    } catch (e) {
      if (e instanceof SettingError) throw new AdminError('invalid', e.message);
      throw e;
    }
  }

  /** Sets a client setting: `idp` (a profile, or `auto` to detect), `normaliser.<name>` (on/off/default). */
  async setClientSetting(tenantName: string, clientName: string, key: string, value: string): Promise<ScimClient> {
    return this.updateClient(tenantName, clientName, key === 'idp' ? { idp: value } : { settings: { [key]: value } });
  }

  /** Throws what updateTenant would refuse in these settings (before a tenant exists to apply them to). */
  checkTenantSettings(settings: Readonly<Record<string, string | null>>): void {
    for (const [key, raw] of Object.entries(settings)) {
      const value = raw ?? 'default';
      this.validate(() => checkTenantSetting(key, value === 'default' ? (TENANT_DEFAULTS[key] ?? value) : value));
    }
  }

  /**
   * Changes several tenant settings and the status at once: every value is checked first, so a
   * refused one leaves everything as it was. A setting given null (or 'default') returns to its default.
   */
  async updateTenant(name: string, changes: { status?: TenantStatus; settings?: Readonly<Record<string, string | null>> }): Promise<Tenant> {
    const before = await this.tenant(name);
    this.checkTenantSettings(changes.settings ?? {});
    const apply = (t: Tenant) => withChanges(t.settings, changes.settings ?? {}, (key) => key);
    if (apply(before)['userName.scope'] === 'global' && before.settings['userName.scope'] !== 'global') await this.checkNoClash(before);
    // Read again under the row's lock: another process's change since the read above is kept.
    return this.store.transaction(async (tx) => {
      const t = await tx.lockTenant(before.id);
      if (!t) throw new AdminError('not_found', `No tenant named '${name}'`);
      const settings = apply(t);
      if (changes.settings) await tx.setTenantSettings(t.id, settings);
      if (changes.status) await tx.setTenantStatus(t.id, changes.status);
      return { ...t, settings, status: changes.status ?? t.status };
    });
  }

  /**
   * Changes a client's IdP profile and settings (normaliser switches, rate limits …) at once, each
   * checked first as by setClientSetting; null (or 'default') returns a setting to its default.
   */
  async updateClient(tenantName: string, clientName: string, changes: { idp?: string; settings?: Readonly<Record<string, string | null>> }): Promise<ScimClient> {
    const found = await this.client(tenantName, clientName);
    if (found.revokedAt) throw new AdminError('revoked', `Client '${clientName}' is revoked`);
    if (changes.idp !== undefined) this.validate(() => checkClientSetting('idp', changes.idp!));
    for (const [key, raw] of Object.entries(changes.settings ?? {})) {
      if (key === 'idp') throw new AdminError('invalid', "Set the IdP profile with the 'idp' field, not among the settings");
      this.validate(() => checkClientSetting(key, raw ?? 'default'));
    }
    const canonical = (key: string) => (key.startsWith('normaliser.') ? `normaliser.${normaliserByName(key.slice(11))!.name}` : key);
    const idp = changes.idp === undefined ? undefined : changes.idp === 'auto' ? null : changes.idp;
    return this.store.transaction(async (tx) => {
      const c = await tx.lockClient(found.id);
      if (!c) throw new AdminError('not_found', `No client named '${clientName}' in tenant '${tenantName}'`);
      if (c.revokedAt) throw new AdminError('revoked', `Client '${clientName}' is revoked`);
      const settings = withChanges(c.settings, changes.settings ?? {}, canonical);
      await tx.updateClient(c.id, { ...(idp !== undefined ? { idp } : {}), ...(changes.settings ? { settings } : {}) });
      const { idp: old, ...rest } = c;
      const next = idp === undefined ? old : (idp ?? undefined);
      return { ...rest, settings, ...(next ? { idp: next } : {}) };
    });
  }

  async setTenantStatus(name: string, status: TenantStatus): Promise<Tenant> {
    return this.updateTenant(name, { status });
  }

  private async issue(tx: Parameters<Parameters<Store['transaction']>[0]>[0], client: ScimClient, token: string, expiresInMs?: number): Promise<TokenRecord> {
    const now = this.now();
    const record: TokenRecord = {
      id: randomUUID(),
      tenantId: client.tenantId,
      clientId: client.id,
      hash: hashToken(token),
      prefix: displayPrefix(token),
      createdAt: now.toISOString(),
      ...(expiresInMs !== undefined ? { expiresAt: new Date(now.getTime() + expiresInMs).toISOString() } : {}),
    };
    await tx.createToken(record);
    return record;
  }

  /**
   * Creates a SCIM client and its first token. `token` lets an operator choose the secret
   * (SCIMD_BOOTSTRAP_TOKEN); otherwise 256 random bits are minted.
   */
  async createClient(tenantName: string, clientName: string, opts: { expiresInMs?: number; token?: string; idp?: string } = {}): Promise<IssuedToken> {
    if (opts.idp !== undefined) this.validate(() => checkClientSetting('idp', opts.idp!));
    if (!CLIENT_NAME.test(clientName)) {
      throw new AdminError('invalid', `Client name '${clientName}' is not valid: use 1–63 letters, digits, '.', '-' or '_'`);
    }
    const tenant = await this.tenant(tenantName);
    const token = opts.token ?? mintToken();
    return this.store.transaction(async (tx) => {
      const existing = await tx.clientByName(tenant.id, clientName);
      if (existing) {
        throw new AdminError('exists', existing.revokedAt ? `Client '${clientName}' was revoked; choose another name` : `Client '${clientName}' already exists in tenant '${tenantName}'; use 'scimd token rotate' for a new token`);
      }
      if (await tx.tokenByHash(hashToken(token))) throw new AdminError('exists', 'That token is already in use');
      const client: ScimClient = { id: randomUUID(), tenantId: tenant.id, name: clientName, createdAt: this.now().toISOString(), settings: {}, ...(opts.idp && opts.idp !== 'auto' ? { idp: opts.idp } : {}) };
      await tx.createClient(client);
      const record = await this.issue(tx, client, token, opts.expiresInMs);
      return { client, token, record };
    });
  }

  async client(tenantName: string, clientName: string): Promise<ScimClient> {
    const tenant = await this.tenant(tenantName);
    const c = await this.store.clientByName(tenant.id, clientName);
    if (!c) throw new AdminError('not_found', `No client named '${clientName}' in tenant '${tenantName}'`);
    return c;
  }

  async listClients(tenantName: string): Promise<(ScimClient & { tokens: TokenRecord[] })[]> {
    const tenant = await this.tenant(tenantName);
    const clients = await this.store.listClients(tenant.id);
    const tokens = await this.store.listTokens({ tenantId: tenant.id });
    return clients.map((c) => ({ ...c, tokens: tokens.filter((t) => t.clientId === c.id) }));
  }

  async revokeClient(tenantName: string, clientName: string): Promise<ScimClient> {
    const c = await this.client(tenantName, clientName);
    const at = this.now().toISOString();
    await this.store.transaction(async (tx) => {
      await tx.revokeClient(c.id, at);
      await tx.revokeTokens(c.id, at);
    });
    return { ...c, revokedAt: c.revokedAt ?? at };
  }

  /** A new token for the client; older tokens stop working after `graceMs` (at once when 0). */
  async rotateToken(tenantName: string, clientName: string, graceMs = 0, expiresInMs?: number): Promise<IssuedToken> {
    const client = await this.client(tenantName, clientName);
    if (client.revokedAt) throw new AdminError('revoked', `Client '${clientName}' is revoked`);
    const token = mintToken();
    return this.store.transaction(async (tx) => {
      const record = await this.issue(tx, client, token, expiresInMs);
      const cutoff = new Date(this.now().getTime() + graceMs).toISOString();
      await tx.expireTokens(client.id, cutoff, record.id);
      return { client, token, record };
    });
  }

  async listTokens(tenantName?: string, clientName?: string): Promise<(TokenRecord & { tenant: string; client: string })[]> {
    const tenants = tenantName ? [await this.tenant(tenantName)] : await this.store.listTenants();
    const out: (TokenRecord & { tenant: string; client: string })[] = [];
    for (const t of tenants) {
      const clients = await this.store.listClients(t.id);
      const wanted = clientName ? clients.filter((c) => c.name === clientName) : clients;
      if (clientName && wanted.length === 0) throw new AdminError('not_found', `No client named '${clientName}' in tenant '${t.name}'`);
      for (const c of wanted) {
        for (const tok of await this.store.listTokens({ clientId: c.id })) out.push({ ...tok, tenant: t.name, client: c.name });
      }
    }
    return out;
  }
}

/** Settings with changes applied: a value of null or 'default' removes the key (named by `keyOf`). */
function withChanges(current: Readonly<Record<string, string>>, changes: Readonly<Record<string, string | null>>, keyOf: (key: string) => string): Record<string, string> {
  const settings = { ...current };
  for (const [key, raw] of Object.entries(changes)) {
    const value = raw ?? 'default';
    if (value === 'default') delete settings[keyOf(key)];
    else settings[keyOf(key)] = value;
  }
  return settings;
}
