import { UsageError } from '../args.ts';
import { STORAGE, type Command } from '../command.ts';
import { dash, table } from '../output.ts';
import { withServices } from '../store.ts';
import { tokenState } from '../../provisioning/tenants/directory-admin.ts';
import { durationFlag, printIssued } from './client.ts';

const rotate: Command = {
  name: 'token rotate',
  usage: 'scimd token rotate <tenant> <client> [--grace 1h] [--expires 90d]',
  summary: 'Issue a new token for a client; older tokens stop after the grace period',
  help: `Issues a new bearer token for a SCIM client and prints it once. The client's older
tokens keep working for the grace period (default 0: they stop at once), which leaves
time to update the identity provider.`,
  options: [
    { flag: 'grace', arg: '<dur>', help: 'how long older tokens keep working, e.g. 1h (default 0)' },
    { flag: 'expires', arg: '<dur>', help: 'lifetime of the new token, e.g. 90d (default: no expiry)' },
    ...STORAGE,
  ],
  async run(ctx) {
    if (ctx.args.positionals.length !== 2) throw new UsageError(`Usage: ${this.usage}`);
    const [tenant, client] = ctx.args.positionals as [string, string];
    const grace = durationFlag(ctx, 'grace') ?? 0;
    const expires = durationFlag(ctx, 'expires');
    const issued = await withServices(ctx.args.flags, ctx.env, (s) => s.admin.rotateToken(tenant, client, grace, expires));
    printIssued(ctx, tenant, issued);
    if (!ctx.out.json) ctx.info(grace > 0 ? `Older tokens of '${client}' keep working until ${new Date(Date.now() + grace).toISOString()}.` : `Older tokens of '${client}' no longer work.`);
    return 0;
  },
};

const list: Command = {
  name: 'token list',
  usage: 'scimd token list [<tenant> [<client>]]',
  summary: 'List tokens (never their secrets)',
  help: `Lists tokens with their prefix, state, expiry and last use. Secrets are never stored, so never shown.`,
  options: STORAGE,
  async run(ctx) {
    if (ctx.args.positionals.length > 2) throw new UsageError(`Usage: ${this.usage}`);
    const [tenant, client] = ctx.args.positionals;
    const tokens = await withServices(ctx.args.flags, ctx.env, (s) => s.admin.listTokens(tenant, client));
    const now = Date.now();
    const json = tokens.map(({ hash: _hash, ...t }) => ({ ...t, state: tokenState({ hash: '', ...t }, now) }));
    ctx.out.result(json, () =>
      table(
        ['TENANT', 'CLIENT', 'PREFIX', 'STATE', 'EXPIRES', 'LAST USED', 'CREATED'],
        json.map((t) => [t.tenant, t.client, t.prefix, t.state, dash(t.expiresAt), dash(t.lastUsedAt), t.createdAt]),
      ),
    );
    return 0;
  },
};

export const tokenCommands: Command[] = [rotate, list];
