/**
 * The host application's own tables — users, groups, memberships — kept from scimd's events, for
 * both examples (library subscriptions in mirror-library/, webhooks in mirror-webhooks/).
 *
 * scimd delivers each event at least once: after a crash the event in progress comes again. The
 * mirror records the last tenantSeq it applied per tenant in the same transaction as the change,
 * so an event delivered again is recognised and skipped: each change is applied exactly once.
 */
import Database from 'better-sqlite3';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS users (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    display_name TEXT,
    email TEXT,
    active INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
  );
  CREATE TABLE IF NOT EXISTS groups (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
  );
  CREATE TABLE IF NOT EXISTS memberships (
    tenant TEXT NOT NULL,
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    member_type TEXT,
    PRIMARY KEY (tenant, group_id, member_id)
  );
  -- The last event applied, per tenant: written with each change, so a repeat is skipped.
  CREATE TABLE IF NOT EXISTS applied (
    tenant TEXT PRIMARY KEY,
    tenant_seq INTEGER NOT NULL
  );
  -- One row per event applied (the host's audit trail).
  CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    tenant_seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    resource_id TEXT,
    at TEXT NOT NULL
  );
`;

/** Opens (and creates) the host's tables. */
export function openMirror(file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  return db;
}

/** The user's primary email (or its first). */
const emailOf = (state) => {
  const emails = Array.isArray(state.emails) ? state.emails : [];
  return (emails.find((e) => e.primary) ?? emails[0])?.value ?? null;
};

/** Every event the mirror follows, and what each does to the tables. */
function appliers(db) {
  const q = {
    upsertUser: db.prepare(
      `INSERT INTO users (tenant, id, user_name, display_name, email, active) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, id) DO UPDATE SET user_name = excluded.user_name, display_name = excluded.display_name, email = excluded.email, active = excluded.active`,
    ),
    deleteUser: db.prepare('DELETE FROM users WHERE tenant = ? AND id = ?'),
    upsertGroup: db.prepare('INSERT INTO groups (tenant, id, display_name) VALUES (?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET display_name = excluded.display_name'),
    deleteGroup: db.prepare('DELETE FROM groups WHERE tenant = ? AND id = ?'),
    addMember: db.prepare('INSERT INTO memberships (tenant, group_id, member_id, member_type) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    removeMember: db.prepare('DELETE FROM memberships WHERE tenant = ? AND group_id = ? AND member_id = ?'),
    // A deleted user or group leaves every group it was in; a deleted group has no members left.
    dropMemberships: db.prepare('DELETE FROM memberships WHERE tenant = ? AND (member_id = ? OR group_id = ?)'),
  };
  // Events carry the resource after the change (`state`) unless the tenant setting events.state is none.
  const stateOf = (e) => {
    if (!e.state) throw new Error(`event ${e.type} of tenant ${e.tenant} carries no state: the mirror needs the tenant setting events.state = full`);
    return e.state;
  };
  const user = (e) => {
    const s = stateOf(e);
    q.upsertUser.run(e.tenant, e.resourceId, s.userName, s.displayName ?? null, emailOf(s), s.active === false ? 0 : 1);
  };
  const group = (e) => q.upsertGroup.run(e.tenant, e.resourceId, stateOf(e).displayName);
  const gone = (table) => (e) => {
    table.run(e.tenant, e.resourceId);
    q.dropMemberships.run(e.tenant, e.resourceId, e.resourceId);
  };
  return {
    'user.created': user,
    'user.updated': user,
    'user.deactivated': user,
    'user.reactivated': user,
    'user.restored': user,
    'user.invitation.accepted': user,
    'user.email.verified': user,
    'user.deleted': gone(q.deleteUser),
    'group.created': group,
    'group.updated': group,
    'group.deleted': gone(q.deleteGroup),
    'group.member.added': (e) => q.addMember.run(e.tenant, e.resourceId, e.data.value, e.data.type ?? null),
    'group.member.removed': (e) => q.removeMember.run(e.tenant, e.resourceId, e.data.value),
  };
}

/**
 * The function that applies one event (as scimd's events carry it: tenant, tenantSeq, type,
 * resourceId, state, data) to the tables, in one transaction with the tenant's applied tenantSeq.
 * Answers false for an event applied before (a repeat), true otherwise.
 */
export function mirrorApplier(db) {
  const lastApplied = db.prepare('SELECT tenant_seq FROM applied WHERE tenant = ?');
  const markApplied = db.prepare('INSERT INTO applied (tenant, tenant_seq) VALUES (?, ?) ON CONFLICT (tenant) DO UPDATE SET tenant_seq = excluded.tenant_seq');
  const record = db.prepare('INSERT INTO changes (event_id, tenant, tenant_seq, type, resource_id, at) VALUES (?, ?, ?, ?, ?, ?)');
  const byType = appliers(db);
  return db.transaction((e) => {
    if (e.tenantSeq <= (lastApplied.get(e.tenant)?.tenant_seq ?? 0)) return false;
    byType[e.type]?.(e);
    record.run(e.id, e.tenant, e.tenantSeq, e.type, e.resourceId ?? null, e.at);
    markApplied.run(e.tenant, e.tenantSeq);
    return true;
  });
}

/** The event types the mirror follows (those appliers() handles). */
export const MIRRORED_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.restored',
  'user.invitation.accepted',
  'user.email.verified',
  'user.deleted',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.member.added',
  'group.member.removed',
];

/** What the tables hold (GET /mirror). */
export function mirrorContents(db) {
  return {
    users: db.prepare('SELECT * FROM users ORDER BY tenant, user_name').all(),
    groups: db.prepare('SELECT * FROM groups ORDER BY tenant, display_name').all(),
    memberships: db.prepare('SELECT * FROM memberships ORDER BY tenant, group_id, member_id').all(),
  };
}
