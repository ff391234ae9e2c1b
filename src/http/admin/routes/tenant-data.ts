/**
 * What else a tenant holds: extension schemas, role rules, tombstones (restore), invitations
 * (resend), the mail outbox and the event log.
 */
import type { FastifyInstance } from 'fastify';
import type { Mail, TenantSchema } from '../../../provisioning/tenants/tenant-data-admin.ts';
import { originOf, tenantOf } from '../context.ts';
import type { AdminDeps } from '../plugin.ts';
import { arrayOf, ERRORS, params, ref } from '../schemas.ts';
import { checkEventTypes } from '../../../provisioning/events/event-feed.ts';

const schemaView = ({ definition, ...s }: TenantSchema) => ({ ...s, ...(definition ? { definition: JSON.parse(definition) as unknown } : {}) });
const mailView = (m: Mail) => ({ ...m, state: m.sentAt ? 'sent' : m.droppedAt ? 'dropped' : 'pending' });
const CURSOR = { type: 'string', maxLength: 1000, pattern: '^[A-Za-z0-9_-]+$' } as const;
const RESOURCE_TYPE = { type: 'string', enum: ['User', 'Group'] } as const;

export function tenantDataRoutes(app: FastifyInstance, { services, options }: AdminDeps): void {
  const admin = services.tenantAdmin;
  const tenantName = async (request: Parameters<typeof tenantOf>[1], name: string) => (await tenantOf(services, request, name)).name;

  // Extension schemas
  app.get<{ Params: { tenant: string } }>(
    '/tenants/:tenant/schemas',
    { schema: { tags: ['schemas'], summary: "The tenant's extension schemas", operationId: 'listSchemas', params: params('tenant'), response: { 200: arrayOf('TenantSchema'), ...ERRORS } } },
    async (request) => (await admin.listSchemas(await tenantName(request, request.params.tenant))).map(schemaView),
  );
  app.post<{ Params: { tenant: string }; Body: { schema?: Record<string, unknown>; builtin?: string; resourceType?: 'User' | 'Group' } }>(
    '/tenants/:tenant/schemas',
    {
      schema: {
        tags: ['schemas'],
        summary: 'Add (or replace) an extension schema: an RFC 7643 §7 schema document in "schema", or "builtin": the URN of one scimd ships',
        operationId: 'addSchema',
        params: params('tenant'),
        body: {
          type: 'object',
          additionalProperties: false,
          oneOf: [{ required: ['schema'] }, { required: ['builtin'] }],
          properties: { schema: { type: 'object', additionalProperties: true }, builtin: { type: 'string', maxLength: 300 }, resourceType: RESOURCE_TYPE },
        },
        response: { 201: ref('TenantSchema'), ...ERRORS },
      },
    },
    async (request, reply) => {
      const t = await tenantName(request, request.params.tenant);
      const b = request.body;
      const row = b.builtin !== undefined ? await admin.enableSchema(t, b.builtin) : await admin.addSchema(t, b.schema, b.resourceType ?? 'User');
      return reply.code(201).send(schemaView(row));
    },
  );
  app.delete<{ Params: { tenant: string; urn: string }; Querystring: { purge?: boolean } }>(
    '/tenants/:tenant/schemas/:urn',
    {
      schema: {
        tags: ['schemas'],
        summary: 'Remove an extension schema; its stored values stay (and come back with the schema) unless purge=true',
        operationId: 'removeSchema',
        params: params('tenant', 'urn'),
        querystring: { type: 'object', additionalProperties: false, properties: { purge: { type: 'boolean', default: false } } },
        response: { 200: { type: 'object', properties: { purged: { type: 'integer' } }, required: ['purged'] }, ...ERRORS },
      },
    },
    async (request) => admin.removeSchema(await tenantName(request, request.params.tenant), request.params.urn, { purge: request.query.purge === true }),
  );

  // Role rules
  app.get<{ Params: { tenant: string } }>(
    '/tenants/:tenant/roles',
    { schema: { tags: ['roles'], summary: "The tenant's role rules", operationId: 'listRoles', params: params('tenant'), response: { 200: arrayOf('RoleRule'), ...ERRORS } } },
    async (request) => admin.listRoles(await tenantName(request, request.params.tenant)),
  );
  app.put<{ Params: { tenant: string; role: string }; Body: { filter: string } }>(
    '/tenants/:tenant/roles/:role',
    {
      schema: {
        tags: ['roles'],
        summary: 'Set a role rule: users matching the SCIM filter get the role',
        operationId: 'putRole',
        params: params('tenant', 'role'),
        body: { type: 'object', additionalProperties: false, required: ['filter'], properties: { filter: { type: 'string', minLength: 1, maxLength: 4096 } } },
        response: { 200: ref('RoleRule'), ...ERRORS },
      },
    },
    async (request) => admin.addRole(await tenantName(request, request.params.tenant), request.params.role, request.body.filter),
  );
  app.delete<{ Params: { tenant: string; role: string } }>(
    '/tenants/:tenant/roles/:role',
    { schema: { tags: ['roles'], summary: 'Remove a role rule', operationId: 'removeRole', params: params('tenant', 'role'), response: { 204: { type: 'null' }, ...ERRORS } } },
    async (request, reply) => {
      await admin.removeRole(await tenantName(request, request.params.tenant), request.params.role);
      return reply.code(204).send();
    },
  );

  // Tombstones
  app.get<{ Params: { tenant: string }; Querystring: { limit?: number; before?: string; after?: string } }>(
    '/tenants/:tenant/tombstones',
    {
      schema: {
        tags: ['tombstones'],
        summary: 'Deleted users that can be restored, newest first, one page at a time: before=<next> for older ones, after=<previous> for newer ones',
        operationId: 'listTombstones',
        params: params('tenant'),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            before: { ...CURSOR, description: 'the next cursor of a page: the tombstones older than its last one' },
            after: { ...CURSOR, description: 'the previous cursor of a page: the tombstones newer than its first one' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['tombstones', 'next', 'previous'],
            properties: {
              tombstones: arrayOf('Tombstone'),
              next: { type: ['string', 'null'], description: 'pass as before= for the older page; null: this is the oldest' },
              previous: { type: ['string', 'null'], description: 'pass as after= for the newer page; null: this is the newest' },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return admin.tombstonePage(await tenantName(request, request.params.tenant), { limit: q.limit ?? 100, ...(q.before !== undefined ? { before: q.before } : {}), ...(q.after !== undefined ? { after: q.after } : {}) });
    },
  );
  app.get<{ Params: { tenant: string; id: string } }>(
    '/tenants/:tenant/tombstones/:id',
    { schema: { tags: ['tombstones'], summary: 'One deleted user (by its id)', operationId: 'getTombstone', params: params('tenant', 'id'), response: { 200: ref('Tombstone'), ...ERRORS } } },
    async (request) => admin.tombstone(await tenantName(request, request.params.tenant), request.params.id),
  );
  app.post<{ Params: { tenant: string; id: string } }>(
    '/tenants/:tenant/tombstones/:id/restore',
    {
      schema: {
        tags: ['tombstones'],
        summary: 'Restore a deleted user under its id, with a new version, if its userName is still free (group memberships are not restored)',
        operationId: 'restoreUser',
        params: params('tenant', 'id'),
        response: { 200: ref('Tombstone'), ...ERRORS },
      },
    },
    async (request) => admin.restoreUser(await tenantName(request, request.params.tenant), request.params.id),
  );

  // Invitations
  app.get<{ Params: { tenant: string; id: string } }>(
    '/tenants/:tenant/users/:id/invitation',
    {
      schema: {
        tags: ['invitations'],
        summary: "A user's invitation: pending, accepted or none, when its latest link was issued and sent and when it expires (never the link)",
        operationId: 'getInvitation',
        params: params('tenant', 'id'),
        response: { 200: ref('Invitation'), ...ERRORS },
      },
    },
    async (request) => services.links.invitation(await tenantName(request, request.params.tenant), request.params.id),
  );
  app.post<{ Params: { tenant: string; userName: string }; Body: { print?: boolean } | undefined }>(
    '/tenants/:tenant/invitations/:userName/resend',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Issue a new invitation link for a user whose invitation is pending and mail it (print: answer the link instead); older links stop working',
        operationId: 'resendInvitation',
        params: params('tenant', 'userName'),
        body: { type: 'object', additionalProperties: false, properties: { print: { type: 'boolean' } } },
        response: { 200: { type: 'object', additionalProperties: true, properties: { email: { type: 'string' }, url: { type: 'string' }, expiresAt: { type: 'string' } } }, ...ERRORS },
      },
    },
    async (request) =>
      services.links.resendInvitation(await tenantName(request, request.params.tenant), request.params.userName, {
        // On the admin listener (--admin-port) without --public-url, the request's own address serves
        // no invitation page: the new link points where the user's last invitation pointed.
        ...(options.surface === 'admin' && !options.publicUrl ? {} : { origin: originOf(request, options.publicUrl) }),
        print: request.body?.print === true,
      }),
  );

  // Mail and events
  app.get<{ Params: { tenant: string }; Querystring: { pending?: boolean; limit?: number } }>(
    '/tenants/:tenant/mail',
    {
      schema: {
        tags: ['mail'],
        summary: "The tenant's mail outbox, newest first (links are never shown: their tokens exist only in the mail sent)",
        operationId: 'listMail',
        params: params('tenant'),
        querystring: { type: 'object', additionalProperties: false, properties: { pending: { type: 'boolean', default: false }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } } },
        response: { 200: arrayOf('Mail'), ...ERRORS },
      },
    },
    async (request) => (await admin.listMail(await tenantName(request, request.params.tenant), request.query.pending === true, request.query.limit ?? 50)).map(mailView),
  );
  app.get<{ Params: { tenant: string }; Querystring: { after?: string; limit?: number; types?: string; wait?: string } }>(
    '/tenants/:tenant/events',
    {
      schema: {
        tags: ['events'],
        summary:
          "The tenant's events in order after a cursor (the tenantSeq of the last one seen; absent: from the oldest kept). wait=30s holds the answer until an event arrives (long-poll); 410 when the cursor's events are no longer retained",
        operationId: 'listEvents',
        params: params('tenant'),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'the cursor: the tenantSeq of the last event seen' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            types: { type: 'string', maxLength: 1000, description: 'comma-separated event types, e.g. user.created,group.member.added (the cursor still moves past the others)' },
            wait: { type: 'string', pattern: '^[0-9]{1,2}s?$', description: 'seconds to wait for an event when there is none yet (at most 60), e.g. 30s' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['events', 'cursor', 'hasMore'],
            properties: {
              events: arrayOf('Event'),
              cursor: { type: 'string', description: 'pass it as after= to read on' },
              hasMore: { type: 'boolean', description: 'more events follow at once: read again without waiting' },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (request, reply) => {
      const tenant = await tenantOf(services, request, request.params.tenant);
      const q = request.query;
      const types = q.types === undefined ? undefined : checkEventTypes(q.types.split(',').map((t) => t.trim()).filter(Boolean));
      const waitMs = q.wait === undefined ? 0 : Math.min(60, Number(q.wait.replace(/s$/, ''))) * 1000;
      // A client that goes away ends its wait (the response closes with its connection).
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      const page = await services.events.read(tenant, {
        ...(q.after !== undefined ? { after: Number(q.after) } : {}),
        limit: q.limit ?? 100,
        ...(types ? { types } : {}),
        waitMs,
        signal: gone.signal,
      });
      return { events: page.events.map(({ tenantId: _t, ...e }) => ({ ...e, tenant: tenant.name })), cursor: String(page.cursor), hasMore: page.hasMore };
    },
  );
}
