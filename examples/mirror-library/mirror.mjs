/**
 * A host application that runs scimd inside itself (library mode) and keeps its own copy of the
 * directory: scimd's SCIM endpoints are mounted in the host's Fastify app, and library
 * subscriptions mirror users, groups and memberships into the host's SQLite tables.
 *
 *   node examples/mirror-library/mirror.mjs        (after `npm run build` in a checkout)
 *
 * Environment: PORT (3000), HOST (127.0.0.1), SCIMD_DATA_DIR (./data: scimd's own database),
 * MIRROR_DB (./mirror.db: the host's tables). The first start prints the SCIM token of tenant
 * `default`; point an IdP at http://HOST:PORT/scim/v2 with it. GET /mirror shows the tables.
 *
 * scimd delivers each event at least once: after a crash the event in progress comes again. The
 * mirror records the last tenantSeq it applied per tenant in the same transaction as the change,
 * so an event delivered again is recognised and skipped: each change is applied exactly once.
 */
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { createScimd } from 'scimd';

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
 * Subscribes the mirror to scimd's events. Each event is applied in one transaction of the
 * mirror's database together with the tenant's applied tenantSeq; `onDeliver` (for tests) is
 * called first, and a throw from it, like any failure here, makes scimd call again later.
 */
export function subscribeMirror(scimd, db, onDeliver = () => undefined) {
  const lastApplied = db.prepare('SELECT tenant_seq FROM applied WHERE tenant = ?');
  const markApplied = db.prepare('INSERT INTO applied (tenant, tenant_seq) VALUES (?, ?) ON CONFLICT (tenant) DO UPDATE SET tenant_seq = excluded.tenant_seq');
  const record = db.prepare('INSERT INTO changes (event_id, tenant, tenant_seq, type, resource_id, at) VALUES (?, ?, ?, ?, ?, ?)');
  for (const [type, apply] of Object.entries(appliers(db))) {
    const once = db.transaction((e) => {
      if (e.tenantSeq <= (lastApplied.get(e.tenant)?.tenant_seq ?? 0)) return; // delivered again after a crash
      apply(e);
      record.run(e.id, e.tenant, e.tenantSeq, e.type, e.resourceId ?? null, e.at);
      markApplied.run(e.tenant, e.tenantSeq);
    });
    scimd.on(type, async (e) => {
      await onDeliver(e);
      once(e);
    });
  }
}

/**
 * Starts the host: scimd (its database in `dataDir`), the mirror (`mirrorFile`), and a Fastify app
 * with scimd's endpoints and the host's own routes. `scimd` passes more options to createScimd.
 */
export async function startMirrorHost({ dataDir, mirrorFile, host = '127.0.0.1', port = 3000, scimd: scimdOptions = {}, onDeliver } = {}) {
  const db = openMirror(mirrorFile);
  const scimd = await createScimd({ dataDir, subscriber: 'mirror', ...scimdOptions });
  // Right after createScimd: delivery starts once this task ends.
  subscribeMirror(scimd, db, onDeliver);
  const app = Fastify();
  app.get('/mirror', async () => ({
    users: db.prepare('SELECT * FROM users ORDER BY tenant, user_name').all(),
    groups: db.prepare('SELECT * FROM groups ORDER BY tenant, display_name').all(),
    memberships: db.prepare('SELECT * FROM memberships ORDER BY tenant, group_id, member_id').all(),
  }));
  await app.register(scimd.plugin);
  await app.listen({ host, port });
  return {
    app,
    scimd,
    db,
    origin: `http://${host}:${app.server.address().port}`,
    async close() {
      // The host first (it ends scimd's long-polls through it), then scimd (its subscriptions wait for the handler in progress).
      await app.close();
      await scimd.close();
      db.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const running = await startMirrorHost({
    dataDir: process.env.SCIMD_DATA_DIR ?? './data',
    mirrorFile: process.env.MIRROR_DB ?? './mirror.db',
    host: process.env.HOST ?? '127.0.0.1',
    port: Number(process.env.PORT ?? 3000),
  });
  const { token } = running.scimd.bootstrap;
  console.log(`SCIM base URL: ${running.origin}/scim/v2${token ? `\ntoken of tenant default (shown once): ${token}` : ''}\nmirror: ${running.origin}/mirror`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void running.close());
}
