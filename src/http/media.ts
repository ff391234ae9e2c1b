import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidSyntax, unsupportedMediaType } from '../scim/errors.ts';
import { parseJsonText, type JsonLimits } from '../scim/json-guard.ts';

/** RFC 7644 §8.1. */
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** A charset parameter other than UTF-8 (RFC 8259 §8.1: JSON exchanged between systems is UTF-8). */
function foreignCharset(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  if (!m) return undefined;
  const charset = (m[1] ?? '').toLowerCase();
  return charset === 'utf-8' || charset === 'utf8' ? undefined : charset;
}

/**
 * Accepts application/scim+json and application/json (and any other +json type) request bodies.
 * The bytes must be UTF-8 (invalid sequences are refused, not replaced), and the text passes the
 * JSON guard (depth, key length, prototype keys, duplicate keys) before JSON.parse runs. The body
 * size limit (413) is Fastify's, enforced while the body streams in.
 */
export function registerJsonParsers(app: FastifyInstance, limits: JsonLimits): void {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const parse = (request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
    try {
      request.bodyBytes = body.length;
      const charset = foreignCharset(request.headers['content-type']);
      if (charset !== undefined) throw unsupportedMediaType(`Send JSON in UTF-8 (RFC 8259 §8.1), not charset=${charset.slice(0, 40)}`);
      // A DELETE carries no body, but clients that set Content-Type on every request still name one:
      // authentik (python-requests also adds "Content-Length: 0"), the Keycloak SCIM plugins. Its
      // empty body is no body, not an empty JSON document.
      if (body.length === 0) {
        if (request.method === 'DELETE') return done(null, undefined);
        throw invalidSyntax('The request body is empty');
      }
      let text: string;
      try {
        text = utf8.decode(body);
      } catch {
        throw invalidSyntax('The request body is not valid UTF-8');
      }
      done(null, parseJsonText(text, limits));
    } catch (e) {
      done(e as Error);
    }
  };
  // Fastify parses text/plain by default; SCIM takes JSON only, so anything else is a 415.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'application/scim+json'], { parseAs: 'buffer' }, parse);
  app.addContentTypeParser(/^application\/[a-z0-9.-]+\+json$/i, { parseAs: 'buffer' }, parse);
}

export function sendScim(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  const text = JSON.stringify(body);
  // The request log may trust this text to be JSON.stringify's (redact.ts redactedJsonText).
  reply.request.sentJson = text;
  return reply.code(status).header('content-type', SCIM_CONTENT_TYPE).send(text);
}

/** A JSON answer written as its pieces come (a huge group's members, read page by page). */
export interface StreamedJson {
  readonly chunks: AsyncIterable<string> | Iterable<string>;
  /** A shorter JSON text of the same answer, for the request log. */
  readonly firstPage: string;
  /** Frees what the pieces are read from; called when the response ends, fails or the client goes. */
  close(): Promise<void>;
}

export function sendScimStream(reply: FastifyReply, status: number, body: StreamedJson): FastifyReply {
  reply.request.sentJson = body.firstPage;
  // Bytes, not objects: the stream holds one piece at a time, whatever the socket's pace.
  const stream = Readable.from(body.chunks, { objectMode: false });
  // Fastify destroys the stream when the client goes; 'close' follows its end too.
  stream.once('close', () => void body.close().catch(() => undefined));
  return reply.code(status).header('content-type', SCIM_CONTENT_TYPE).send(stream);
}
