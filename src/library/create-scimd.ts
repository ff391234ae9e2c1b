/**
 * Library mode (README "Library mode"): scimd inside a host application's process. createScimd
 * opens the store, starts the background work, bootstraps a first tenant on an empty database and
 * builds scimd's own Fastify instance; the host mounts its paths (`plugin`, `handler`), subscribes
 * to the change log (`on`), uses the services directly, or lets scimd listen itself (`listen`).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { resolveConfig, type Config, type Flags } from '../config.ts';
import { buildApp } from '../http/app.ts';
import type { Services } from '../http/services.ts';
import { Metrics } from '../http/metrics.ts';
import { Subscriptions, type EventHandler, type EventType, type SubscriptionError } from '../provisioning/events/subscriptions.ts';
import { bootstrap, createLogger, httpOptionsOf, openCore, type BootstrapResult, type ServiceTuning } from '../server.ts';
import { loadTls } from '../tls.ts';
import { scimdHandler, scimdPlugin, type ScimdHandler, type ScimdPluginOptions } from './mount.ts';

export interface ScimdOptions {
  /** SQLite: the folder of scimd.db (created when missing); default ./data. Ignored with databaseUrl. */
  readonly dataDir?: string;
  /** PostgreSQL (postgres://…) instead of SQLite; the database is created when it does not exist. */
  readonly databaseUrl?: string;
  /** The public scheme://host[:port] of the host app, for the links scimd answers with (meta.location, mails). */
  readonly publicUrl?: string;
  /** Where scimd logs (a pino logger), or false for nothing; default: its own, at config.logLevel (info), on stdout. */
  readonly logger?: Logger | false;
  /** The name of this process's durable checkpoint for `on()`; default 'default'. */
  readonly subscriber?: string;
  /** What a subscription reports (a handler threw and will be called again, the store failed, events were pruned); default: a log line. */
  readonly onSubscriptionError?: (e: SubscriptionError) => void;
  /**
   * Any other setting of `scimd serve` (README "Configuration"), by its Config name; the defaults
   * otherwise. Environment variables are not read: pass `resolveConfig({}, process.env)` for that.
   */
  readonly config?: Partial<Config>;
  /** A clock, the mail sender's delays (for tests). */
  readonly tuning?: ServiceTuning;
}

export interface Scimd {
  /** The Fastify plugin: `app.register(scimd.plugin)` (without a prefix) serves scimd's SCIM, admin and link paths. */
  readonly plugin: FastifyPluginAsync<ScimdPluginOptions>;
  /** The Node handler for Express, Connect and node:http; in Express mount it without a path and before any body parser: `app.use(scimd.handler)`. */
  readonly handler: ScimdHandler;
  /**
   * Calls `handler` for every event of `type` ('*': all types), of every tenant, in each tenant's
   * order, at least once: the checkpoint (per subscriber name and tenant, in the database) passes
   * an event only after every handler of it resolved; one that throws is called again on the same
   * event (100 ms, doubling to 30 s). Register every handler right after createScimd: delivery
   * starts when the current task ends. Answers the unsubscribe.
   */
  on<T extends EventType>(type: T, handler: EventHandler<T>): () => void;
  on(type: '*', handler: EventHandler): () => void;
  /** scimd's use cases (tenants, clients, tokens, users, groups, the event feed…), as `Running.services`. */
  readonly services: Services;
  /** What the start did on an empty database: the default tenant and client, and the client's token (shown once). */
  readonly bootstrap: BootstrapResult;
  /** The configuration in force. */
  readonly config: Config;
  /** Starts scimd's own listener (as `scimd serve`; config.host and config.port unless given); answers its scheme://host:port. */
  listen(options?: { readonly host?: string; readonly port?: number }): Promise<string>;
  /** Stops the subscriptions (awaiting the handler calls in progress), the listener, the background work and the store. */
  close(): Promise<void>;
}

/** The flags of resolveConfig for the storage and URL options, so they are checked as `scimd serve` checks them. */
function flagsOf(options: ScimdOptions): Flags {
  return {
    ...(options.dataDir !== undefined ? { 'data-dir': options.dataDir } : {}),
    ...(options.databaseUrl !== undefined ? { 'database-url': options.databaseUrl } : {}),
    ...(options.publicUrl !== undefined ? { 'public-url': options.publicUrl } : {}),
  };
}

export async function createScimd(options: ScimdOptions = {}): Promise<Scimd> {
  const resolved = resolveConfig(flagsOf(options), {});
  const config: Config = { ...resolved, ...options.config, ...pick(resolved, ['dataDir', 'databaseUrl', 'publicUrl'], options) };
  const logger = options.logger ?? createLogger(config);
  const tls = loadTls(config);
  const metrics = config.metrics !== 'off' ? new Metrics({ maxTenants: config.metricsMaxTenants }) : undefined;
  const core = await openCore(config, logger, options.tuning, metrics);
  const { services } = core;
  const app = buildApp(services, { ...httpOptionsOf(config, tls), surface: 'all', metricsRoute: config.metrics !== 'off' }, logger);
  const subscriptions = new Subscriptions(core.store, services.events, {
    subscriber: options.subscriber ?? 'default',
    onError: options.onSubscriptionError ?? logSubscriptionError(logger),
  });
  let boot: BootstrapResult;
  try {
    await app.ready();
    boot = await bootstrap(services, config.bootstrapToken, config.bootstrapAdminKey);
  } catch (e) {
    await app.close();
    await core.close();
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    plugin: scimdPlugin(app, () => services.events.close()),
    handler: scimdHandler(app),
    on: (type: EventType | '*', handler: EventHandler<never>) => subscriptions.on(type, handler as EventHandler),
    services,
    bootstrap: boot,
    config,
    async listen(where = {}) {
      const host = where.host ?? config.host;
      await app.listen({ host, port: where.port ?? config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
      return `${tls ? 'https' : 'http'}://${shown}:${port}`;
    },
    close() {
      closed ??= (async () => {
        await subscriptions.close();
        // Long-polls of the events API answer at once, so they do not hold the close.
        services.events.close();
        await app.close();
        await core.close();
      })();
      return closed;
    },
  };
}

/** The options given explicitly win over `config` for the settings they name. */
function pick(resolved: Config, keys: readonly ('dataDir' | 'databaseUrl' | 'publicUrl')[], options: ScimdOptions): Partial<Config> {
  const out: Partial<Record<(typeof keys)[number], string>> = {};
  for (const k of keys) if (options[k] !== undefined && resolved[k] !== undefined) out[k] = resolved[k];
  return out as Partial<Config>;
}

function logSubscriptionError(logger: Logger | false): (e: SubscriptionError) => void {
  return (e) => {
    if (!logger) return;
    if (e.kind === 'handler') {
      logger.warn({ err: e.error, event: { id: e.event.id, type: e.event.type, tenant: e.event.tenant, tenantSeq: e.event.tenantSeq }, retryInMs: e.retryInMs }, 'event handler failed; it will be called again');
    } else if (e.kind === 'gap') {
      logger.error({ err: e.error, tenant: e.tenant, checkpoint: e.checkpoint }, 'events after the checkpoint were pruned before delivery: going on from the oldest kept');
    } else logger.warn({ err: e.error }, 'event subscription: the store failed; retrying');
  };
}
