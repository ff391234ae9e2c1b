/** /admin-keys: the keys of the admin API itself (only with a key for every tenant). */
import type { FastifyInstance } from 'fastify';
import { requireGlobal } from '../context.ts';
import type { AdminDeps } from '../plugin.ts';
import { arrayOf, ERRORS, params, ref } from '../schemas.ts';

const tags = ['admin keys'];

export function adminKeyRoutes(app: FastifyInstance, { services }: AdminDeps): void {
  app.get('/admin-keys', { schema: { tags, summary: 'List admin keys (never their secrets)', operationId: 'listAdminKeys', response: { 200: arrayOf('AdminKey'), ...ERRORS } } }, async (request) => {
    requireGlobal(request, 'managing admin keys');
    return services.adminKeys.list();
  });

  app.post<{ Body: { name: string; tenant?: string } }>(
    '/admin-keys',
    {
      schema: {
        tags,
        summary: 'Create an admin key for every tenant, or for one; the key is shown in this answer only',
        operationId: 'createAdminKey',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: { name: { type: 'string', maxLength: 63 }, tenant: { type: 'string', maxLength: 63, description: 'limit the key to this tenant' } },
        },
        response: { 201: ref('IssuedAdminKey'), ...ERRORS },
      },
    },
    async (request, reply) => {
      requireGlobal(request, 'managing admin keys');
      const issued = await services.adminKeys.create(request.body.name, request.body.tenant !== undefined ? { tenant: request.body.tenant } : {});
      return reply.code(201).send(issued);
    },
  );

  app.delete<{ Params: { key: string } }>(
    '/admin-keys/:key',
    { schema: { tags, summary: 'Revoke an admin key (by id, or by name when one live key has it); it stops working at once', operationId: 'revokeAdminKey', params: params('key'), response: { 200: ref('AdminKey'), ...ERRORS } } },
    async (request) => {
      requireGlobal(request, 'managing admin keys');
      return services.adminKeys.revoke(request.params.key);
    },
  );
}
