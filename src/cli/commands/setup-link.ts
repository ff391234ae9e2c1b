/** `scimd setup-link create`: a self-service link for a tenant's IT admin to connect their IdP. */
import { DEFAULT_LINK_ORIGIN } from '../../provisioning/links/link-tokens.ts';
import { resolveAdminPort, resolvePublicUrl } from '../../config.ts';
import { AdminError } from '../../provisioning/tenants/directory-admin.ts';
import { UsageError } from '../args.ts';
import { STORAGE, type Command } from '../command.ts';
import { withServices } from '../store.ts';
import { durationFlag } from './client.ts';

const create: Command = {
  name: 'setup-link create',
  usage: 'scimd setup-link create <tenant> [--expires 7d] [--public-url <url>]',
  summary: "Create a setup link for a tenant's IT admin (choose the IdP, get a URL and token, test the connection)",
  help: `Creates an expiring link to a page where the tenant's IT admin chooses their identity provider,
gets the SCIM URL and a token for a new client pinned to it, follows that IdP's steps, and sees its
first requests arrive (Test connection). The link reaches that tenant's setup only; scimd keeps only
its hash. --expires: how long it works (default 7d, at most 90d). The URL starts with --public-url
(or SCIMD_PUBLIC_URL), else ${DEFAULT_LINK_ORIGIN}. When the server has an admin listener of its own
(--admin-port, SCIMD_ADMIN_PORT), a public URL is required: there is no telling where the SCIM
listener is reached.`,
  options: [
    { flag: 'expires', arg: '<duration>', help: 'how long the link works (default 7d)' },
    { flag: 'public-url', arg: '<url>', help: 'where scimd is reached (default SCIMD_PUBLIC_URL)' },
    { flag: 'admin-port', arg: '<n>', help: "the server's admin listener (default SCIMD_ADMIN_PORT): then --public-url is required" },
    ...STORAGE,
  ],
  async run(ctx) {
    if (ctx.args.positionals.length !== 1) throw new UsageError(`Usage: ${this.usage}`);
    const [tenant] = ctx.args.positionals as [string];
    const ttl = durationFlag(ctx, 'expires');
    const publicUrl = resolvePublicUrl(ctx.args.flags, ctx.env);
    if (!publicUrl && resolveAdminPort(ctx.args.flags, ctx.env) !== undefined) {
      throw new AdminError('invalid', "The server has an admin listener of its own (--admin-port / SCIMD_ADMIN_PORT), so there is no telling where its setup pages are reached: pass --public-url (or set SCIMD_PUBLIC_URL) to the address the tenant's IT admin reaches scimd at.");
    }
    const origin = publicUrl ?? DEFAULT_LINK_ORIGIN;
    const link = await withServices(ctx.args.flags, ctx.env, (s) => s.setupLinks.create(tenant, origin, ttl));
    ctx.out.result(link, () => [`Setup link for tenant '${tenant}', valid until ${link.expiresAt}:`, '', `  ${link.url}`, '', 'Send it to the IT admin who connects the identity provider. It is shown once.'].join('\n'));
    return 0;
  },
};

export const setupLinkCommands: Command[] = [create];
