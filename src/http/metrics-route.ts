/**
 * GET /metrics and the hook that counts every answered request. Access is secure by default: with
 * a token, only its bearer (compared in constant time) from any address; without one, only
 * loopback and private addresses (the client address Fastify resolves, behind --trust-proxy the
 * forwarded one), and 404 for everybody else, as when metrics are off.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ScimError } from '../scim/errors.ts';
import { sendError } from './errors.ts';
import { header } from './scim/hooks.ts';
import type { Metrics } from './metrics.ts';
import { isPrivateAddress } from './private-address.ts';

export const METRICS_PATH = '/metrics';

export interface MetricsAccess {
  /** Bearer token /metrics requires; absent: loopback and private addresses only. */
  readonly token?: string;
}

/** The resource label of a route (its URL template): Users, Groups, Bulk, … or other. */
const RESOURCES = ['Users', 'Groups', 'Bulk', 'Schemas', 'ResourceTypes', 'ServiceProviderConfig', 'Me', '.search'];
const BY_LOWER = new Map(RESOURCES.map((r) => [r.toLowerCase(), r === '.search' ? 'search' : r]));

export function resourceOf(routeUrl: string | undefined): string {
  if (routeUrl === undefined) return 'other';
  const m = /^(?:\/t\/:tenant)?\/scim(?:\/v2)?\/([^/]+)/i.exec(routeUrl);
  return (m && BY_LOWER.get(m[1]!.toLowerCase())) ?? 'other';
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether `authorization` is `Bearer <token>`, in time independent of where they differ. */
export function bearerMatches(authorization: string | undefined, expected: Buffer): boolean {
  const m = authorization === undefined ? null : /^Bearer[ \t]+(\S+)\s*$/i.exec(authorization);
  // Digests of equal length: timingSafeEqual leaks neither the token nor its length.
  const given = digest(m ? m[1]! : '');
  return timingSafeEqual(given, expected) && m !== null;
}

/** Counts the app's requests (`count`) and serves GET /metrics (`serve`). */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, access: MetricsAccess, parts: { count: boolean; serve: boolean } = { count: true, serve: true }): void {
  if (parts.count) countRequests(app, metrics);
  if (parts.serve) serveMetrics(app, metrics, access);
}

function countRequests(app: FastifyInstance, metrics: Metrics): void {
  // The route template's resource, worked out once per route.
  const resources = new Map<string | undefined, string | null>();
  // A callback hook, not an async one: no promise per request.
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    try {
      const route = request.routeOptions.url;
      let resource = resources.get(route);
      if (resource === undefined) resources.set(route, (resource = route === METRICS_PATH ? null : resourceOf(route)));
      // Scrapes are not counted: the counters say what clients asked of scimd.
      if (resource === null) return;
      const scim = request.scim;
      const session = scim?.session;
      metrics.request(scim?.auth.tenant.name, scim?.auth.client.name, session?.profile.profile, request.method, resource, reply.statusCode, reply.elapsedTime / 1000);
      if (session) for (const name of session.quirks.fired) metrics.normaliserFired(name);
    } finally {
      done();
    }
  });
}

function serveMetrics(app: FastifyInstance, metrics: Metrics, access: MetricsAccess): void {
  const expected = access.token === undefined ? undefined : digest(access.token);
  app.get(METRICS_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    if (expected) {
      if (!bearerMatches(header(request, 'authorization'), expected)) {
        return sendError(reply, new ScimError(401, undefined, 'GET /metrics needs the metrics bearer token', { 'www-authenticate': 'Bearer realm="scimd metrics"' }));
      }
    } else if (!isPrivateAddress(request.ip)) {
      return reply.callNotFound();
    }
    const text = await metrics.text();
    return reply.code(200).header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
  });
}
