/**
 * The operator console at /console: one HTML page, one style sheet and one small ES module
 * (console/ at the package root, shipped as is), read once at start. Nothing is fetched from
 * elsewhere; the page talks to the admin API only (same origin, JSON, session cookie + CSRF token).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** console/ sits two levels above this file both in src/http and in dist/http. */
export const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'console');

export const CONSOLE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_POLICY,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' };

/** Reads a file of console/ (at start: a missing file is a packaging error, not a request's). */
export function consoleAsset(name: string): { readonly body: string; readonly type: string } {
  const ext = name.slice(name.lastIndexOf('.') + 1);
  return { body: readFileSync(join(CONSOLE_DIR, name), 'utf8'), type: TYPES[ext] ?? 'application/octet-stream' };
}

export function registerConsole(app: FastifyInstance): void {
  const index = consoleAsset('index.html');
  const assets = new Map(['console.js', 'console.css'].map((n) => [n, consoleAsset(n)]));
  app.register(async (scope) => {
    scope.addHook('onRequest', async (_request, reply) => {
      reply.headers(PAGE_HEADERS);
    });
    scope.get('/console', async (_request, reply) => reply.header('content-type', index.type).send(index.body));
    scope.get<{ Params: { file: string } }>('/console/:file', async (request, reply) => {
      const a = assets.get(request.params.file);
      if (!a) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found');
      return reply.header('content-type', a.type).send(a.body);
    });
  });
}
