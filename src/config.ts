/**
 * Configuration: command-line flags, then environment variables, then defaults.
 * Invalid values raise ConfigError, which the CLI prints and exits with code 2.
 */
import { resolve } from 'node:path';
import { parseDuration } from './provisioning/tenants/duration.ts';
import type { RequestLimits } from './scim/limits.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The per-request limits (src/scim/limits.ts) are settings like the rest. */
export interface Config extends RequestLimits {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  readonly bootstrapToken?: string;
  /** SCIMD_BOOTSTRAP_ADMIN_KEY: an admin key for every tenant, created on a start that finds none. */
  readonly bootstrapAdminKey?: string;
  /** A separate listener for the admin API (and, with metrics = admin, /metrics); absent: the admin API is on the main listener. */
  readonly adminPort?: number;
  readonly adminHost: string;
  readonly publicUrl?: string;
  readonly maxResults: number;
  readonly bodyLimit: number;
  readonly bulkMaxOperations: number;
  readonly maxUrlLength: number;
  readonly maxHeaderBytes: number;
  readonly requestLogDays: number;
  readonly requestLogRows: number;
  readonly eventRetentionDays: number;
  readonly trustProxy: boolean;
  readonly synchronous: 'FULL' | 'NORMAL';
  /** PostgreSQL connection URL; when set, PostgreSQL is used instead of the SQLite file. */
  readonly databaseUrl?: string;
  readonly databasePoolSize: number;
  readonly smtpUrl?: string;
  readonly mailFrom: string;
  /** Webhook receivers on loopback and private addresses are allowed (tests, on-premise receivers). */
  readonly webhookAllowPrivate: boolean;
  /** Serve the SQLite data directory read-only: reads as usual, writes 503 with Retry-After (a move to PostgreSQL). */
  readonly readOnly?: boolean;
  /** Webhooks are delivered from a worker thread with an event loop of its own (false: on the server's). */
  readonly webhookWorker: boolean;
  /** Requests per second each SCIM client may send (0: unlimited), and its burst. */
  readonly rateLimit: number;
  readonly rateLimitBurst: number;
  /** When that limit refuses: `fair`, only while other clients are active; `always`, whenever it is spent. */
  readonly rateLimitMode: 'fair' | 'always';
  /** Failed authentications per second per client address (0: unlimited), and the burst. */
  readonly unauthenticatedRateLimit: number;
  readonly unauthenticatedRateLimitBurst: number;
  /** Requests of one SCIM client worked on at once (0: no limit). */
  readonly clientConcurrency: number;
  /** Milliseconds a refused request is held before its 429 is sent. */
  readonly rateLimitHold: number;
  /** Milliseconds: to receive request headers, the whole request, between keep-alive requests, of socket silence. */
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly socketTimeout: number;
  /** Milliseconds a graceful shutdown may take before scimd exits non-zero. */
  readonly shutdownTimeout: number;
  /** PEM files of an HTTPS listener (both or neither). */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** GET /metrics (Prometheus): served unless off; with a token, to its bearer from anywhere, else to loopback and private addresses only. */
  readonly metrics: 'on' | 'off' | 'admin';
  readonly metricsToken?: string;
  /** Distinct tenant (and client) label values before the rest fold into `other`. */
  readonly metricsMaxTenants: number;
}

export type Flags = Readonly<Record<string, string | boolean | undefined>>;
export type Env = Readonly<Record<string, string | undefined>>;

/** One setting: its flag, its environment variable, its default, and how to read it. */
interface Setting<T> {
  readonly flag: string;
  readonly env: string;
  readonly fallback: T;
  readonly parse: (raw: string, source: string) => T;
  /** Placeholder and one-line description, for `scimd serve --help`. */
  readonly arg: string;
  readonly doc: string;
  /** The default as `--help` shows it, where String(fallback) would mislead. */
  readonly shown?: string;
}

function pick<T>(s: Setting<T>, flags: Flags, env: Env): T {
  const f = flags[s.flag];
  if (typeof f === 'string') return s.parse(f, `--${s.flag}`);
  if (f === true) throw new ConfigError(`--${s.flag} needs a value`);
  const e = env[s.env];
  if (e !== undefined && e !== '') return s.parse(e, s.env);
  return s.fallback;
}

const integer = (min: number, max: number) => (raw: string, source: string) => {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(`Invalid ${source} '${raw}': expected an integer from ${min} to ${max}`);
  return n;
};

const text = (raw: string) => raw;
/** One of `choices`, compared after trimming and folding case to how the choices are spelled. */
const oneOf = <C extends string>(choices: readonly [C, C, ...C[]], fold: (s: string) => string) => (raw: string, source: string): C => {
  const v = fold(raw.trim());
  const found = choices.find((c) => c === v);
  if (found === undefined) throw new ConfigError(`Invalid ${source} '${raw}': expected ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`);
  return found;
};

/** A request rate: an integer, or `off` (0) for no limit. */
/** true/yes/1 or false/no/0, in any case. */
function boolean(raw: string, source: string): boolean {
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(`Invalid ${source} '${raw}': expected true or false`);
}

const rate = (max: number) => (raw: string, source: string) => (/^\s*off\s*$/i.test(raw) ? 0 : integer(0, max)(raw, source));

/** A duration such as 500ms, 10s or 2m (a bare number is seconds), in milliseconds. */
const duration = (minMs: number, maxMs: number) => (raw: string, source: string) => {
  const ms = parseDuration(raw);
  if (ms === undefined || ms < minMs || ms > maxMs) throw new ConfigError(`Invalid ${source} '${raw}': expected a duration from ${minMs}ms to ${maxMs / 1000}s, such as 500ms, 10s or 2m`);
  return ms;
};

const filePath = (raw: string, source: string) => {
  if (raw.trim() === '') throw new ConfigError(`Invalid ${source}: expected a file path`);
  return raw;
};

export const SETTINGS = {
  host: {
    flag: 'host', arg: '<addr>', doc: 'address to listen on (0.0.0.0 for all)',
    env: 'SCIMD_HOST',
    fallback: '127.0.0.1',
    parse: (raw: string, source: string) => {
      const host = raw.trim();
      if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) throw new ConfigError(`Invalid ${source} '${raw}': expected a host name or IP address such as 127.0.0.1 or 0.0.0.0`);
      return host;
    },
  },
  port: { flag: 'port', arg: '<n>', doc: 'port to listen on (0 picks a free one)', env: 'SCIMD_PORT', fallback: 8080, parse: integer(0, 65535) },
  adminPort: {
    flag: 'admin-port', arg: '<n>', doc: 'serve the admin API (/admin/v1) on this port only, not on --port (0 picks a free one)',
    env: 'SCIMD_ADMIN_PORT', fallback: undefined as number | undefined, parse: integer(0, 65535),
  },
  adminHost: {
    flag: 'admin-host', arg: '<addr>', doc: 'address of the --admin-port listener',
    env: 'SCIMD_ADMIN_HOST', fallback: '127.0.0.1',
    parse: (raw: string, source: string) => {
      const host = raw.trim();
      if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) throw new ConfigError(`Invalid ${source} '${raw}': expected a host name or IP address such as 127.0.0.1`);
      return host;
    },
  },
  dataDir: { flag: 'data-dir', arg: '<dir>', doc: 'directory of the SQLite database scimd.db', env: 'SCIMD_DATA_DIR', fallback: './data', parse: text },
  logLevel: {
    flag: 'log-level', arg: '<level>', doc: 'fatal, error, warn, info, debug, trace or silent',
    env: 'SCIMD_LOG_LEVEL',
    fallback: 'info' as LogLevel,
    parse: (raw: string, source: string) => {
      const v = raw.trim().toLowerCase() as LogLevel;
      if (!LOG_LEVELS.includes(v)) throw new ConfigError(`Invalid ${source} '${raw}': expected one of ${LOG_LEVELS.join(', ')}`);
      return v;
    },
  },
  publicUrl: {
    flag: 'public-url', arg: '<url>', doc: 'the https://host[:port] clients use, for meta.location behind a proxy',
    env: 'SCIMD_PUBLIC_URL',
    fallback: undefined as string | undefined,
    parse: (raw: string, source: string) => {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw new ConfigError(`Invalid ${source} '${raw}': expected an absolute http(s) URL such as https://scim.example.com`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`Invalid ${source} '${raw}': expected http or https`);
      if (u.pathname !== '/' || u.search || u.hash) throw new ConfigError(`Invalid ${source} '${raw}': give only scheme, host and port; scimd adds /scim/v2`);
      return u.origin;
    },
  },
  maxResults: { flag: 'max-results', arg: '<n>', doc: 'largest page of a list or search', env: 'SCIMD_MAX_RESULTS', fallback: 1000, parse: integer(1, 100_000) },
  bodyLimit: { flag: 'max-body-bytes', arg: '<n>', doc: 'largest request body (also bulk maxPayloadSize)', env: 'SCIMD_MAX_BODY_BYTES', fallback: 1_048_576, parse: integer(1024, 1_073_741_824) },
  bulkMaxOperations: { flag: 'bulk-max-operations', arg: '<n>', doc: 'most operations in one /Bulk request', env: 'SCIMD_BULK_MAX_OPERATIONS', fallback: 1000, parse: integer(1, 100_000) },
  maxJsonDepth: { flag: 'max-json-depth', arg: '<n>', doc: 'deepest nesting of objects and arrays in a JSON body', env: 'SCIMD_MAX_JSON_DEPTH', fallback: 32, parse: integer(8, 256) },
  maxNameLength: {
    flag: 'max-name-length', arg: '<n>', doc: 'longest JSON key, and attribute name in sortBy, attributes and excludedAttributes',
    env: 'SCIMD_MAX_NAME_LENGTH', fallback: 512, parse: integer(64, 8192),
  },
  maxFilterLength: { flag: 'max-filter-length', arg: '<n>', doc: 'longest filter or PATCH path, in characters', env: 'SCIMD_MAX_FILTER_LENGTH', fallback: 4096, parse: integer(64, 16_384) },
  maxFilterDepth: {
    flag: 'max-filter-depth', arg: '<n>', doc: 'deepest nesting of parentheses, not and value filters in a filter or PATCH path',
    env: 'SCIMD_MAX_FILTER_DEPTH', fallback: 32, parse: integer(1, 64),
  },
  patchMaxOperations: { flag: 'patch-max-operations', arg: '<n>', doc: 'most operations in one PATCH request', env: 'SCIMD_PATCH_MAX_OPERATIONS', fallback: 1000, parse: integer(1, 100_000) },
  maxMembers: {
    flag: 'max-members-per-request', arg: '<n>', doc: 'most group members in one POST or PUT, or in the member values of one PATCH',
    env: 'SCIMD_MAX_MEMBERS_PER_REQUEST', fallback: 10_000, parse: integer(1, 1_000_000),
  },
  maxValues: {
    flag: 'max-values-per-attribute', arg: '<n>', doc: 'most values of one multi-valued attribute (group members excepted)',
    env: 'SCIMD_MAX_VALUES_PER_ATTRIBUTE', fallback: 1000, parse: integer(1, 100_000),
  },
  maxAttributeNames: { flag: 'max-attribute-names', arg: '<n>', doc: 'most names in attributes or excludedAttributes', env: 'SCIMD_MAX_ATTRIBUTE_NAMES', fallback: 200, parse: integer(1, 10_000) },
  maxUrlLength: { flag: 'max-url-length', arg: '<n>', doc: 'longest request URL (path and query) in characters; 414 above it', env: 'SCIMD_MAX_URL_LENGTH', fallback: 8192, parse: integer(1024, 1_048_576) },
  maxHeaderBytes: {
    flag: 'max-header-bytes', arg: '<n>', doc: 'largest request line plus headers in bytes; 431 above it',
    env: 'SCIMD_MAX_HEADER_BYTES', fallback: 16_384, parse: integer(4096, 1_048_576),
  },
  requestLogDays: { flag: 'request-log-days', arg: '<n>', doc: 'days the provisioning request log keeps entries', env: 'SCIMD_REQUEST_LOG_DAYS', fallback: 30, parse: integer(1, 3650) },
  eventRetentionDays: { flag: 'event-retention-days', arg: '<n>', doc: 'days the change log keeps events (the events API answers 410 to a cursor older than that)', env: 'SCIMD_EVENT_RETENTION_DAYS', fallback: 30, parse: integer(1, 3650) },
  requestLogRows: { flag: 'request-log-rows', arg: '<n>', doc: 'most entries the provisioning request log keeps', env: 'SCIMD_REQUEST_LOG_ROWS', fallback: 100_000, parse: integer(100, 100_000_000) },
  trustProxy: {
    flag: 'trust-proxy', arg: '<bool>', doc: 'read X-Forwarded-* headers',
    env: 'SCIMD_TRUST_PROXY',
    fallback: false,
    parse: boolean,
  },
  databaseUrl: {
    flag: 'database-url',
    arg: '<url>',
    doc: 'postgres://user@host:5432/db: use PostgreSQL instead of SQLite (any number of replicas)',
    env: 'SCIMD_DATABASE_URL',
    fallback: undefined as string | undefined,
    parse: (raw: string, source: string) => {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw new ConfigError(`Invalid ${source}: expected a URL such as postgres://user@127.0.0.1:5432/scimd`);
      }
      if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new ConfigError(`Invalid ${source}: only postgres:// URLs are supported`);
      return raw;
    },
  },
  smtpUrl: {
    flag: 'smtp-url',
    arg: '<url>',
    doc: 'smtp://user:pass@host:587 (or smtps://): where invitation and validation mail goes; without it mail stays in the outbox',
    env: 'SCIMD_SMTP_URL',
    fallback: undefined as string | undefined,
    parse: (raw: string, source: string) => {
      if (!/^smtps?:\/\/[^\s]+$/.test(raw)) throw new ConfigError(`Invalid ${source}: expected smtp://host:port or smtps://host:port`);
      return raw;
    },
  },
  readOnly: {
    flag: 'read-only', arg: '<bool>', doc: 'serve the SQLite data directory read-only: reads as usual, every write 503 with Retry-After (while it moves to PostgreSQL)',
    env: 'SCIMD_READ_ONLY',
    fallback: false,
    parse: boolean,
  },
  webhookAllowPrivate: {
    flag: 'webhook-allow-private', arg: '<bool>', doc: 'allow webhook receivers on loopback and private addresses (refused otherwise: SSRF)',
    env: 'SCIMD_WEBHOOK_ALLOW_PRIVATE',
    fallback: false,
    parse: boolean,
  },
  webhookWorker: {
    flag: 'webhook-worker', arg: '<bool>', doc: "deliver webhooks from a worker thread of their own, so delivery keeps up with a busy server (false: on the server's event loop)",
    env: 'SCIMD_WEBHOOK_WORKER',
    fallback: true,
    parse: boolean,
  },
  mailFrom: { flag: 'mail-from', arg: '<address>', doc: 'sender of the mail scimd sends', env: 'SCIMD_MAIL_FROM', fallback: 'scimd <scimd@localhost>', parse: text },
  databasePoolSize: { flag: 'database-pool-size', arg: '<n>', doc: 'PostgreSQL connections per scimd process (the webhook delivery thread has up to 4 more)', env: 'SCIMD_DATABASE_POOL_SIZE', fallback: 10, parse: integer(1, 1000) },
  synchronous: {
    flag: 'sqlite-synchronous', arg: '<mode>', doc: 'FULL survives power loss, NORMAL a crash of scimd',
    env: 'SCIMD_SQLITE_SYNCHRONOUS',
    fallback: 'FULL' as 'FULL' | 'NORMAL',
    parse: oneOf<'FULL' | 'NORMAL'>(['FULL', 'NORMAL'], (v) => v.toUpperCase()),
  },
  rateLimit: {
    flag: 'rate-limit', arg: '<n|off>', doc: "each SCIM client's share in requests per second while other clients are active (429 above it; per process; see --rate-limit-mode); off for no limit",
    env: 'SCIMD_RATE_LIMIT', fallback: 50, parse: rate(100_000),
  },
  rateLimitBurst: { flag: 'rate-limit-burst', arg: '<n>', doc: 'requests a SCIM client may send at once after a quiet spell', env: 'SCIMD_RATE_LIMIT_BURST', fallback: 100, parse: integer(1, 1_000_000) },
  rateLimitMode: {
    flag: 'rate-limit-mode', arg: '<fair|always>', doc: 'fair: a client past --rate-limit is refused only while other clients are active (alone, never); always: whenever it is past it',
    env: 'SCIMD_RATE_LIMIT_MODE',
    fallback: 'fair' as 'fair' | 'always',
    parse: oneOf<'fair' | 'always'>(['fair', 'always'], (v) => v.toLowerCase()),
  },
  unauthenticatedRateLimit: {
    flag: 'unauthenticated-rate-limit', arg: '<n|off>', doc: 'requests per second with a missing or invalid token from one address (IPv6: one /64)',
    env: 'SCIMD_UNAUTHENTICATED_RATE_LIMIT', fallback: 5, parse: rate(100_000),
  },
  unauthenticatedRateLimitBurst: {
    flag: 'unauthenticated-rate-limit-burst', arg: '<n>', doc: 'failed authentications one address may have at once',
    env: 'SCIMD_UNAUTHENTICATED_RATE_LIMIT_BURST', fallback: 20, parse: integer(1, 1_000_000),
  },
  clientConcurrency: {
    flag: 'client-concurrency', arg: '<n|off>', doc: "requests of one SCIM client worked on at once; more wait their turn, so one client's burst cannot slow the others",
    env: 'SCIMD_CLIENT_CONCURRENCY', fallback: 4, parse: rate(10_000),
  },
  rateLimitHold: {
    flag: 'rate-limit-hold', arg: '<duration>', doc: 'how long a refused request waits before its 429 goes out (slows floods from clients that wait for answers); 0 for at once',
    env: 'SCIMD_RATE_LIMIT_HOLD', fallback: 1000, shown: '1s', parse: (raw: string, source: string) => (/^\s*0\s*$/.test(raw) ? 0 : duration(1, 60_000)(raw, source)),
  },
  headersTimeout: {
    flag: 'headers-timeout', arg: '<duration>', doc: 'time a client has to send the request headers (408 after it)',
    env: 'SCIMD_HEADERS_TIMEOUT', fallback: 10_000, shown: '10s', parse: duration(100, 600_000),
  },
  requestTimeout: {
    flag: 'request-timeout', arg: '<duration>', doc: 'time a client has to send the whole request, headers and body (408 after it)',
    env: 'SCIMD_REQUEST_TIMEOUT', fallback: 30_000, shown: '30s', parse: duration(100, 3_600_000),
  },
  keepAliveTimeout: {
    flag: 'keep-alive-timeout', arg: '<duration>', doc: 'how long an idle keep-alive connection stays open',
    env: 'SCIMD_KEEP_ALIVE_TIMEOUT', fallback: 65_000, shown: '65s', parse: duration(100, 3_600_000),
  },
  socketTimeout: {
    flag: 'socket-timeout', arg: '<duration>', doc: 'a connection on which nothing moves for this long is closed',
    env: 'SCIMD_SOCKET_TIMEOUT', fallback: 120_000, shown: '120s', parse: duration(100, 3_600_000),
  },
  shutdownTimeout: {
    flag: 'shutdown-timeout', arg: '<duration>', doc: 'on SIGTERM/SIGINT, how long in-flight requests may take before scimd exits with code 1',
    env: 'SCIMD_SHUTDOWN_TIMEOUT', fallback: 25_000, shown: '25s', parse: duration(100, 3_600_000),
  },
  tlsCert: { flag: 'tls-cert', arg: '<file>', doc: 'PEM certificate (chain) of an HTTPS listener; needs --tls-key', env: 'SCIMD_TLS_CERT', fallback: undefined as string | undefined, parse: filePath },
  tlsKey: { flag: 'tls-key', arg: '<file>', doc: 'PEM private key of the HTTPS listener; needs --tls-cert', env: 'SCIMD_TLS_KEY', fallback: undefined as string | undefined, parse: filePath },
  metrics: {
    flag: 'metrics', arg: '<on|off|admin>', doc: 'GET /metrics in the Prometheus text format (off: 404; admin: only on the --admin-port listener)',
    env: 'SCIMD_METRICS', fallback: 'on' as 'on' | 'off' | 'admin', parse: oneOf<'on' | 'off' | 'admin'>(['on', 'off', 'admin'], (v) => v.toLowerCase()),
  },
  metricsToken: {
    flag: 'metrics-token', arg: '<token>', doc: 'bearer token /metrics then requires, from any address (without it: loopback and private addresses only)',
    env: 'SCIMD_METRICS_TOKEN', fallback: undefined as string | undefined,
    parse: (raw: string, source: string) => {
      // The value is never echoed: it is a secret.
      if (raw.length < 16 || raw.length > 512 || /\s/.test(raw)) throw new ConfigError(`Invalid ${source}: expected 16–512 characters without spaces`);
      return raw;
    },
  },
  metricsMaxTenants: {
    flag: 'metrics-max-tenants', arg: '<n>', doc: 'distinct tenant and client labels in /metrics; more fold into `other`',
    env: 'SCIMD_METRICS_MAX_TENANTS', fallback: 100, parse: integer(1, 100_000),
  },
} satisfies Record<string, Setting<unknown>>;

export function resolveConfig(flags: Flags, env: Env, cwd = process.cwd()): Config {
  const host = pick(SETTINGS.host, flags, env);
  // Like every other variable, an empty one counts as unset.
  const bootstrapToken = env.SCIMD_BOOTSTRAP_TOKEN || undefined;
  if (bootstrapToken !== undefined && (bootstrapToken.trim() === '' || /\s/.test(bootstrapToken) || bootstrapToken.length > 512)) {
    throw new ConfigError('Invalid SCIMD_BOOTSTRAP_TOKEN: it must be 1–512 characters without spaces');
  }
  const bootstrapAdminKey = env.SCIMD_BOOTSTRAP_ADMIN_KEY || undefined;
  if (bootstrapAdminKey !== undefined && (/\s/.test(bootstrapAdminKey) || bootstrapAdminKey.length < 32 || bootstrapAdminKey.length > 512)) {
    throw new ConfigError('Invalid SCIMD_BOOTSTRAP_ADMIN_KEY: it must be 32–512 characters without spaces (openssl rand -hex 32 makes one)');
  }
  const publicUrl = pick(SETTINGS.publicUrl, flags, env);
  const adminPort = pick(SETTINGS.adminPort, flags, env);
  const metrics = pick(SETTINGS.metrics, flags, env);
  if (metrics === 'admin' && adminPort === undefined) throw new ConfigError('--metrics admin serves /metrics on the admin listener: give --admin-port too');
  return {
    host,
    ...(bootstrapAdminKey ? { bootstrapAdminKey } : {}),
    ...(adminPort !== undefined ? { adminPort } : {}),
    adminHost: pick(SETTINGS.adminHost, flags, env),
    port: pick(SETTINGS.port, flags, env),
    dataDir: resolve(cwd, pick(SETTINGS.dataDir, flags, env)),
    logLevel: pick(SETTINGS.logLevel, flags, env),
    ...(bootstrapToken ? { bootstrapToken } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    maxResults: pick(SETTINGS.maxResults, flags, env),
    bodyLimit: pick(SETTINGS.bodyLimit, flags, env),
    bulkMaxOperations: pick(SETTINGS.bulkMaxOperations, flags, env),
    maxJsonDepth: pick(SETTINGS.maxJsonDepth, flags, env),
    maxNameLength: pick(SETTINGS.maxNameLength, flags, env),
    maxFilterLength: pick(SETTINGS.maxFilterLength, flags, env),
    maxFilterDepth: pick(SETTINGS.maxFilterDepth, flags, env),
    patchMaxOperations: pick(SETTINGS.patchMaxOperations, flags, env),
    maxMembers: pick(SETTINGS.maxMembers, flags, env),
    maxValues: pick(SETTINGS.maxValues, flags, env),
    maxAttributeNames: pick(SETTINGS.maxAttributeNames, flags, env),
    maxUrlLength: pick(SETTINGS.maxUrlLength, flags, env),
    maxHeaderBytes: pick(SETTINGS.maxHeaderBytes, flags, env),
    requestLogDays: pick(SETTINGS.requestLogDays, flags, env),
    requestLogRows: pick(SETTINGS.requestLogRows, flags, env),
    eventRetentionDays: pick(SETTINGS.eventRetentionDays, flags, env),
    trustProxy: pick(SETTINGS.trustProxy, flags, env),
    synchronous: pick(SETTINGS.synchronous, flags, env),
    ...(databaseUrlOf(flags, env) ? { databaseUrl: databaseUrlOf(flags, env)! } : {}),
    databasePoolSize: pick(SETTINGS.databasePoolSize, flags, env),
    ...(pick(SETTINGS.smtpUrl, flags, env) ? { smtpUrl: pick(SETTINGS.smtpUrl, flags, env)! } : {}),
    mailFrom: pick(SETTINGS.mailFrom, flags, env),
    webhookAllowPrivate: pick(SETTINGS.webhookAllowPrivate, flags, env),
    ...readOnlyOf(flags, env),
    webhookWorker: pick(SETTINGS.webhookWorker, flags, env),
    ...trafficConfig(flags, env, cwd),
  };
}

/** --read-only: SQLite only (a PostgreSQL deployment stops writes in the database). */
function readOnlyOf(flags: Flags, env: Env): { readOnly: boolean } {
  const readOnly = pick(SETTINGS.readOnly, flags, env);
  if (readOnly && databaseUrlOf(flags, env)) throw new ConfigError('--read-only (SCIMD_READ_ONLY) serves a SQLite data directory read-only; it does not apply with --database-url');
  return { readOnly };
}

/** Rate limits, timeouts, TLS and metrics. The TLS files are read (and checked) when the server starts. */
function trafficConfig(flags: Flags, env: Env, cwd: string) {
  const metricsToken = pick(SETTINGS.metricsToken, flags, env);
  const headersTimeout = pick(SETTINGS.headersTimeout, flags, env);
  const requestTimeout = pick(SETTINGS.requestTimeout, flags, env);
  if (headersTimeout > requestTimeout) throw new ConfigError(`Invalid --headers-timeout (${headersTimeout}ms): it must not exceed --request-timeout (${requestTimeout}ms), which includes the headers`);
  const tlsCert = pick(SETTINGS.tlsCert, flags, env);
  const tlsKey = pick(SETTINGS.tlsKey, flags, env);
  return {
    rateLimit: pick(SETTINGS.rateLimit, flags, env),
    rateLimitBurst: pick(SETTINGS.rateLimitBurst, flags, env),
    rateLimitMode: pick(SETTINGS.rateLimitMode, flags, env),
    unauthenticatedRateLimit: pick(SETTINGS.unauthenticatedRateLimit, flags, env),
    unauthenticatedRateLimitBurst: pick(SETTINGS.unauthenticatedRateLimitBurst, flags, env),
    rateLimitHold: pick(SETTINGS.rateLimitHold, flags, env),
    clientConcurrency: pick(SETTINGS.clientConcurrency, flags, env),
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: pick(SETTINGS.keepAliveTimeout, flags, env),
    socketTimeout: pick(SETTINGS.socketTimeout, flags, env),
    shutdownTimeout: pick(SETTINGS.shutdownTimeout, flags, env),
    metrics: pick(SETTINGS.metrics, flags, env),
    ...(metricsToken ? { metricsToken } : {}),
    metricsMaxTenants: pick(SETTINGS.metricsMaxTenants, flags, env),
    ...(tlsCert ? { tlsCert: resolve(cwd, tlsCert) } : {}),
    ...(tlsKey ? { tlsKey: resolve(cwd, tlsKey) } : {}),
  };
}

/** --webhook-allow-private / SCIMD_WEBHOOK_ALLOW_PRIVATE alone, for the webhook commands. */
export function resolveWebhookAllowPrivate(flags: Flags, env: Env): boolean {
  return pick(SETTINGS.webhookAllowPrivate, flags, env);
}

/** --public-url / SCIMD_PUBLIC_URL alone, for admin commands that build links. */
export function resolvePublicUrl(flags: Flags, env: Env): string | undefined {
  return pick(SETTINGS.publicUrl, flags, env);
}

/** --admin-port / SCIMD_ADMIN_PORT alone: whether the server has an admin listener of its own. */
export function resolveAdminPort(flags: Flags, env: Env): number | undefined {
  return pick(SETTINGS.adminPort, flags, env);
}

function databaseUrlOf(flags: Flags, env: Env): string | undefined {
  return pick(SETTINGS.databaseUrl, flags, env);
}

/** The settings an admin command needs: where the database is, and how to open it. */
export function resolveStorageConfig(flags: Flags, env: Env, cwd = process.cwd()): StorageConfig {
  const databaseUrl = databaseUrlOf(flags, env);
  return {
    dataDir: resolve(cwd, pick(SETTINGS.dataDir, flags, env)),
    synchronous: pick(SETTINGS.synchronous, flags, env),
    maxResults: pick(SETTINGS.maxResults, flags, env),
    databasePoolSize: pick(SETTINGS.databasePoolSize, flags, env),
    ...(databaseUrl ? { databaseUrl } : {}),
  };
}

export type StorageConfig = Pick<Config, 'dataDir' | 'synchronous' | 'maxResults' | 'databaseUrl' | 'databasePoolSize' | 'readOnly'>;

/** The SQLite database file inside the data directory. */
export function databaseFile(config: Pick<Config, 'dataDir'>): string {
  return resolve(config.dataDir, 'scimd.db');
}
