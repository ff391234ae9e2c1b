/**
 * scimd as a library (package.json `exports` → dist/index.js): what a host application that runs
 * scimd in its own process needs today — start the server, or build the services on a store of
 * its own; read configuration the way `scimd serve` does; check a password its IdP provisioned
 * (tenant setting `passwords = hash`); read the event log and the mail outbox. Library mode
 * (createScimd) mounts scimd in the host's Fastify or Express app and subscribes to its events.
 */
export { createScimd } from './library/create-scimd.ts';
export type { Scimd, ScimdOptions } from './library/create-scimd.ts';
export type { ScimdHandler, ScimdPluginOptions } from './library/mount.ts';
export type { EventType, SubscribedEvent, EventHandler, EventData, MemberEventData, SubscriptionError } from './provisioning/events/subscriptions.ts';
export { EVENT_TYPES } from './provisioning/resources/changes.ts';
export { startServer, createServices, openStore, bootstrap, createLogger, DEFAULT_TENANT, DEFAULT_CLIENT } from './server.ts';
export type { Running, ServiceOptions, ServiceTuning, BootstrapResult } from './server.ts';
export { resolveConfig, resolveStorageConfig, databaseFile, ConfigError } from './config.ts';
export type { Config, StorageConfig, Flags, Env, LogLevel } from './config.ts';
export type { Services } from './http/services.ts';
export type { TenantAdmin } from './provisioning/tenants/tenant-data-admin.ts';
/**
 * Password checks: `services.tenantAdmin.verifyPassword(tenant, userName, password)` answers with
 * the user's id; `verifyPasswordHash` checks a stored `scrypt$…` hash directly.
 */
export { verifyPasswordHash } from './provisioning/policies/user-lifecycle.ts';
export { AdminError } from './provisioning/tenants/directory-admin.ts';
export { StoreNotWritable, StoreUnavailable, UniqueViolation } from './store/types.ts';
export type { Store, Repo, Tenant, ScimClient, TokenRecord, Settings, Mail, ScimdEvent, Tombstone, RequestLogEntry } from './store/types.ts';
export type { StoredResource } from './scim/resource.ts';
export type { Json } from './scim/schema/validate.ts';
export { SCIMD_USER_URN } from './scim/urns.ts';
