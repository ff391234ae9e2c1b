import type { Env } from '../config.ts';
import type { ParsedArgs } from './args.ts';
import type { Output } from './output.ts';

export interface CommandContext {
  readonly args: ParsedArgs;
  readonly env: Env;
  readonly out: Output;
  /** Human messages that are not results (hints, warnings). */
  readonly info: (s: string) => void;
}

/** One `scimd <verb> [<sub>]` command. */
export interface Command {
  /** e.g. "tenant create" */
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** Longer help, printed by --help above the options. */
  readonly help: string;
  /** The options it takes besides --json and --help; anything else is a usage error. */
  readonly options: readonly CliOption[];
  /** False for commands with no result to print (serve). */
  readonly json?: false;
  run(ctx: CommandContext): Promise<number>;
}

export interface CliOption {
  readonly flag: string;
  /** Placeholder for the value, e.g. "<dir>". */
  readonly arg: string;
  readonly help: string;
}

export const DATA_DIR: CliOption = { flag: 'data-dir', arg: '<dir>', help: 'data directory holding scimd.db (env SCIMD_DATA_DIR, default ./data)' };
export const DATABASE_URL: CliOption = { flag: 'database-url', arg: '<url>', help: 'postgres://user@host:5432/db: the PostgreSQL database of a deployment on PostgreSQL, as given to serve (env SCIMD_DATABASE_URL; --data-dir is then not used)' };

/** Where an admin command finds the database: the server's, SQLite in the data directory or PostgreSQL. */
export const STORAGE: readonly CliOption[] = [DATA_DIR, DATABASE_URL];

/** The --help text of a command: usage, description, options. */
export function commandHelp(c: Command): string {
  const rows = [...c.options.map((o) => [`--${o.flag} ${o.arg}`, o.help]), ...(c.json === false ? [] : [['--json', 'print the result as JSON']])];
  const width = Math.max(...rows.map(([left]) => left!.length));
  return [`Usage: ${c.usage}`, '', c.help, '', 'Options:', ...rows.map(([left, right]) => `  ${left!.padEnd(width)}  ${right}`)].join('\n');
}
