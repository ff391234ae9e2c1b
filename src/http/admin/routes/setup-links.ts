/** /tenants/{tenant}/setup-links: expiring self-service links for a customer's IT admin to connect their IdP. */
import type { FastifyInstance } from 'fastify';
import { parseDuration } from '../../../provisioning/tenants/duration.ts';
import { originOf, tenantOf } from '../context.ts';
import type { AdminDeps } from '../plugin.ts';
import { Problem } from '../problem.ts';
import { ERRORS, params } from '../schemas.ts';

export const ADMIN_LISTENER_NEEDS_PUBLIC_URL =
  "This admin API has a listener of its own (--admin-port), which serves no setup page, and scimd was started without --public-url: a link built from this request would point at the admin listener. Start scimd with --public-url (SCIMD_PUBLIC_URL) set to the address the tenant's IT admin reaches scimd at.";

export function setupLinkRoutes(app: FastifyInstance, { services, options }: AdminDeps): void {
  app.post<{ Params: { tenant: string }; Body: { expiresIn?: string } | undefined }>(
    '/tenants/:tenant/setup-links',
    {
      schema: {
        tags: ['setup links'],
        summary: "Create a setup link: a page where the tenant's IT admin picks their IdP, gets a SCIM URL and token, follows the IdP's steps and tests the connection. 409 on the --admin-port listener when no --public-url says where the link points",
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
      // On the admin API's own listener (--admin-port) the request came to that listener, which
      // serves no setup page: a link built from it would point at the wrong place.
      if (options.surface === 'admin' && !options.publicUrl) throw new Problem('conflict', ADMIN_LISTENER_NEEDS_PUBLIC_URL);
      const raw = request.body?.expiresIn;
      const ttl = raw === undefined ? undefined : parseDuration(raw);
      if (raw !== undefined && ttl === undefined) throw new Problem('invalid-request', `expiresIn takes a duration such as 1h, 7d or 30d, not '${raw}'`);
      return reply.code(201).send(await services.setupLinks.create(t.name, originOf(request, options.publicUrl), ttl));
    },
  );
}
