/** What the machine a bench ran on is, for BENCHMARKS.md. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import Database from 'better-sqlite3';
import pg from 'pg';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly node: string;
  readonly os: string;
  readonly sqlite: string;
  readonly postgres?: string;
  readonly loadAverage: readonly number[];
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return cpus()[0]?.model ?? 'unknown';
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) return `${m[1]}, Linux ${release()}`;
  } catch {
    // No os-release: the kernel release alone.
  }
  return `${process.platform} ${release()}`;
}

export async function describeMachine(postgresUrl?: string): Promise<Machine> {
  const db = new Database(':memory:');
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  let postgres: string | undefined;
  if (postgresUrl) {
    const c = new pg.Client({ connectionString: postgresUrl });
    await c.connect();
    try {
      postgres = String((await c.query('SHOW server_version')).rows[0].server_version);
    } finally {
      await c.end();
    }
  }
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: osName(),
    sqlite,
    ...(postgres ? { postgres } : {}),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
