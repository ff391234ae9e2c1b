/** The Driver over one better-sqlite3 connection (synchronous inside). */
import type Database from 'better-sqlite3';
import type { Driver, Row } from '../sql/sql-driver.ts';
import type { Connection } from './connection.ts';
import { sqliteDialect } from './sqlite-dialect.ts';

const named = (params: readonly unknown[]) => Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]));

export class SqliteDriver implements Driver {
  readonly dialect = sqliteDialect;
  readonly forUpdate = '';
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Connection) {}

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      // Bounded: filters produce many distinct statements.
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, s);
    }
    return s;
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const s = this.stmt(sql);
    return s.reader ? (s.all(...params) as Row[]) : (s.run(...params), []);
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.stmt(sql).run(...params).changes;
  }

  async queryCompiled(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.stmt(sql).all(named(params)) as Row[];
  }

  json(v: unknown): unknown {
    return JSON.stringify(v);
  }

  isUniqueViolation(e: unknown, index: string): boolean {
    const err = e as { code?: string; message?: string };
    const column = index === 'resources_user_name' ? 'user_name_fold' : index;
    return err.code === 'SQLITE_CONSTRAINT_UNIQUE' && (err.message?.includes(column) ?? false);
  }
}
