/** Starts a real scimd (real SQLite file, real HTTP on 127.0.0.1) for end-to-end tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { resolveConfig, type Config } from '../../src/config.ts';
import { DEFAULT_CLIENT, DEFAULT_TENANT, startServer, type Running, type ServiceTuning } from '../../src/server.ts';

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON body, or undefined for an empty body. */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly text: string;
}

export interface TestServer {
  readonly origin: string;
  /** origin + /scim/v2 */
  readonly base: string;
  /** Token of client `default` in tenant `default`. */
  readonly token: string;
  readonly dataDir: string;
  readonly running: Running;
  /** A request with the default token (override with headers.authorization; pass null to send none). */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string | null>): Promise<Reply>;
  /** Creates a tenant with one client and returns its token. */
  tenant(name: string): Promise<string>;
  /** Creates a tenant with one client and these tenant settings; requests go with that client's token. */
  scimTenant(name: string, settings?: Record<string, string>): Promise<ScimTenant>;
  close(): Promise<void>;
}

/** A tenant as its IdP sees it: its name, and requests with its client's token. */
export interface ScimTenant {
  readonly name: string;
  readonly token: string;
  request(method: string, path: string, body?: unknown): Promise<Reply>;
}

export function tempDir(prefix = 'scimd-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function send(url: string, method: string, body?: unknown, headers: Record<string, string | null> = {}): Promise<Reply> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== null) h[k] = v;
  if (body !== undefined && h['content-type'] === undefined) h['content-type'] = 'application/scim+json';
  const res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** `tuning` sets what configuration does not: a clock, the mail sender's poll and retry delays. */
export async function startTestServer(overrides: Partial<Config> = {}, tuning: ServiceTuning & { logger?: Logger } = {}): Promise<TestServer> {
  const dataDir = tempDir();
  // Tests of other features send requests as fast and as many at once as they like: rate limits
  // and the per-client concurrency bound are off unless a test asks for them (test/rate-limit.test.ts).
  const config: Config = {
    ...resolveConfig({}, {}),
    host: '127.0.0.1',
    port: 0,
    dataDir,
    logLevel: 'silent',
    synchronous: 'NORMAL',
    rateLimit: 0,
    unauthenticatedRateLimit: 0,
    clientConcurrency: 0,
    // Webhook delivery on the event loop unless a test asks for its thread (test/webhooks-thread.test.ts):
    // a thread per in-process server would load the store again through tsx for every test server.
    webhookWorker: false,
    ...overrides,
  };
  const { logger, ...serviceTuning } = tuning;
  const running = await startServer(config, logger ?? false, serviceTuning);
  const token = running.bootstrap.token!;
  const base = `${running.origin}/scim/v2`;
  const server: TestServer = {
    origin: running.origin,
    base,
    token,
    dataDir,
    running,
    request(method, path, body, headers = {}) {
      const auth = 'authorization' in headers ? headers.authorization : `Bearer ${token}`;
      const url = path.startsWith('http') ? path : `${base}${path}`;
      return send(url, method, body, { ...headers, authorization: auth ?? null });
    },
    async tenant(name) {
      await running.services.admin.createTenant(name);
      return (await running.services.admin.createClient(name, 'idp')).token;
    },
    async scimTenant(name, settings = {}) {
      const token = await server.tenant(name);
      for (const [k, v] of Object.entries(settings)) await running.services.admin.setTenantSetting(name, k, v);
      return { name, token, request: (method, path, body) => server.request(method, path, body, { authorization: `Bearer ${token}` }) };
    },
    async close() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * Pins the IdP profile of the default client (whose token `request` sends). Tests of exact RFC
 * 7644 answers pin `strict`: an unpinned client gets the tolerant default.
 */
export async function pinDefaultClient(s: TestServer, idp: string): Promise<void> {
  await s.running.services.admin.setClientSetting(DEFAULT_TENANT, DEFAULT_CLIENT, 'idp', idp);
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [USER_SCHEMA], userName, ...extra });
export const group = (displayName: string, extra: Record<string, unknown> = {}) => ({ schemas: [GROUP_SCHEMA], displayName, ...extra });
export const patch = (...Operations: Record<string, unknown>[]) => ({ schemas: [PATCH_OP], Operations });
