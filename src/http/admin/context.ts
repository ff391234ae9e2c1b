/** What an admin route knows of its request: the key's principal, the tenant it names, where it came from. */
import type { FastifyRequest } from 'fastify';
import type { AdminPrincipal } from '../../provisioning/tenants/admin-keys.ts';
import type { Tenant } from '../../provisioning/tenants/directory-admin.ts';
import type { Services } from '../services.ts';
import { Problem } from './problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin key of an admin API request, once authenticated. */
    admin?: AdminPrincipal;
  }
}

export function principalOf(request: FastifyRequest): AdminPrincipal {
  if (!request.admin) throw new Problem('unauthorized', 'Authentication required');
  return request.admin;
}

/** Refuses a key limited to one tenant (for what concerns every tenant: creating tenants, admin keys). */
export function requireGlobal(request: FastifyRequest, what: string): void {
  if (principalOf(request).tenant) throw new Problem('forbidden', `This admin key is limited to tenant '${principalOf(request).tenant!.name}': ${what} needs a key for every tenant`);
}

/**
 * The tenant a route names. A key limited to another tenant gets the same 404 as for a tenant that
 * does not exist: it learns nothing of what other tenants there are.
 */
export async function tenantOf(services: Services, request: FastifyRequest, name: string): Promise<Tenant> {
  const scope = principalOf(request).tenant;
  if (scope && scope.name !== name) throw new Problem('not-found', `No tenant named '${name}'`);
  return services.admin.tenant(name);
}

/** scheme://host[:port] the request came to, or the configured public URL. */
export function originOf(request: FastifyRequest, publicUrl: string | undefined): string {
  return (publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}
