/** `scimd check <base-url> --token T`: a SCIM 2.0 conformance self-check against any server. */
import { UsageError } from '../args.ts';
import type { Command } from '../command.ts';

export const check: Command = {
  name: 'check',
  usage: 'scimd check <base-url> --token <token> [--keep] [--timeout 15s]',
  summary: 'Check a SCIM 2.0 server (scimd or another) against RFC 7643/7644/9865',
  help: `Runs conformance checks against the SCIM server at <base-url> (e.g. https://scim.example.com/scim/v2):
discovery, authentication, create/read/replace/delete, filters, PATCH forms, paging (index and
RFC 9865 cursors), sorting, ETags, errors, groups and bulk. Each check names the RFC section it
holds the server to; features the server does not advertise in /ServiceProviderConfig are skipped.
It creates users and a group named scimd-check-<random>-… and deletes them at the end (--keep
leaves them). Exits 1 when a check fails. The token may also come from SCIMD_CHECK_TOKEN.`,
  options: [
    { flag: 'token', arg: '<token>', help: 'the bearer token (env SCIMD_CHECK_TOKEN)' },
    { flag: 'keep', arg: '', help: 'keep the users and group the checks created' },
    { flag: 'timeout', arg: '<seconds>', help: 'per request (default 15)' },
  ],
  async run(ctx) {
    if (ctx.args.positionals.length !== 1) throw new UsageError(`Usage: ${this.usage}`);
    const baseUrl = ctx.args.positionals[0]!;
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new UsageError(`'${baseUrl}' is not a URL: give the SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`'${baseUrl}' is not an http(s) URL`);
    const token = typeof ctx.args.flags.token === 'string' ? ctx.args.flags.token : ctx.env.SCIMD_CHECK_TOKEN;
    if (!token) throw new UsageError('--token <token> (or SCIMD_CHECK_TOKEN) is required');
    const timeout = ctx.args.flags.timeout;
    const seconds = typeof timeout === 'string' ? Number(timeout.replace(/s$/, '')) : 15;
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new UsageError('--timeout must be a number of seconds between 0 and 600');
    const { runChecks, reportText } = await import('../../check/run.ts');
    const tty = process.stderr.isTTY === true && !ctx.out.json;
    const report = await runChecks({
      baseUrl,
      token,
      keep: ctx.args.flags.keep === true,
      timeoutMs: seconds * 1000,
      ...(tty ? { onResult: (r) => process.stderr.write(`\r\x1b[K${r.status === 'fail' ? '✗' : '·'} ${r.id}`) } : {}),
    });
    if (tty) process.stderr.write('\r\x1b[K');
    ctx.out.result(report, () => reportText(report));
    return report.failed > 0 ? 1 : 0;
  },
};
