import { resolveConfig, SETTINGS } from '../../config.ts';
import { DEFAULT_CLIENT, DEFAULT_TENANT } from '../../default-client.ts';
import type { Running } from '../../server.ts';
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
      '',
      'Try it (in a shell that has the variable):',
      `  curl -H "Authorization: Bearer $SCIMD_BOOTSTRAP_TOKEN" ${base}/Users`,
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
    `Admin API: ${running.adminOrigin ?? running.origin}/admin/v1 (OpenAPI at /admin/v1/openapi.json), with a key from`,
    `  scimd admin-key create <name>${running.bootstrap.adminKeyCreated ? '  (or the SCIMD_BOOTSTRAP_ADMIN_KEY just registered)' : ''}`,
    `Console: ${running.adminOrigin ?? running.origin}/console (sign in with an admin key)`,
    ...(running.bootstrap.adminKey
      ? [`  Admin key       ${running.bootstrap.adminKey}`, "  An admin key for every tenant, 'first-start': shown only now, stored only as a hash (scimd admin-key revoke first-start)."]
      : []),
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
the first start (for automated deployments); SCIMD_BOOTSTRAP_ADMIN_KEY, an admin key for every
tenant, created on a start that finds no admin key.
With --tls-cert and --tls-key it serves HTTPS (TLS 1.2 and later) with HSTS. SIGTERM or SIGINT
stops it gracefully: in-flight requests finish, then it exits 0 (1 past --shutdown-timeout).`,
  json: false,
  options: Object.values(SETTINGS).map((s) => ({ flag: s.flag, arg: s.arg, help: `${s.doc} (${s.env}${s.fallback === undefined ? '' : `, default ${'shown' in s ? s.shown : String(s.fallback)}`})` })),
  async run(ctx) {
    if (ctx.args.positionals.length) throw new UsageError(`Usage: ${this.usage}`);
    const config = resolveConfig(ctx.args.flags, ctx.env);
    // Loaded here, not at start-up, so every other command (and --help) starts without the server's modules.
    const { startServer } = await import('../../server.ts');
    const running = await startServer(config);
    process.stdout.write(banner(running));
    return untilSignalled(running, config.shutdownTimeout);
  },
};

/**
 * Serves until SIGTERM or SIGINT, then shuts down gracefully: no new connections, in-flight
 * requests finish, the request log and the mail outbox are flushed, the store is closed. Resolves
 * to the exit code: 0 when all that finished within `timeoutMs`; past it, scimd says so and exits 1.
 * A second signal exits 1 at once.
 */
export function untilSignalled(running: Running, timeoutMs: number): Promise<number> {
  const log = running.app.log;
  const seconds = `${timeoutMs / 1000} s`;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.error(`${signal} again: exiting without waiting for in-flight requests`);
        process.exit(1);
      }
      stopping = true;
      const started = Date.now();
      log.info(`${signal}: shutting down, finishing in-flight requests (at most ${seconds})`);
      const deadline = setTimeout(() => {
        log.error(`shutdown did not finish within ${seconds}: exiting with requests still in flight`);
        process.exit(1);
      }, timeoutMs);
      const finish = (code: number) => {
        clearTimeout(deadline);
        // Everything is closed; should a stray handle keep the process alive, it must not linger.
        setTimeout(() => process.exit(code), 2000).unref();
        resolve(code);
      };
      running.close().then(
        () => {
          log.info(`shut down in ${Date.now() - started} ms`);
          finish(0);
        },
        (e: unknown) => {
          log.error({ err: e }, 'shutdown failed');
          finish(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
