import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../../provisioning/requests/auth.ts';
import type { Session } from '../../provisioning/requests/session.ts';

export interface RequestScim {
  auth: AuthContext;
  /** Base URL of the SCIM endpoint the client called, and the scheme://host[:port] it called. */
  readonly baseUrl: string;
  readonly origin: string;
  /** The request's session, opened once the body is parsed (preHandler). */
  session?: Session;
}

declare module 'fastify' {
  interface FastifyRequest {
    scim?: RequestScim;
    /** Bytes of the request body as received (set by the JSON parser). */
    bodyBytes?: number;
    /**
     * The response body as sent, for the request log: every SCIM answer with a body goes through
     * sendScim or sendError, which note the JSON text they made (no onSend hook needed).
     */
    sentJson?: string;
  }
}

/** Whose request it is, for log lines, once it is authenticated (a child logger per request costs more). */
export function whoOf(request: FastifyRequest): { tenant?: string; client?: string } {
  const auth = request.scim?.auth;
  return auth ? { tenant: auth.tenant.name, client: auth.client.name } : {};
}

/** The authenticated SCIM context of a request (set by the auth hook). */
export function scimOf(request: FastifyRequest): RequestScim {
  if (!request.scim) throw new Error('SCIM route reached without authentication');
  return request.scim;
}

/** The session of a SCIM request (opened by the preHandler hook). */
export function sessionOf(request: FastifyRequest): Session {
  const session = scimOf(request).session;
  if (!session) throw new Error('SCIM route reached without a session');
  return session;
}
