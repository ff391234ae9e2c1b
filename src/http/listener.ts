/**
 * The HTTP(S) listener: timeouts that cut slow clients off, TLS, and a graceful close that
 * finishes in-flight requests while refusing new work.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { unavailable } from '../scim/errors.ts';
import { TLS_MIN_VERSION } from '../tls.ts';
import { sendError } from './errors.ts';
import { isProbe } from './health.ts';

/** Milliseconds. */
export interface ServerTimeouts {
  /** To receive the request line and headers (Node's headersTimeout; 408 after it). */
  readonly headersMs: number;
  /** To receive the whole request, body included (Node's requestTimeout; 408 after it). */
  readonly requestMs: number;
  /** An idle keep-alive connection stays open this long. */
  readonly keepAliveMs: number;
  /** A connection on which no byte moves for this long is closed (slow readers, stuck peers). */
  readonly socketMs: number;
}

/**
 * 10 s for headers and 30 s for a request (a 1 MB body at 35 kB/s) cut a 1 byte/s sender off
 * early without hurting any real client. Keep-alive is 65 s, longer than the 60 s idle timeout
 * of common load balancers, so the balancer closes first and never reuses a closing connection.
 * 120 s of silence ends a connection that reads its response too slowly or not at all.
 */
export const DEFAULT_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 65_000, socketMs: 120_000 };

export interface ListenerOptions {
  readonly timeouts?: ServerTimeouts;
  /** Largest request line plus headers, in bytes (Node's maxHeaderSize; 431 above it). */
  readonly maxHeaderBytes?: number;
  readonly tls?: { readonly cert: string; readonly key: string };
}

/**
 * How often Node looks for connections past headersTimeout/requestTimeout (its default, 30 s,
 * would let a slow client overstay a 10 s limit threefold).
 */
export function checkingInterval(t: ServerTimeouts): number {
  return Math.min(1000, Math.max(25, Math.floor(Math.min(t.headersMs, t.requestMs) / 10)));
}

/** The Fastify server options for these timeouts, over HTTP or HTTPS. */
export function serverOptions(options: ListenerOptions) {
  const t = options.timeouts ?? DEFAULT_TIMEOUTS;
  const node = {
    headersTimeout: t.headersMs,
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.keepAliveMs,
    connectionsCheckingInterval: checkingInterval(t),
    ...(options.maxHeaderBytes ? { maxHeaderSize: options.maxHeaderBytes } : {}),
  };
  return {
    connectionTimeout: t.socketMs,
    keepAliveTimeout: t.keepAliveMs,
    requestTimeout: t.requestMs,
    ...(options.tls
      ? // A TLS handshake gets no longer than the headers that follow it.
        { https: { ...node, cert: options.tls.cert, key: options.tls.key, minVersion: TLS_MIN_VERSION, handshakeTimeout: t.headersMs } }
      : { http: node }),
  } as const;
}

interface Connection {
  /** The request being received or answered on it, and when its headers arrived. */
  active?: { readonly request: IncomingMessage; readonly since: number };
}

/**
 * Node stops enforcing headersTimeout and requestTimeout once server.close() is called, and
 * closes only connections idle at that moment: a client dribbling headers would hold a shutdown
 * open forever. So the connections are tracked here, and on close those with no request in
 * progress are ended at once, and those still sending a body after requestMs are cut off.
 */
class Connections {
  private readonly open = new Map<Socket, Connection>();

  constructor(
    private readonly server: Server,
    tls: boolean,
  ) {
    server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.open.set(socket, {});
      socket.once('close', () => this.open.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: { once(e: 'close', f: () => void): void }) => {
      const c = this.open.get(request.socket);
      if (!c) return;
      const active = { request, since: Date.now() };
      c.active = active;
      response.once('close', () => {
        if (c.active === active) delete c.active;
      });
    });
  }

  drain(requestMs: number, intervalMs: number): void {
    const sweep = () => {
      const now = Date.now();
      for (const [socket, c] of this.open) {
        if (!c.active || (!c.active.request.complete && now - c.active.since > requestMs)) socket.destroy();
      }
    };
    sweep();
    const timer = setInterval(sweep, intervalMs);
    this.server.once('close', () => clearInterval(timer));
  }
}

/**
 * On app.close(): in-flight requests finish and are answered with `Connection: close`; a request
 * that still arrives (other than a probe) gets 503 with Retry-After (RFC 7644 §3.12 body); idle and slow connections
 * are ended. app.close() resolves once the last connection is gone.
 */
export function registerGracefulClose(app: FastifyInstance, options: ListenerOptions): void {
  const t = options.timeouts ?? DEFAULT_TIMEOUTS;
  const connections = new Connections(app.server as Server, options.tls !== undefined);
  let closing = false;
  app.addHook('preClose', (done: HookHandlerDoneFunction) => {
    closing = true;
    connections.drain(t.requestMs, checkingInterval(t));
    done();
  });
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    // Probes still get their own answers: /healthz 200, /readyz 503 (see health.ts).
    if (!closing || isProbe(request)) return done();
    reply.header('connection', 'close');
    sendError(reply, unavailable('scimd is shutting down; retry the request', 1));
  });
  app.addHook('onSend', (_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (e: null, p: unknown) => void) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
