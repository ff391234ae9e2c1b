/**
 * The persistence interface. One implementation per database (sqlite/, postgres/), one contract
 * test suite for all. The store knows which SCIM attributes have their own indexed columns and
 * how to run a bound filter; it knows nothing else of SCIM rules (those live in scim/ and
 * provisioning/).
 */
import type { BoundFilter, Target } from '../scim/filter/bind.ts';
import type { MemberDelta } from '../scim/patch/members.ts';
import type { GroupMembership, Member, StoredResource } from '../scim/resource.ts';
import type { ResourceTypeName } from '../scim/schema/types.ts';
import type { Json } from '../scim/schema/validate.ts';

export type TenantStatus = 'active' | 'disabled';

/** Per-tenant or per-client settings: key → value, validated by the layer that owns the key. */
export type Settings = Readonly<Record<string, string>>;

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly status: TenantStatus;
  readonly createdAt: string;
  readonly settings: Settings;
  /** Bumped whenever the tenant's schemas or role rules change, so every process rebuilds what it cached. */
  readonly schemaVersion?: number;
}

/** An extension schema a tenant uses: its own (`definition`, RFC 7643 §7 JSON) or a built-in one (no definition). */
export interface TenantSchema {
  readonly urn: string;
  readonly resourceType: 'User' | 'Group';
  readonly definition?: string;
  readonly createdAt: string;
}

export interface RoleRule {
  readonly role: string;
  /** A SCIM filter on the User; users it matches have the role. */
  readonly filter: string;
}

export interface Tombstone {
  readonly id: string;
  readonly type: ResourceTypeName;
  readonly data: Json;
  readonly created: string;
  readonly deletedAt: string;
  /** The version the resource had when deleted (absent on tombstones from before it was kept). */
  readonly version?: number;
  /** The user's password hash (passwords = hash), restored with it. */
  readonly passwordHash?: string;
}

/**
 * A single-use link sent by mail. Only the hash of its token is stored; the token itself is
 * minted when the mail is sent (see provisioning/links.ts), so the database never holds one.
 */
export interface UserLink {
  /** Stable id (the hash changes each time a token is minted). Absent on rows from before it existed. */
  readonly id?: string;
  readonly hash: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly kind: 'invitation' | 'validation';
  readonly email: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly usedAt?: string;
  /** scheme://host[:port] the link's URL points at. */
  readonly origin?: string;
}

export interface Mail {
  readonly id?: number;
  readonly tenantId: string;
  readonly recipient: string;
  readonly subject: string;
  /** With placeholders for the link and its expiry when `linkId` is set (provisioning/mail-templates.ts). */
  readonly body: string;
  readonly createdAt: string;
  /** The link the mail carries; its token is minted when the mail is sent. */
  readonly linkId?: string;
  readonly attempts?: number;
  readonly sentAt?: string;
  /** Set when the mail will not be sent (its link was retired, or every attempt failed); lastError says why. */
  readonly droppedAt?: string;
  readonly lastError?: string;
}

/** Who caused a change: a SCIM client (`clientId`), an operator (CLI, admin API), or a user following a mailed link. */
export type EventActor = 'scim' | 'admin' | 'link';

/**
 * One entry of the change log the host application reads (docs/events.md has the catalogue):
 * every committed change of a User or Group is one event, written in the write's own transaction
 * by provisioning/changes.ts. Fields marked optional are absent only where the docs say so.
 */
export interface ScimdEvent {
  /** Position in the whole log (all tenants), for `scimd events list --after`; not the feed's cursor. */
  readonly seq?: number;
  /** A uuid, the same wherever the event is delivered (set when stored). */
  readonly id?: string;
  /** The tenant's sequence: 1, 2, 3 … with no gaps, in commit order (set when stored). */
  readonly tenantSeq?: number;
  readonly tenantId: string;
  /** user.created, user.updated, …, group.member.added, user.invitation.accepted … */
  readonly type: string;
  readonly resourceType?: ResourceTypeName;
  readonly resourceId?: string;
  /** The resource's version after the change (for a delete, the version it had). */
  readonly version?: number;
  /** The attribute paths whose values the change altered (updates, reactivations, policy events). */
  readonly paths?: readonly string[];
  readonly at: string;
  /** The SCIM client whose request caused the change (actor scim). */
  readonly clientId?: string;
  /** The id of the HTTP request that caused it (Fastify's request id), when there was one. */
  readonly requestId?: string;
  readonly actor?: EventActor;
  /** Details of the type: the member of a member event, the address of a policy event … */
  readonly data: Json;
}

export interface ScimClient {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  /** IdP profile pinned by an operator (`--idp`). */
  readonly idp?: string;
  /** IdP profile recognised from the client's requests, and what gave it away. */
  readonly detectedIdp?: string;
  readonly detectedReason?: string;
  readonly settings: Settings;
}

/** One row of the provisioning request log. Bodies are already redacted. */
export interface RequestLogEntry {
  readonly id?: number;
  readonly at: string;
  readonly tenantId?: string;
  readonly tenantName?: string;
  readonly clientId?: string;
  readonly clientName?: string;
  readonly idp?: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly scimType?: string;
  readonly durationMs: number;
  /** What the normalisers changed, and what the core ignored. */
  readonly notes: readonly string[];
  readonly requestBody?: string;
  readonly responseBody?: string;
}

export interface RequestLogQuery {
  readonly tenantId?: string;
  readonly minStatus?: number;
  readonly maxStatus?: number;
  /** Only entries with a larger id (for --follow). */
  readonly afterId?: number;
  readonly limit: number;
}

export interface TokenRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly clientId: string;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  readonly hash: string;
  /** The first characters of the token, for recognising it in listings; never enough to use it. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  readonly lastUsedAt?: string;
}

export interface SortSpec {
  readonly target: Target;
  readonly descending: boolean;
}

/** A search over one or more resource types (several for root-level `/.search`). */
export interface ResourceQuery {
  readonly types: readonly ResourceTypeName[];
  /** Bound filter per type; a type missing here matches everything. */
  readonly filters?: ReadonlyMap<ResourceTypeName, BoundFilter>;
  readonly sort?: ReadonlyMap<ResourceTypeName, SortSpec>;
  readonly descending?: boolean;
  /** 1-based, as in RFC 7644 §3.4.2.4. */
  readonly startIndex: number;
  readonly count: number;
}

export interface ResourcePage {
  readonly total: number;
  readonly resources: StoredResource[];
}

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

/** The configured PostgreSQL database does not exist and scimd may not or will not create it; the message says what to do. */
export class DatabaseMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseMissing';
  }
}

export interface MemberFacts {
  /** Which of the asked ids are members of the group now. */
  readonly members: Set<string>;
  /** The type of each asked id that exists in the tenant. */
  readonly types: Map<string, 'User' | 'Group'>;
}

/** Everything the service can ask of the database, inside or outside a transaction. */
export interface Repo {
  // Tenants, clients, tokens
  createTenant(t: Tenant): Promise<void>;
  tenantByName(name: string): Promise<Tenant | undefined>;
  tenantById(id: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  setTenantStatus(id: string, status: TenantStatus): Promise<void>;
  setTenantSettings(id: string, settings: Settings): Promise<void>;

  createClient(c: ScimClient): Promise<void>;
  clientByName(tenantId: string, name: string): Promise<ScimClient | undefined>;
  clientById(id: string): Promise<ScimClient | undefined>;
  listClients(tenantId: string): Promise<ScimClient[]>;
  revokeClient(id: string, at: string): Promise<void>;
  updateClient(id: string, changes: { idp?: string | null; detectedIdp?: string | null; detectedReason?: string | null; settings?: Settings }): Promise<void>;

  createToken(t: TokenRecord): Promise<void>;
  tokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(filter: { tenantId?: string; clientId?: string }): Promise<TokenRecord[]>;
  /** Sets expiry `at` on every live token of the client that would outlive it, except `exceptId`. */
  expireTokens(clientId: string, at: string, exceptId: string): Promise<void>;
  revokeTokens(clientId: string, at: string): Promise<void>;
  touchToken(id: string, at: string): Promise<void>;

  // Resources: every call is scoped by tenant. `search` is the resource's search form
  // (scim/search-form.ts): filters and sorts run against it.
  insertResource(tenantId: string, r: StoredResource, search: Json): Promise<void>;
  /** Many insertResource calls at once, in few statements (bulk loads): all are written or, on an error, none in a transaction. */
  insertResources(tenantId: string, items: readonly { readonly resource: StoredResource; readonly search: Json }[]): Promise<void>;
  /** In a transaction, `lock` holds the row until commit (PostgreSQL: FOR NO KEY UPDATE), so read → write is safe across processes. */
  getResource(tenantId: string, type: ResourceTypeName, id: string, opts?: { lock?: boolean }): Promise<StoredResource | undefined>;
  /** Writes `r` if the stored version is still `expectedVersion`; false when it is not. Without `search` the stored search form is kept. */
  updateResource(tenantId: string, r: StoredResource, expectedVersion: number, search?: Json): Promise<boolean>;
  deleteResource(tenantId: string, type: ResourceTypeName, id: string): Promise<boolean>;
  queryResources(tenantId: string, q: ResourceQuery): Promise<ResourcePage>;

  // Group membership (rows, not a JSON array).
  membersOf(tenantId: string, groupId: string): Promise<Member[]>;
  memberFacts(tenantId: string, groupId: string, ids: readonly string[]): Promise<MemberFacts>;
  applyMemberDelta(tenantId: string, groupId: string, delta: MemberDelta): Promise<void>;
  /** The group's member count, counting no further than `limit` (a bounded query, never a full count of a huge group). */
  memberCountUpTo(tenantId: string, groupId: string, limit: number): Promise<number>;
  /** Direct and nested group memberships of each user. */
  groupsOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, GroupMembership[]>>;

  // Tenant extension schemas and role rules (each change bumps the tenant's schemaVersion).
  tenantSchemas(tenantId: string): Promise<TenantSchema[]>;
  putTenantSchema(tenantId: string, s: TenantSchema): Promise<void>;
  removeTenantSchema(tenantId: string, urn: string): Promise<boolean>;
  roleRules(tenantId: string): Promise<RoleRule[]>;
  putRoleRule(tenantId: string, rule: RoleRule, at: string): Promise<void>;
  removeRoleRule(tenantId: string, role: string): Promise<boolean>;

  // Tombstones (deprovision.delete = tombstone).
  putTombstone(tenantId: string, t: Tombstone): Promise<void>;
  listTombstones(tenantId: string): Promise<Tombstone[]>;
  /** Removes and returns a tombstone. */
  takeTombstone(tenantId: string, id: string): Promise<Tombstone | undefined>;

  // Links sent by mail.
  createLink(link: UserLink): Promise<void>;
  linkByHash(hash: string): Promise<UserLink | undefined>;
  linkById(id: string): Promise<UserLink | undefined>;
  /** The user's most recent link of that kind, used or not. */
  latestLink(tenantId: string, userId: string, kind: UserLink['kind']): Promise<UserLink | undefined>;
  /** Gives an unused link a new token hash and validity; false when the link is used (or gone). */
  reissueLink(id: string, hash: string, createdAt: string, expiresAt: string): Promise<boolean>;
  /** Marks a link used; false when it was used already. */
  useLink(hash: string, at: string): Promise<boolean>;
  /** Marks every unused link of that kind (both kinds when absent) for the user as used (a new one replaces them). */
  retireLinks(tenantId: string, userId: string, kind: UserLink['kind'] | undefined, at: string): Promise<void>;
  /** Removes the user's links (the user is gone). */
  deleteLinks(tenantId: string, userId: string): Promise<void>;

  // Mail outbox.
  enqueueMail(m: Mail): Promise<void>;
  /** Claims up to `limit` mails due at `now` until `until`, for one sender. */
  claimMail(now: string, until: string, limit: number): Promise<Mail[]>;
  markMailSent(id: number, at: string): Promise<void>;
  markMailFailed(id: number, error: string, nextAttemptAt: string): Promise<void>;
  /** Gives up on a mail: it stays listed, with `reason`, and is never claimed again. */
  dropMail(id: number, reason: string, at: string): Promise<void>;
  listMail(q: { tenantId?: string; pendingOnly?: boolean; limit: number }): Promise<Mail[]>;

  // Event log (the change log, docs/events.md; provisioning/changes.ts writes it).
  /** Appends one event, numbered from the tenant's sequence (recordChange takes numbers for many at once). */
  appendEvent(e: ScimdEvent): Promise<void>;
  events(q: { tenantId?: string; afterSeq?: number; limit: number }): Promise<ScimdEvent[]>;
  /**
   * Takes the next `count` numbers of the tenant's event sequence and answers the first. The
   * counter row stays locked until commit, so numbers are gapless and follow commit order: call it
   * as late as possible in the transaction, right before insertEvents.
   */
  takeEventSeqs(tenantId: string, count: number): Promise<number>;
  /** Writes events that carry their `id` and `tenantSeq`, many rows to a statement. */
  insertEvents(events: readonly ScimdEvent[]): Promise<void>;
  /** The tenant's events after `afterTenantSeq` in its sequence, in order. */
  tenantEvents(tenantId: string, afterTenantSeq: number, limit: number): Promise<ScimdEvent[]>;

  // Users: global userName uniqueness and password hashes; group displayName uniqueness.
  /**
   * True when another tenant (`all`), or another tenant whose userName.scope is global (`global`),
   * has a user with this folded userName.
   */
  userNameTakenElsewhere(tenantId: string, userNameFold: string, among: 'all' | 'global'): Promise<boolean>;
  /** The id of a group of the tenant other than `exceptId` whose displayName folds to this (groups.displayName.unique), if any. */
  groupWithDisplayName(tenantId: string, displayNameFold: string, exceptId: string): Promise<string | undefined>;
  /** The tenant's userNames (up to `limit`, and how many in all) that another tenant's users also hold. */
  userNamesHeldElsewhere(tenantId: string, limit: number): Promise<{ names: string[]; total: number }>;
  /** Serialises transactions that use the same key until commit (PostgreSQL advisory lock; SQLite already is serial). */
  lockKey(key: string): Promise<void>;
  setPasswordHash(tenantId: string, id: string, hash: string | null): Promise<void>;
  passwordHash(tenantId: string, userName: string): Promise<{ id: string; hash: string } | undefined>;

  // Provisioning request log.
  appendRequestLog(entries: readonly RequestLogEntry[]): Promise<void>;
  /** Deletes entries older than `before` and all but the newest `keep`. */
  pruneRequestLog(before: string, keep: number): Promise<void>;
  /** Newest first. */
  requestLog(q: RequestLogQuery): Promise<RequestLogEntry[]>;
  requestLogEntry(id: number): Promise<RequestLogEntry | undefined>;
}

/**
 * What a cache of authentication data compares to know whether it may be stale: `stamp` changes as
 * soon as a write of this process to tenants, clients, tokens, tenant schemas or role rules has
 * committed. `crossProcess` says whether it also changes at once when another process (the CLI,
 * another replica) commits such a write; where it does not, caches must bound their age by time.
 */
export interface AuthStamp {
  readonly stamp: string;
  readonly crossProcess: boolean;
}

export interface Store extends Repo {
  authStamp(): AuthStamp;
  /** Runs `fn` in one serialisable transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Repo) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
