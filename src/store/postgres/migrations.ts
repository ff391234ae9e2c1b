/** The PostgreSQL schema: the same tables as SQLite's, with jsonb documents and bigint sequences. */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    created_at TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}'
  );
  CREATE TABLE scim_clients (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    idp TEXT,
    detected_idp TEXT,
    detected_reason TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
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

  CREATE TABLE resources (
    seq BIGSERIAL PRIMARY KEY,
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
    data JSONB NOT NULL,
    search JSONB NOT NULL
  );
  CREATE UNIQUE INDEX resources_id ON resources (tenant_id, id);
  CREATE UNIQUE INDEX resources_user_name ON resources (tenant_id, user_name_fold);
  CREATE INDEX resources_external_id ON resources (tenant_id, type, external_id);
  CREATE INDEX resources_display_name ON resources (tenant_id, type, display_name_fold);
  CREATE INDEX resources_type_seq ON resources (tenant_id, type, seq);

  CREATE TABLE resource_values (
    resource_seq BIGINT NOT NULL REFERENCES resources(seq) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    attr TEXT NOT NULL,
    value_fold TEXT NOT NULL
  );
  CREATE INDEX resource_values_lookup ON resource_values (tenant_id, attr, value_fold);
  CREATE INDEX resource_values_resource ON resource_values (resource_seq);

  CREATE TABLE group_members (
    group_seq BIGINT NOT NULL REFERENCES resources(seq) ON DELETE CASCADE,
    member_seq BIGINT NOT NULL REFERENCES resources(seq) ON DELETE CASCADE,
    PRIMARY KEY (group_seq, member_seq)
  );
  CREATE INDEX group_members_member ON group_members (member_seq, group_seq);

  CREATE TABLE request_log (
    id BIGSERIAL PRIMARY KEY,
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
  `,
  `
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
    id BIGSERIAL PRIMARY KEY,
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
    seq BIGSERIAL PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    type TEXT NOT NULL,
    resource_id TEXT,
    at TEXT NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX events_tenant ON events (tenant_id, seq);
  `,
  `
  -- userName.scope = global, kept beside the settings so the uniqueness check is one indexed join.
  ALTER TABLE tenants ADD COLUMN user_names_global INTEGER NOT NULL DEFAULT 0;
  UPDATE tenants SET user_names_global = 1 WHERE settings LIKE '%"userName.scope":"global"%';
  `,
  `
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
  `
  -- The change log (docs/events.md): every committed change of a User or Group is one row, with a
  -- uuid, the tenant's own gapless sequence (taken from event_counters in the write's transaction),
  -- the resource's type and version, the changed attribute paths (JSON array) and what caused it.
  ALTER TABLE events ADD COLUMN id TEXT;
  ALTER TABLE events ADD COLUMN tenant_seq BIGINT;
  ALTER TABLE events ADD COLUMN resource_type TEXT;
  ALTER TABLE events ADD COLUMN version INTEGER;
  ALTER TABLE events ADD COLUMN paths TEXT;
  ALTER TABLE events ADD COLUMN client_id TEXT;
  ALTER TABLE events ADD COLUMN request_id TEXT;
  ALTER TABLE events ADD COLUMN actor TEXT;
  -- Events from before: numbered per tenant in log order, given ids, and said who caused them.
  UPDATE events SET
    tenant_seq = n.tenant_seq,
    id = md5(random()::text || clock_timestamp()::text || events.seq::text)::uuid::text,
    resource_type = 'User',
    actor = CASE events.type WHEN 'user.restored' THEN 'admin' ELSE 'link' END
  FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY seq) AS tenant_seq FROM events) AS n
  WHERE n.seq = events.seq;
  CREATE UNIQUE INDEX events_tenant_seq ON events (tenant_id, tenant_seq);
  -- The last number each tenant's sequence gave out. Its row is updated as late as possible in a
  -- write transaction, so it is held only until commit and numbers follow commit order.
  CREATE TABLE event_counters (
    tenant_id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
  );
  INSERT INTO event_counters (tenant_id, seq) SELECT tenant_id, MAX(tenant_seq) FROM events GROUP BY tenant_id;
  `,
];
