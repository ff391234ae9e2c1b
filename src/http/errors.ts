/** Turns every failure into an RFC 7644 §3.12 error response. Client input never yields a 500. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidSyntax, notFound, payloadTooLarge, ScimError, unsupportedMediaType } from '../scim/errors.ts';
import { storeFailureAsScim } from '../provisioning/requests/store-errors.ts';
import { SCIM_CONTENT_TYPE } from './media.ts';
import { drainBody } from './body-drain.ts';
import { whoOf } from './scim/context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Why an expected answer of 500 or more was given (for the request's log line). */
    failure?: string;
  }
}

export function toScimError(err: unknown, bodyLimit: number, bulk = false): ScimError | undefined {
  if (err instanceof ScimError) return err;
  const failure = storeFailureAsScim(err);
  if (failure) return failure;
  const e = err as Partial<FastifyError> & { message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge(`The request body is larger than the limit of ${bodyLimit} bytes${bulk ? ' (the maxPayloadSize of /Bulk)' : ''}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType('Send the body as application/scim+json or application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidSyntax('The request body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidSyntax('The Content-Length does not match the body');
    default:
      break;
  }
  if (err instanceof SyntaxError || (e.statusCode === 400 && /JSON|prototype/i.test(e.message ?? ''))) {
    return invalidSyntax(`The request body is not valid JSON: ${e.message ?? 'parse error'}`);
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ScimError(e.statusCode, undefined, e.message ?? 'Bad request');
  }
  return undefined;
}

export function sendError(reply: FastifyReply, err: ScimError): FastifyReply {
  const text = JSON.stringify(err.toBody());
  reply.request.sentJson = text;
  return reply
    .code(err.status)
    .headers({ ...err.headers, 'content-type': SCIM_CONTENT_TYPE })
    .send(text);
}

export function registerErrorHandlers(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler(async (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const scim = toScimError(err, bodyLimit, /\/Bulk\/?(\?|$)/i.test(request.url));
    if (scim) {
      // An expected answer (501 for /Me, 503 when the database is busy): the request's one log line says why, without a stack.
      if (scim.status >= 500) request.failure = (err as Error).message || scim.detail;
      // The client may still be sending the body: read it (within bounds) so that it can read the 413.
      if ((err as Partial<FastifyError>).code === 'FST_ERR_CTP_BODY_TOO_LARGE') await drainBody(request.raw);
      sendError(reply, scim);
      return;
    }
    request.log.error({ err, ...whoOf(request) }, 'unhandled error');
    sendError(reply, new ScimError(500, undefined, 'Internal server error'));
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    return sendError(reply, notFound(`No such endpoint: ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`));
  });
}
