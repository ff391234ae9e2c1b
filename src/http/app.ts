/** The Fastify application: parsers, error handling, request logging and the SCIM mounts. */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerErrorHandlers, sendError } from './errors.ts';
import { ScimError } from '../scim/errors.ts';
import { registerJsonParsers } from './media.ts';
import { scimRoutes } from './scim/plugin.ts';
import { registerLinkPages } from './link-pages.ts';
import { clientErrorHandler } from './client-errors.ts';
import { loggedUrl } from './log-url.ts';
import { whoOf } from './scim/context.ts';
import { DEFAULT_REQUEST_LIMITS } from '../scim/limits.ts';
import { registerGracefulClose, serverOptions } from './listener.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { isProbe, registerHealth } from './health.ts';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.ts';
import type { HttpOptions, Services } from './services.ts';
import { registerMetrics } from './metrics-route.ts';
import { ADMIN_PREFIX, adminApi } from './admin/plugin.ts';
import { registerConsole } from './console-pages.ts';
import { registerSetupPages } from './setup-pages.ts';

/** Where the SCIM API is served. Some IdPs append /v2 themselves, hence /scim as well (Wire's guide says so). */
export const SCIM_MOUNTS = ['/scim/v2', '/scim', '/t/:tenant/scim/v2'] as const;

export const DEFAULT_MAX_URL_LENGTH = 8192;
export const DEFAULT_MAX_HEADER_BYTES = 16_384;

export function buildApp(services: Services, options: HttpOptions, logger: Logger | false): FastifyInstance {
  const limits = options.limits ?? DEFAULT_REQUEST_LIMITS;
  const maxUrlLength = options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const listener = options.listener ?? {};
  const app = Fastify({
    // Node's own limit on the request line plus headers (431 above it), over HTTP and HTTPS alike.
    ...serverOptions({ ...listener, maxHeaderBytes }),
    clientErrorHandler: clientErrorHandler(maxHeaderBytes, logger ? (code) => logger.debug({ code }, 'client error') : undefined),
    loggerInstance: logger || undefined,
    logger: logger ? undefined : false,
    bodyLimit: options.bodyLimit,
    // The admin API's route schemas refuse what they do not list rather than drop it silently.
    ajv: { customOptions: { removeAdditional: false } },
    trustProxy: options.trustProxy ?? false,
    // request-id.ts: an incoming X-Request-Id when well-formed, else a random UUID (logged as reqId).
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Fastify's two lines per request are replaced by one (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    // registerGracefulClose answers requests during a shutdown, with a SCIM error body.
    return503OnClosing: false,
    // Path segments are ids, URNs or names: nothing legitimate is longer. Endpoints answer in any
    // case (`/users`, `/SERVICEPROVIDERCONFIG`), as Microsoft's reference collection calls them;
    // the router matches the path lower-cased, while ids and tenant names keep their case.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 300, caseSensitive: false },
    // Malformed URLs (bad percent-encoding, overlong segments) get SCIM error bodies too.
    frameworkErrors: (err: { statusCode?: number; code?: string }, request: { id: string }, reply: Parameters<typeof sendError>[0]) =>
      sendError(
        reply.header(REQUEST_ID_HEADER, request.id),
        new ScimError(err.statusCode ?? 400, undefined, err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path segment is longer than 300 characters' : 'The URL is not valid'),
      ),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  // First of all hooks, so that every answer (errors, 404s, refusals during a shutdown) carries it.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  registerSecurityHeaders(app, { tls: listener.tls !== undefined });
  registerGracefulClose(app, listener);
  registerJsonParsers(app, { maxDepth: limits.maxJsonDepth, maxKeyLength: limits.maxNameLength });
  registerErrorHandlers(app, options.bodyLimit);
  // Before authentication or routing do any work. RFC 9110 §15.5.15: 414 URI Too Long.
  // A callback hook, not an async one: no promise per request.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.url.length > maxUrlLength) return done(new ScimError(414, undefined, `The request URL is ${request.url.length} characters long; the limit is ${maxUrlLength}`));
    done();
  });
  // GET /metrics and the counting of every request, unless metrics are off (then /metrics is 404).
  const surface = options.surface ?? 'all';
  if (services.metrics && options.metrics) registerMetrics(app, services.metrics, options.metrics, { count: surface !== 'admin', serve: options.metricsRoute ?? true });
  // One line per request, without headers (tokens), bodies (passwords), link tokens or secrets in the
  // query. It carries reqId, and tenant and client once authenticated (the SCIM hooks' child logger).
  // An answer of 500 or more is a warning (with what failed, never a stack: an unexpected error has
  // its own error line), anything else information; the probes, asked every second, are debug.
  if (logger) {
    // A callback hook, not an async one: no promise per request (a throw is Fastify's to report, as a rejection would be).
    app.addHook('onResponse', (request, reply, done) => {
      if (request.unlogged) return done();
      const status = reply.statusCode;
      const level = isProbe(request) ? 'debug' : status >= 500 ? 'warn' : 'info';
      const log = request.log as Logger;
      if (!log.isLevelEnabled(level)) return done();
      // Whose request it was, once authenticated: added here rather than by a child logger per
      // request, which would cost every request more than this line does.
      log[level]({ method: request.method, url: loggedUrl(request, 500), status, ms: Math.round(reply.elapsedTime), ...whoOf(request), ...(request.failure ? { error: request.failure } : {}) }, 'request');
      done();
    });
  }
  registerHealth(app, services);
  if (surface !== 'public') {
    app.register(adminApi(services, options), { prefix: ADMIN_PREFIX });
    // The console calls the admin API, so it is served where that is.
    registerConsole(app);
  }
  if (surface === 'admin') return app;
  // The pages behind mailed links, in their own scope: their form posts carry no body scimd reads,
  // and SCIM routes must still refuse form bodies with 415.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, _body, done) => done(null, undefined));
    registerLinkPages(scope, services);
  });
  // Setup links: a customer's IT admin reaches them where SCIM is served.
  registerSetupPages(app, services, options);
  for (const mount of SCIM_MOUNTS) app.register(scimRoutes(services, options, mount), { prefix: mount });
  return app;
}
