/**
 * Console sessions: signing in with an admin key gives a random session id in an HttpOnly,
 * SameSite=Strict cookie (Secure under TLS) and a CSRF token the page sends back in X-CSRF-Token
 * on every change. Sessions live in this process's memory: with several replicas behind a load
 * balancer, the console needs sticky sessions (or signing in again after a switch). A session
 * keeps the hash of its key, never the key, and is checked against it on every request, so a
 * revoked key ends its sessions. Idle sessions expire (30 minutes by default, sliding).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminKeys, AdminPrincipal } from '../../provisioning/tenants/admin-keys.ts';
import { AdminAuthError } from '../../provisioning/tenants/admin-keys.ts';
import { Problem } from './problem.ts';

export const SESSION_COOKIE = 'scimd_session';
export const CSRF_HEADER = 'x-csrf-token';
export const DEFAULT_CONSOLE_IDLE_MS = 30 * 60_000;
const MAX_SESSIONS = 10_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface Session {
  readonly keyHash: string;
  readonly csrf: string;
  lastSeen: number;
}

export interface SessionInfo {
  readonly csrfToken: string;
  readonly idleTimeoutSeconds: number;
}

/** The value of one cookie in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export class ConsoleSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly keys: AdminKeys,
    readonly idleMs: number = DEFAULT_CONSOLE_IDLE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The session id a request's cookie names (not checked). */
  idOf(request: FastifyRequest): string | undefined {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    return id && /^[A-Za-z0-9_-]{43}$/.test(id) ? id : undefined;
  }

  /** Opens a session for a key already authenticated, sets its cookie, and answers the CSRF token. */
  open(request: FastifyRequest, reply: FastifyReply, secret: string): SessionInfo {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const session: Session = { keyHash: this.keys.hashOf(secret), csrf: randomBytes(32).toString('base64url'), lastSeen: this.now() };
    this.sessions.set(id, session);
    reply.header('set-cookie', this.cookie(request, id));
    return this.info(session);
  }

  /** Ends the request's session (if any) and clears its cookie. */
  close(request: FastifyRequest, reply: FastifyReply): void {
    const id = this.idOf(request);
    if (id) this.sessions.delete(id);
    reply.header('set-cookie', this.cookie(request, undefined));
  }

  /**
   * The principal of a request that carries a session cookie: 401 when the session is unknown,
   * idle too long or its key revoked; 403 for a change without the session's CSRF token.
   */
  async authenticate(request: FastifyRequest, id: string): Promise<AdminPrincipal> {
    const session = this.sessions.get(id);
    const now = this.now();
    if (!session || now - session.lastSeen > this.idleMs) {
      this.sessions.delete(id);
      throw new Problem('unauthorized', 'The console session has expired or ended: sign in again');
    }
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameSecret(sent, session.csrf)) throw new Problem('forbidden', `A change made with a console session needs the session's CSRF token in the ${CSRF_HEADER} header`);
    }
    let principal: AdminPrincipal;
    try {
      principal = await this.keys.authenticateHash(session.keyHash);
    } catch (e) {
      if (!(e instanceof AdminAuthError)) throw e;
      this.sessions.delete(id);
      throw new Problem('unauthorized', `${e.message}: the console session has ended`);
    }
    session.lastSeen = now;
    return principal;
  }

  /** What the page needs to keep working after a reload: the CSRF token of its session. */
  infoOf(id: string): SessionInfo | undefined {
    const session = this.sessions.get(id);
    return session ? this.info(session) : undefined;
  }

  get size(): number {
    return this.sessions.size;
  }

  private info(session: Session): SessionInfo {
    return { csrfToken: session.csrf, idleTimeoutSeconds: Math.ceil(this.idleMs / 1000) };
  }

  /** The Set-Cookie value for a session id, or one that clears the cookie (undefined). */
  private cookie(request: FastifyRequest, id: string | undefined): string {
    // Max-Age only bounds the cookie (12 hours); the server's idle timeout (sliding) is what ends a session.
    return `${SESSION_COOKIE}=${id ?? ''}; Path=/; HttpOnly; SameSite=Strict${request.protocol === 'https' ? '; Secure' : ''}; Max-Age=${id === undefined ? 0 : 12 * 3600}`;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (now - s.lastSeen > this.idleMs) this.sessions.delete(id);
  }
}
