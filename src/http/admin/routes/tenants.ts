/** /tenants: create, list, show with counts and settings, enable/disable, change settings. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TenantStatus } from '../../../provisioning/tenants/directory-admin.ts';
import { originOf, principalOf, requireGlobal, tenantOf } from '../context.ts';
import type { AdminDeps } from '../plugin.ts';
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

  app.get('/tenants', { schema: { tags, summary: 'List tenants (a key limited to one tenant sees only it)', operationId: 'listTenants', response: { 200: arrayOf('Tenant'), ...ERRORS } } }, async (request) => {
    const scope = principalOf(request).tenant;
    const all = await services.admin.listTenants();
    return scope ? all.filter((t) => t.id === scope.id) : all;
  });

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
