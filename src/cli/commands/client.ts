import { parseDuration } from '../../provisioning/tenants/duration.ts';
import type { IssuedToken } from '../../provisioning/tenants/directory-admin.ts';
import { describeProfile, profileOf } from '../../provisioning/requests/idp-profile.ts';
import { CLIENT_SETTINGS } from '../../provisioning/tenants/settings.ts';
import { IDP_PROFILES } from '../../scim/quirks/types.ts';
import { UsageError } from '../args.ts';
import { STORAGE, type Command, type CommandContext } from '../command.ts';
import { dash, table } from '../output.ts';
import { withServices } from '../store.ts';

function positionals(ctx: CommandContext, n: number, usage: string): string[] {
  if (ctx.args.positionals.length !== n) throw new UsageError(`Usage: ${usage}`);
  return ctx.args.positionals;
}

export function durationFlag(ctx: CommandContext, flag: string): number | undefined {
  const raw = ctx.args.flags[flag];
  if (raw === undefined) return undefined;
  const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
  if (ms === undefined) throw new UsageError(`--${flag} takes a duration such as 30m, 1h, 7d or 90d`);
  return ms;
}

/** Prints a freshly issued token: the only time it is ever shown. */
export function printIssued(ctx: CommandContext, tenant: string, issued: IssuedToken): void {
  ctx.out.result(
    { tenant, client: issued.client.name, token: issued.token, tokenId: issued.record.id, expiresAt: issued.record.expiresAt ?? null },
    () =>
      [
        `SCIM client '${issued.client.name}' of tenant '${tenant}'.`,
        '',
        `  Bearer token: ${issued.token}`,
        '',
        'This token is shown once and stored only as a hash: copy it into your identity provider now.',
        issued.record.expiresAt ? `It expires at ${issued.record.expiresAt}.` : 'It does not expire; rotate it with scimd token rotate.',
        `SCIM endpoint: /t/${tenant}/scim/v2 (or /scim/v2: the token identifies the tenant).`,
      ].join('\n'),
  );
}

const create: Command = {
  name: 'client create',
  usage: 'scimd client create <tenant> <name> [--idp entra] [--expires 90d]',
  summary: 'Create a SCIM client (one per IdP connection) and print its token once',
  help: `Creates a named SCIM client in a tenant, e.g. 'okta' or 'entra-prod', and prints its
bearer token once. The token is independent of whoever created it.`,
  options: [
    { flag: 'expires', arg: '<dur>', help: 'token lifetime, e.g. 90d (default: no expiry)' },
    { flag: 'idp', arg: '<profile>', help: `pin the IdP profile: ${IDP_PROFILES.join(', ')} (default: recognised from its requests)` },
    ...STORAGE,
  ],
  async run(ctx) {
    const [tenant, name] = positionals(ctx, 2, this.usage) as [string, string];
    const expiresInMs = durationFlag(ctx, 'expires');
    const idp = typeof ctx.args.flags.idp === 'string' ? ctx.args.flags.idp : undefined;
    const issued = await withServices(ctx.args.flags, ctx.env, (s) =>
      s.admin.createClient(tenant, name, { ...(expiresInMs !== undefined ? { expiresInMs } : {}), ...(idp ? { idp } : {}) }),
    );
    printIssued(ctx, tenant, issued);
    return 0;
  },
};

const list: Command = {
  name: 'client list',
  usage: 'scimd client list <tenant>',
  summary: "List a tenant's SCIM clients, with the IdP each one is",
  help: `Lists the SCIM clients of a tenant: the IdP profile (pinned, or recognised from its requests
and what gave it away), live token count and last use. --json adds the normalisers in force.`,
  options: STORAGE,
  async run(ctx) {
    const [tenant] = positionals(ctx, 1, this.usage) as [string];
    const views = await withServices(ctx.args.flags, ctx.env, (s) => s.admin.clientViews(tenant));
    const json = views.map(({ tokens: _tokens, profileReason: _reason, ...c }) => c);
    ctx.out.result(json, () =>
      table(
        ['NAME', 'STATUS', 'IDP', 'LIVE TOKENS', 'LAST USED', 'CREATED'],
        json.map((c) => [c.name, c.revokedAt ? 'revoked' : 'active', describeProfile(profileOf(c)), String(c.liveTokens), dash(c.lastUsedAt ?? undefined), c.createdAt]),
      ),
    );
    return 0;
  },
};

const revoke: Command = {
  name: 'client revoke',
  usage: 'scimd client revoke <tenant> <name>',
  summary: 'Revoke a SCIM client and every token it has',
  help: `Revokes a SCIM client: all its tokens stop working at once. The data it provisioned stays.`,
  options: STORAGE,
  async run(ctx) {
    const [tenant, name] = positionals(ctx, 2, this.usage) as [string, string];
    const c = await withServices(ctx.args.flags, ctx.env, (s) => s.admin.revokeClient(tenant, name));
    ctx.out.result(c, () => `Revoked client '${c.name}' of tenant '${tenant}'; its tokens no longer work.`);
    return 0;
  },
};

/** Width of the key column in `client set --help`. */
const KEY_WIDTH = Math.max(...['normaliser.<name>', ...CLIENT_SETTINGS.map((c) => c.key)].map((k) => k.length)) + 2;

const set: Command = {
  name: 'client set',
  usage: 'scimd client set <tenant> <client> <key> <value>',
  summary: "Change a client's IdP profile, normalisers, rate limit or name.formattedIncluded",
  help: `Keys:
  ${'idp'.padEnd(KEY_WIDTH)}${IDP_PROFILES.join(', ')}, or auto (recognise it from its requests)
  ${'normaliser.<name>'.padEnd(KEY_WIDTH)}on, off or default (see scimd normaliser list)
  ${'rateLimit'.padEnd(KEY_WIDTH)}requests per second (1-100000), held even when the client is alone; off; or default (its share under --rate-limit of scimd serve)
  ${'rateLimit.burst'.padEnd(KEY_WIDTH)}requests at once after a quiet spell, or default (twice rateLimit)
${CLIENT_SETTINGS.map((c) => `  ${c.key.padEnd(KEY_WIDTH)}${c.values.join(', ')} or default (default ${c.fallback})\n      ${c.doc}`).join('\n')}
A running server reads a client's settings on its next request.`,
  options: STORAGE,
  async run(ctx) {
    const [tenant, name, key, value] = positionals(ctx, 4, this.usage) as [string, string, string, string];
    const c = await withServices(ctx.args.flags, ctx.env, (s) => s.admin.setClientSetting(tenant, name, key, value));
    ctx.out.result(c, () => `Client '${c.name}': ${key} = ${value}. Profile now ${describeProfile(profileOf(c))}.`);
    return 0;
  },
};

export const clientCommands: Command[] = [create, list, set, revoke];
