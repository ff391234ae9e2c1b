/**
 * Copies a scimd database into another, empty one of either kind (SQLite → PostgreSQL, or back),
 * table by table in key order and in batches, each batch one transaction on the target, so an
 * interrupted run resumes after the last batch that committed. Hashes of tokens and admin keys
 * move as they are, so every credential keeps working; serial keys keep their values, so event
 * sequences and cursors continue. A verification pass then compares each table's row count and a
 * checksum of its rows (JSON compared as parsed values), per tenant where the table has tenants.
 */
import { createHash } from 'node:crypto';
import type { Row, Side } from './sides.ts';

/** Every table of a scimd database, parents before children; `key` orders it (unique); `serial` is a generated key. */
export const TABLES: readonly { readonly name: string; readonly key: readonly string[]; readonly serial?: string }[] = [
  { name: 'tenants', key: ['id'] },
  { name: 'scim_clients', key: ['id'] },
  { name: 'tokens', key: ['id'] },
  { name: 'admin_keys', key: ['id'] },
  { name: 'resources', key: ['seq'], serial: 'seq' },
  { name: 'resource_values', key: ['resource_seq', 'attr', 'value_fold'] },
  { name: 'group_members', key: ['group_seq', 'member_seq'] },
  { name: 'tenant_schemas', key: ['tenant_id', 'urn'] },
  { name: 'role_rules', key: ['tenant_id', 'role'] },
  { name: 'tombstones', key: ['tenant_id', 'id'] },
  { name: 'user_links', key: ['hash'] },
  { name: 'mail_outbox', key: ['id'], serial: 'id' },
  { name: 'request_log', key: ['id'], serial: 'id' },
  { name: 'event_counters', key: ['tenant_id'] },
  { name: 'events', key: ['seq'], serial: 'seq' },
  { name: 'webhook_endpoints', key: ['id'] },
  { name: 'webhook_attempts', key: ['id'], serial: 'id' },
  { name: 'event_checkpoints', key: ['subscriber', 'tenant_id'] },
  { name: 'setup_links', key: ['id'] },
  { name: 'server_secrets', key: ['name'] },
];

/** The target's own bookkeeping while a transfer runs: gone once it has been verified. */
const PROGRESS = 'scimd_transfer';

/** Tables each database keeps for itself: its migration steps, its credential-cache counter, a transfer's bookkeeping. */
const OWN = new Set(['schema_migrations', 'auth_version', PROGRESS]);

export interface TableProgress {
  readonly table: string;
  readonly copied: number;
  readonly total: number;
}

export interface TransferOptions {
  readonly batchRows?: number;
  /** Told after each batch. */
  readonly onProgress?: (p: TableProgress) => void;
  /** Told when a table starts (its total rows in the source). */
  readonly onTable?: (table: string, total: number, resumedAt: number) => void;
}

export class TransferRefused extends Error {}

export interface TransferResult {
  readonly resumed: boolean;
  readonly tables: readonly { readonly table: string; readonly rows: number; readonly ms: number }[];
}

async function present(side: Side, table: string): Promise<boolean> {
  return (await side.columns(table)).length > 0;
}

/**
 * Copies `from` into `to`. The target must hold a migrated scimd schema with no data (a fresh
 * database), or an unfinished transfer from this same source, which resumes.
 */
export async function transfer(from: Side, to: Side, sourceId: string, opts: TransferOptions = {}): Promise<TransferResult> {
  const batch = opts.batchRows ?? 2000;
  const unknown = (await from.tables()).filter((t) => !OWN.has(t) && !TABLES.some((x) => x.name === t));
  if (unknown.length) throw new TransferRefused(`${from.name} has tables this scimd does not know (${unknown.join(', ')}): run the migrate of the scimd version that wrote it`);
  let resumed = false;
  if (await present(to, PROGRESS)) {
    const [row] = await to.page(PROGRESS, ['source'], ['source'], undefined, 1);
    if (row?.[0] !== sourceId) throw new TransferRefused(`${to.name} holds an unfinished move from another source (${String(row?.[0])}); give an empty database`);
    resumed = true;
  } else {
    for (const t of TABLES) {
      if ((await present(to, t.name)) && (await to.count(t.name)) > 0) {
        throw new TransferRefused(`${to.name} is not empty (table ${t.name} has rows): scimd migrate copies into an empty database only`);
      }
    }
    await to.exec(`CREATE TABLE ${PROGRESS} (source TEXT NOT NULL, started_at TEXT NOT NULL)`);
    await to.insert(PROGRESS, ['source', 'started_at'], [[sourceId, new Date().toISOString()]]);
  }
  const tables: { table: string; rows: number; ms: number }[] = [];
  for (const t of TABLES) {
    if (!(await present(from, t.name))) continue;
    const started = performance.now();
    const columns = await from.columns(t.name);
    const targetColumns = new Set(await to.columns(t.name));
    const missing = columns.filter((c) => !targetColumns.has(c));
    if (missing.length) throw new TransferRefused(`${to.name} has no column ${missing.join(', ')} in ${t.name}: both databases must be at the same scimd version`);
    const total = await from.count(t.name);
    let after = await to.lastKey(t.name, t.key);
    let copied = after ? await to.count(t.name) : 0;
    opts.onTable?.(t.name, total, copied);
    const keyAt = t.key.map((k) => columns.indexOf(k));
    for (;;) {
      const rows = await from.page(t.name, columns, t.key, after, batch);
      if (rows.length === 0) break;
      await to.insert(t.name, columns, rows);
      copied += rows.length;
      after = keyAt.map((i) => rows[rows.length - 1]![i]!) as Row;
      opts.onProgress?.({ table: t.name, copied, total: Math.max(total, copied) });
      if (rows.length < batch) break;
    }
    if (t.serial) await to.resetSerial(t.name, t.serial);
    tables.push({ table: t.name, rows: copied, ms: Math.round(performance.now() - started) });
  }
  return { resumed, tables };
}

/** Marks the transfer finished (after verification): the target is an ordinary scimd database. */
export async function finishTransfer(to: Side): Promise<void> {
  if (await present(to, PROGRESS)) await to.exec(`DROP TABLE ${PROGRESS}`);
}

/** JSON text compared by value (PostgreSQL's jsonb reorders keys and spacing); anything else as it is. */
function canonical(v: Row[number]): string {
  if (typeof v === 'string' && (v.startsWith('{') || v.startsWith('['))) {
    try {
      return JSON.stringify(sortKeys(JSON.parse(v)));
    } catch {
      return JSON.stringify(v);
    }
  }
  return JSON.stringify(v);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

export interface VerifiedTable {
  readonly table: string;
  /** Per tenant id ('' for rows of no tenant): rows and checksum on each side. */
  readonly tenants: readonly { readonly tenant: string; readonly source: number; readonly target: number; readonly same: boolean }[];
  readonly ok: boolean;
}

async function digest(side: Side, table: string, columns: readonly string[], key: readonly string[], batch: number): Promise<Map<string, { rows: number; hash: ReturnType<typeof createHash> }>> {
  const tenantAt = columns.indexOf('tenant_id');
  const keyAt = key.map((k) => columns.indexOf(k));
  const out = new Map<string, { rows: number; hash: ReturnType<typeof createHash> }>();
  let after: Row | undefined;
  for (;;) {
    const rows = await side.page(table, columns, key, after, batch);
    for (const row of rows) {
      const tenant = tenantAt >= 0 ? String(row[tenantAt] ?? '') : '';
      let entry = out.get(tenant);
      if (!entry) out.set(tenant, (entry = { rows: 0, hash: createHash('sha256') }));
      entry.rows++;
      entry.hash.update(row.map(canonical).join('\u0001')).update('\u0002');
    }
    if (rows.length < batch) return out;
    after = keyAt.map((i) => rows[rows.length - 1]![i]!) as Row;
  }
}

/** Row counts and checksums per table and tenant on both sides; every one must agree. */
export async function verifyTransfer(from: Side, to: Side, batch = 5000): Promise<VerifiedTable[]> {
  const out: VerifiedTable[] = [];
  for (const t of TABLES) {
    if (!(await present(from, t.name))) continue;
    const columns = await from.columns(t.name);
    const [a, b] = await Promise.all([digest(from, t.name, columns, t.key, batch), digest(to, t.name, columns, t.key, batch)]);
    const tenants = [...new Set([...a.keys(), ...b.keys()])].sort().map((tenant) => {
      const x = a.get(tenant);
      const y = b.get(tenant);
      return { tenant, source: x?.rows ?? 0, target: y?.rows ?? 0, same: !!x && !!y && x.rows === y.rows && x.hash.digest('hex') === y.hash.digest('hex') };
    });
    out.push({ table: t.name, tenants, ok: tenants.every((r) => r.same) });
  }
  return out;
}
