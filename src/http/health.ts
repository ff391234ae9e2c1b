/**
 * Probes for load balancers and orchestrators, without authentication: GET (and HEAD) /healthz
 * says the process is alive (no database access), /readyz that it should get traffic (its
 * database answers and is migrated, and it is not shutting down; a database that takes reads but
 * not writes is ready, with `"writes": "unavailable"` and the reason in the body). Both are cheap enough for a
 * probe every second, and neither is written to the provisioning request log.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from './services.ts';

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';

/** Seconds a prober is told to wait before asking again after a 503. */
const RETRY_AFTER_SECONDS = 5;

/** Whether the request is one of the probes (answered during a shutdown too, logged at debug). */
export function isProbe(request: FastifyRequest): boolean {
  const url = request.routeOptions.url;
  return url === HEALTH_PATH || url === READY_PATH;
}

function sendJson(reply: FastifyReply, status: number, body: object): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(JSON.stringify(body));
}

export function registerHealth(app: FastifyInstance, services: Services): void {
  // Not ready from the moment the server starts closing (SIGTERM), while it is still alive.
  app.addHook('preClose', (done) => {
    services.readiness.drain();
    done();
  });
  app.get(HEALTH_PATH, async (_request, reply) => sendJson(reply, 200, { status: 'ok' }));
  app.get(READY_PATH, async (_request, reply) => {
    const answer = await services.readiness.check();
    // Reads are still served while writes are not (a read-only data directory, a full disk): the
    // process stays ready, so probes keep routing reads to it, and the body says writes fail.
    if (answer.ready) return sendJson(reply, 200, answer.writesUnavailable === undefined ? { status: 'ready' } : { status: 'ready', writes: 'unavailable', reason: answer.writesUnavailable });
    reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return sendJson(reply, 503, { status: 'unavailable', reason: answer.reason });
  });
}
