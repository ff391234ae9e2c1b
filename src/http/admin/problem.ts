/**
 * Errors of the admin API as RFC 9457 problem details: `application/problem+json` with a stable
 * `type` per kind of error (a URN, listed in PROBLEM_TYPES and the OpenAPI document), `title`,
 * `status`, `detail`, and the request id that the process log and X-Request-Id carry.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ScimError } from '../../scim/errors.ts';
import { storeFailureAsScim } from '../../provisioning/requests/store-errors.ts';
import { AdminError } from '../../provisioning/tenants/directory-admin.ts';
import { AdminAuthError } from '../../provisioning/tenants/admin-keys.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Every problem type the admin API answers with: code → [status, title]. */
export const PROBLEM_TYPES = {
  unauthorized: [401, 'Authentication failed'],
  forbidden: [403, 'Not allowed with this admin key'],
  'not-found': [404, 'Not found'],
  conflict: [409, 'Conflict'],
  gone: [410, 'No longer available'],
  'invalid-request': [400, 'The request is not valid'],
  'invalid-filter': [400, 'The SCIM filter is not valid'],
  'payload-too-large': [413, 'The request body is too large'],
  'unsupported-media-type': [415, 'Unsupported media type'],
  'too-many-requests': [429, 'Too many requests'],
  unavailable: [503, 'Temporarily unavailable'],
  internal: [500, 'Internal server error'],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof PROBLEM_TYPES;

export const problemType = (code: ProblemCode) => `urn:scimd:problem:${code}`;

export class Problem extends Error {
  constructor(
    readonly code: ProblemCode,
    detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'Problem';
  }
}

const ADMIN_CODES: Record<AdminError['code'], ProblemCode> = { not_found: 'not-found', exists: 'conflict', invalid: 'invalid-request', revoked: 'conflict', gone: 'gone' };

/** What a failure means to an admin client; undefined for an unexpected one (a 500). */
export function toProblem(err: unknown, bodyLimit: number): Problem | undefined {
  if (err instanceof Problem) return err;
  if (err instanceof AdminError) return new Problem(ADMIN_CODES[err.code], err.message);
  if (err instanceof AdminAuthError) return new Problem('unauthorized', err.message, { 'www-authenticate': 'Bearer realm="scimd-admin"' });
  const e = err as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
  if (e.validation) return new Problem('invalid-request', validationDetail(e.validation, e.validationContext ?? 'request', e.message ?? ''));
  const scim = err instanceof ScimError ? err : storeFailureAsScim(err);
  if (scim) {
    const code: ProblemCode =
      scim.status === 503 ? 'unavailable' : scim.status >= 500 ? 'internal' : scim.status === 429 ? 'too-many-requests' : scim.status === 404 ? 'not-found' : scim.status === 409 ? 'conflict' : scim.status === 413 ? 'payload-too-large' : scim.status === 415 ? 'unsupported-media-type' : scim.scimType === 'invalidFilter' ? 'invalid-filter' : scim.status === 401 ? 'unauthorized' : scim.status === 403 ? 'forbidden' : 'invalid-request';
    return new Problem(code, scim.detail, scim.headers);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem('payload-too-large', `The request body is larger than the limit of ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem('unsupported-media-type', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new Problem('invalid-request', 'The request body is empty');
    default:
      break;
  }
  if (err instanceof SyntaxError || (e.statusCode === 400 && /JSON|prototype/i.test(e.message ?? ''))) return new Problem('invalid-request', `The request body is not valid JSON: ${e.message ?? 'parse error'}`);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new Problem('invalid-request', e.message ?? 'Bad request');
  return undefined;
}

/** Ajv's first complaint in words that name the field: "body: unknown field 'bogus'". */
function validationDetail(validation: unknown, context: string, fallback: string): string {
  const first = (Array.isArray(validation) ? validation[0] : undefined) as { keyword?: string; instancePath?: string; params?: Record<string, unknown>; message?: string } | undefined;
  if (!first) return fallback;
  const at = `${context}${first.instancePath ? first.instancePath.replace(/\//g, '.') : ''}`;
  if (first.keyword === 'additionalProperties') return `${at}: unknown field '${String(first.params?.additionalProperty)}'`;
  if (first.keyword === 'required') return `${at}: '${String(first.params?.missingProperty)}' is required`;
  return `${at} ${first.message ?? 'is not valid'}`;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, p: Problem): FastifyReply {
  const [status, title] = PROBLEM_TYPES[p.code];
  const body = { type: problemType(p.code), title, status, detail: p.message, instance: (request.url.split('?')[0] ?? '').slice(0, 300), requestId: request.id };
  return reply
    .code(status)
    .headers({ ...p.headers, 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' })
    .send(JSON.stringify(body));
}

/** The JSON schema of a problem body (for the OpenAPI document). */
export const PROBLEM_SCHEMA = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string', enum: (Object.keys(PROBLEM_TYPES) as ProblemCode[]).map(problemType) },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'detail'],
} as const;
