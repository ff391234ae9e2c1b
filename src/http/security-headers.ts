/**
 * Response headers that keep browsers from misreading, framing, caching or leaking what scimd
 * serves. Two hooks: one for every response, one for the HTML pages (mailed links now, an admin
 * console later).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/**
 * RFC 6797 §6.1. One year; no includeSubDomains, since scimd cannot know that every sibling host
 * serves HTTPS. §7.2: it must not be sent over plain HTTP, so only when scimd terminates TLS.
 */
export const HSTS = 'max-age=31536000';

/**
 * On every response: no content sniffing (SCIM JSON is never to be read as HTML), and HSTS under
 * TLS. Set on the raw response before Fastify sees the request, so that answers Fastify gives
 * without running hooks (an invalid URL, an overlong path segment) carry them too.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: { readonly tls: boolean }): void {
  const hsts = options.tls;
  app.server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    response.setHeader('x-content-type-options', 'nosniff');
    if (hsts) response.setHeader('strict-transport-security', HSTS);
  });
}

/**
 * The Content-Security-Policy of a page that needs nothing but the given inline style sheets and
 * a form posting back to itself: no script, no images, no fonts, no frames, no other origin.
 */
export function pagePolicy(inlineStyles: readonly string[]): string {
  const styles = inlineStyles.map((css) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`);
  return [
    "default-src 'none'",
    ...(styles.length ? [`style-src ${styles.join(' ')}`] : []),
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * For HTML pages, in the scope that serves them. The links in mail carry a token in their URL:
 * no Referer may carry it elsewhere, no cache may keep the page, no frame may show it.
 */
export function registerPageHeaders(scope: FastifyInstance, options: { readonly inlineStyles: readonly string[] }): void {
  const headers: Record<string, string> = {
    'content-security-policy': pagePolicy(options.inlineStyles),
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
  scope.addHook('onRequest', (_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    reply.headers(headers);
    done();
  });
}
