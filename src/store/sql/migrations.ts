/**
 * Schema migrations of both databases: one ordered list, applied at start-up in order, each step
 * inside one transaction. A database records the number of each step it applied
 * (schema_migrations.version), so:
 *
 * - never edit, reorder or remove a released step; add a new one at the end;
 * - a step is a function of the DdlDialect below: write the SQL once and let `${d.json}`,
 *   `${d.serialKey}`, `${d.serialRef}` (and, rarely, `d.name`) say what differs. A step that
 *   returns undefined does not exist in that database (its step numbers skip it).
 *
 * To add a step, append to MIGRATIONS:
 *
 *     // What the step is for.
 *     (d) => `
 *     ALTER TABLE events ADD COLUMN payload ${d.json};
 *     `,
 *
 * History: PostgreSQL support arrived after step 2, so its first step already creates what SQLite
 * added in step 2, and it has no step 2; its step numbers are SQLite's minus one from there on.
 */

/** What the schema's SQL says differently in each database. */
export interface DdlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** An auto-numbered 64-bit primary key column. */
  readonly serialKey: string;
  /** The type of a column referring to such a key. */
  readonly serialRef: string;
  /** A JSON document column (SQLite keeps the text, PostgreSQL jsonb). */
  readonly json: string;
  /** Follows the `)` of a table that is nothing but its primary key (SQLite stores it without rowid). */
  readonly withoutRowid: string;
}

export const SQLITE_DDL: DdlDialect = {
  name: 'sqlite',
  serialKey: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  serialRef: 'INTEGER',
  json: 'TEXT',
  withoutRowid: ' WITHOUT ROWID',
};

export const POSTGRES_DDL: DdlDialect = {
  name: 'postgres',
  serialKey: 'BIGSERIAL PRIMARY KEY',
  serialRef: 'BIGINT',
  json: 'JSONB',
  withoutRowid: '',
};

export type MigrationStep = (d: DdlDialect) => string | undefined;

// Only for the steps written before the list was one (see History above).
const sqliteOnly = (d: DdlDialect, sql: string) => (d.name === 'sqlite' ? sql : '');
const postgresOnly = (d: DdlDialect, sql: string) => (d.name === 'postgres' ? sql : '');

/** Created by SQLite's step 2 and PostgreSQL's step 1. */
const requestLog = (d: DdlDialect) => `  CREATE TABLE request_log (
    id ${d.serialKey},
    at TEXT NOT NULL,
    tenant_id TEXT,
    tenant_name TEXT,
    client_id TEXT,
    client_name TEXT,
    idp TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    scim_type TEXT,
    duration_ms INTEGER NOT NULL,
    notes TEXT NOT NULL,
    request_body TEXT,
    response_body TEXT
  );
  CREATE INDEX request_log_tenant ON request_log (tenant_id, id);
  CREATE INDEX request_log_at ON request_log (at);
`;

/** Step 6: events from before the change log, numbered per tenant in log order (SQLite has no window UPDATE … FROM). */
const SQLITE_EVENT_BACKFILL = `  UPDATE events SET
    tenant_seq = (SELECT COUNT(*) FROM events e WHERE e.tenant_id = events.tenant_id AND e.seq <= events.seq),
    id = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
    resource_type = 'User',
    actor = CASE type WHEN 'user.restored' THEN 'admin' ELSE 'link' END;`;
const POSTGRES_EVENT_BACKFILL = `  UPDATE events SET
    tenant_seq = n.tenant_seq,
    id = md5(random()::text || clock_timestamp()::text || events.seq::text)::uuid::text,
    resource_type = 'User',
    actor = CASE events.type WHEN 'user.restored' THEN 'admin' ELSE 'link' END
  FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY seq) AS tenant_seq FROM events) AS n
  WHERE n.seq = events.seq;`;

/**
 * Step 9: one row counting the committed transactions that changed authentication data. On
 * PostgreSQL each such transaction bumps it before COMMIT, beside its NOTIFY, and every replica
 * reads it now and then, so a lost notification is noticed (src/store/postgres/auth-watch.ts).
 * SQLite has the table too, unused (its processes see each other's commits through PRAGMA
 * data_version), so both databases keep one step list.
 */
const authVersionStep: MigrationStep = (d) => `
  CREATE TABLE auth_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version ${d.serialRef} NOT NULL
  );
  INSERT INTO auth_version (id, version) VALUES (1, 0);
  `;

/** Step 11 in SQLite: the events table rebuilt without AUTOINCREMENT, keeping every row and its seq. */
const SQLITE_LEAN_EVENTS = `
  CREATE TABLE events_lean (
    seq INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    type TEXT NOT NULL,
    resource_id TEXT,
    at TEXT NOT NULL,
    data TEXT NOT NULL,
    id TEXT,
    tenant_seq INTEGER,
    resource_type TEXT,
    version INTEGER,
    paths TEXT,
    client_id TEXT,
    request_id TEXT,
    actor TEXT,
    previous TEXT,
    state TEXT
  );
  INSERT INTO events_lean (seq, tenant_id, type, resource_id, at, data, id, tenant_seq, resource_type, version, paths, client_id, request_id, actor, previous, state)
    SELECT seq, tenant_id, type, resource_id, at, data, id, tenant_seq, resource_type, version, paths, client_id, request_id, actor, previous, state FROM events;
  DROP TABLE events;
  ALTER TABLE events_lean RENAME TO events;
  CREATE UNIQUE INDEX events_tenant_seq ON events (tenant_id, tenant_seq);
  `;

export const MIGRATIONS: readonly MigrationStep[] = [
  // 1. Tenants, clients, tokens, resources, their indexed values and group membership (and, in
  // PostgreSQL, what SQLite adds in step 2).
  (d) => `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    created_at TEXT NOT NULL${postgresOnly(
      d,
      `,
    settings TEXT NOT NULL DEFAULT '{}'`,
    )}
  );
  CREATE TABLE scim_clients (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,${postgresOnly(
      d,
      `
    idp TEXT,
    detected_idp TEXT,
    detected_reason TEXT,
    settings TEXT NOT NULL DEFAULT '{}',`,
    )}
    UNIQUE (tenant_id, name)
  );
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    client_id TEXT NOT NULL REFERENCES scim_clients(id),
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    last_used_at TEXT
  );
  CREATE INDEX tokens_client ON tokens (client_id);

${sqliteOnly(
  d,
  `  -- One table for every resource type, so root-level search is one query and paging is one order.
`,
)}  CREATE TABLE resources (
    seq ${d.serialKey},
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    version INTEGER NOT NULL,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    user_name TEXT,
    user_name_fold TEXT,
    external_id TEXT,
    display_name TEXT,
    display_name_fold TEXT,
${sqliteOnly(
  d,
  `    -- The attributes as returned, and their search form (case-insensitive strings folded).
`,
)}    data ${d.json} NOT NULL,
    search ${d.json} NOT NULL
  );
  CREATE UNIQUE INDEX resources_id ON resources (tenant_id, id);
  CREATE UNIQUE INDEX resources_user_name ON resources (tenant_id, user_name_fold);
  CREATE INDEX resources_external_id ON resources (tenant_id, type, external_id);
  CREATE INDEX resources_display_name ON resources (tenant_id, type, display_name_fold);
  CREATE INDEX resources_type_seq ON resources (tenant_id, type, seq);

${sqliteOnly(
  d,
  `  -- Folded values of multi-valued sub-attributes that clients look up with eq (emails.value).
`,
)}  CREATE TABLE resource_values (
    resource_seq ${d.serialRef} NOT NULL REFERENCES resources(seq) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    attr TEXT NOT NULL,
    value_fold TEXT NOT NULL
  );
  CREATE INDEX resource_values_lookup ON resource_values (tenant_id, attr, value_fold);
  CREATE INDEX resource_values_resource ON resource_values (resource_seq);

${sqliteOnly(
  d,
  `  -- Group membership as rows: adding one member to a huge group writes one row.
`,
)}  CREATE TABLE group_members (
    group_seq ${d.serialRef} NOT NULL REFERENCES resources(seq) ON DELETE CASCADE,
    member_seq ${d.serialRef} NOT NULL REFERENCES resources(seq) ON DELETE CASCADE,
    PRIMARY KEY (group_seq, member_seq)
  )${d.withoutRowid};
  CREATE INDEX group_members_member ON group_members (member_seq, group_seq);
${postgresOnly(d, `\n${requestLog(d)}`)}  `,

  // 2. Tenant and client settings, the request log (PostgreSQL has them from step 1).
  (d) =>
    d.name === 'postgres'
      ? undefined
      : `
  ALTER TABLE tenants ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE scim_clients ADD COLUMN idp TEXT;
  ALTER TABLE scim_clients ADD COLUMN detected_idp TEXT;
  ALTER TABLE scim_clients ADD COLUMN detected_reason TEXT;
  ALTER TABLE scim_clients ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

  -- The provisioning request log: one row per SCIM request, bodies redacted.
${requestLog(d)}  `,

  // 3. Tenant schemas, role rules, tombstones, mailed links, the mail outbox, the event log.
  (d) => `
  -- Tenant policies and lifecycle flows (issue: tenant policies).
  ALTER TABLE tenants ADD COLUMN schema_version INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE resources ADD COLUMN password_hash TEXT;
  CREATE INDEX resources_user_name_global ON resources (user_name_fold);

  -- Extension schemas a tenant added (RFC 7643 §7 documents) or enabled (built-in ones).
  CREATE TABLE tenant_schemas (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    urn TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    definition TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, urn)
  );

  -- Role mapping: a user who matches the filter has the role.
  CREATE TABLE role_rules (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    role TEXT NOT NULL,
    filter TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, role)
  );

  -- Deleted resources kept under deprovision.delete = tombstone, recoverable by an admin.
  CREATE TABLE tombstones (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    created TEXT NOT NULL,
    deleted_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
  );

  -- Single-use links sent by mail: invitations and email validations. Only hashes are stored.
  CREATE TABLE user_links (
    hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'validation')),
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
  );
  CREATE INDEX user_links_user ON user_links (tenant_id, user_id, kind);

  -- Mail waiting to be sent (or kept, without SMTP), written in the transaction that caused it.
  CREATE TABLE mail_outbox (
    id ${d.serialKey},
    tenant_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until TEXT,
    sent_at TEXT,
    last_error TEXT
  );
  CREATE INDEX mail_outbox_pending ON mail_outbox (sent_at, next_attempt_at);

  -- What the host application is told, in order, per tenant.
  CREATE TABLE events (
    seq ${d.serialKey},
    tenant_id TEXT NOT NULL,
    type TEXT NOT NULL,
    resource_id TEXT,
    at TEXT NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX events_tenant ON events (tenant_id, seq);
  `,

  // 4. The userName.scope flag beside the settings.
  () => `
  -- userName.scope = global, kept beside the settings so the uniqueness check is one indexed join.
  ALTER TABLE tenants ADD COLUMN user_names_global INTEGER NOT NULL DEFAULT 0;
  UPDATE tenants SET user_names_global = 1 WHERE settings LIKE '%"userName.scope":"global"%';
  `,

  // 5. Link ids and origins, the outbox's link and drop reason, tombstone versions and password hashes.
  () => `
  -- Mailed links get their token only when the mail is sent, so no token is ever stored (only
  -- hashes): the outbox refers to the link, which keeps the origin its URL points at.
  ALTER TABLE user_links ADD COLUMN id TEXT;
  ALTER TABLE user_links ADD COLUMN origin TEXT;
  CREATE UNIQUE INDEX user_links_id ON user_links (id);
  ALTER TABLE mail_outbox ADD COLUMN link_id TEXT;
  -- Mail that will not be sent: its link was retired, or every attempt failed (reason in last_error).
  ALTER TABLE mail_outbox ADD COLUMN dropped_at TEXT;
  -- A restored user continues its version sequence, so an old ETag never matches again, and
  -- keeps its password hash (passwords = hash).
  ALTER TABLE tombstones ADD COLUMN version INTEGER;
  ALTER TABLE tombstones ADD COLUMN password_hash TEXT;
  `,
  // 6 (PostgreSQL 5). The change log: event ids, per-tenant gapless sequence, what changed and who caused it.
  (d) => `
  -- The change log (docs/events.md): every committed change of a User or Group is one row, with a
  -- uuid, the tenant's own gapless sequence (taken from event_counters in the write's transaction),
  -- the resource's type and version, the changed attribute paths (JSON array) and what caused it.
  ALTER TABLE events ADD COLUMN id TEXT;
  ALTER TABLE events ADD COLUMN tenant_seq ${d.serialRef};
  ALTER TABLE events ADD COLUMN resource_type TEXT;
  ALTER TABLE events ADD COLUMN version INTEGER;
  ALTER TABLE events ADD COLUMN paths TEXT;
  ALTER TABLE events ADD COLUMN client_id TEXT;
  ALTER TABLE events ADD COLUMN request_id TEXT;
  ALTER TABLE events ADD COLUMN actor TEXT;
  -- Events from before: numbered per tenant in log order, given ids, and said who caused them.
${d.name === 'sqlite' ? SQLITE_EVENT_BACKFILL : POSTGRES_EVENT_BACKFILL}
  CREATE UNIQUE INDEX events_tenant_seq ON events (tenant_id, tenant_seq);
  -- The last number each tenant's sequence gave out. Its row is updated as late as possible in a
  -- write transaction, so it is held only until commit and numbers follow commit order.
  CREATE TABLE event_counters (
    tenant_id TEXT PRIMARY KEY,
    seq ${d.serialRef} NOT NULL
  );
  INSERT INTO event_counters (tenant_id, seq) SELECT tenant_id, MAX(tenant_seq) FROM events GROUP BY tenant_id;
  `,
  // 7 (PostgreSQL 6). The request id of each provisioning request-log row (the X-Request-Id of the answer, the process log's reqId).
  () => `
  ALTER TABLE request_log ADD COLUMN request_id TEXT;
  `,
  // 8 (PostgreSQL 7). Admin keys of the admin API: hashed like SCIM tokens, scoped to every tenant
  // (tenant_id NULL) or to one.
  () => `
  CREATE TABLE admin_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    tenant_id TEXT REFERENCES tenants(id),
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
  );
  `,
  // 9 (PostgreSQL 8), after step 8 (admin keys). The cluster-wide version of authentication data.
  authVersionStep,
  // 10 (PostgreSQL 9). Events carry the changed paths' previous values and the resource's state after the change.
  (d) => `
  ALTER TABLE events ADD COLUMN previous ${d.json};
  ALTER TABLE events ADD COLUMN state ${d.json};
  `,
  // 11 (PostgreSQL 10). A write records its events touching fewer pages: no (tenant_id, seq) index
  // (readers go by tenant_seq), and in SQLite no AUTOINCREMENT (its sqlite_sequence row was one
  // more page written per write), which needs the table rebuilt.
  (d) => (d.name === 'sqlite' ? SQLITE_LEAN_EVENTS : 'DROP INDEX events_tenant;'),
  // 12 (PostgreSQL 11). Webhook endpoints of tenants and the log of their delivery attempts.
  (d) => `
  -- An endpoint gets its tenant's events in tenant_seq order: delivered_seq is the last one it
  -- acknowledged (or passed over). The secrets are HMAC keys scimd signs with, so they are kept as
  -- given; the previous one signs too until previous_secret_until (rotation). A process works on an
  -- endpoint only while it holds the lease (lease_owner until lease_until).
  CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TEXT,
    types TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    delivered_seq ${d.serialRef} NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'failing')),
    failed_seq ${d.serialRef},
    failed_reason TEXT,
    next_attempt_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until TEXT
  );
  CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);
  -- One row per attempt to deliver one event (or a test ping) to one endpoint.
  CREATE TABLE webhook_attempts (
    id ${d.serialKey},
    endpoint_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    tenant_seq ${d.serialRef},
    event_type TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    status INTEGER,
    duration_ms INTEGER NOT NULL,
    response_excerpt TEXT,
    error TEXT
  );
  CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
  CREATE INDEX webhook_attempts_at ON webhook_attempts (at);
  `,
  // 13 (PostgreSQL 12). Library mode's subscribers: per subscriber name and tenant, the tenantSeq of
  // the last event every handler acknowledged (src/provisioning/events/subscriptions.ts).
  (d) => `
  CREATE TABLE event_checkpoints (
    subscriber TEXT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    tenant_seq ${d.serialRef} NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (subscriber, tenant_id)
  );
  `,
  // 14 (PostgreSQL 13). Setup links: the hash of each link's token, its tenant, expiry, and the client its page minted.
  () => `
  CREATE TABLE setup_links (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    client_id TEXT
  );
  `,
  // 15 (PostgreSQL 14). Secrets of the deployment shared by its processes: the key that seals SCIM
  // paging cursors (RFC 9865), so a cursor one replica gave is taken by every other.
  () => `
  CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
  // 16 (PostgreSQL 15). Tombstones page newest first (admin API, console): one index range per page,
  // however many a tenant has.
  () => `
  CREATE INDEX tombstones_deleted ON tombstones (tenant_id, deleted_at, id);
  `,
  // 17 (PostgreSQL 16). A user's invitation state (admin API, console) finds the mail of its link.
  () => `
  CREATE INDEX mail_outbox_link ON mail_outbox (link_id);
  `,
  // 18 (PostgreSQL 17). The request body as the normalisers left it (redacted), only where they changed it.
  () => `
  ALTER TABLE request_log ADD COLUMN normalised_body TEXT;
  `,
];

/**
 * What readiness reports for the highest applied schema_migrations version, given the number of
 * steps this scimd has: undefined when they are equal.
 */
export function schemaNotReady(applied: number, steps: number): string | undefined {
  if (applied === steps) return undefined;
  return applied < steps ? `the database schema is at version ${applied}, this scimd needs ${steps}` : `the database schema is at version ${applied}, newer than this scimd (${steps})`;
}

/** The steps that exist in the database of `d`, in order: step n is schema_migrations version n. */
export function migrationsFor(d: DdlDialect): readonly string[] {
  return MIGRATIONS.map((step) => step(d)).filter((sql): sql is string => sql !== undefined);
}
