/** Bearer-token authentication of SCIM requests (RFC 6750 §2.1). */
import { forbidden, unauthorized } from '../../scim/errors.ts';
import { type AuthStamp, type Directory, type ScimClient, type Tenant, type TokenRecord } from '../../store/types.ts';
import { timingSafeEqual } from 'node:crypto';
import { hashToken, MAX_TOKEN_LENGTH } from '../tenants/tokens.ts';
import { SHARED_TTL_MS, StampedCache, TouchThrottle } from './credential-cache.ts';

/** A SCIM client as the HTTP layer sees it (its name and settings drive the rate limits). */
export type { ScimClient };

export interface AuthContext {
  readonly tenant: Tenant;
  readonly client: ScimClient;
  readonly token: TokenRecord;
}

export { SHARED_TTL_MS };

interface Cached {
  readonly record: TokenRecord;
  /** record.hash as bytes, for the comparison of every request. */
  readonly hashBytes: Buffer;
  readonly client: ScimClient | undefined;
  readonly tenant: Tenant | undefined;
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1). */
export function bearer(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)?.[1];
}

interface Hashed {
  readonly token: string;
  /** SHA-256 of the token, hex (what the store keys tokens by), and as bytes. */
  readonly hash: string;
  readonly bytes: Buffer;
}

export class Authenticator {
  private readonly cache = new StampedCache<Cached>(10_000);
  /** Lookups in flight, by stamp and token hash. */
  private readonly pending = new Map<string, Promise<Partial<Cached>>>();
  private readonly touches: TouchThrottle;
  /**
   * The last token hashed, and its hash: a SCIM request asks recognises() and then authenticate()
   * about the same header, back to back, and one SHA-256 per request is enough (a pure function of
   * the token: nothing stored is kept here).
   */
  private last: Hashed | undefined;

  constructor(
    private readonly store: Directory & { authStamp?: () => AuthStamp; authSync?: () => Promise<void> },
    private readonly now: () => Date = () => new Date(),
  ) {
    this.touches = new TouchThrottle((id, at) => store.touchToken(id, at));
  }

  /**
   * Resolves the tenant and client behind an Authorization header. `tenantName` is set on
   * `/t/{tenant}/…` routes, where the token must belong to that tenant.
   */
  async authenticate(header: string | undefined, tenantName?: string): Promise<AuthContext> {
    const token = bearer(header);
    if (token === undefined) throw unauthorized('Authentication required: send "Authorization: Bearer <token>"');
    if (token.length > MAX_TOKEN_LENGTH) throw unauthorized('The bearer token is not valid');
    const { hash, bytes } = this.hashOf(token);
    const now = this.now();
    const { record, hashBytes, client, tenant } = await this.lookup(hash, now.getTime());
    // The lookup is by hash, so timing reveals nothing about the token; the comparison is the usual belt and braces.
    if (!record || !hashBytes || hashBytes.length !== bytes.length || !timingSafeEqual(hashBytes, bytes)) throw unauthorized('The bearer token is not valid');
    // Revocation, expiry and tenant state are checked on every request, cached or not.
    if (record.revokedAt) throw unauthorized('The bearer token has been revoked');
    if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()) throw unauthorized('The bearer token has expired');
    if (!client || client.revokedAt) throw unauthorized('The SCIM client of this token has been revoked');
    if (!tenant) throw unauthorized('The bearer token is not valid');
    if (tenantName !== undefined && tenant.name !== tenantName) throw unauthorized('The bearer token is not valid for this tenant');
    if (tenant.status !== 'active') throw forbidden(`Tenant '${tenant.name}' is disabled`);
    // Appsemble's "Enable SCIM": the tenant and its data stay, SCIM requests are refused.
    if (tenant.settings['scim.enabled'] === 'false') throw forbidden(`SCIM is disabled for tenant '${tenant.name}' (scim.enabled = false); its data is kept`);
    this.touches.touch(record.id, now.getTime());
    return { tenant, client, token: record };
  }

  /**
   * Whether the header's token is one a lookup found recently (valid then, or revoked or expired
   * since): not a guess. Whether it is valid now, authenticate() says.
   */
  recognises(header: string | undefined): boolean {
    const token = bearer(header);
    return token !== undefined && token.length <= MAX_TOKEN_LENGTH && this.cache.has(this.hashOf(token).hash);
  }

  private hashOf(token: string): Hashed {
    const last = this.last;
    if (last !== undefined && last.token === token) return last;
    const hash = hashToken(token);
    return (this.last = { token, hash, bytes: Buffer.from(hash, 'hex') });
  }

  /** The token, its client and its tenant: from the cache while the store says nothing changed, else from the store. */
  private async lookup(hash: string, now: number): Promise<Partial<Cached>> {
    // Another replica's change committed before this request came in moves the stamp first.
    if (this.store.authSync) await this.store.authSync();
    const stamp = this.store.authStamp?.();
    const hit = this.cache.get(hash, stamp, now);
    if (hit) return hit;
    // One lookup per token and stamp at a time: a client's burst on a cold cache (a replica that
    // just started) waits for the first request's lookup instead of repeating it.
    // (A store without a stamp caches nothing: each request looks up for itself.)
    if (!stamp) return this.fetch(hash, stamp, now);
    const key = `${stamp.stamp}\u0000${hash}`;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetch(hash, stamp, now).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async fetch(hash: string, stamp: AuthStamp | undefined, now: number): Promise<Partial<Cached>> {
    const record = await this.store.tokenByHash(hash);
    if (!record) return {};
    const [client, tenant] = await Promise.all([this.store.clientById(record.clientId), this.store.tenantById(record.tenantId)]);
    const found = { record, hashBytes: Buffer.from(record.hash, 'hex'), client, tenant };
    this.cache.set(hash, stamp, now, found);
    return found;
  }
}
