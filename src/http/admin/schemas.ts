/**
 * The JSON schemas of what the admin API answers, shared by its routes: Fastify serialises each
 * answer with them and @fastify/swagger writes them into the OpenAPI document, so the two cannot
 * drift. Objects allow more properties than they list (new fields are not a breaking change).
 */
import { PROBLEM_SCHEMA } from './problem.ts';

const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const strings = { type: 'array', items: str } as const;
const open = (properties: Record<string, unknown>, required: readonly string[] = [], description?: string) => ({
  type: 'object',
  additionalProperties: true,
  properties,
  ...(required.length ? { required } : {}),
  ...(description ? { description } : {}),
});

const settings = { type: 'object', additionalProperties: str } as const;

export const COMPONENTS = [
  PROBLEM_SCHEMA,
  { $id: 'Tenant', ...open({ id: str, name: str, status: { type: 'string', enum: ['active', 'disabled'] }, createdAt: str, settings, schemaVersion: int }, ['id', 'name', 'status', 'createdAt']) },
  {
    $id: 'SettingInfo',
    ...open({ key: str, value: str, default: str, isDefault: { type: 'boolean' }, allowed: strings, doc: str, source: str }, ['key', 'value', 'default', 'isDefault', 'allowed']),
  },
  {
    $id: 'TenantDetails',
    ...open(
      {
        id: str,
        name: str,
        status: str,
        createdAt: str,
        users: int,
        groups: int,
        clients: int,
        settings,
        defaults: strings,
        settingsInfo: { type: 'array', items: { $ref: 'SettingInfo#' } },
        scimEndpoint: str,
      },
      ['id', 'name', 'status', 'users', 'groups', 'clients', 'settings'],
      'A tenant with its counts and every setting (value in force, default, allowed values)',
    ),
  },
  {
    $id: 'Token',
    ...open({ id: str, tenantId: str, clientId: str, prefix: str, createdAt: str, expiresAt: str, revokedAt: str, lastUsedAt: str, state: { type: 'string', enum: ['active', 'expired', 'revoked'] } }, ['id', 'prefix', 'state'], 'A bearer token; its secret is never shown again'),
  },
  {
    $id: 'Client',
    ...open(
      {
        id: str,
        tenantId: str,
        name: str,
        createdAt: str,
        revokedAt: str,
        idp: str,
        detectedIdp: str,
        detectedReason: str,
        settings,
        profile: str,
        profileSource: { type: 'string', enum: ['pinned', 'detected', 'default'] },
        profileReason: strOrNull,
        normalisers: strings,
        liveTokens: int,
        lastUsedAt: strOrNull,
        tokens: { type: 'array', items: { $ref: 'Token#' } },
      },
      ['id', 'name', 'profile', 'normalisers'],
      'A SCIM client (one IdP connection): its IdP profile and why, the normalisers in force, its tokens',
    ),
  },
  {
    $id: 'IssuedToken',
    ...open({ tenant: str, client: str, token: str, tokenId: str, expiresAt: strOrNull, scimEndpoint: str }, ['tenant', 'client', 'token', 'tokenId'], 'A new bearer token: the secret is in this answer only'),
  },
  {
    $id: 'AdminKey',
    ...open({ id: str, name: str, tenant: strOrNull, prefix: str, state: { type: 'string', enum: ['active', 'revoked'] }, createdAt: str, revokedAt: strOrNull, lastUsedAt: strOrNull }, ['id', 'name', 'tenant', 'state']),
  },
  {
    $id: 'IssuedAdminKey',
    ...open({ id: str, name: str, tenant: strOrNull, prefix: str, state: str, createdAt: str, key: str }, ['id', 'name', 'key'], 'A new admin key: the secret is in this answer only'),
  },
  {
    $id: 'RequestLogEntry',
    ...open(
      {
        id: int,
        at: str,
        requestId: str,
        tenantName: str,
        clientName: str,
        idp: str,
        method: str,
        path: str,
        status: int,
        scimType: str,
        durationMs: { type: 'number' },
        notes: strings,
        requestBody: str,
        normalisedBody: { type: 'string', description: 'the request body as the normalisers left it (redacted the same way); present only when they changed it' },
        responseBody: str,
      },
      ['id', 'at', 'method', 'path', 'status'],
      'One SCIM request an IdP sent, bodies redacted (passwords, tokens)',
    ),
  },
  { $id: 'ScimResource', type: 'object', additionalProperties: true, description: 'A SCIM User or Group (RFC 7643), projected as asked' },
  {
    $id: 'ListResponse',
    ...open({ schemas: strings, totalResults: int, startIndex: int, itemsPerPage: int, Resources: { type: 'array', items: { $ref: 'ScimResource#' } } }, ['totalResults', 'Resources'], 'A SCIM ListResponse (RFC 7644 §3.4.2)'),
  },
  { $id: 'TenantSchema', ...open({ urn: str, resourceType: { type: 'string', enum: ['User', 'Group'] }, createdAt: str, definition: { type: 'object', additionalProperties: true } }, ['urn', 'resourceType']) },
  { $id: 'RoleRule', ...open({ role: str, filter: str }, ['role', 'filter'], 'Users matching the SCIM filter get the role') },
  { $id: 'Tombstone', ...open({ id: str, type: str, created: str, deletedAt: str, version: int, data: { type: 'object', additionalProperties: true } }, ['id', 'type', 'deletedAt']) },
  {
    $id: 'Invitation',
    ...open(
      {
        state: { type: 'string', enum: ['pending', 'accepted', 'none'], description: 'none: the user was not invited (tenant setting externalId.mode is not email)' },
        email: strOrNull,
        issuedAt: { ...strOrNull, description: 'when the latest link was issued (its token is minted when its mail is sent)' },
        sentAt: { ...strOrNull, description: 'when the mail carrying it was sent; null while queued, printed or dropped' },
        expiresAt: strOrNull,
        expired: { type: 'boolean', description: 'pending, and its link no longer works: resend it' },
        acceptedAt: strOrNull,
        mail: { type: ['string', 'null'], enum: ['pending', 'sent', 'dropped', null] },
        mailError: strOrNull,
      },
      ['state', 'email', 'issuedAt', 'sentAt', 'expiresAt', 'expired', 'acceptedAt', 'mail'],
      "A user's invitation (never its link or token)",
    ),
  },
  {
    $id: 'Mail',
    ...open({ id: int, recipient: str, subject: str, body: str, createdAt: str, attempts: int, sentAt: str, droppedAt: str, lastError: str, state: { type: 'string', enum: ['pending', 'sent', 'dropped'] } }, ['id', 'recipient', 'subject', 'state']),
  },
  {
    $id: 'Event',
    ...open(
      {
        id: str,
        seq: int,
        tenantSeq: int,
        type: str,
        resourceType: str,
        resourceId: str,
        version: int,
        tenant: str,
        paths: strings,
        previous: { type: 'object', additionalProperties: true, description: 'the values the changed paths had before (null: none)' },
        state: { type: 'object', additionalProperties: true, description: 'the resource after the change (tenant setting events.state)' },
        at: str,
        clientId: str,
        requestId: str,
        actor: str,
        data: { type: 'object', additionalProperties: true },
      },
      ['id', 'tenantSeq', 'type', 'at'],
      'One change of the tenant (see docs/events.md)',
    ),
  },
  {
    $id: 'WebhookAttempt',
    ...open(
      {
        id: int,
        endpointId: str,
        eventId: str,
        tenantSeq: int,
        eventType: str,
        attempt: int,
        at: str,
        status: int,
        durationMs: int,
        responseExcerpt: str,
        error: str,
      },
      ['eventId', 'eventType', 'attempt', 'at', 'durationMs'],
      'One attempt to deliver an event to a webhook endpoint: the HTTP status (absent: no answer), the time it took, the first 500 characters of the answer',
    ),
  },
  {
    $id: 'Webhook',
    ...open(
      {
        id: str,
        tenant: str,
        url: str,
        types: { ...strings, description: 'event types delivered; empty: every type' },
        enabled: { type: 'boolean' },
        createdAt: str,
        state: { type: 'string', enum: ['active', 'failing'], description: 'failing: every attempt at event failedSeq failed; nothing more is sent until a replay' },
        deliveredSeq: int,
        lastSeq: int,
        lag: int,
        attempts: int,
        nextAttemptAt: strOrNull,
        failedSeq: { type: ['integer', 'null'] },
        failedReason: strOrNull,
        previousSecretUntil: strOrNull,
        lastAttempt: { anyOf: [{ $ref: 'WebhookAttempt#' }, { type: 'null' }] },
      },
      ['id', 'tenant', 'url', 'types', 'enabled', 'state', 'deliveredSeq', 'lag'],
      'A webhook endpoint of a tenant (never its secret)',
    ),
  },
  {
    $id: 'WebhookWithSecret',
    ...open(
      { id: str, tenant: str, url: str, types: strings, enabled: { type: 'boolean' }, createdAt: str, state: str, deliveredSeq: int, lastSeq: int, lag: int, previousSecretUntil: strOrNull, secret: str },
      ['id', 'url', 'secret'],
      'A webhook endpoint and its signing secret (whsec_…): the secret is in this answer only',
    ),
  },
  {
    $id: 'WebhookTestResult',
    ...open({ ok: { type: 'boolean' }, eventId: str, status: { type: ['integer', 'null'] }, durationMs: int, responseExcerpt: strOrNull, error: strOrNull }, ['ok', 'eventId'], 'How the test ping went (it is in the delivery log too)'),
  },
] as const;

/** A reference to a shared schema, by its $id. */
export const ref = (id: (typeof COMPONENTS)[number]['$id']) => ({ $ref: `${id}#` });
export const arrayOf = (id: (typeof COMPONENTS)[number]['$id']) => ({ type: 'array', items: ref(id) });

/** The answers every authenticated route may give besides its own. */
const PROBLEM_ANSWER = { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: ref('Problem') } } } as const;
export const ERRORS = { '4xx': PROBLEM_ANSWER, '5xx': PROBLEM_ANSWER } as const;

/** Path parameters. */
export const TENANT_PARAMS = { type: 'object', properties: { tenant: { type: 'string', maxLength: 63 } }, required: ['tenant'] } as const;
export const params = (...names: string[]) => ({
  type: 'object',
  properties: Object.fromEntries(names.map((n) => [n, { type: 'string', maxLength: 300 }])),
  required: names,
});
