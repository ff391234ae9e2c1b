/**
 * Request ids: every request gets one, answered in X-Request-Id and carried by the process log
 * line (reqId) and the provisioning request-log row. A well-formed incoming X-Request-Id (from a
 * proxy or the client) is kept, so one id follows the request across systems; anything else is
 * replaced by a random UUID, unique across restarts and replicas.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's genReqId. */
export function requestIdOf(raw: IncomingMessage): string {
  const incoming = raw.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && WELL_FORMED.test(incoming) ? incoming : randomUUID();
}
