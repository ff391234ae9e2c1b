/**
 * Several statements in one message to PostgreSQL (extended protocol, one Sync at the end), so
 * the server runs them back to back without waiting for this process between them: a write's
 * last statement, its COMMIT and the WAL flush after it go as one. The first statement that fails
 * ends the run (PostgreSQL skips the rest up to the Sync); the answer says how many completed, so
 * the caller knows whether the COMMIT among them took effect.
 */
import pg from 'pg';

export interface Statement {
  /** SQL with `$n` placeholders. */
  readonly text: string;
  readonly values: readonly unknown[];
}

export interface PipelineOutcome {
  /** Statements that completed, in order. */
  readonly completed: number;
  /** The rows of the last statement (when it completed and returns rows). */
  readonly rows: Record<string, unknown>[];
  /** The row count of the last statement's command tag (UPDATE 3 → 3). */
  readonly rowCount: number;
  /** The error of statement `completed` (0-based), when one failed. */
  readonly error?: Error;
}

/** A parameter as PostgreSQL reads it in text form (scalars and Buffers only: no arrays or objects here). */
function wire(v: unknown): string | Buffer | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString();
  throw new TypeError(`pipelined statements take scalar parameters, not ${typeof v}`);
}

/**
 * What node-postgres asks of a submitted query (Client.query accepts any object with `submit`),
 * for statements whose rows nobody reads.
 */
class Pipeline {
  // Read by node-postgres: an unnamed statement, not a portal left open.
  readonly name = undefined;
  readonly text: string;
  readonly rows = undefined;
  binary = false;
  callback: (err: Error | null) => void;
  private completed = 0;
  private error: Error | undefined;

  constructor(
    private readonly statements: readonly Statement[],
    private readonly done: (o: PipelineOutcome) => void,
  ) {
    this.text = statements[0]!.text;
    this.callback = () => undefined;
  }

  submit(connection: pg.Connection): null {
    const stream = connection.stream as { cork?: () => void; uncork?: () => void };
    stream.cork?.();
    const last = this.statements[this.statements.length - 1]!;
    try {
      for (const s of this.statements) {
        connection.parse({ text: s.text, name: '', types: [] }, true);
        connection.bind({ portal: '', statement: '', values: s.values.map(wire) } as pg.BindConfig, true);
        if (s === last) connection.describe({ type: 'P', name: '' }, true);
        connection.execute({ portal: '' } as pg.ExecuteConfig, true);
      }
      connection.sync();
    } finally {
      stream.uncork?.();
    }
    return null;
  }

  private fields: { name: string; parse: (v: string) => unknown }[] = [];
  private readonly collected: Record<string, unknown>[] = [];
  private rowCount = 0;

  /** Rows are kept for the last statement only (the others are writes whose answer nobody reads). */
  private get last(): boolean {
    return this.completed === this.statements.length - 1;
  }

  handleRowDescription(msg: { fields: { name: string; dataTypeID: number }[] }): void {
    if (!this.last) return;
    this.fields = msg.fields.map((f) => ({ name: f.name, parse: pg.types.getTypeParser(f.dataTypeID, 'text') as (v: string) => unknown }));
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    if (!this.last) return;
    const row: Record<string, unknown> = {};
    for (let i = 0; i < this.fields.length; i++) {
      const v = msg.fields[i];
      row[this.fields[i]!.name] = v === null || v === undefined ? null : this.fields[i]!.parse(v);
    }
    this.collected.push(row);
  }

  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}

  handleCommandComplete(msg: { text?: string; command?: string; rowCount?: number }): void {
    if (this.last) this.rowCount = msg.rowCount ?? Number(/\d+$/.exec(msg.text ?? '')?.[0] ?? 0);
    this.completed++;
  }

  handleError(err: Error): void {
    // Called once for the failing statement (the rest were skipped), or for a broken connection.
    this.error ??= err;
    this.done({ completed: this.completed, rows: this.collected, rowCount: this.rowCount, error: this.error });
  }

  handleReadyForQuery(): void {
    this.done({ completed: this.completed, rows: this.collected, rowCount: this.rowCount, ...(this.error ? { error: this.error } : {}) });
  }
}

/** Sends `statements` as one message on `client` (queued behind what it is running) and waits for them. */
export function pipelined(client: pg.ClientBase, statements: readonly Statement[]): Promise<PipelineOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const p = new Pipeline(statements, (o) => {
      if (settled) return;
      settled = true;
      resolve(o);
    });
    client.query(p as unknown as pg.Submittable);
  });
}
