/**
 * The SCIM protocol endpoints (RFC 7644 §3, §4), mounted at /scim/v2, /scim and /t/{tenant}/scim/v2.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, notFound, notImplemented } from '../../scim/errors.ts';
import { listOf, resourceTypes, schemas, serviceProviderConfig } from '../../scim/discovery.ts';
import { listRequestFromQuery, listRequestFromSearch } from '../../scim/list.ts';
import { listLimitsOf, projectionOf } from '../list-limits.ts';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import { patchAnswer } from '../../provisioning/resources/patch-answer.ts';
import { CURSOR_TIMEOUT_S } from '../../provisioning/resources/cursors.ts';
import { etagMatches, type Representation } from '../../provisioning/resources/resource-service.ts';
import { sendScim, sendScimStream } from '../media.ts';
import type { HttpOptions, Services } from '../services.ts';
import { sessionOf } from './context.ts';
import { header, registerScimHooks } from './hooks.ts';

type Req = FastifyRequest<{ Params: { id?: string; tenant?: string }; Querystring: Record<string, unknown>; Body: unknown }>;

const ENDPOINTS: readonly [string, ResourceTypeName][] = [
  ['Users', 'User'],
  ['Groups', 'Group'],
];

/** Every single-resource answer carries its ETag and Location, as the RFC 7644 examples show. */
function sendRepresentation(reply: FastifyReply, status: number, rep: Representation): FastifyReply {
  reply.header('etag', rep.etag).header('location', rep.location);
  return sendScim(reply, status, rep.resource);
}

export function scimRoutes(services: Services, options: HttpOptions, mount: string) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const { resources } = services;
    const registryOf = (request: Req) => sessionOf(request).model.registry;
    const max = listLimitsOf(options);

    registerScimHooks(app, services, options, mount);

    // Discovery (RFC 7644 §4): filtering is not supported here, and saying so beats ignoring it.
    const noFilter = (request: Req) => {
      if (Object.keys(request.query).some((k) => k.toLowerCase() === 'filter')) throw forbidden('Filtering is not supported on this endpoint');
    };
    app.get('/ServiceProviderConfig', async (request: Req, reply) => {
      const bulk = { maxOperations: options.bulkMaxOperations, maxPayloadSize: options.bodyLimit };
      return sendScim(reply, 200, serviceProviderConfig({ maxResults: options.maxResults, cursorTimeout: CURSOR_TIMEOUT_S, bulk }, sessionOf(request).baseUrl));
    });
    app.get('/ResourceTypes', async (request: Req, reply) => {
      noFilter(request);
      return sendScim(reply, 200, listOf(resourceTypes(registryOf(request), sessionOf(request).baseUrl)));
    });
    app.get('/ResourceTypes/:id', async (request: Req, reply) => {
      const found = resourceTypes(registryOf(request), sessionOf(request).baseUrl).find((r) => r.id === request.params.id);
      if (!found) throw notFound(`No resource type '${request.params.id}'`);
      return sendScim(reply, 200, found);
    });
    app.get('/Schemas', async (request: Req, reply) => {
      noFilter(request);
      return sendScim(reply, 200, listOf(schemas(registryOf(request), sessionOf(request).baseUrl)));
    });
    app.get('/Schemas/:id', async (request: Req, reply) => {
      const id = request.params.id ?? '';
      const found = schemas(registryOf(request), sessionOf(request).baseUrl).find((s) => String(s.id).toLowerCase() === id.toLowerCase());
      if (!found) throw notFound(`No schema '${id}'`);
      return sendScim(reply, 200, found);
    });

    for (const [endpoint, type] of ENDPOINTS) {
      app.post(`/${endpoint}`, async (request: Req, reply) => {
        const rep = await resources.create(sessionOf(request), type, request.body, projectionOf(request.query, max));
        return sendRepresentation(reply, 201, rep);
      });
      app.get(`/${endpoint}`, async (request: Req, reply) => {
        return sendScim(reply, 200, await resources.search(sessionOf(request), [type], listRequestFromQuery(request.query, max)));
      });
      app.post(`/${endpoint}/.search`, async (request: Req, reply) => {
        return sendScim(reply, 200, await resources.search(sessionOf(request), [type], listRequestFromSearch(request.body, max)));
      });
      app.get(`/${endpoint}/:id`, async (request: Req, reply) => {
        // A huge group comes as a stream (group-read.ts): its headers at once, its members as they are read.
        const rep = await resources.read(sessionOf(request), type, request.params.id!, projectionOf(request.query, max));
        const ifNoneMatch = header(request, 'if-none-match');
        if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, rep.version)) {
          if ('chunks' in rep) await rep.close();
          return reply.code(304).header('etag', rep.etag).send();
        }
        if ('chunks' in rep) return sendScimStream(reply.header('etag', rep.etag).header('location', rep.location), 200, rep);
        return sendRepresentation(reply, 200, rep);
      });
      app.put(`/${endpoint}/:id`, async (request: Req, reply) => {
        const rep = await resources.replace(sessionOf(request), type, request.params.id!, request.body, header(request, 'if-match'), projectionOf(request.query, max));
        return sendRepresentation(reply, 200, rep);
      });
      app.patch(`/${endpoint}/:id`, async (request: Req, reply) => {
        // RFC 7644 §3.5.2 allows 200 with the resource or 204; the client's groupPatchResponse
        // chooses for groups (patch-answer.ts), so a membership change never ships every member of a huge group.
        const ctx = sessionOf(request);
        const asked = Object.keys(request.query).some((k) => /^(excluded)?attributes$/i.test(k));
        const answer = patchAnswer(type, ctx.clientSettings, asked);
        // Checked even when no body is sent: a malformed attributes parameter is a 400 either way.
        const projection = projectionOf(request.query, max);
        const rep = await resources.patch(ctx, type, request.params.id!, request.body, header(request, 'if-match'), answer.kind === 'none' ? null : projection, answer.kind === 'small' ? answer.maxMembers : undefined);
        if (!rep.resource) return reply.code(204).header('etag', rep.etag).header('location', rep.location).send();
        return sendRepresentation(reply, 200, { ...rep, resource: rep.resource });
      });
      app.delete(`/${endpoint}/:id`, async (request: Req, reply) => {
        await resources.delete(sessionOf(request), type, request.params.id!, header(request, 'if-match'));
        return reply.code(204).send();
      });
    }

    app.post('/.search', async (request: Req, reply) => {
      const types = ENDPOINTS.map(([, t]) => t);
      return sendScim(reply, 200, await resources.search(sessionOf(request), types, listRequestFromSearch(request.body, max)));
    });

    // RFC 7644 §3.11 and §3.7: said plainly rather than a bare 404.
    app.all('/Me', async () => {
      throw notImplemented('/Me is not supported: a SCIM client of scimd acts for a tenant, not for a user');
    });
    app.post('/Bulk', async (request: Req, reply) => {
      return sendScim(reply, 200, await services.bulk.run(sessionOf(request), request.body, request.bodyBytes ?? 0));
    });
  };
}
