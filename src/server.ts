/** Start-up: wires the store, the services and the HTTP app together, and bootstraps a first tenant. */
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { DEFAULT_CLIENT, DEFAULT_TENANT } from './default-client.ts';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import type { HttpOptions, Services } from './http/services.ts';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from './http/rate-limit.ts';
import { ClientGates } from './http/client-gates.ts';
import { AdminService } from './provisioning/tenants/directory-admin.ts';
import { AdminKeys } from './provisioning/tenants/admin-keys.ts';
import { DirectoryReader } from './provisioning/tenants/directory-reader.ts';
import { EventFeed } from './provisioning/events/event-feed.ts';
import { EventRetention } from './provisioning/background/event-retention.ts';
import { Authenticator } from './provisioning/requests/auth.ts';
import { BulkService } from './provisioning/resources/bulk.ts';
import { MailSender, type MailLog } from './provisioning/background/mail-sender.ts';
import { TenantModels } from './provisioning/tenants/tenant-model.ts';
import { SetupLinkService } from './provisioning/links/setup-links.ts';
import { LinkService } from './provisioning/links/follow-link.ts';
import { TenantAdmin } from './provisioning/tenants/tenant-data-admin.ts';
import { DEFAULT_REQUEST_LOG, RequestLog } from './provisioning/background/request-log.ts';
import { ResourceService } from './provisioning/resources/resource-service.ts';
import { sessionOpener } from './provisioning/requests/session.ts';
import { Readiness } from './provisioning/requests/readiness.ts';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './scim/limits.ts';
import { defaultRegistry } from './scim/schema/registry.ts';
import { openStore } from './open-store.ts';
import { StoreUnavailable, type Store } from './store/types.ts';
import type { ListenerOptions } from './http/listener.ts';
import { loadTls, type TlsMaterial } from './tls.ts';
import { MAIL_CAP, Metrics } from './http/metrics.ts';
import { instrumentStore } from './store-metrics.ts';
import { WebhookDispatcher, type WebhookDelivery, type WebhookLog } from './provisioning/background/webhook-dispatcher.ts';
import { WebhookThread } from './webhook-thread.ts';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from './provisioning/webhooks/delivery.ts';
import { WebhookAdmin } from './provisioning/webhooks/webhook-admin.ts';

export interface ServiceOptions {
  readonly maxResults: number;
  readonly smtpUrl?: string;
  readonly mailFrom?: string;
  /** Where the mail sender reports (the process log). */
  readonly mailLog?: MailLog;
  readonly bulkMaxOperations?: number;
  readonly bodyLimit?: number;
  readonly requestLogDays?: number;
  readonly requestLogRows?: number;
  /** Per-request limits; the defaults where absent. */
  readonly limits?: Partial<RequestLimits>;
  /** A GET of a group with more members than this streams them, this many at a time (tests lower them). */
  readonly streamMembersOver?: number;
  readonly memberPage?: number;
  /** Where failures of background work (the request log) are reported. */
  readonly onBackgroundError?: (e: unknown) => void;
  /** Told when background writes work again after failing, with the request log entries dropped meanwhile. */
  readonly onBackgroundRecovered?: (dropped: number) => void;
  /** The clock (tests move it to expire links). */
  readonly now?: () => Date;
  /** How often the mail sender looks at the outbox (default 1 s), its first retry delay (default 5 s, doubling) and attempts (default 10). */
  readonly mailPollMs?: number;
  readonly mailRetryMs?: number;
  readonly mailMaxAttempts?: number;
  /** Request budgets per client and per address; the defaults where absent. */
  readonly rateLimits?: RateLimits;
  /** Requests of one client worked on at once (0: no limit). */
  readonly clientConcurrency?: number;
  /** The Prometheus registry the services report to (and GET /metrics serves); absent: metrics off. */
  readonly metrics?: Metrics;
  /** Webhook delivery (allow-private, poll, back-off, attempts, time limit, lease, concurrency); the defaults where absent. */
  readonly webhooks?: Partial<WebhookSettings>;
  /** Where the webhook dispatcher reports (the process log). */
  readonly webhookLog?: WebhookLog;
  /**
   * Delivery elsewhere than on this event loop (a worker thread: src/webhook-thread.ts), given the
   * settings and the in-process dispatcher to fall back on; absent, or with a test clock (`now`): in-process.
   */
  readonly webhookThread?: (settings: WebhookSettings, inProcess: () => WebhookDelivery) => WebhookDelivery;
}

/** Service options a test (or an embedding host app) may set beside the configuration (`rateLimits` replaces the configured ones). */
export type ServiceTuning = Pick<ServiceOptions, 'now' | 'mailPollMs' | 'mailRetryMs' | 'mailMaxAttempts' | 'rateLimits' | 'webhooks' | 'streamMembersOver' | 'memberPage'> & {
  /** How long an idle console session lasts (default 30 minutes). */
  readonly consoleIdleMs?: number;
};

export function createServices(store: Store, opts: ServiceOptions): Services {
  const registry = defaultRegistry();
  const mail = new MailSender(
    store,
    {
      ...(opts.smtpUrl ? { smtpUrl: opts.smtpUrl } : {}),
      from: opts.mailFrom ?? 'scimd <scimd@localhost>',
      ...(opts.mailPollMs ? { pollMs: opts.mailPollMs } : {}),
      ...(opts.mailRetryMs ? { retryBaseMs: opts.mailRetryMs } : {}),
      ...(opts.mailMaxAttempts ? { maxAttempts: opts.mailMaxAttempts } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    },
    opts.mailLog,
  );
  const queued = () => mail.queued();
  const models = new TenantModels(store);
  const l = { ...DEFAULT_REQUEST_LIMITS, ...opts.limits };
  const filter = { maxLength: l.maxFilterLength, maxDepth: l.maxFilterDepth };
  const resources = new ResourceService(
    store,
    {
      maxResults: opts.maxResults,
      filter,
      patch: { ...filter, maxOperations: l.patchMaxOperations },
      maxMembers: l.maxMembers,
      maxValues: l.maxValues,
      ...(opts.streamMembersOver !== undefined ? { streamMembersOver: opts.streamMembersOver } : {}),
      ...(opts.memberPage !== undefined ? { memberPage: opts.memberPage } : {}),
    },
    opts.now,
    queued,
  );
  const requestLog = new RequestLog(
    store,
    { ...DEFAULT_REQUEST_LOG, retentionDays: opts.requestLogDays ?? DEFAULT_REQUEST_LOG.retentionDays, maxRows: opts.requestLogRows ?? DEFAULT_REQUEST_LOG.maxRows },
    opts.onBackgroundError,
    opts.onBackgroundRecovered,
  );
  const webhookSettings: WebhookSettings = { ...DEFAULT_WEBHOOK_SETTINGS, ...opts.webhooks };
  const inProcess = () => new WebhookDispatcher(store, webhookSettings, opts.now, opts.webhookLog);
  // A test's clock cannot reach another thread: it keeps delivery on this event loop.
  const webhookDispatcher = opts.webhookThread && !opts.now ? opts.webhookThread(webhookSettings, inProcess) : inProcess();
  opts.metrics?.setSources({ requestLogQueue: () => requestLog.queued, mailPending: () => mail.pending(MAIL_CAP) });
  const admin = new AdminService(store);
  return {
    models,
    mail,
    setupLinks: new SetupLinkService(store, admin, requestLog, opts.now),
    links: new LinkService(store, models, opts.now, queued),
    openSession: sessionOpener({ repo: store, models, now: opts.now ?? (() => new Date()) }),
    registry,
    rateLimiter: new RateLimiter(opts.rateLimits ?? DEFAULT_RATE_LIMITS),
    clientGates: new ClientGates(opts.clientConcurrency ?? DEFAULT_CLIENT_CONCURRENCY),
    admin,
    adminKeys: new AdminKeys(store, opts.now),
    directory: new DirectoryReader(resources, models, opts.now),
    events: new EventFeed(store),
    tenantAdmin: new TenantAdmin(store, models, opts.now),
    auth: new Authenticator(store),
    readiness: new Readiness(store),
    resources,
    bulk: new BulkService(resources, { maxOperations: opts.bulkMaxOperations ?? 1000, maxPayloadSize: opts.bodyLimit ?? 1_048_576 }),
    requestLog,
    webhooks: new WebhookAdmin(store, webhookSettings, opts.now, () => webhookDispatcher.kick()),
    webhookDispatcher,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  };
}

export { openStore } from './open-store.ts';

export interface BootstrapResult {
  /** True when this start created the default tenant and client. */
  readonly created: boolean;
  /** The token of the default client, only when it was just created. */
  readonly token?: string;
  /** True when that token is SCIMD_BOOTSTRAP_TOKEN's value: the operator has it, and no log should. */
  readonly tokenFromEnvironment?: boolean;
  /** True when SCIMD_BOOTSTRAP_TOKEN was set but the database already had tenants. */
  readonly bootstrapTokenIgnored: boolean;
  /** True when this start created the admin key of SCIMD_BOOTSTRAP_ADMIN_KEY (the database had none). */
  readonly adminKeyCreated?: boolean;
  /**
   * On the first start with an empty database (and no SCIMD_BOOTSTRAP_* variable), a minted admin
   * key for every tenant, named first-start: shown once, so the console and the admin API work at once.
   */
  readonly adminKey?: string;
}

/** SCIMD_BOOTSTRAP_ADMIN_KEY becomes an admin key for every tenant, named bootstrap, when there is no admin key yet. */
async function bootstrapAdminKey(services: Services, key: string | undefined): Promise<boolean> {
  if (key === undefined || (await services.adminKeys.any())) return false;
  try {
    await services.adminKeys.create('bootstrap', { key });
    return true;
  } catch (e) {
    // Replicas starting together: another one created it first.
    if (await services.adminKeys.any()) return false;
    throw e;
  }
}

/** See src/http/client-gates.ts and the README (Operating scimd). */
export const DEFAULT_CLIENT_CONCURRENCY = 4;

export { DEFAULT_CLIENT, DEFAULT_TENANT } from './default-client.ts';

/** On first start with an empty database: tenant `default`, client `default`, and its token. */
export async function bootstrap(services: Services, bootstrapToken?: string, adminKey?: string): Promise<BootstrapResult> {
  const adminKeyCreated = await bootstrapAdminKey(services, adminKey);
  const tenant = await bootstrapTenant(services, bootstrapToken);
  // Automated deployments (a bootstrap variable set) keep stdout in logs: no secret is minted for them.
  const minted = tenant.created && !tenant.tokenFromEnvironment && adminKey === undefined && !(await services.adminKeys.any()) ? (await services.adminKeys.create('first-start')).key : undefined;
  return { ...tenant, ...(adminKeyCreated ? { adminKeyCreated } : {}), ...(minted ? { adminKey: minted } : {}) };
}

async function bootstrapTenant(services: Services, bootstrapToken?: string): Promise<BootstrapResult> {
  const tenants = await services.admin.listTenants();
  if (tenants.length > 0) return { created: false, bootstrapTokenIgnored: bootstrapToken !== undefined };
  try {
    await services.admin.createTenant(DEFAULT_TENANT);
  } catch (e) {
    // Replicas starting together on one empty database: another one bootstrapped first.
    if ((await services.admin.listTenants()).length > 0) return { created: false, bootstrapTokenIgnored: bootstrapToken !== undefined };
    throw e;
  }
  const issued = await services.admin.createClient(DEFAULT_TENANT, DEFAULT_CLIENT, bootstrapToken ? { token: bootstrapToken } : {});
  return { created: true, token: issued.token, ...(bootstrapToken ? { tokenFromEnvironment: true } : {}), bootstrapTokenIgnored: false };
}

export interface Running {
  readonly app: FastifyInstance;
  readonly services: Services;
  /** The store the services run on (for tests and embedding hosts; the HTTP layer never sees it). */
  readonly store: Store;
  /** scheme://host:port the server listens on. */
  readonly origin: string;
  /** scheme://host:port of the admin API's own listener (--admin-port); absent: it is on `origin`. */
  readonly adminOrigin?: string;
  readonly bootstrap: BootstrapResult;
  close(): Promise<void>;
}

export function requestLimitsOf(config: Config): RequestLimits {
  return {
    maxJsonDepth: config.maxJsonDepth,
    maxNameLength: config.maxNameLength,
    maxFilterLength: config.maxFilterLength,
    maxFilterDepth: config.maxFilterDepth,
    patchMaxOperations: config.patchMaxOperations,
    maxMembers: config.maxMembers,
    maxValues: config.maxValues,
    maxAttributeNames: config.maxAttributeNames,
  };
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { service: 'scimd' }, redact: { paths: ['req.headers.authorization', '*.password', '*.token'], censor: '[redacted]' } });
}

/** Opens the data directory, bootstraps, and listens. */
/** The per-client and per-address request budgets of a configuration (a rate of 0 is no limit). */
export function rateLimitsOf(config: Pick<Config, 'rateLimit' | 'rateLimitBurst' | 'rateLimitMode' | 'unauthenticatedRateLimit' | 'unauthenticatedRateLimitBurst' | 'rateLimitHold'>): RateLimits {
  return {
    holdMs: config.rateLimitHold,
    clientMode: config.rateLimitMode,
    ...(config.rateLimit > 0 ? { client: { rate: config.rateLimit, burst: config.rateLimitBurst } } : {}),
    ...(config.unauthenticatedRateLimit > 0 ? { unauthenticated: { rate: config.unauthenticatedRateLimit, burst: config.unauthenticatedRateLimitBurst } } : {}),
  };
}

export function listenerOf(config: Config, tls: TlsMaterial | undefined): ListenerOptions {
  return {
    timeouts: { headersMs: config.headersTimeout, requestMs: config.requestTimeout, keepAliveMs: config.keepAliveTimeout, socketMs: config.socketTimeout },
    ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
  };
}

/** The store, the services on it and their background work (mail, event retention): scimd without HTTP. */
export interface Core {
  readonly store: Store;
  readonly services: Services;
  /** Stops the background work, flushes the request log and closes the store. */
  close(): Promise<void>;
}

/** Opens the store of `config` and starts the services' background work (startServer and library mode). */
export async function openCore(config: Config, logger: Logger | false, tuning: ServiceTuning = {}, metrics?: Metrics): Promise<Core> {
  const warn = (message: string) => (e: unknown) => (logger ? logger.warn({ err: e }, message) : undefined);
  // The server creates a PostgreSQL database that does not exist yet; admin commands refuse (src/cli/store.ts).
  const store = await openStore(config, {
    onError: warn('database connection error'),
    createDatabase: true,
    keepOpen: true,
    onDatabaseCreated: (database) => (logger ? logger.info({ database }, 'created the PostgreSQL database') : undefined),
  }, {
    ...(metrics ? { onCommitBatch: (n: number) => metrics.commitBatch(n) } : {}),
    onWritable: (failure) => {
      // Once when writes start failing at run time (full disk), once when one commits again.
      if (!logger) return;
      if (failure) logger.warn({ reason: failure }, 'database writes fail: SCIM writes are answered 503 (with Retry-After) until one commits again; reads still work');
      else logger.info('database writes work again');
    },
  });
  try {
    const readiness = await store.readiness();
    if (logger && readiness.ready && readiness.writesUnavailable) {
      logger.warn({ dataDir: config.dataDir, reason: readiness.writesUnavailable }, 'data directory not writable: serving reads only, writes are answered 503 (with Retry-After)');
    }
    const services = createServices(metrics ? instrumentStore(store, metrics) : store, {
      maxResults: config.maxResults,
      bulkMaxOperations: config.bulkMaxOperations,
      bodyLimit: config.bodyLimit,
      requestLogDays: config.requestLogDays,
      requestLogRows: config.requestLogRows,
      limits: requestLimitsOf(config),
      rateLimits: rateLimitsOf(config),
      clientConcurrency: config.clientConcurrency,
      ...(metrics ? { metrics } : {}),
      onBackgroundError: (e) =>
        logger ? logger.warn(e instanceof StoreUnavailable ? { reason: e.message } : { err: e }, 'request log write failed: entries are dropped until the database takes writes again (further failures are not logged)') : undefined,
      ...(logger ? { onBackgroundRecovered: (dropped: number) => logger.info({ dropped }, 'request log writes work again') } : {}),
      ...(config.smtpUrl ? { smtpUrl: config.smtpUrl } : {}),
      mailFrom: config.mailFrom,
      ...(logger ? { mailLog: { info: (m: string) => logger.info(m), warn: (m: string) => logger.warn(m) } } : {}),
      ...(logger ? { webhookLog: { warn: (m: string) => logger.warn(m) } } : {}),
      ...(config.webhookWorker
        ? {
            webhookThread: (settings: WebhookSettings, inProcess: () => WebhookDelivery) =>
              new WebhookThread({
                storage: config,
                settings,
                ...(metrics ? { metrics } : {}),
                log: logger ? { warn: (m: string) => logger.warn(m) } : { warn: () => undefined },
                fallback: inProcess,
                due: () => store.webhooksDue(new Date().toISOString()),
              }),
          }
        : {}),
      ...tuning,
      webhooks: { allowPrivate: config.webhookAllowPrivate, ...tuning.webhooks },
    });
    services.mail.start();
    const retention = new EventRetention(store, config.eventRetentionDays, warn('event retention failed'));
    retention.start();
    services.webhookDispatcher.start();
    return {
      store,
      services,
      async close() {
        await retention.close();
        await services.mail.close();
        await services.webhookDispatcher.close();
        await services.requestLog.flush();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** The HTTP options of a configuration (without the surface, which each listener chooses). */
export function httpOptionsOf(config: Config, tls: TlsMaterial | undefined): HttpOptions {
  return {
    maxResults: config.maxResults,
    bodyLimit: config.bodyLimit,
    bulkMaxOperations: config.bulkMaxOperations,
    trustProxy: config.trustProxy,
    listener: listenerOf(config, tls),
    limits: requestLimitsOf(config),
    maxUrlLength: config.maxUrlLength,
    maxHeaderBytes: config.maxHeaderBytes,
    ...(config.metrics !== 'off' ? { metrics: config.metricsToken ? { token: config.metricsToken } : {} } : {}),
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
  };
}

export async function startServer(config: Config, logger: Logger | false = createLogger(config), tuning: ServiceTuning = {}): Promise<Running> {
  // Before anything is opened: a bad certificate is a configuration error (exit code 2).
  const tls = loadTls(config);
  const metrics = config.metrics !== 'off' ? new Metrics({ maxTenants: config.metricsMaxTenants }) : undefined;
  const core = await openCore(config, logger, tuning, metrics);
  const { store, services } = core;
  try {
    const http = { ...httpOptionsOf(config, tls), ...(tuning.consoleIdleMs !== undefined ? { consoleIdleMs: tuning.consoleIdleMs } : {}) };
    // With --admin-port the admin API (and, with --metrics admin, /metrics) has a listener of its own.
    const separate = config.adminPort !== undefined;
    const app = buildApp(services, { ...http, surface: separate ? 'public' : 'all', metricsRoute: config.metrics === 'on' }, logger);
    const adminApp = separate ? buildApp(services, { ...http, surface: 'admin', metricsRoute: config.metrics === 'admin' }, logger) : undefined;
    await app.listen({ host: config.host, port: config.port });
    if (adminApp) {
      await adminApp.listen({ host: config.adminHost, port: config.adminPort! }).catch(async (e: unknown) => {
        await app.close();
        throw e;
      });
    }
    // Only once listening: a start that cannot listen must not create a first token it never shows.
    const boot = await bootstrap(services, config.bootstrapToken, config.bootstrapAdminKey).catch(async (e: unknown) => {
      await app.close();
      await adminApp?.close();
      throw e;
    });
    if (logger && tls) {
      logger.info({ subject: tls.subject, validTo: tls.validTo }, 'HTTPS (TLS 1.2 and later)');
      if (Date.parse(tls.validTo) < Date.now()) logger.warn({ validTo: tls.validTo }, 'the TLS certificate has expired: clients will refuse it');
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const shown = (host: string) => (host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host);
    const shownHost = shown(config.host);
    const adminAddress = adminApp?.server.address();
    let closed = false;
    return {
      app,
      services,
      store,
      origin: `${tls ? 'https' : 'http'}://${shownHost}:${port}`,
      ...(typeof adminAddress === 'object' && adminAddress ? { adminOrigin: `${tls ? 'https' : 'http'}://${shown(config.adminHost)}:${adminAddress.port}` } : {}),
      bootstrap: boot,
      async close() {
        if (closed) return;
        closed = true;
        // Long-polls of the events API answer at once, so they do not hold the shutdown.
        services.events.close();
        await Promise.all([app.close(), adminApp?.close()]);
        await core.close();
      },
    };
  } catch (e) {
    await core.close();
    throw e;
  }
}
