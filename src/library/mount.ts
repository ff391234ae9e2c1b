/**
 * scimd's HTTP surface inside a host application (library mode): a Fastify plugin and a plain
 * Node handler (Express, Connect, node:http). Neither rebuilds scimd's routes in the host: both
 * hand the raw request and response of scimd's paths to scimd's own Fastify instance
 * (`routing`), so its parsers, hooks, error handlers, body limit, request ids and case-insensitive
 * router work as when scimd listens itself, and nothing of them reaches the host's other routes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { SCIM_MOUNTS } from '../http/app.ts';
import { ADMIN_PREFIX } from '../http/admin/plugin.ts';
import { LINK_PAGE_PATHS } from '../http/link-pages.ts';

export interface ScimdPluginOptions {
  /**
   * Whether the pages behind mailed links (/invitations/…, /email-validations/…) are mounted too;
   * default true. Without them, the links in invitation and email-validation mails lead nowhere.
   */
  readonly links?: boolean;
}

/** A Node request handler: `next` passes requests that are not scimd's on (Express, Connect); without it they get 404. */
export type ScimdHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** The route patterns of scimd's paths in the host's router: each mount and everything under it. */
export function mountedRoutes(links: boolean): string[] {
  const prefixes: string[] = [...SCIM_MOUNTS, ADMIN_PREFIX];
  // '/scim/*' already covers '/scim/v2' and what is under it.
  const covered = (p: string) => prefixes.some((q) => q !== p && p.startsWith(`${q}/`));
  const routes = prefixes.filter((p) => !covered(p)).flatMap((p) => [p, `${p}/*`]);
  return links ? [...routes, ...LINK_PAGE_PATHS] : routes;
}

/** Whether a request URL (path and query, as Node gives it) is one of scimd's paths; case-insensitive like scimd's router. */
export function pathMatcher(links: boolean): (url: string) => boolean {
  const source = mountedRoutes(links)
    .map((route) => route.replace(/\/\*$/, '(?:/.*)?').replace(/:[A-Za-z]+/g, '[^/]+'))
    .join('|');
  const re = new RegExp(`^(?:${source})$`, 'i');
  return (url) => re.test(url.replace(/[?#].*$/s, ''));
}

const WITHOUT_PREFIX = "scimd.plugin serves scimd's own paths (/scim/v2, /t/:tenant/scim/v2, /admin/v1): register it without a prefix";

/**
 * The Fastify plugin: catch-all routes for scimd's paths in an encapsulated context whose only
 * body parser leaves the body unread, each handing the request to `inner` (ready). When the host
 * closes, `onHostClose` runs (it ends the events API's long-polls) and the answers still in
 * progress close their connections, so the host's close does not wait for keep-alive timeouts.
 */
export function scimdPlugin(inner: FastifyInstance, onHostClose: () => void = () => undefined): FastifyPluginAsync<ScimdPluginOptions> {
  return async (scope, options) => {
    if (scope.prefix !== '') throw new Error(`${WITHOUT_PREFIX} (it was given '${scope.prefix}')`);
    // scimd reads the body itself (its JSON guard, its limit, its 415s): the host's parsers stay out.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request: FastifyRequest, _payload: unknown, done: (e: Error | null, body?: unknown) => void) => done(null, undefined));
    const inFlight = new Set<ServerResponse>();
    let closing = false;
    scope.addHook('preClose', (done) => {
      closing = true;
      for (const res of inFlight) res.shouldKeepAlive = false;
      onHostClose();
      done();
    });
    const forward = (request: FastifyRequest, reply: FastifyReply) => {
      // Headers the host's own hooks set (reply.header) stay on the answer; scimd's win where both set one.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
      reply.hijack();
      const res = reply.raw;
      if (closing) res.shouldKeepAlive = false;
      inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
      inner.routing(request.raw, res);
    };
    for (const url of mountedRoutes(options.links ?? true)) scope.all(url, forward);
  };
}

/** The Node handler: scimd's paths to `inner` (ready), anything else to `next` (or 404). */
export function scimdHandler(inner: FastifyInstance, links = true): ScimdHandler {
  const ours = pathMatcher(links);
  return (req, res, next) => {
    if (!ours(req.url ?? '/')) {
      if (next) return next();
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
      return;
    }
    // A body parser mounted before the handler has read the body scimd needs.
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    if (req.readableEnded && hasBody) {
      const error = new Error('scimd.handler must come before any body parser (the request body was already read)');
      if (next) return next(error);
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${error.message}\n`);
      return;
    }
    inner.routing(req, res);
  };
}
