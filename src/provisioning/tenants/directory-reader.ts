/**
 * The host application's view of a tenant's directory through the admin API: the same searches,
 * paging and projection as SCIM, answered by the same ResourceService, without being an IdP. The
 * session is the exact RFC one (no IdP normalisers) and carries no client.
 */
import type { ListRequest } from '../../scim/list.ts';
import { QuirkRun } from '../../scim/quirks/run.ts';
import type { Json } from '../../scim/schema/validate.ts';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { Tenant } from '../../store/types.ts';
import type { Session } from '../requests/session.ts';
import type { ProjectionRequest, Representation, ResourceService } from '../resources/resource-service.ts';
import type { TenantModels } from './tenant-model.ts';

/** Where the reader's answers point (meta.location): the tenant's SCIM endpoint. */
export interface ReaderRequest {
  readonly tenant: Tenant;
  /** scheme://host[:port] the admin request came to. */
  readonly origin: string;
  readonly requestId: string;
}

export class DirectoryReader {
  constructor(
    private readonly resources: ResourceService,
    private readonly models: TenantModels,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async session(r: ReaderRequest): Promise<Session> {
    return {
      tenantId: r.tenant.id,
      tenantName: r.tenant.name,
      settings: r.tenant.settings,
      clientId: '',
      clientName: '(admin API)',
      clientSettings: {},
      profile: { profile: 'strict', source: 'pinned' },
      model: await this.models.forTenant(r.tenant),
      quirks: new QuirkRun([]),
      notes: [],
      now: this.now,
      baseUrl: `${r.origin}/t/${encodeURIComponent(r.tenant.name)}/scim/v2`,
      origin: r.origin,
      requestId: r.requestId,
    };
  }

  /** A ListResponse of one resource type, as GET /Users?filter=… would answer. */
  async list(r: ReaderRequest, type: ResourceTypeName, req: ListRequest): Promise<Json> {
    return this.resources.search(await this.session(r), [type], req);
  }

  async get(r: ReaderRequest, type: ResourceTypeName, id: string, projection: ProjectionRequest): Promise<Representation> {
    return this.resources.get(await this.session(r), type, id, projection);
  }
}
