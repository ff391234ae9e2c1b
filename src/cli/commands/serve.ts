import { resolveConfig, SETTINGS } from '../../config.ts';
import { DEFAULT_CLIENT, DEFAULT_TENANT, startServer, type Running } from '../../server.ts';
import { UsageError } from '../args.ts';
import type { Command } from '../command.ts';

/** What `serve` prints once it listens: how to reach it and how to connect an IdP. */
export function banner(running: Running): string {
  const base = `${running.origin}/scim/v2`;
  const lines = ['', 'scimd is listening.', '', `  SCIM base URL   ${base}`];
  const token = running.bootstrap.token;
  if (token && running.bootstrap.tokenFromEnvironment) {
    // Automated deployments capture stdout in their logs: the operator chose this token and has it.
    lines.push(
      '  Bearer token    the value of SCIMD_BOOTSTRAP_TOKEN',
      '',
      `  SCIM client '${DEFAULT_CLIENT}' in tenant '${DEFAULT_TENANT}' was created with that token; it is stored only as a hash.`,
    );
  } else if (token) {
    lines.push(
      `  Bearer token    ${token}`,
      '',
      `  This is the token of SCIM client '${DEFAULT_CLIENT}' in tenant '${DEFAULT_TENANT}'. It is shown only now`,
      '  and stored only as a hash: copy it into your identity provider.',
      '',
      'Try it:',
      `  curl -H "Authorization: Bearer ${token}" ${base}/Users`,
    );
  } else {
    lines.push(
      '',
      'Tokens are shown only when they are created. For a new one:',
      `  scimd token rotate ${DEFAULT_TENANT} ${DEFAULT_CLIENT} --grace 1h     (replace the default client's token)`,
      `  scimd client create ${DEFAULT_TENANT} <name>            (one client per identity provider)`,
    );
    if (running.bootstrap.bootstrapTokenIgnored) lines.push('', 'SCIMD_BOOTSTRAP_TOKEN was ignored: it applies only to the first start with an empty database.');
  }
  lines.push(
    '',
    'Connect an identity provider (it must reach this URL; use --public-url behind a proxy):',
    `  Microsoft Entra ID  Enterprise application > Provisioning > Automatic: Tenant URL ${base}, Secret Token = the token`,
    `  Okta                App > Provisioning > Integration: SCIM connector base URL ${base},`,
    '                      unique identifier field userName, authentication mode HTTP Header (the token)',
    `  Others              SCIM 2.0 base URL ${base} and a bearer token. If the IdP appends /v2 itself, give ${running.origin}/scim`,
    '',
  );
  return lines.join('\n');
}

export const serve: Command = {
  name: 'serve',
  usage: 'scimd serve [--host 127.0.0.1] [--port 8080] [--data-dir ./data]',
  summary: 'Run the SCIM server',
  help: `Runs the SCIM 2.0 server on an embedded SQLite database in the data directory.
On the first start with an empty database it creates tenant 'default' with SCIM client
'default' and prints its token once. Each option is a flag, else its environment variable,
else the default. Environment only: SCIMD_BOOTSTRAP_TOKEN, the token of client 'default' on
the first start (for automated deployments).`,
  json: false,
  options: Object.values(SETTINGS).map((s) => ({ flag: s.flag, arg: s.arg, help: `${s.doc} (${s.env}${s.fallback === undefined ? '' : `, default ${String(s.fallback)}`})` })),
  async run(ctx) {
    if (ctx.args.positionals.length) throw new UsageError(`Usage: ${this.usage}`);
    const config = resolveConfig(ctx.args.flags, ctx.env);
    const running = await startServer(config);
    process.stdout.write(banner(running));
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        running.close().then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
