/** /tenants/{tenant}/webhooks: signed webhook endpoints of a tenant, their secrets, replay and delivery log. */
import type { FastifyInstance } from 'fastify';
import { EVENT_TYPES } from '../../../provisioning/webhooks/event-types.ts';
import { tenantOf } from '../context.ts';
import type { AdminDeps } from '../plugin.ts';
import { arrayOf, ERRORS, params, ref } from '../schemas.ts';

const tags = ['webhooks'];
type Params = { tenant: string; id: string };
const URL_FIELD = { type: 'string', minLength: 1, maxLength: 2000, description: 'http(s) URL of the receiver; loopback and private addresses need --webhook-allow-private' } as const;
const TYPES = {
  type: 'array',
  maxItems: 50,
  items: { type: 'string', maxLength: 100 },
  description: `event types to deliver (${EVENT_TYPES.join(', ')}; user.* or group.* for a kind); empty or ["*"]: every type`,
} as const;

export function webhookRoutes(app: FastifyInstance, { services }: AdminDeps): void {
  const hooks = services.webhooks;
  const tenantName = async (request: Parameters<typeof tenantOf>[1], name: string) => (await tenantOf(services, request, name)).name;

  app.get<{ Params: { tenant: string } }>(
    '/tenants/:tenant/webhooks',
    { schema: { tags, summary: "The tenant's webhook endpoints (never their secrets)", operationId: 'listWebhooks', params: params('tenant'), response: { 200: arrayOf('Webhook'), ...ERRORS } } },
    async (request) => hooks.list(await tenantName(request, request.params.tenant)),
  );

  app.post<{ Params: { tenant: string }; Body: { url: string; types?: string[]; enabled?: boolean } }>(
    '/tenants/:tenant/webhooks',
    {
      schema: {
        tags,
        summary: "Add a webhook endpoint: it receives the tenant's events from now on, signed with the secret in this answer (shown once)",
        operationId: 'createWebhook',
        params: params('tenant'),
        body: { type: 'object', additionalProperties: false, required: ['url'], properties: { url: URL_FIELD, types: TYPES, enabled: { type: 'boolean', default: true } } },
        response: { 201: ref('WebhookWithSecret'), ...ERRORS },
      },
    },
    async (request, reply) => {
      const w = await hooks.create(await tenantName(request, request.params.tenant), request.body);
      return reply.code(201).header('location', `${request.url.split('?')[0]!.replace(/\/+$/, '')}/${w.id}`).send(w);
    },
  );

  app.get<{ Params: Params }>(
    '/tenants/:tenant/webhooks/:id',
    { schema: { tags, summary: 'One webhook endpoint: state, cursor, lag behind the event log, last attempt', operationId: 'getWebhook', params: params('tenant', 'id'), response: { 200: ref('Webhook'), ...ERRORS } } },
    async (request) => hooks.get(await tenantName(request, request.params.tenant), request.params.id),
  );

  app.patch<{ Params: Params; Body: { url?: string; types?: string[]; enabled?: boolean } }>(
    '/tenants/:tenant/webhooks/:id',
    {
      schema: {
        tags,
        summary: "Change a webhook endpoint's URL, event types, or enabled (a disabled one keeps its place and resumes there)",
        operationId: 'updateWebhook',
        params: params('tenant', 'id'),
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { url: URL_FIELD, types: TYPES, enabled: { type: 'boolean' } } },
        response: { 200: ref('Webhook'), ...ERRORS },
      },
    },
    async (request) => hooks.update(await tenantName(request, request.params.tenant), request.params.id, request.body),
  );

  app.delete<{ Params: Params }>(
    '/tenants/:tenant/webhooks/:id',
    { schema: { tags, summary: 'Remove a webhook endpoint and its delivery log', operationId: 'deleteWebhook', params: params('tenant', 'id'), response: { 200: ref('Webhook'), ...ERRORS } } },
    async (request) => hooks.remove(await tenantName(request, request.params.tenant), request.params.id),
  );

  app.post<{ Params: Params; Body: { graceHours?: number } | undefined }>(
    '/tenants/:tenant/webhooks/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'A new signing secret (shown in this answer only); the old one keeps signing beside it for graceHours (default 24)',
        operationId: 'rotateWebhookSecret',
        params: params('tenant', 'id'),
        body: { type: 'object', additionalProperties: false, properties: { graceHours: { type: 'number', minimum: 0, maximum: 720 } } },
        response: { 200: ref('WebhookWithSecret'), ...ERRORS },
      },
    },
    async (request) => hooks.rotateSecret(await tenantName(request, request.params.tenant), request.params.id, request.body?.graceHours ?? 24),
  );

  app.post<{ Params: Params }>(
    '/tenants/:tenant/webhooks/:id/test',
    {
      schema: {
        tags,
        summary: 'Send a signed webhook.test ping now and answer how it went',
        operationId: 'testWebhook',
        params: params('tenant', 'id'),
        response: { 200: ref('WebhookTestResult'), ...ERRORS },
      },
    },
    async (request) => hooks.test(await tenantName(request, request.params.tenant), request.params.id),
  );

  app.post<{ Params: Params; Body: { from?: number } | undefined }>(
    '/tenants/:tenant/webhooks/:id/replay',
    {
      schema: {
        tags,
        summary: 'Resume delivery: a failing (dead-lettered) endpoint starts again at the event that failed; with from, at that tenantSeq (still in the event log)',
        operationId: 'replayWebhook',
        params: params('tenant', 'id'),
        body: { type: 'object', additionalProperties: false, properties: { from: { type: 'integer', minimum: 1 } } },
        response: { 200: ref('Webhook'), ...ERRORS },
      },
    },
    async (request) => hooks.replay(await tenantName(request, request.params.tenant), request.params.id, request.body?.from),
  );

  app.get<{ Params: Params; Querystring: { limit?: number; status?: 'failed' | 'all' } }>(
    '/tenants/:tenant/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The delivery log of an endpoint, newest first: status, latency, answer excerpt of each attempt; status=failed for failed attempts only',
        operationId: 'listWebhookDeliveries',
        params: params('tenant', 'id'),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 }, status: { type: 'string', enum: ['failed', 'all'], default: 'all' } },
        },
        response: { 200: arrayOf('WebhookAttempt'), ...ERRORS },
      },
    },
    async (request) => hooks.deliveries(await tenantName(request, request.params.tenant), request.params.id, { limit: request.query.limit ?? 50, failedOnly: request.query.status === 'failed' }),
  );
}
