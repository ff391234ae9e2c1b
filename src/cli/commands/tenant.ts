import { UsageError } from '../args.ts';
import { STORAGE, type Command, type CommandContext } from '../command.ts';
import { table } from '../output.ts';
import { withServices } from '../store.ts';
import { TENANT_SETTINGS } from '../../provisioning/tenants/settings.ts';

function name(ctx: CommandContext, usage: string): string {
  const n = ctx.args.positionals[0];
  if (!n || ctx.args.positionals.length > 1) throw new UsageError(`Usage: ${usage}`);
  return n;
}

const create: Command = {
  name: 'tenant create',
  usage: 'scimd tenant create <name>',
  summary: 'Create a tenant (an organisation with its own users, groups and SCIM clients)',
  help: `Creates a tenant. Names: 1–63 lower-case letters, digits, '-' or '_'.
Its SCIM endpoint is /t/<name>/scim/v2 (or /scim/v2 with a token of the tenant).
Next: scimd client create <name> <client-name>`,
  options: STORAGE,
  async run(ctx) {
    const n = name(ctx, this.usage);
    const t = await withServices(ctx.args.flags, ctx.env, (s) => s.admin.createTenant(n));
    ctx.out.result(t, () => `Created tenant '${t.name}' (${t.id}).\nNext: scimd client create ${t.name} <client-name>`);
    return 0;
  },
};

const list: Command = {
  name: 'tenant list',
  usage: 'scimd tenant list',
  summary: 'List tenants',
  help: `Lists every tenant with its status.`,
  options: STORAGE,
  async run(ctx) {
    if (ctx.args.positionals.length) throw new UsageError(`Usage: ${this.usage}`);
    const tenants = await withServices(ctx.args.flags, ctx.env, (s) => s.admin.listTenants());
    ctx.out.result(tenants, () => table(['NAME', 'STATUS', 'CREATED', 'ID'], tenants.map((t) => [t.name, t.status, t.createdAt, t.id])));
    return 0;
  },
};

const show: Command = {
  name: 'tenant show',
  usage: 'scimd tenant show <name>',
  summary: 'Show a tenant with its counts of users, groups and clients, and its settings',
  help: `Shows one tenant, with every setting (those not set show their default).`,
  options: STORAGE,
  async run(ctx) {
    const n = name(ctx, this.usage);
    const t = await withServices(ctx.args.flags, ctx.env, (s) => s.admin.details(n));
    // --json shows every setting with the value in force; `defaults` names those left at their default.
    const { settingsInfo, ...json } = t;
    ctx.out.result(json, () =>
      table(
        ['FIELD', 'VALUE'],
        [
          ['name', t.name],
          ['id', t.id],
          ['status', t.status],
          ['created', t.createdAt],
          ['users', String(t.users)],
          ['groups', String(t.groups)],
          ['clients', String(t.clients)],
          ['endpoint', `/t/${t.name}/scim/v2`],
          ...settingsInfo.map((v) => [v.key, v.isDefault ? `${v.value} (default)` : v.value]),
        ],
      ),
    );
    return 0;
  },
};

function statusCommand(status: 'active' | 'disabled'): Command {
  const verb = status === 'active' ? 'enable' : 'disable';
  return {
    name: `tenant ${verb}`,
    usage: `scimd tenant ${verb} <name>`,
    summary: status === 'active' ? 'Enable a disabled tenant' : 'Disable a tenant: its SCIM requests get 403, its data is kept',
    help: `${status === 'active' ? 'Re-enables a tenant.' : 'Disables a tenant. Every SCIM request with its tokens gets 403 until it is enabled again; nothing is deleted.'}`,
    options: STORAGE,
    async run(ctx) {
        const n = name(ctx, this.usage);
      const t = await withServices(ctx.args.flags, ctx.env, (s) => s.admin.setTenantStatus(n, status));
      ctx.out.result(t, () => `Tenant '${t.name}' is now ${t.status}.`);
      return 0;
    },
  };
}

const set: Command = {
  name: 'tenant set',
  usage: 'scimd tenant set <tenant> <key> <value>',
  summary: 'Change a tenant setting (shown by tenant show)',
  help: `Settings (value "default" restores the default):
${TENANT_SETTINGS.map((s) => `  ${s.key} = ${s.values.join('|') || '<duration>'} (default ${s.fallback})\n      ${s.doc}`).join('\n')}`,
  options: STORAGE,
  async run(ctx) {
    if (ctx.args.positionals.length !== 3) throw new UsageError(`Usage: ${this.usage}`);
    const [n, key, value] = ctx.args.positionals as [string, string, string];
    const t = await withServices(ctx.args.flags, ctx.env, (s) => s.admin.setTenantSetting(n, key, value));
    const fallback = TENANT_SETTINGS.find((spec) => spec.key === key)?.fallback ?? value;
    ctx.out.result(t, () => `Tenant '${t.name}': ${key} = ${t.settings[key] ?? `${fallback} (default)`}.`);
    return 0;
  },
};

export const tenantCommands: Command[] = [create, list, show, set, statusCommand('disabled'), statusCommand('active')];
