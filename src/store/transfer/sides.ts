/**
 * The two ends of a transfer between databases (scimd migrate): raw table access to a SQLite file
 * or a PostgreSQL database, with values in one neutral form — JSON columns as JSON text, integers
 * as numbers — whichever side they come from.
 */
import Database from 'better-sqlite3';
import pg from 'pg';

export type Value = string | number | null;
export type Row = Value[];

export interface Side {
  readonly name: string;
  /** The tables of the database. */
  tables(): Promise<string[]>;
  /** Column names of `table`, in table order; empty when the table does not exist. */
  columns(table: string): Promise<string[]>;
  /** Up to `limit` rows after `after` (key columns' values) in key order, byte-wise for text. */
  page(table: string, columns: readonly string[], key: readonly string[], after: Row | undefined, limit: number): Promise<Row[]>;
  /** The last row's key in key order, if any row. */
  lastKey(table: string, key: readonly string[]): Promise<Row | undefined>;
  count(table: string): Promise<number>;
  /** Inserts rows, all or none. */
  insert(table: string, columns: readonly string[], rows: readonly Row[]): Promise<void>;
  exec(sql: string): Promise<void>;
  /** After rows with explicit serial keys went in: the next serial value follows the largest. */
  resetSerial(table: string, column: string): Promise<void>;
  close(): Promise<void>;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Row-value comparison `(a, b) > (?, ?)` — both databases take it. */
function afterClause(key: readonly string[], mark: (i: number) => string, collate: string): string {
  return `(${key.map((k) => `${ident(k)}${collate}`).join(', ')}) > (${key.map((_, i) => mark(i)).join(', ')})`;
}

/** Most parameters one statement binds (SQLite allows 32,766; PostgreSQL 65,535). */
const MAX_PARAMS = 30_000;

export function chunkRows(rows: readonly Row[], columns: number): Row[][] {
  const per = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns)));
  const out: Row[][] = [];
  for (let i = 0; i < rows.length; i += per) out.push(rows.slice(i, i + per));
  return out;
}

export function sqliteSide(file: string, opts: { readonly readonly: boolean }): Side {
  const db = new Database(file, { readonly: opts.readonly, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  if (!opts.readonly) db.pragma('foreign_keys = ON');
  const order = (key: readonly string[], dir = '') => key.map((k) => `${ident(k)}${dir}`).join(', ');
  return {
    name: `SQLite ${file}`,
    async tables() {
      return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
    },
    async columns(table) {
      return (db.pragma(`table_info(${ident(table)})`) as { name: string }[]).map((c) => c.name);
    },
    async page(table, columns, key, after, limit) {
      const where = after ? ` WHERE ${afterClause(key, () => '?', '')}` : '';
      const sql = `SELECT ${columns.map(ident).join(', ')} FROM ${ident(table)}${where} ORDER BY ${order(key)} LIMIT ${limit}`;
      return db.prepare(sql).raw().all(...(after ?? [])) as Row[];
    },
    async lastKey(table, key) {
      return db.prepare(`SELECT ${key.map(ident).join(', ')} FROM ${ident(table)} ORDER BY ${order(key, ' DESC')} LIMIT 1`).raw().get() as Row | undefined;
    },
    async count(table) {
      return (db.prepare(`SELECT COUNT(*) AS n FROM ${ident(table)}`).get() as { n: number }).n;
    },
    async insert(table, columns, rows) {
      db.transaction(() => {
        for (const part of chunkRows(rows, columns.length)) {
          const marks = `(${columns.map(() => '?').join(', ')})`;
          db.prepare(`INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES ${part.map(() => marks).join(', ')}`).run(...part.flat());
        }
      })();
    },
    async exec(sql) {
      db.exec(sql);
    },
    async resetSerial() {
      // AUTOINCREMENT keeps sqlite_sequence at the largest key inserted, explicit ones included.
    },
    async close() {
      db.close();
    },
  };
}

export async function postgresSide(url: string): Promise<Side> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // BIGINT as numbers (scimd's serials stay far below 2^53), JSONB as its text.
  const types = {
    getTypeParser: (oid: number, format?: string) => {
      if (oid === 20) return (v: string) => Number(v);
      if (oid === 3802 || oid === 114) return (v: string) => v;
      return (pg.types.getTypeParser as (o: number, f?: string) => (v: string) => unknown)(oid, format);
    },
  };
  const query = async (sql: string, params: unknown[] = []) => (await client.query({ text: sql, values: params, rowMode: 'array', types })).rows as Row[];
  const textColumns = new Map<string, Set<string>>();
  const kinds = async (table: string) => {
    let set = textColumns.get(table);
    if (!set) {
      const rows = await query("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND data_type IN ('text', 'character varying')", [table]);
      set = new Set(rows.map((r) => String(r[0])));
      textColumns.set(table, set);
    }
    return set;
  };
  // Text keys compare byte-wise (COLLATE "C"), as SQLite's do, so both sides page in one order.
  const keyed = async (table: string, key: readonly string[], dir = '') => {
    const text = await kinds(table);
    return key.map((k) => `${ident(k)}${text.has(k) ? ' COLLATE "C"' : ''}${dir}`).join(', ');
  };
  return {
    name: `PostgreSQL ${new URL(url).host}${new URL(url).pathname}`,
    async tables() {
      return (await query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")).map((r) => String(r[0]));
    },
    async columns(table) {
      const rows = await query('SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position', [table]);
      return rows.map((r) => String(r[0]));
    },
    async page(table, columns, key, after, limit) {
      const text = await kinds(table);
      const where = after ? ` WHERE (${key.map((k) => `${ident(k)}${text.has(k) ? ' COLLATE "C"' : ''}`).join(', ')}) > (${key.map((_, i) => `$${i + 1}`).join(', ')})` : '';
      return query(`SELECT ${columns.map(ident).join(', ')} FROM ${ident(table)}${where} ORDER BY ${await keyed(table, key)} LIMIT ${limit}`, after ?? []);
    },
    async lastKey(table, key) {
      return (await query(`SELECT ${key.map(ident).join(', ')} FROM ${ident(table)} ORDER BY ${await keyed(table, key, ' DESC')} LIMIT 1`))[0];
    },
    async count(table) {
      return Number((await query(`SELECT COUNT(*) FROM ${ident(table)}`))[0]![0]);
    },
    async insert(table, columns, rows) {
      await client.query('BEGIN');
      try {
        for (const part of chunkRows(rows, columns.length)) {
          let n = 0;
          const values = part.map(() => `(${columns.map(() => `$${++n}`).join(', ')})`).join(', ');
          await client.query(`INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES ${values}`, part.flat());
        }
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    },
    async exec(sql) {
      await client.query(sql);
    },
    async resetSerial(table, column) {
      await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(${ident(column)}) FROM ${ident(table)}), 0) + 1, false)`, [table, column]);
    },
    async close() {
      await client.end();
    },
  };
}
