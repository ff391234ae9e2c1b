/** Bearer-token authentication of SCIM requests (RFC 6750 §2.1). */
import { forbidden, unauthorized } from '../../scim/errors.ts';
import { StoreNotWritable, type AuthStamp, type Directory, type ScimClient, type Tenant, type TokenRecord } from '../../store/types.ts';
import { hashesEqual, hashToken, MAX_TOKEN_LENGTH } from '../tenants/tokens.ts';

/** A SCIM client as the HTTP layer sees it (its name and settings drive the rate limits). */
export type { ScimClient };

export interface AuthContext {
  readonly tenant: Tenant;
  readonly client: ScimClient;
  readonly token: TokenRecord;
}

/** How often `last_used_at` is written for one token: a read must not become a write every time. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * How long a token's looked-up record, client and tenant may be reused. Where the store reports
 * other processes' changes at once (SQLite's data_version; PostgreSQL's NOTIFY while its listening
 * connection is up, with a counter read every second in case one is lost), entries live until the
 * store's stamp changes and `EXACT_TTL_MS` at most: that cap only matters for changes made behind
 * scimd's back (SQL by hand on PostgreSQL). Elsewhere (PostgreSQL while the listener reconnects)
 * they live `SHARED_TTL_MS`, which bounds how late a revocation made on another replica or through
 * the CLI takes effect.
 */
const EXACT_TTL_MS = 60_000;
export const SHARED_TTL_MS = 1_000;
const MAX_CACHED = 10_000;

interface Cached {
  readonly stamp: string;
  readonly until: number;
  readonly record: TokenRecord;
  readonly client: ScimClient | undefined;
  readonly tenant: Tenant | undefined;
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1). */
export function bearer(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)?.[1];
}

export class Authenticator {
  private readonly touched = new Map<string, number>();
  /** Looked-up tokens by hash. Only tokens that exist are kept, so random tokens cannot fill it. */
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly store: Directory & { authStamp?: () => AuthStamp },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Resolves the tenant and client behind an Authorization header. `tenantName` is set on
   * `/t/{tenant}/…` routes, where the token must belong to that tenant.
   */
  async authenticate(header: string | undefined, tenantName?: string): Promise<AuthContext> {
    const token = bearer(header);
    if (token === undefined) throw unauthorized('Authentication required: send "Authorization: Bearer <token>"');
    if (token.length > MAX_TOKEN_LENGTH) throw unauthorized('The bearer token is not valid');
    const hash = hashToken(token);
    const now = this.now();
    const { record, client, tenant } = await this.lookup(hash, now.getTime());
    // The lookup is by hash, so timing reveals nothing about the token; the comparison is the usual belt and braces.
    if (!record || !hashesEqual(record.hash, hash)) throw unauthorized('The bearer token is not valid');
    // Revocation, expiry and tenant state are checked on every request, cached or not.
    if (record.revokedAt) throw unauthorized('The bearer token has been revoked');
    if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()) throw unauthorized('The bearer token has expired');
    if (!client || client.revokedAt) throw unauthorized('The SCIM client of this token has been revoked');
    if (!tenant) throw unauthorized('The bearer token is not valid');
    if (tenantName !== undefined && tenant.name !== tenantName) throw unauthorized('The bearer token is not valid for this tenant');
    if (tenant.status !== 'active') throw forbidden(`Tenant '${tenant.name}' is disabled`);
    // Appsemble's "Enable SCIM": the tenant and its data stay, SCIM requests are refused.
    if (tenant.settings['scim.enabled'] === 'false') throw forbidden(`SCIM is disabled for tenant '${tenant.name}' (scim.enabled = false); its data is kept`);
    this.touch(record.id, now);
    return { tenant, client, token: record };
  }

  /**
   * Whether the header's token is one a lookup found recently (valid then, or revoked or expired
   * since): not a guess. Whether it is valid now, authenticate() says.
   */
  recognises(header: string | undefined): boolean {
    const token = bearer(header);
    return token !== undefined && token.length <= MAX_TOKEN_LENGTH && this.cache.has(hashToken(token));
  }

  /** The token, its client and its tenant: from the cache while the store says nothing changed, else from the store. */
  private async lookup(hash: string, now: number): Promise<{ record?: TokenRecord; client?: ScimClient; tenant?: Tenant }> {
    const stamp = this.store.authStamp?.();
    const hit = this.cache.get(hash);
    if (stamp && hit && hit.stamp === stamp.stamp && now < hit.until) return hit;
    const record = await this.store.tokenByHash(hash);
    if (!record) return {};
    const [client, tenant] = await Promise.all([this.store.clientById(record.clientId), this.store.tenantById(record.tenantId)]);
    if (stamp) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      // Stamped before the lookup: a change committed meanwhile moves the stamp, so this entry is not reused.
      this.cache.set(hash, { stamp: stamp.stamp, until: now + (stamp.crossProcess ? EXACT_TTL_MS : SHARED_TTL_MS), record, client, tenant });
    }
    return { record, client, tenant };
  }

  private touch(tokenId: string, now: Date): void {
    const last = this.touched.get(tokenId) ?? 0;
    if (now.getTime() - last < TOUCH_INTERVAL_MS) return;
    this.touched.set(tokenId, now.getTime());
    if (this.touched.size > 10_000) this.touched.clear();
    // Bookkeeping only: a failure here must never fail the request. A database that cannot be
    // written (read-only, full disk) is tried again after the interval, not on the next request.
    this.store.touchToken(tokenId, now.toISOString()).catch((e: unknown) => {
      if (!(e instanceof StoreNotWritable)) this.touched.delete(tokenId);
    });
  }
}
