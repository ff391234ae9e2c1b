/** `scimd admin-key create|list|revoke`: the keys of the admin API (/admin/v1). */
import type { AdminKeyView } from '../../provisioning/tenants/admin-keys.ts';
import { UsageError } from '../args.ts';
import { STORAGE, type Command } from '../command.ts';
import { dash, table } from '../output.ts';
import { withServices } from '../store.ts';

const create: Command = {
  name: 'admin-key create',
  usage: 'scimd admin-key create <name> [--tenant <tenant>]',
  summary: 'Create a key for the admin API (every tenant, or one) and print it once',
  help: `Creates a key for the admin API at /admin/v1 and prints it once (--json: {"key": …}); scimd keeps
only its hash. Without --tenant the key manages every tenant and the admin keys; with --tenant it
manages that tenant alone, and other tenants do not exist for it (404). Use it as
Authorization: Bearer <key>.`,
  options: [{ flag: 'tenant', arg: '<tenant>', help: 'limit the key to this tenant' }, ...STORAGE],
  async run(ctx) {
    if (ctx.args.positionals.length !== 1) throw new UsageError(`Usage: ${this.usage}`);
    const [name] = ctx.args.positionals as [string];
    const tenant = typeof ctx.args.flags.tenant === 'string' ? ctx.args.flags.tenant : undefined;
    const k = await withServices(ctx.args.flags, ctx.env, (s) => s.adminKeys.create(name, tenant !== undefined ? { tenant } : {}));
    ctx.out.result(k, () =>
      [
        `Admin key '${k.name}' for ${k.tenant ? `tenant '${k.tenant}'` : 'every tenant'}.`,
        '',
        `  ${k.key}`,
        '',
        'This key is shown once and stored only as a hash. Use it as "Authorization: Bearer <key>" on /admin/v1.',
      ].join('\n'),
    );
    return 0;
  },
};

const list: Command = {
  name: 'admin-key list',
  usage: 'scimd admin-key list',
  summary: 'List admin keys (never their secrets)',
  help: 'Lists the admin keys with their scope, state and last use.',
  options: STORAGE,
  async run(ctx) {
    if (ctx.args.positionals.length) throw new UsageError(`Usage: ${this.usage}`);
    const keys: AdminKeyView[] = await withServices(ctx.args.flags, ctx.env, (s) => s.adminKeys.list());
    ctx.out.result(keys, () =>
      table(
        ['NAME', 'SCOPE', 'PREFIX', 'STATE', 'LAST USED', 'CREATED', 'ID'],
        keys.map((k) => [k.name, k.tenant ? `tenant ${k.tenant}` : 'all tenants', k.prefix, k.state, dash(k.lastUsedAt ?? undefined), k.createdAt, k.id]),
      ),
    );
    return 0;
  },
};

const revoke: Command = {
  name: 'admin-key revoke',
  usage: 'scimd admin-key revoke <id|name>',
  summary: 'Revoke an admin key; it stops working at once',
  help: 'Revokes an admin key, by id or by name (when one live key has that name). Every running scimd refuses it from then on.',
  options: STORAGE,
  async run(ctx) {
    if (ctx.args.positionals.length !== 1) throw new UsageError(`Usage: ${this.usage}`);
    const k = await withServices(ctx.args.flags, ctx.env, (s) => s.adminKeys.revoke(ctx.args.positionals[0]!));
    ctx.out.result(k, () => `Revoked admin key '${k.name}' (${k.id}).`);
    return 0;
  },
};

export const adminKeyCommands: Command[] = [create, list, revoke];
