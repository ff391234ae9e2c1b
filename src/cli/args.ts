/** A small argv parser: positionals, `--flag value`, `--flag=value`, and boolean switches. */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Record<string, string | boolean>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Flags that take no value. */
const SWITCHES = new Set(['help', 'json', 'follow', 'version', 'pending', 'purge', 'print', 'keep']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h') {
      flags.help = true;
      continue;
    }
    // No command has short options besides -h: `serve -p 9000` must not quietly serve on 8080.
    if (/^-[A-Za-z]/.test(a)) throw new UsageError(`Unknown option '${a}'`);
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`Unknown option '${a}'`);
    if (eq >= 0) flags[name] = a.slice(eq + 1);
    else if (SWITCHES.has(name)) flags[name] = true;
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`Option --${name} needs a value`);
      flags[name] = next;
      i++;
    }
  }
  return { positionals, flags };
}

/** Rejects options a command does not know. */
export function allowOnly(flags: Record<string, string | boolean>, allowed: readonly string[]): void {
  for (const k of Object.keys(flags)) {
    if (!allowed.includes(k) && k !== 'help' && k !== 'json') throw new UsageError(`Unknown option --${k}`);
  }
}
