import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../../provisioning/auth.ts';
import type { ScimContext } from '../../provisioning/resources.ts';

declare module 'fastify' {
  interface FastifyRequest {
    scim?: { auth: AuthContext; ctx: ScimContext };
  }
}

/** The authenticated SCIM context of a request (set by the auth hook). */
export function scimOf(request: FastifyRequest): { auth: AuthContext; ctx: ScimContext } {
  if (!request.scim) throw new Error('SCIM route reached without authentication');
  return request.scim;
}
