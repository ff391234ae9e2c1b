/**
 * The persistence interface. One implementation per database (sqlite/, postgres/), one contract
 * test suite for all. The store knows which SCIM attributes have their own indexed columns and
 * how to run a bound filter; it knows nothing else of SCIM rules (those live in scim/ and
 * provisioning/).
 *
 * It is split into ports by aggregate (ports/, one file each, with their records); a use case
 * takes the ports it needs. `Repo` is all of them at once: what a transaction gives, and what the
 * Store offers outside one.
 */
import type { Directory, DirectoryReads, DirectoryWrites } from './ports/directory.ts';
import type { EventCheckpoints, EventCheckpointsReads, EventCheckpointsWrites } from './ports/event-checkpoints.ts';
import type { EventLog, EventLogReads, EventLogWrites } from './ports/event-log.ts';
import type { Links, LinksReads, LinksWrites } from './ports/links.ts';
import type { MailOutbox, MailOutboxReads, MailOutboxWrites } from './ports/mail-outbox.ts';
import type { Membership, MembershipReads, MembershipWrites } from './ports/membership.ts';
import type { Passwords, PasswordsReads, PasswordsWrites } from './ports/passwords.ts';
import type { Holds, Same } from './ports/port.ts';
import type { RequestLogStore, RequestLogStoreReads, RequestLogStoreWrites } from './ports/request-log.ts';
import type { Resources, ResourcesReads, ResourcesWrites } from './ports/resources.ts';
import type { ServerSecrets, ServerSecretsReads, ServerSecretsWrites } from './ports/server-secrets.ts';
import type { SetupLinks, SetupLinksReads, SetupLinksWrites } from './ports/setup-links.ts';
import type { TenantSchemas, TenantSchemasReads, TenantSchemasWrites } from './ports/tenant-schemas.ts';
import type { Tombstones, TombstonesReads, TombstonesWrites } from './ports/tombstones.ts';
import type { UniqueNames, UniqueNamesReads, UniqueNamesWrites } from './ports/unique-names.ts';
import type { Webhooks, WebhooksReads, WebhooksWrites } from './ports/webhooks.ts';

export type * from './ports/directory.ts';
export type * from './ports/event-checkpoints.ts';
export type * from './ports/event-log.ts';
export type * from './ports/links.ts';
export type * from './ports/mail-outbox.ts';
export type * from './ports/membership.ts';
export type * from './ports/passwords.ts';
export type * from './ports/port.ts';
export type * from './ports/request-log.ts';
export type * from './ports/resources.ts';
export type * from './ports/server-secrets.ts';
export type * from './ports/setup-links.ts';
export type * from './ports/tenant-schemas.ts';
export type * from './ports/tombstones.ts';
export type * from './ports/unique-names.ts';
export type * from './ports/webhooks.ts';

/** Everything the service can ask of the database, inside or outside a transaction: every port. */
export interface Repo extends Directory, Resources, Membership, UniqueNames, Passwords, TenantSchemas, Tombstones, Links, MailOutbox, EventLog, EventCheckpoints, RequestLogStore, Webhooks, SetupLinks, ServerSecrets {}

/** The reads of every port: outside a transaction the stores send them to a reader. */
export interface RepoReads
  extends DirectoryReads,
    ResourcesReads,
    MembershipReads,
    UniqueNamesReads,
    PasswordsReads,
    TenantSchemasReads,
    TombstonesReads,
    LinksReads,
    MailOutboxReads,
    EventLogReads,
    EventCheckpointsReads,
    RequestLogStoreReads,
    WebhooksReads,
    SetupLinksReads,
    ServerSecretsReads {}

/** The writes of every port: outside a transaction the stores run each in one of its own. */
export interface RepoWrites
  extends DirectoryWrites,
    ResourcesWrites,
    MembershipWrites,
    UniqueNamesWrites,
    PasswordsWrites,
    TenantSchemasWrites,
    TombstonesWrites,
    LinksWrites,
    MailOutboxWrites,
    EventLogWrites,
    EventCheckpointsWrites,
    RequestLogStoreWrites,
    WebhooksWrites,
    SetupLinksWrites,
    ServerSecretsWrites {}

// Repo is exactly its reads and its writes: a port left out of one of the three lists fails here.
type _RepoIsReadsAndWrites = Holds<Same<Repo, RepoReads & RepoWrites>>;

/** Raised when a write would break a uniqueness rule the store enforces (userName per tenant). */
export class UniqueViolation extends Error {
  constructor(readonly attribute: string) {
    super(`${attribute} is not unique`);
    this.name = 'UniqueViolation';
  }
}

/**
 * Raised when a value is too large for an index of the database: PostgreSQL's B-tree takes at most
 * 2,704 bytes per entry (after compression), so a long userName, displayName, externalId or email
 * address that does not compress cannot be stored there. SQLite has no such limit.
 */
export class ValueTooLarge extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'ValueTooLarge';
  }
}

/** Raised when the database cannot serve the request right now (locked, read-only, full, unreachable). */
export class StoreUnavailable extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'StoreUnavailable';
  }
}

/**
 * Raised when the database can be read but not written: its data directory is read-only (a
 * read-only mount, file modes) or the disk is full. Reads go on; writes are refused whole.
 */
export class StoreNotWritable extends StoreUnavailable {
  constructor(message: string, cause?: unknown) {
    super(message, cause);
    this.name = 'StoreNotWritable';
  }
}

/** The database cannot be opened for serving (not writable and missing or not migrated); the message names the file and why. */
export class DatabaseUnusable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnusable';
  }
}

/** The configured PostgreSQL database does not exist and scimd may not or will not create it; the message says what to do. */
export class DatabaseMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseMissing';
  }
}

/**
 * What a cache of authentication data compares to know whether it may be stale: `stamp` changes as
 * soon as a write of this process to tenants, clients, tokens, tenant schemas or role rules has
 * committed. `crossProcess` says whether it also changes at once when another process (the CLI,
 * another replica) commits such a write; where it does not (a PostgreSQL store whose listening
 * connection is down), caches must bound their age by time. A stamp that turns crossProcess
 * false is a new stamp.
 */
export interface AuthStamp {
  readonly stamp: string;
  readonly crossProcess: boolean;
}

/** Whether the database answers and has every migration step of this scimd applied (for /readyz). */
export type StoreReadiness =
  /** `writesUnavailable`: why the database takes reads only for now (read-only data directory, full disk). */
  | { readonly ready: true; readonly writesUnavailable?: string }
  | { readonly ready: false; readonly reason: string };

/**
 * A read-only view of one commit that stays the same however long it is read (one read
 * transaction, or a repeatable-read snapshot): for answers read in pieces, such as a huge group's
 * members streamed page by page. It holds a connection until released; release it once, always.
 */
export interface ReadSnapshot {
  readonly reads: RepoReads;
  release(): Promise<void>;
}

export interface Store extends Repo {
  /**
   * A read snapshot, once one of the few the store keeps is free (it waits for one); undefined
   * where the store cannot give one (an in-memory or read-only SQLite database).
   */
  readSnapshot?(): Promise<ReadSnapshot | undefined>;
  authStamp(): AuthStamp;
  /**
   * Where another process's change reaches authStamp() a moment after its commit (PostgreSQL's
   * notifications): resolves once every change committed before the call is reflected in it.
   * Absent where authStamp() reads it synchronously (SQLite's data_version).
   */
  authSync?(): Promise<void>;
  /** One cheap query (the schema version); never throws. */
  readiness(): Promise<StoreReadiness>;
  /** Runs `fn` in one serialisable transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Repo) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
