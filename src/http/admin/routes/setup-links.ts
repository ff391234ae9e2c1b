/** /tenants/{tenant}/setup-links: expiring self-service links for a customer's IT admin to connect their IdP. */
import type { FastifyInstance } from 'fastify';
import { parseDuration } from '../../../provisioning/tenants/duration.ts';
import { originOf, tenantOf } from '../context.ts';
import type { AdminDeps } from '../plugin.ts';
import { Problem } from '../problem.ts';
import { ERRORS, params } from '../schemas.ts';

export function setupLinkRoutes(app: FastifyInstance, { services, options }: AdminDeps): void {
  app.post<{ Params: { tenant: string }; Body: { expiresIn?: string } | undefined }>(
    '/tenants/:tenant/setup-links',
    {
      schema: {
        tags: ['setup links'],
        summary: "Create a setup link: a page where the tenant's IT admin picks their IdP, gets a SCIM URL and token, follows the IdP's steps and tests the connection",
        operationId: 'createSetupLink',
        params: params('tenant'),
        body: { type: 'object', additionalProperties: false, properties: { expiresIn: { type: 'string', maxLength: 20, description: 'how long the link works: 1h, 7d (the default), at most 90d' } } },
        response: {
          201: { type: 'object', required: ['url', 'expiresAt'], properties: { url: { type: 'string', description: 'the link (its token is in this answer only)' }, expiresAt: { type: 'string' } } },
          ...ERRORS,
        },
      },
    },
    async (request, reply) => {
      const t = await tenantOf(services, request, request.params.tenant);
      const raw = request.body?.expiresIn;
      const ttl = raw === undefined ? undefined : parseDuration(raw);
      if (raw !== undefined && ttl === undefined) throw new Problem('invalid-request', `expiresIn takes a duration such as 1h, 7d or 30d, not '${raw}'`);
      return reply.code(201).send(await services.setupLinks.create(t.name, originOf(request, options.publicUrl), ttl));
    },
  );
}
