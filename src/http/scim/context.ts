import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../../provisioning/auth.ts';
import type { ClientProfile } from '../../provisioning/idp.ts';
import type { ScimContext } from '../../provisioning/resources.ts';

export interface RequestScim {
  auth: AuthContext;
  ctx: ScimContext;
  /** Set once the client's IdP profile is known (preHandler). */
  profile?: ClientProfile;
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

/** The authenticated SCIM context of a request (set by the auth hook). */
export function scimOf(request: FastifyRequest): RequestScim {
  if (!request.scim) throw new Error('SCIM route reached without authentication');
  return request.scim;
}
