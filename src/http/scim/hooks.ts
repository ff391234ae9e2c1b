/**
 * The hooks every SCIM request passes: authentication and rate limits, the client's IdP profile and normalisers,
 * and one provisioning-log row once the response has gone.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { redactedJsonText, redactedText } from '../../provisioning/requests/redact.ts';
import { loggedUrl } from '../log-url.ts';
import { ScimError } from '../../scim/errors.ts';
import type { HttpOptions, Services } from '../services.ts';
import { whoOf } from './context.ts';


/** How much of a successful GET's answer the request log keeps (errors and writes keep up to maxBodyChars). */
const READ_RESPONSE_CHARS = 4096;
export function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

export function registerScimHooks(app: FastifyInstance, services: Services, options: HttpOptions, mount: string): void {
  const limiter = services.rateLimiter;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const tenantParam = (request.params as { tenant?: string }).tenant;
    const origin = options.publicUrl ?? `${request.protocol}://${request.host}`;
    const path = tenantParam === undefined ? mount : mount.replace(':tenant', encodeURIComponent(tenantParam));
    const baseUrl = `${origin.replace(/\/+$/, '')}${path}`;
    const authorization = header(request, 'authorization');
    // What ends with the response — or with the connection, which may go while the token is looked
    // up, the refusal held or the turn awaited: the client's request counted as in progress, its turn.
    const ends: { closed: boolean; done?: () => void; leave?: () => void } = { closed: false };
    reply.raw.once('close', () => {
      ends.closed = true;
      ends.done?.();
      ends.leave?.();
    });
    const auth = await limiter.guardLookup(
      request,
      () => services.auth.authenticate(authorization, tenantParam),
      (o) => 'error' in o && o.error instanceof ScimError && o.error.status === 401,
      () => services.auth.recognises(authorization),
    );
    request.scim = { auth, baseUrl, origin };
    // After authentication, so the request is counted against its own client (and logged as its).
    const over = limiter.admitClient(auth);
    if (over) await limiter.refuse(request, over);
    // Then wait for one of the client's turns (fair sharing between clients).
    ends.done = limiter.begin(auth.client.id);
    if (ends.closed) ends.done();
    ends.leave = await services.clientGates.enter(auth.client.id);
    if (ends.closed) ends.leave();
  });

  // After the body is parsed: open the request's session (which recognises the IdP and gives the request its normalisers).
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const scim = request.scim;
    if (!scim) return;
    scim.session = await services.openSession({
      auth: scim.auth,
      baseUrl: scim.baseUrl,
      origin: scim.origin,
      requestId: request.id,
      detection: { userAgent: header(request, 'user-agent'), queryKeys: Object.keys((request.query as object | undefined) ?? {}), body: request.body },
      onObserveError: (e) => request.log.warn({ err: e, ...whoOf(request) }, 'could not record the detected IdP'),
    });
  });

  // A callback hook, not an async one: no promise per request (a throw is Fastify's to report, as a rejection would be).
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const log = services.requestLog;
    const scim = request.scim;
    const session = scim?.session;
    if (request.unlogged) return done();
    const unlogged = request.refusalsNotLogged ?? 0;
    let scimType: string | undefined;
    const sent = request.sentJson;
    if (reply.statusCode >= 400 && sent !== undefined) {
      try {
        scimType = (JSON.parse(sent) as { scimType?: string }).scimType;
      } catch {
        scimType = undefined;
      }
    }
    const max = log.options.maxBodyChars;
    const requestBody = redactedText(request.body, max);
    // What the normalisers made of it, redacted the same way, only when they changed it.
    const rewritten = session?.quirks.rewrittenBody;
    const normalisedBody = rewritten === undefined ? undefined : redactedText(rewritten, max);
    // What scimd serialised itself needs no parsing to be redacted. A successful read keeps the
    // beginning of its answer only (a page of 100 users is ~64 KB to store for every page an IdP reads).
    const responseMax = request.method === 'GET' && reply.statusCode < 400 ? Math.min(max, READ_RESPONSE_CHARS) : max;
    const responseBody = sent === undefined ? undefined : redactedJsonText(sent, responseMax);
    log.record({
      at: new Date().toISOString(),
      requestId: request.id,
      method: request.method,
      path: loggedUrl(request),
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
      notes: [...(session?.quirks.notes ?? []), ...(session?.notes ?? []), ...(unlogged ? [`rateLimit: ${unlogged} more refused requests of this client or address were not logged`] : [])],
      ...(scimType ? { scimType } : {}),
      ...(scim ? { tenantId: scim.auth.tenant.id, tenantName: scim.auth.tenant.name, clientId: scim.auth.client.id, clientName: scim.auth.client.name } : {}),
      ...(session ? { idp: session.profile.profile } : {}),
      ...(requestBody ? { requestBody } : {}),
      ...(normalisedBody ? { normalisedBody } : {}),
      ...(responseBody ? { responseBody } : {}),
    });
    done();
  });
}
