/**
 * Setup links: an operator (or the host app) creates an expiring link for one tenant and sends it
 * to the customer's IT admin. Its page lets them choose their IdP, mints a client pinned to it
 * (with a token shown once), and watches that client's first requests arrive in the request log.
 * A link reaches its own tenant and the clients it minted, nothing else. Only the hash of its token
 * is stored (256 random bits, like SCIM tokens).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { RequestLogEntry, Store } from '../../store/types.ts';
import type { RequestLog } from '../background/request-log.ts';
import { AdminError, type AdminService } from '../tenants/directory-admin.ts';
import { hashToken } from '../tenants/tokens.ts';

export const DEFAULT_SETUP_LINK_TTL_MS = 7 * 86_400_000;
/** The URL path of the pages behind setup links (the logs redact what follows it). */
export const SETUP_PATH = 'setup';

/** What the IT admin may choose, and the IdP profile the client is pinned to (auto: recognised from its requests). */
export const SETUP_IDPS: Readonly<Record<string, string | null>> = {
  entra: 'entra',
  okta: 'okta',
  google: null,
  onelogin: 'onelogin',
  jumpcloud: 'jumpcloud',
  pingone: 'pingone',
  authentik: 'authentik',
  keycloak: 'keycloak',
  other: 'auto',
};

export interface IssuedSetupLink {
  readonly url: string;
  readonly expiresAt: string;
}

export type SetupLinkState =
  | { readonly state: 'unknown' | 'expired' }
  | { readonly state: 'valid'; readonly tenant: string; readonly tenantId: string; readonly linkId: string; readonly expiresAt: string; readonly clientId?: string };

export interface SetupRequest {
  readonly id: number;
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ok: boolean;
  readonly detail: string | null;
  readonly hint: string | null;
  readonly notes: readonly string[];
}

/** What to do about a refused request, by its status (and, for a 401, by what the answer said). */
function hintFor(status: number, scimType: string | undefined, detail: string | null): string | null {
  if (status < 400) return null;
  if (status === 401) {
    if (detail?.startsWith('Authentication required')) return 'No token arrived: the token was not pasted. Paste the token shown on this page into the IdP (the secret token field), and save.';
    if (detail?.includes('for this tenant')) return 'That token is of another tenant: use the SCIM URL and the token shown on this page together.';
    if (detail?.includes('revoked') || detail?.includes('expired')) return `${detail}: paste the token shown on this page (or choose your IdP again on this page for a new one), and save.`;
    return 'The token is wrong: it is not the one shown on this page, or only part of it was pasted. Paste the token shown on this page again, in full, and save.';
  }
  if (status === 403) return 'The tenant is disabled or the request is not allowed: ask the operator who sent you this link.';
  if (status === 409 || scimType === 'uniqueness') return 'A user or group with that name exists already: check the attribute mapping of userName (it must be unique), or match users on it.';
  if (status === 415) return 'Send the body as application/scim+json (or application/json).';
  if (status === 429) return 'Too many requests at once: the IdP retries on its own.';
  if (status >= 500) return 'The server could not handle it now: the IdP retries on its own; if it lasts, tell the operator who sent you this link.';
  if (status === 404) return 'Not found: a resource the IdP remembers is gone here. Restart provisioning (or re-provision the user) in the IdP.';
  return 'Check the attribute mappings in the IdP against the detail above (required: userName).';
}

function detailOf(body: string | undefined): string | null {
  if (!body) return null;
  try {
    const d = (JSON.parse(body) as { detail?: unknown }).detail;
    return typeof d === 'string' ? d.slice(0, 500) : null;
  } catch {
    return null;
  }
}

export class SetupLinkService {
  constructor(
    private readonly store: Store,
    private readonly admin: AdminService,
    private readonly requestLog: RequestLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates a link to the tenant's setup page at `origin` (scheme://host[:port]). */
  async create(tenantName: string, origin: string, ttlMs = DEFAULT_SETUP_LINK_TTL_MS): Promise<IssuedSetupLink> {
    if (!(ttlMs > 0) || ttlMs > 90 * 86_400_000) throw new AdminError('invalid', 'A setup link expires within 90 days: use a duration such as 1h, 7d or 30d');
    const tenant = await this.admin.tenant(tenantName);
    const token = randomBytes(32).toString('base64url');
    const at = this.now();
    const expiresAt = new Date(at.getTime() + ttlMs).toISOString();
    await this.store.createSetupLink({ id: randomUUID(), hash: hashToken(token), tenantId: tenant.id, createdAt: at.toISOString(), expiresAt });
    return { url: `${origin.replace(/\/+$/, '')}/${SETUP_PATH}/${token}`, expiresAt };
  }

  async inspect(token: string): Promise<SetupLinkState> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { state: 'unknown' };
    const link = await this.store.setupLinkByHash(hashToken(token));
    if (!link) return { state: 'unknown' };
    if (Date.parse(link.expiresAt) <= this.now().getTime()) return { state: 'expired' };
    const tenant = await this.store.tenantById(link.tenantId);
    if (!tenant) return { state: 'unknown' };
    return { state: 'valid', tenant: tenant.name, tenantId: tenant.id, linkId: link.id, expiresAt: link.expiresAt, ...(link.clientId ? { clientId: link.clientId } : {}) };
  }

  /** Mints a client pinned to the chosen IdP, with its first token; the link then watches it. */
  async mintClient(link: Extract<SetupLinkState, { state: 'valid' }>, idp: string) {
    if (!(idp in SETUP_IDPS)) throw new AdminError('invalid', `Unknown IdP '${idp}': choose one of ${Object.keys(SETUP_IDPS).join(', ')}`);
    const profile = SETUP_IDPS[idp];
    if (!profile) throw new AdminError('invalid', 'Google Workspace does not provision users to other applications over SCIM: it is not supported.');
    const name = `${idp}-${randomBytes(3).toString('hex')}`;
    const issued = await this.admin.createClient(link.tenant, name, { idp: profile });
    await this.store.setSetupLinkClient(link.linkId, issued.client.id);
    return { client: name, token: issued.token, idp };
  }

  /**
   * The requests after entry `afterId`, oldest first (at most 50): those the link's client sent,
   * and those refused at the tenant's SCIM URL for want of a valid token (401: no token, a wrong
   * one, another tenant's) since that client was minted — an IdP whose token was not pasted, or
   * pasted wrong, is seen trying.
   */
  async requests(link: Extract<SetupLinkState, { state: 'valid' }>, afterId: number): Promise<SetupRequest[]> {
    if (!link.clientId) return [];
    const client = await this.store.clientById(link.clientId);
    await this.requestLog.flush();
    const [own, refused] = await Promise.all([
      this.requestLog.entries({ tenantId: link.tenantId, clientId: link.clientId, afterId, limit: 50 }),
      client
        ? this.requestLog.entries({ unauthenticated: true, minStatus: 401, maxStatus: 401, pathContains: `/t/${encodeURIComponent(link.tenant)}/scim/v2`, since: client.createdAt, afterId, limit: 50 })
        : [],
    ]);
    const entries = [...own, ...refused].sort((a, b) => (a.id ?? 0) - (b.id ?? 0)).slice(-50);
    const out: SetupRequest[] = [];
    for (const e of entries) {
      const full: RequestLogEntry | undefined = e.status >= 400 && e.id !== undefined ? await this.requestLog.entry(e.id) : undefined;
      const detail = detailOf(full?.responseBody);
      out.push({ id: e.id ?? 0, at: e.at, method: e.method, path: e.path, status: e.status, ok: e.status < 400, detail, hint: hintFor(e.status, e.scimType, detail), notes: e.notes });
    }
    return out;
  }
}
