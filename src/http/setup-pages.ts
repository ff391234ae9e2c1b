/**
 * The page behind a setup link (/setup/<token>) and the three JSON endpoints its script calls:
 * the link's tenant and SCIM URL, minting a client pinned to the chosen IdP, and that client's
 * requests as they arrive (Test connection). The token in the path is the only credential and
 * reaches nothing but its own tenant's setup. Unknown tokens draw on the per-address budget of
 * failed authentications. Same strict CSP as the console.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError } from '../provisioning/tenants/directory-admin.ts';
import type { SetupLinkState } from '../provisioning/links/setup-links.ts';
import { consoleAsset, PAGE_HEADERS } from './console-pages.ts';
import { originOf } from './admin/context.ts';
import type { HttpOptions, Services } from './services.ts';

type Valid = Extract<SetupLinkState, { state: 'valid' }>;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function gonePage(reply: FastifyReply, state: 'unknown' | 'expired'): FastifyReply {
  const [status, title, text] =
    state === 'expired'
      ? [410, 'This setup link has expired', 'Setup links work for a limited time. Ask the person who sent it to you for a new one.']
      : [404, 'This setup link is not valid', 'Check that the whole link was copied, or ask the person who sent it to you for a new one.'];
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><link rel="stylesheet" href="/setup-assets/setup.css"><title>${escape(title)}</title></head>` +
        `<body><main><h1>${escape(title)}</h1><p>${escape(text)}</p></main></body></html>`,
    );
}

export function registerSetupPages(app: FastifyInstance, services: Services, options: HttpOptions): void {
  const page = consoleAsset('setup.html');
  const assets = new Map([
    ['setup.js', consoleAsset('setup.js')],
    ['setup.css', consoleAsset('console.css')],
  ]);
  app.register(async (scope) => {
    scope.addHook('onRequest', async (_request, reply) => {
      reply.headers(PAGE_HEADERS);
    });
    const look = (request: FastifyRequest<{ Params: { token: string } }>) =>
      services.rateLimiter.guardLookup(request, () => services.setupLinks.inspect(request.params.token), (o) => 'value' in o && o.value.state === 'unknown');
    /** The link of a JSON request, or an answer saying why there is none. */
    const linkOf = async (request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply): Promise<Valid | undefined> => {
      const link = await look(request);
      if (link.state === 'valid') return link;
      reply.code(link.state === 'expired' ? 410 : 404).send({ detail: link.state === 'expired' ? 'This setup link has expired' : 'This setup link is not valid' });
      return undefined;
    };
    const scimEndpoint = (request: FastifyRequest, tenant: string) => `${originOf(request, options.publicUrl)}/t/${encodeURIComponent(tenant)}/scim/v2`;

    scope.get<{ Params: { file: string } }>('/setup-assets/:file', async (request, reply) => {
      const a = assets.get(request.params.file);
      if (!a) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found');
      return reply.header('content-type', a.type).send(a.body);
    });

    scope.get<{ Params: { token: string } }>('/setup/:token', async (request, reply) => {
      const link = await look(request);
      if (link.state !== 'valid') return gonePage(reply, link.state);
      return reply.header('content-type', page.type).send(page.body);
    });

    scope.get<{ Params: { token: string } }>('/setup/:token/link', async (request, reply) => {
      const link = await linkOf(request, reply);
      if (!link) return reply;
      return { tenant: link.tenant, expiresAt: link.expiresAt, scimEndpoint: scimEndpoint(request, link.tenant) };
    });

    scope.post<{ Params: { token: string }; Body: { idp?: unknown } }>('/setup/:token/client', async (request, reply) => {
      const link = await linkOf(request, reply);
      if (!link) return reply;
      const idp = request.body?.idp;
      if (typeof idp !== 'string') return reply.code(400).send({ detail: 'Send {"idp": "<entra|okta|…>"} as application/json' });
      try {
        const minted = await services.setupLinks.mintClient(link, idp);
        return reply.code(201).send({ ...minted, scimEndpoint: scimEndpoint(request, link.tenant) });
      } catch (e) {
        if (e instanceof AdminError) return reply.code(e.code === 'not_found' ? 404 : 400).send({ detail: e.message });
        throw e;
      }
    });

    scope.get<{ Params: { token: string }; Querystring: { after?: string } }>('/setup/:token/requests', async (request, reply) => {
      const link = await linkOf(request, reply);
      if (!link) return reply;
      const after = /^\d{1,15}$/.test(request.query.after ?? '') ? Number(request.query.after) : 0;
      return { requests: await services.setupLinks.requests(link, after) };
    });
  });
}
