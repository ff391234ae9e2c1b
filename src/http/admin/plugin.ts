/**
 * The admin API at /admin/v1: JSON for operators and for the host application's own code (tenant
 * sign-up, its directory view), authenticated by admin keys, errors as RFC 9457 problem details,
 * and its OpenAPI 3.1 document generated from the route schemas (GET /admin/v1/openapi.json).
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpOptions, Services } from '../services.ts';
import { whoOf } from '../scim/context.ts';
import { drainBody } from '../body-drain.ts';
import { Problem, sendProblem, toProblem } from './problem.ts';
import { AdminAuthError } from '../../provisioning/tenants/admin-keys.ts';
import { COMPONENTS } from './schemas.ts';
import { adminKeyRoutes } from './routes/admin-keys.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { clientRoutes } from './routes/clients.ts';
import { directoryRoutes } from './routes/directory.ts';
import { requestLogRoutes } from './routes/request-log.ts';
import { tenantDataRoutes } from './routes/tenant-data.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { sessionRoutes } from './routes/session.ts';
import { setupLinkRoutes } from './routes/setup-links.ts';
import { ConsoleSessions, DEFAULT_CONSOLE_IDLE_MS } from './console-sessions.ts';

export const ADMIN_PREFIX = '/admin/v1';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without an admin key (the OpenAPI document). */
    publicRoute?: boolean;
  }
}

/** What every admin route module is given. */
export interface AdminDeps {
  readonly services: Services;
  readonly options: HttpOptions;
}

export function adminApi(services: Services, options: HttpOptions) {
  const sessions = new ConsoleSessions(services.adminKeys, options.consoleIdleMs ?? DEFAULT_CONSOLE_IDLE_MS);
  return async (scope: FastifyInstance): Promise<void> => {
    await scope.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'scimd admin API',
          version: '1',
          description:
            'Tenants, SCIM clients and their tokens, the directory each tenant holds, the provisioning request log and what else a tenant has. Authenticate with an admin key: `Authorization: Bearer <key>` (scimd admin-key create), or with the console\'s session cookie (POST /session) plus its CSRF token in X-CSRF-Token on changes. Errors are RFC 9457 problem details.',
        },
        components: {
          securitySchemes: {
            adminKey: { type: 'http', scheme: 'bearer', description: 'An admin key (scimd admin-key create)' },
            consoleSession: { type: 'apiKey', in: 'cookie', name: 'scimd_session', description: 'The console session (POST /session); changes also need its CSRF token in X-CSRF-Token' },
          },
        },
        security: [{ adminKey: [] }, { consoleSession: [] }],
      },
      // Shared schemas keep their $id as their name under components.schemas.
      refResolver: { buildLocalReference: (json: { $id?: unknown }, _base: unknown, _fragment: unknown, i: number) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    for (const schema of COMPONENTS) scope.addSchema(schema);

    scope.setErrorHandler(async (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const problem = toProblem(err, options.bodyLimit);
      if (problem) {
        if (PROBLEM_STATUS_5XX(problem)) request.failure = problem.message;
        if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') await drainBody(request.raw);
        return sendProblem(request, reply, problem);
      }
      request.log.error({ err, ...whoOf(request) }, 'unhandled error');
      return sendProblem(request, reply, new Problem('internal', 'Internal server error'));
    });
    scope.setNotFoundHandler((request, reply) => sendProblem(request, reply, new Problem('not-found', `No such endpoint: ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`)));

    // A request without a body is one with an empty JSON object: routes whose body is optional take
    // it as such, the others say which field is missing rather than that the body is not an object.
    scope.addHook('preValidation', async (request) => {
      if (request.body === undefined && request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'DELETE') request.body = {};
    });

    // Every route but the document needs an admin key. No answer is cached anywhere.
    scope.addHook('onRequest', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (request.routeOptions.config?.publicRoute) return;
      const authorization = request.headers.authorization;
      // The console's session cookie stands in for the key (with a CSRF token on changes); a
      // bearer key, when sent, wins.
      const sessionId = authorization === undefined ? sessions.idOf(request) : undefined;
      if (sessionId) {
        request.admin = await sessions.authenticate(request, sessionId);
        return;
      }
      // Failed authentications share the per-address budget of SCIM's (--unauthenticated-rate-limit):
      // guessing keys gets no faster by sending more, and costs no database read past the budget.
      request.admin = await services.rateLimiter.guardLookup(
        request,
        () => services.adminKeys.authenticate(authorization),
        (o) => 'error' in o && o.error instanceof AdminAuthError,
        services.adminKeys.recognises(authorization),
      );
    });

    scope.get('/openapi.json', { schema: { hide: true }, config: { publicRoute: true } }, async (_request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(scope.swagger())));

    const deps: AdminDeps = { services, options };
    for (const routes of [sessionRoutes(sessions), adminKeyRoutes, tenantRoutes, clientRoutes, directoryRoutes, requestLogRoutes, tenantDataRoutes, webhookRoutes, setupLinkRoutes]) routes(scope, deps);
  };
}

const PROBLEM_STATUS_5XX = (p: Problem) => p.code === 'unavailable' || p.code === 'internal';
