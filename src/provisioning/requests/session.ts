/**
 * The per-request session of a SCIM request: who calls (tenant, client, its IdP profile), what the
 * tenant's surface is (model), how the request is normalised, and where notes, links and the
 * clock come from. Opened once per request, after authentication; every use case takes it as it
 * is, with nothing left to default.
 */
import type { DetectionInput } from '../../scim/quirks/detect.ts';
import { normalisersFor } from '../../scim/quirks/index.ts';
import { QuirkRun } from '../../scim/quirks/run.ts';
import type { Repo, Settings } from '../../store/types.ts';
import type { AuthContext } from './auth.ts';
import { observeClient, profileOf, type ClientProfile } from './idp-profile.ts';
import type { TenantModel, TenantModels } from '../tenants/tenant-model.ts';

export interface Session {
  readonly tenantId: string;
  readonly tenantName: string;
  /** The tenant's settings (identity.match, …). */
  readonly settings: Settings;
  readonly clientId: string;
  readonly clientName: string;
  /** The calling client's settings (name.formattedIncluded, groupPatchResponse, …). */
  readonly clientSettings: Settings;
  /** The client's IdP profile: pinned, recognised (this request included) or the default. */
  readonly profile: ClientProfile;
  /** The tenant's schemas (with its extensions) and role rules. */
  readonly model: TenantModel;
  /** The calling client's IdP normalisers for this request. */
  readonly quirks: QuirkRun;
  /** Where the core notes what it ignored (unknown or read-only input), for the request log. */
  readonly notes: string[];
  /** The clock of this request. */
  readonly now: () => Date;
  /** Base URL of the SCIM endpoint the client called (for meta.location and $ref). */
  readonly baseUrl: string;
  /** scheme://host[:port] for links sent by mail. */
  readonly origin: string;
  /** The id the HTTP layer gave the request (for the request's log lines and recorded changes). */
  readonly requestId: string;
}

/** What the HTTP layer knows of a request when it opens its session. */
export interface SessionRequest {
  readonly auth: AuthContext;
  readonly baseUrl: string;
  readonly origin: string;
  readonly requestId: string;
  /** What the IdP detection looks at (User-Agent, query keys, body). */
  readonly detection: DetectionInput;
  /** Called when the recognised IdP could not be recorded (the request goes on). */
  readonly onObserveError?: (e: unknown) => void;
}

export interface SessionDeps {
  readonly repo: Repo;
  readonly models: TenantModels;
  readonly now: () => Date;
}

export type OpenSession = (request: SessionRequest) => Promise<Session>;

/** Opens sessions: recognises the client's IdP (recording it on the client), and builds its normalisers and the tenant's model. */
export function sessionOpener(deps: SessionDeps): OpenSession {
  return (request) => openSession(deps, request);
}

export async function openSession(deps: SessionDeps, request: SessionRequest): Promise<Session> {
  const { tenant } = request.auth;
  const client = await observeClient(deps.repo, request.auth.client, request.detection, request.onObserveError);
  const profile = profileOf(client);
  return {
    tenantId: tenant.id,
    tenantName: tenant.name,
    settings: tenant.settings,
    clientId: client.id,
    clientName: client.name,
    clientSettings: client.settings,
    profile,
    model: await deps.models.forTenant(tenant),
    quirks: new QuirkRun(normalisersFor(profile.profile, client.settings)),
    notes: [],
    now: deps.now,
    baseUrl: request.baseUrl,
    origin: request.origin,
    requestId: request.requestId,
  };
}
