/** /tenants/{tenant}/clients: SCIM clients (one per IdP connection) and their tokens. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseDuration } from '../../../provisioning/tenants/duration.ts';
import type { IssuedToken } from '../../../provisioning/tenants/directory-admin.ts';
import { IDP_PROFILES } from '../../../scim/quirks/types.ts';
import { clientHealth } from '../../../provisioning/background/client-health.ts';
import { originOf, tenantOf } from '../context.ts';
import type { AdminDeps } from '../plugin.ts';
import { Problem } from '../problem.ts';
import { arrayOf, ERRORS, params, ref } from '../schemas.ts';

const tags = ['clients'];
type Params = { tenant: string; client: string };
const DURATION = { type: 'string', maxLength: 20, description: 'a duration: 30m, 1h, 7d, 90d …' } as const;
const IDP = { type: 'string', enum: [...IDP_PROFILES, 'auto'], description: 'pin the IdP profile, or auto: recognise it from its requests' } as const;

function duration(raw: string | undefined, field: string): number | undefined {
  if (raw === undefined) return undefined;
  const ms = parseDuration(raw);
  if (ms === undefined) throw new Problem('invalid-request', `${field} takes a duration such as 30m, 1h, 7d or 90d, not '${raw}'`);
  return ms;
}

export function clientRoutes(app: FastifyInstance, { services, options }: AdminDeps): void {
  const issued = (request: FastifyRequest, tenant: string, i: IssuedToken) => ({
    tenant,
    client: i.client.name,
    token: i.token,
    tokenId: i.record.id,
    expiresAt: i.record.expiresAt ?? null,
    scimEndpoint: `${originOf(request, options.publicUrl)}/t/${encodeURIComponent(tenant)}/scim/v2`,
  });

  app.get<{ Params: { tenant: string } }>(
    '/tenants/:tenant/clients',
    { schema: { tags, summary: "A tenant's SCIM clients: IdP profile and why, normalisers in force, tokens", operationId: 'listClients', params: params('tenant'), response: { 200: arrayOf('Client'), ...ERRORS } } },
    async (request) => services.admin.clientViews((await tenantOf(services, request, request.params.tenant)).name),
  );

  app.post<{ Params: { tenant: string }; Body: { name: string; idp?: string; expiresIn?: string } }>(
    '/tenants/:tenant/clients',
    {
      schema: {
        tags,
        summary: 'Create a SCIM client and its first token (shown in this answer only)',
        operationId: 'createClient',
        params: params('tenant'),
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: { name: { type: 'string', maxLength: 63, description: "e.g. entra-prod: letters, digits, '.', '-' or '_'" }, idp: IDP, expiresIn: DURATION },
        },
        response: { 201: ref('IssuedToken'), ...ERRORS },
      },
    },
    async (request, reply) => {
      const t = await tenantOf(services, request, request.params.tenant);
      const expiresInMs = duration(request.body.expiresIn, 'expiresIn');
      const i = await services.admin.createClient(t.name, request.body.name, { ...(expiresInMs !== undefined ? { expiresInMs } : {}), ...(request.body.idp ? { idp: request.body.idp } : {}) });
      return reply.code(201).header('location', `${request.url.replace(/\/+$/, '')}/${encodeURIComponent(i.client.name)}`).send(issued(request, t.name, i));
    },
  );

  app.get<{ Params: Params }>(
    '/tenants/:tenant/clients/:client',
    { schema: { tags, summary: 'One SCIM client', operationId: 'getClient', params: params('tenant', 'client'), response: { 200: ref('Client'), ...ERRORS } } },
    async (request) => services.admin.clientView((await tenantOf(services, request, request.params.tenant)).name, request.params.client),
  );

  app.patch<{ Params: Params; Body: { idp?: string; settings?: Record<string, string | null> } }>(
    '/tenants/:tenant/clients/:client',
    {
      schema: {
        tags,
        summary: "Change a client's IdP profile, normaliser switches (normaliser.<name>: on|off|default), rate limit (rateLimit, rateLimit.burst) and other settings",
        operationId: 'updateClient',
        params: params('tenant', 'client'),
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { idp: IDP, settings: { type: 'object', additionalProperties: { type: ['string', 'null'], maxLength: 200 }, description: 'setting key → value; null or "default" restores the default' } },
        },
        response: { 200: ref('Client'), ...ERRORS },
      },
    },
    async (request) => {
      const t = await tenantOf(services, request, request.params.tenant);
      await services.admin.updateClient(t.name, request.params.client, request.body);
      return services.admin.clientView(t.name, request.params.client);
    },
  );

  app.delete<{ Params: Params }>(
    '/tenants/:tenant/clients/:client',
    { schema: { tags, summary: 'Revoke a SCIM client and every token it has (the data it provisioned stays)', operationId: 'revokeClient', params: params('tenant', 'client'), response: { 200: ref('Client'), ...ERRORS } } },
    async (request) => {
      const t = await tenantOf(services, request, request.params.tenant);
      await services.admin.revokeClient(t.name, request.params.client);
      return services.admin.clientView(t.name, request.params.client);
    },
  );

  const COUNTS = { type: 'object', required: ['requests', 'errors'], properties: { requests: { type: 'integer' }, errors: { type: 'integer' } } } as const;
  app.get<{ Params: Params }>(
    '/tenants/:tenant/clients/:client/health',
    {
      schema: {
        tags,
        summary: "A client's connection health from the request log: last request, requests and errors in the last hour and day, most common error with its detail, normalisers that fired",
        operationId: 'getClientHealth',
        params: params('tenant', 'client'),
        response: {
          200: {
            type: 'object',
            required: ['lastRequest', 'lastHour', 'lastDay', 'commonError', 'normalisers', 'truncated'],
            properties: {
              lastRequest: { anyOf: [{ type: 'null' }, { type: 'object', properties: { at: { type: 'string' }, method: { type: 'string' }, path: { type: 'string' }, status: { type: 'integer' } } }] },
              lastHour: COUNTS,
              lastDay: COUNTS,
              commonError: {
                anyOf: [{ type: 'null' }, { type: 'object', properties: { status: { type: 'integer' }, scimType: { type: ['string', 'null'] }, count: { type: 'integer' }, detail: { type: ['string', 'null'] } } }],
              },
              normalisers: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, count: { type: 'integer' } } } },
              truncated: { type: 'boolean', description: 'more than 5000 requests in the day: the counts are lower bounds' },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const t = await tenantOf(services, request, request.params.tenant);
      const c = await services.admin.client(t.name, request.params.client);
      return clientHealth(services.requestLog, t.id, c.id, new Date());
    },
  );

  app.get<{ Params: Params }>(
    '/tenants/:tenant/clients/:client/tokens',
    { schema: { tags, summary: "A client's tokens (never their secrets)", operationId: 'listTokens', params: params('tenant', 'client'), response: { 200: arrayOf('Token'), ...ERRORS } } },
    async (request) => (await services.admin.clientView((await tenantOf(services, request, request.params.tenant)).name, request.params.client)).tokens,
  );

  app.post<{ Params: Params; Body: { grace?: string; expiresIn?: string } }>(
    '/tenants/:tenant/clients/:client/tokens',
    {
      schema: {
        tags,
        summary: 'Rotate: a new token (shown in this answer only); older tokens keep working for the grace period (default 0: they stop at once)',
        operationId: 'rotateToken',
        params: params('tenant', 'client'),
        body: { type: 'object', additionalProperties: false, properties: { grace: DURATION, expiresIn: DURATION } },
        response: { 201: ref('IssuedToken'), ...ERRORS },
      },
    },
    async (request, reply) => {
      const t = await tenantOf(services, request, request.params.tenant);
      const body = request.body ?? {};
      const i = await services.admin.rotateToken(t.name, request.params.client, duration(body.grace, 'grace') ?? 0, duration(body.expiresIn, 'expiresIn'));
      return reply.code(201).send(issued(request, t.name, i));
    },
  );
}
