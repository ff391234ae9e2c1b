/** `scimd <verb> [<sub>] …`: the command-line entry point. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.ts';
import { AdminError } from '../provisioning/tenants/directory-admin.ts';
import { DatabaseMissing, DatabaseUnusable, StoreNotWritable } from '../store/types.ts';
import { allowOnly, parseArgs, UsageError } from './args.ts';
import { commandHelp, type Command } from './command.ts';
import { clientCommands } from './commands/client.ts';
import { serve } from './commands/serve.ts';
import { tenantCommands } from './commands/tenant.ts';
import { tokenCommands } from './commands/token.ts';
import { logCommands } from './commands/log.ts';
import { normaliserCommands } from './commands/normaliser.ts';
import { tenantDataCommands } from './commands/tenant-data.ts';
import { adminKeyCommands } from './commands/admin-key.ts';
import { webhookCommands } from './commands/webhook.ts';
import { setupLinkCommands } from './commands/setup-link.ts';
import { backupCommands } from './commands/backup.ts';
import { check } from './commands/check.ts';
import { migrate } from './commands/migrate.ts';
import { output } from './output.ts';

const COMMANDS: Command[] = [serve, ...tenantCommands, ...clientCommands, ...tokenCommands, ...logCommands, ...normaliserCommands, ...tenantDataCommands, ...adminKeyCommands, ...webhookCommands, ...setupLinkCommands, ...backupCommands, migrate, check];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'scimd: a SCIM 2.0 provisioning server',
    '',
    'Usage: scimd <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'scimd <command> --help' for a command's options. Every command takes --json.",
  ].join('\n');
}

function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  return [`Usage: scimd ${group} <${cmds.map((c) => c.name.split(' ')[1]).join('|')}> …`, '', ...cmds.map((c) => `  ${c.usage}\n      ${c.summary}`)].join('\n');
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const err = (s: string) => process.stderr.write(`${s}\n`);
  let json = false;
  try {
    const args = parseArgs(argv);
    json = args.flags.json === true;
    const [first, second] = args.positionals;
    if (args.flags.version) {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    if (!first || first === 'help') {
      process.stdout.write(`${overview()}\n`);
      return first || args.flags.help ? 0 : 2;
    }
    const command = COMMANDS.find((c) => c.name === first) ?? COMMANDS.find((c) => c.name === `${first} ${second}`);
    if (!command) {
      if (COMMANDS.some((c) => c.name.startsWith(`${first} `))) {
        const text = groupHelp(first);
        if (args.flags.help) {
          process.stdout.write(`${text}\n`);
          return 0;
        }
        err(second ? `Unknown command 'scimd ${first} ${second}'.\n\n${text}` : text);
        return 2;
      }
      err(`Unknown command '${first}'. Run 'scimd --help'.`);
      return 2;
    }
    if (args.flags.help) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    allowOnly(args.flags, command.options.map((o) => o.flag));
    const rest = { ...args, positionals: args.positionals.slice(command.name.split(' ').length) };
    return await command.run({ args: rest, env, out: output(json), info: (s) => process.stderr.write(`${s}\n`) });
  } catch (e) {
    const report = (code: string, message: string, exit: number) => {
      if (json) process.stderr.write(`${JSON.stringify({ error: code, message })}\n`);
      else err(`scimd: ${message}`);
      return exit;
    };
    if (e instanceof ConfigError) return report('config', e.message, 2);
    if (e instanceof UsageError) return report('usage', e.message, 2);
    if (e instanceof AdminError) return report(e.code, e.message, 1);
    if (e instanceof DatabaseMissing || e instanceof DatabaseUnusable) return report('database', e.message, 1);
    if (e instanceof StoreNotWritable) return report('database', e.message, 1);
    const sys = e as NodeJS.ErrnoException;
    if (sys.code === 'EADDRINUSE') return report('address_in_use', `Cannot listen: address already in use (${sys.message}). Choose another --port.`, 1);
    if (sys.code === 'EACCES' || sys.code === 'EPERM' || sys.code === 'EROFS') return report('permission', `Permission denied: ${sys.message}`, 1);
    if (sys.code === 'EADDRNOTAVAIL' || sys.code === 'ENOTFOUND') return report('config', `Cannot listen on that --host: ${sys.message}`, 2);
    if (typeof sys.code === 'string' && sys.code.startsWith('SQLITE_')) return report('database', `Database error: ${sys.message}`, 1);
    return report('internal', `Unexpected error: ${(e as Error)?.stack ?? String(e)}`, 1);
  }
}
