/** /tenants: create, list, show with counts and settings, enable/disable, change settings. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TenantStatus } from '../../../provisioning/tenants/directory-admin.ts';
import { originOf, principalOf, requireGlobal, tenantOf } from '../context.ts';
import type { AdminDeps } from '../plugin.ts';
import { Problem } from '../problem.ts';
import { arrayOf, ERRORS, ref, TENANT_PARAMS } from '../schemas.ts';

const tags = ['tenants'];
type Params = { tenant: string };
/** A setting's new value; null (or "default") returns it to its default. */
const SETTINGS_CHANGE = { type: 'object', additionalProperties: { type: ['string', 'null'], maxLength: 200 }, description: 'setting key → value; null or "default" restores the default' } as const;

export function tenantRoutes(app: FastifyInstance, { services, options }: AdminDeps): void {
  const details = async (request: FastifyRequest, name: string) => ({
    ...(await services.admin.details(name)),
    scimEndpoint: `${originOf(request, options.publicUrl)}/t/${encodeURIComponent(name)}/scim/v2`,
  });

  app.get<{ Querystring: { limit?: number; after?: string; before?: string } }>(
    '/tenants',
    {
      schema: {
        tags,
        summary:
          'List tenants in name order, a page at a time: after=<the last name of a page> for the next, before=<its first name> for the previous; a Link header (rel="next" or "prev") says when there is more that way. A key limited to one tenant sees only it',
        operationId: 'listTenants',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            after: { type: 'string', maxLength: 63, description: 'only tenants whose name sorts after this one' },
            before: { type: 'string', maxLength: 63, description: 'the tenants just before this name' },
          },
        },
        response: { 200: arrayOf('Tenant'), ...ERRORS },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      const scope = principalOf(request).tenant;
      if (scope) {
        if (q.after !== undefined && q.before !== undefined) throw new Problem('invalid-request', 'Give after or before, not both');
        const inRange = (q.after === undefined || scope.name > q.after) && (q.before === undefined || scope.name < q.before);
        return inRange ? [await services.admin.tenant(scope.name)] : [];
      }
      const page = await services.admin.tenantPage({ limit, ...(q.after !== undefined ? { after: q.after } : {}), ...(q.before !== undefined ? { before: q.before } : {}) });
      const edge = q.before !== undefined ? page.tenants[0] : page.tenants[page.tenants.length - 1];
      if (page.more && edge) {
        const rel = q.before !== undefined ? 'prev' : 'next';
        const path = (request.url.split('?')[0] ?? '/admin/v1/tenants').replace(/\/+$/, '');
        reply.header('link', `<${path}?limit=${limit}&${q.before !== undefined ? 'before' : 'after'}=${encodeURIComponent(edge.name)}>; rel="${rel}"`);
      }
      return page.tenants;
    },
  );

  app.post<{ Body: { name: string; settings?: Record<string, string | null> } }>(
    '/tenants',
    {
      schema: {
        tags,
        summary: 'Create a tenant',
        operationId: 'createTenant',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: { name: { type: 'string', maxLength: 63, description: "1–63 lower-case letters, digits, '-' or '_'" }, settings: SETTINGS_CHANGE },
        },
        response: { 201: ref('TenantDetails'), ...ERRORS },
      },
    },
    async (request, reply) => {
      requireGlobal(request, 'creating tenants');
      const { name, settings } = request.body;
      // The settings are checked before the tenant exists, so a refused one creates nothing.
      if (settings) services.admin.checkTenantSettings(settings);
      await services.admin.createTenant(name);
      if (settings) await services.admin.updateTenant(name, { settings });
      return reply.code(201).header('location', `${request.url.replace(/\/+$/, '')}/${encodeURIComponent(name)}`).send(await details(request, name));
    },
  );

  app.get<{ Params: Params }>(
    '/tenants/:tenant',
    { schema: { tags, summary: 'A tenant with its counts of users, groups and clients, and every setting with its default and allowed values', operationId: 'getTenant', params: TENANT_PARAMS, response: { 200: ref('TenantDetails'), ...ERRORS } } },
    async (request) => {
      const t = await tenantOf(services, request, request.params.tenant);
      return details(request, t.name);
    },
  );

  app.patch<{ Params: Params; Body: { status?: TenantStatus; settings?: Record<string, string | null> } }>(
    '/tenants/:tenant',
    {
      schema: {
        tags,
        summary: 'Enable or disable a tenant, change its settings (all checked before any is applied)',
        operationId: 'updateTenant',
        params: TENANT_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { status: { type: 'string', enum: ['active', 'disabled'], description: 'disabled: every SCIM request of the tenant gets 403; nothing is deleted' }, settings: SETTINGS_CHANGE },
        },
        response: { 200: ref('TenantDetails'), ...ERRORS },
      },
    },
    async (request) => {
      const t = await tenantOf(services, request, request.params.tenant);
      await services.admin.updateTenant(t.name, request.body);
      return details(request, t.name);
    },
  );
}
