/**
 * /tenants/{tenant}/users and /groups: the host application's read of its directory, with SCIM
 * filters, sorting, paging and projection, answered as SCIM answers (ListResponse, resources with
 * meta), without being an IdP: no normalisers, no request-log entry.
 */
import type { FastifyInstance } from 'fastify';
import { listRequestFromQuery } from '../../../scim/list.ts';
import type { ResourceTypeName } from '../../../scim/schema/types.ts';
import { listLimitsOf, projectionOf } from '../../list-limits.ts';
import { originOf, tenantOf } from '../context.ts';
import type { AdminDeps } from '../plugin.ts';
import { ERRORS, params, ref } from '../schemas.ts';

const PROJECTION = {
  attributes: { type: 'string', maxLength: 4096, description: 'comma-separated attribute paths to return (RFC 7644 §3.9)' },
  excludedAttributes: { type: 'string', maxLength: 4096, description: 'comma-separated attribute paths to leave out' },
} as const;

const LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    filter: { type: 'string', maxLength: 16384, description: 'a SCIM filter (RFC 7644 §3.4.2.2), e.g. userName eq "bjensen"' },
    startIndex: { type: 'string', pattern: '^[0-9]{1,10}$', description: '1-based index of the first result' },
    count: { type: 'string', pattern: '^[0-9]{1,10}$', description: 'page size (capped at the server maximum)' },
    sortBy: { type: 'string', maxLength: 512 },
    sortOrder: { type: 'string', enum: ['ascending', 'descending'] },
    ...PROJECTION,
  },
} as const;

const ONE_QUERY = { type: 'object', additionalProperties: false, properties: PROJECTION } as const;

export function directoryRoutes(app: FastifyInstance, { services, options }: AdminDeps): void {
  const limits = listLimitsOf(options);
  for (const [path, type] of [
    ['users', 'User'],
    ['groups', 'Group'],
  ] as [string, ResourceTypeName][]) {
    const tags = [path];
    app.get<{ Params: { tenant: string }; Querystring: Record<string, string> }>(
      `/tenants/:tenant/${path}`,
      {
        schema: { tags, summary: `Search the tenant's ${path} (a SCIM ListResponse)`, operationId: `list${type}s`, params: params('tenant'), querystring: LIST_QUERY, response: { 200: ref('ListResponse'), ...ERRORS } },
      },
      async (request) => {
        const tenant = await tenantOf(services, request, request.params.tenant);
        return services.directory.list({ tenant, origin: originOf(request, options.publicUrl), requestId: request.id }, type, listRequestFromQuery(request.query, limits));
      },
    );
    app.get<{ Params: { tenant: string; id: string }; Querystring: Record<string, string> }>(
      `/tenants/:tenant/${path}/:id`,
      { schema: { tags, summary: `One ${type} as SCIM serves it`, operationId: `get${type}`, params: params('tenant', 'id'), querystring: ONE_QUERY, response: { 200: ref('ScimResource'), ...ERRORS } } },
      async (request, reply) => {
        const tenant = await tenantOf(services, request, request.params.tenant);
        const rep = await services.directory.get({ tenant, origin: originOf(request, options.publicUrl), requestId: request.id }, type, request.params.id, projectionOf(request.query, limits));
        return reply.header('etag', rep.etag).send(rep.resource);
      },
    );
  }
}
