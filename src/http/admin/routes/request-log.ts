/** /requests: the provisioning request log (what each IdP sent and what it was answered), bodies redacted. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { statusRange, type RequestLogEntry } from '../../../provisioning/background/request-log.ts';
import { principalOf, tenantOf } from '../context.ts';
import type { AdminDeps } from '../plugin.ts';
import { Problem } from '../problem.ts';
import { arrayOf, ERRORS, ref } from '../schemas.ts';

const tags = ['request log'];
const ISO = { type: 'string', maxLength: 40, description: 'an ISO 8601 time, e.g. 2026-12-06T10:00:00Z' } as const;

function statusFilter(raw: string | undefined): { minStatus?: number; maxStatus?: number } {
  if (raw === undefined) return {};
  const range = statusRange(raw);
  if (!range) throw new Problem('invalid-request', `status takes 4xx, 404 or 400-499, not '${raw}'`);
  return range;
}

function time(raw: string | undefined, field: string): string | undefined {
  if (raw === undefined) return undefined;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new Problem('invalid-request', `${field} takes an ISO 8601 time such as 2026-12-06T10:00:00Z, not '${raw}'`);
  return new Date(t).toISOString();
}

/** Listings leave the bodies out; one entry has them. */
const summary = ({ requestBody: _q, normalisedBody: _n, responseBody: _r, tenantId: _t, clientId: _c, ...e }: RequestLogEntry) => e;

type Query = { tenant?: string; client?: string; method?: string; status?: string; since?: string; until?: string; before?: string; after?: string; limit?: number };

export function requestLogRoutes(app: FastifyInstance, { services }: AdminDeps): void {
  /** The tenant the listing is limited to: the key's own, or the one asked for. */
  const tenantFilter = async (request: FastifyRequest, name: string | undefined) => {
    const scope = principalOf(request).tenant;
    if (name !== undefined) return tenantOf(services, request, name);
    return scope;
  };

  app.get<{ Querystring: Query }>(
    '/requests',
    {
      schema: {
        tags,
        summary: 'SCIM requests, newest first, without bodies (page with before=<id of the last one>)',
        operationId: 'listRequests',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            tenant: { type: 'string', maxLength: 63 },
            client: { type: 'string', maxLength: 63, description: 'a client name (with tenant)' },
            method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], description: 'only requests of this method' },
            status: { type: 'string', maxLength: 7, description: '4xx, 404 or 400-499' },
            since: ISO,
            until: ISO,
            before: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'only entries with a smaller id' },
            after: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'only entries with a larger id' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 200: arrayOf('RequestLogEntry'), ...ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const tenant = await tenantFilter(request, q.tenant);
      if (q.client !== undefined && !q.tenant) throw new Problem('invalid-request', 'client needs tenant (client names are per tenant)');
      const client = q.client !== undefined && tenant ? await services.admin.client(tenant.name, q.client) : undefined;
      const since = time(q.since, 'since');
      const until = time(q.until, 'until');
      const entries = await services.requestLog.entries({
        ...statusFilter(q.status),
        ...(tenant ? { tenantId: tenant.id } : {}),
        ...(client ? { clientId: client.id } : {}),
        ...(q.method ? { method: q.method } : {}),
        ...(since ? { since } : {}),
        ...(until ? { until } : {}),
        ...(q.before ? { beforeId: Number(q.before) } : {}),
        ...(q.after ? { afterId: Number(q.after) } : {}),
        limit: q.limit ?? 100,
      });
      return entries.map(summary);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/requests/:id',
    {
      schema: {
        tags,
        summary: 'One SCIM request with its request and response bodies, and the request body as the normalisers left it when they changed it (passwords and tokens redacted)',
        operationId: 'getRequest',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } } },
        response: { 200: ref('RequestLogEntry'), ...ERRORS },
      },
    },
    async (request) => {
      const e = await services.requestLog.entry(Number(request.params.id));
      const scope = principalOf(request).tenant;
      // A key limited to one tenant sees nothing of other tenants' requests, nor of unauthenticated ones.
      if (!e || (scope && e.tenantId !== scope.id)) throw new Problem('not-found', `No request-log entry #${request.params.id}`);
      const { tenantId: _t, clientId: _c, ...rest } = e;
      return rest;
    },
  );
}
