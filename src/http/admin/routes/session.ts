/** /session: the console's sign-in (an admin key → a session cookie and a CSRF token), its state, sign-out. */
import type { FastifyInstance } from 'fastify';
import { AdminAuthError } from '../../../provisioning/tenants/admin-keys.ts';
import type { ConsoleSessions } from '../console-sessions.ts';
import { principalOf } from '../context.ts';
import type { AdminDeps } from '../plugin.ts';
import { Problem } from '../problem.ts';
import { ERRORS } from '../schemas.ts';

const tags = ['console session'];
const SESSION = {
  type: 'object',
  properties: {
    keyName: { type: 'string' },
    tenant: { type: ['string', 'null'], description: 'the one tenant the key may manage; null: every tenant' },
    csrfToken: { type: 'string', description: 'send it in X-CSRF-Token with every change made with the session cookie' },
    idleTimeoutSeconds: { type: 'integer' },
  },
  required: ['keyName', 'tenant', 'csrfToken', 'idleTimeoutSeconds'],
} as const;

export function sessionRoutes(sessions: ConsoleSessions) {
  return (app: FastifyInstance, { services }: AdminDeps): void => {
    app.post<{ Body: { key: string } }>(
      '/session',
      {
        config: { publicRoute: true },
        schema: {
          tags,
          summary: 'Sign in to the console with an admin key: sets an HttpOnly session cookie and answers the CSRF token',
          operationId: 'createSession',
          security: [],
          body: { type: 'object', additionalProperties: false, required: ['key'], properties: { key: { type: 'string', minLength: 1, maxLength: 4096 } } },
          response: { 201: SESSION, ...ERRORS },
        },
      },
      async (request, reply) => {
        const header = `Bearer ${request.body.key}`;
        // Guessing keys here costs the same per-address budget as guessing them in a header.
        const principal = await services.rateLimiter.guardLookup(
          request,
          () => services.adminKeys.authenticate(header),
          (o) => 'error' in o && o.error instanceof AdminAuthError,
          services.adminKeys.recognises(header),
        );
        const info = sessions.open(request, reply, request.body.key);
        return reply.code(201).send({ keyName: principal.key.name, tenant: principal.tenant?.name ?? null, ...info });
      },
    );

    app.get(
      '/session',
      { schema: { tags, summary: "The console session of this cookie: its key, tenant and CSRF token (after a page reload)", operationId: 'getSession', response: { 200: SESSION, ...ERRORS } } },
      async (request) => {
        const principal = principalOf(request);
        const id = sessions.idOf(request);
        const info = id ? sessions.infoOf(id) : undefined;
        if (!info) throw new Problem('invalid-request', 'This request carries no console session (it authenticated with a bearer key)');
        return { keyName: principal.key.name, tenant: principal.tenant?.name ?? null, ...info };
      },
    );

    app.delete(
      '/session',
      { config: { publicRoute: true }, schema: { tags, summary: 'Sign out: ends the console session and clears its cookie', operationId: 'deleteSession', security: [], response: { 204: { type: 'null' }, ...ERRORS } } },
      async (request, reply) => {
        const id = sessions.idOf(request);
        // Signing out another's session needs its CSRF token as any change does.
        if (id) await sessions.authenticate(request, id).catch((e: unknown) => {
          if (e instanceof Problem && e.code === 'unauthorized') return undefined;
          throw e;
        });
        sessions.close(request, reply);
        return reply.code(204).send();
      },
    );
  };
}
