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
  /** Longer help, printed by --help. */
  readonly help: string;
  readonly options: readonly string[];
  run(ctx: CommandContext): Promise<number>;
}

export const DATA_DIR_HELP = '  --data-dir <dir>   data directory holding scimd.db (env SCIMD_DATA_DIR, default ./data)';
