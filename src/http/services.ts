import type { AdminService } from '../provisioning/tenants/directory-admin.ts';
import type { AdminKeys } from '../provisioning/tenants/admin-keys.ts';
import type { DirectoryReader } from '../provisioning/tenants/directory-reader.ts';
import type { EventFeed } from '../provisioning/events/event-feed.ts';
import type { Authenticator } from '../provisioning/requests/auth.ts';
import type { BulkService } from '../provisioning/resources/bulk.ts';
import type { RequestLog } from '../provisioning/background/request-log.ts';
import type { TenantModels } from '../provisioning/tenants/tenant-model.ts';
import type { MailSender } from '../provisioning/background/mail-sender.ts';
import type { LinkService } from '../provisioning/links/follow-link.ts';
import type { SetupLinkService } from '../provisioning/links/setup-links.ts';
import type { TenantAdmin } from '../provisioning/tenants/tenant-data-admin.ts';
import type { WebhookAdmin } from '../provisioning/webhooks/webhook-admin.ts';
import type { WebhookDelivery } from '../provisioning/background/webhook-dispatcher.ts';
import type { ResourceService } from '../provisioning/resources/resource-service.ts';
import type { OpenSession } from '../provisioning/requests/session.ts';
import type { Readiness } from '../provisioning/requests/readiness.ts';
import type { SchemaRegistry } from '../scim/schema/registry.ts';
import type { RequestLimits } from '../scim/limits.ts';
import type { ClientGates } from './client-gates.ts';
import type { ListenerOptions } from './listener.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { Metrics } from './metrics.ts';
import type { MetricsAccess } from './metrics-route.ts';

/** Everything the HTTP layer calls into (never the store itself). */
export interface Services {
  /** Opens a SCIM request's session, once per request after authentication. */
  readonly openSession: OpenSession;
  readonly admin: AdminService;
  /** The keys of the admin API. */
  readonly adminKeys: AdminKeys;
  /** The admin API's read of a tenant's users and groups. */
  readonly directory: DirectoryReader;
  /** The events API's read of the change log (long-poll included). */
  readonly events: EventFeed;
  readonly auth: Authenticator;
  readonly resources: ResourceService;
  readonly bulk: BulkService;
  readonly requestLog: RequestLog;
  readonly models: TenantModels;
  readonly mail: MailSender;
  readonly links: LinkService;
  /** Setup links: a tenant's self-service IdP connection page. */
  readonly setupLinks: SetupLinkService;
  readonly tenantAdmin: TenantAdmin;
  readonly registry: SchemaRegistry;
  /** Per-client and per-address request budgets (in this process). */
  readonly rateLimiter: RateLimiter;
  /** How many requests of one client are worked on at once. */
  readonly clientGates: ClientGates;
  /** Whether this process should get traffic (GET /readyz). */
  readonly readiness: Readiness;
  /** Webhook endpoints of tenants (admin API, CLI). */
  readonly webhooks: WebhookAdmin;
  /** Delivers webhooks (started by the server only): in a worker thread, or on the event loop. */
  readonly webhookDispatcher: WebhookDelivery;
  /** The Prometheus registry and recorders; absent when metrics are off. */
  readonly metrics?: Metrics;
}

export interface HttpOptions {
  /** Overrides the scheme://host[:port] seen in requests, for deployments behind a proxy. */
  readonly publicUrl?: string;
  readonly maxResults: number;
  readonly bodyLimit: number;
  readonly bulkMaxOperations: number;
  readonly trustProxy?: boolean;
  /** Per-request limits; the defaults where absent. */
  readonly limits?: RequestLimits;
  /** Longest request URL (414 above it). */
  readonly maxUrlLength?: number;
  /** Largest request line plus headers, in bytes (431 above it). */
  readonly maxHeaderBytes?: number;
  /** Timeouts and TLS of the listener; plain HTTP with the default timeouts where absent. */
  readonly listener?: ListenerOptions;
  /** Who may read GET /metrics; absent: metrics are off (404). */
  readonly metrics?: MetricsAccess;
  /** Whether this listener serves GET /metrics (default true when metrics are on; false when it is on the admin listener only). */
  readonly metricsRoute?: boolean;
  /**
   * What this listener serves: everything (the default), the public surface without the admin API
   * (when the admin API has its own listener), or the admin API alone (that listener).
   */
  readonly surface?: 'all' | 'public' | 'admin';
  /** How long an idle console session lasts (default 30 minutes). */
  readonly consoleIdleMs?: number;
}
