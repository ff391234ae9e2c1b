/**
 * The pages behind mailed links: GET shows what the link does, POST does it (so mail scanners
 * that fetch links do not accept invitations). Plain HTML, no script, no third-party anything.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LinkOutcome } from '../provisioning/links/follow-link.ts';
import { registerPageHeaders } from './security-headers.ts';
import type { Services } from './services.ts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font:inherit;padding:.5rem 1.25rem;border-radius:.375rem;border:1px solid #246;background:#246;color:#fff;cursor:pointer}';

/** The security headers (CSP, no-referrer, no-store, no frames) come from registerPageHeaders. */
function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>` +
        `<style>${STYLE}</style></head><body><h1>${escape(title)}</h1>${body}</body></html>`,
    );
}

const GONE: Record<string, string> = {
  unknown: 'This link is not valid. Ask your administrator for a new one.',
  used: 'This link has already been used, or a newer link has replaced it.',
  expired: 'This link has expired. Ask your administrator to send a new one.',
};

interface Kind {
  readonly kind: 'invitation' | 'validation';
  readonly path: string;
  readonly title: (o: LinkOutcome) => string;
  readonly prompt: (o: LinkOutcome) => string;
  readonly action: string;
  readonly done: (o: LinkOutcome) => string;
}

const KINDS: readonly Kind[] = [
  {
    kind: 'invitation',
    path: '/invitations/:token',
    title: (o) => `Invitation to ${o.tenantName ?? 'your organisation'}`,
    prompt: (o) => `An account has been created for <strong>${escape(o.email ?? '')}</strong>. Accept the invitation to activate it.`,
    action: 'Accept invitation',
    done: (o) => `Your ${escape(o.tenantName ?? '')} account is active.`,
  },
  {
    kind: 'validation',
    path: '/email-validations/:token',
    title: () => 'Confirm your email address',
    prompt: (o) => `Confirm that <strong>${escape(o.email ?? '')}</strong> belongs to your ${escape(o.tenantName ?? '')} account.`,
    action: 'Confirm address',
    done: (o) => `${escape(o.email ?? 'Your address')} is confirmed.`,
  },
];

/** The paths of the pages behind mailed links (library mode mounts them in a host app). */
export const LINK_PAGE_PATHS: readonly string[] = KINDS.map((k) => k.path);

export function registerLinkPages(app: FastifyInstance, services: Services): void {
  registerPageHeaders(app, { inlineStyles: [STYLE] });
  // Link tokens can be guessed at like bearer tokens: unknown ones draw on the same per-address budget.
  const limiter = services.rateLimiter;
  const guarded = <T extends LinkOutcome>(request: FastifyRequest, look: () => Promise<T>): Promise<T> =>
    limiter.guardLookup(request, look, (o) => 'value' in o && o.value.state === 'unknown');
  for (const k of KINDS) {
    app.get<{ Params: { token: string } }>(k.path, async (request, reply) => {
      const o = await guarded(request, () => services.links.inspect(k.kind, request.params.token));
      if (o.state !== 'valid') return page(reply, o.state === 'unknown' ? 404 : 410, k.title(o), `<p>${GONE[o.state]}</p>`);
      return page(reply, 200, k.title(o), `<p>${k.prompt(o)}</p><form method="post"><button type="submit">${k.action}</button></form>`);
    });
    app.post<{ Params: { token: string } }>(k.path, async (request, reply) => {
      const o = await guarded(request, () => services.links.follow(k.kind, request.params.token, request.id));
      if (o.state !== 'done') return page(reply, o.state === 'unknown' ? 404 : 410, k.title(o), `<p>${GONE[o.state]}</p>`);
      return page(reply, 200, k.title(o), `<p>${k.done(o)}</p>`);
    });
  }
}
