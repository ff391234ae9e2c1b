import type { FastifyInstance, FastifyReply } from 'fastify';

/** RFC 7644 §8.1. */
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/**
 * Accepts application/scim+json and application/json (and any other +json type) request bodies,
 * parsed with prototype-poisoning protection: `__proto__` and `constructor.prototype` keys are a 400.
 */
export function registerJsonParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  // A DELETE carries no body, but clients that set Content-Type on every request still name one:
  // authentik (python-requests also adds "Content-Length: 0"), the Keycloak SCIM plugins. Its
  // empty body is no body, not an empty JSON document.
  const parse: typeof json = (request, body, done) => (body === '' && request.method === 'DELETE' ? done(null, undefined) : json(request, body, done));
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'application/scim+json'], { parseAs: 'string' }, parse);
  app.addContentTypeParser(/^application\/[a-z0-9.-]+\+json$/i, { parseAs: 'string' }, parse);
}

export function sendScim(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  const text = JSON.stringify(body);
  // The request log may trust this text to be JSON.stringify's (redact.ts redactedJsonText).
  reply.request.sentJson = text;
  return reply.code(status).header('content-type', SCIM_CONTENT_TYPE).send(text);
}
