/** Commands on what a tenant holds beyond users and groups: schemas, roles, tombstones, invitations, mail, events. */
import { resolvePublicUrl } from '../../config.ts';
import { UsageError } from '../args.ts';
import { STORAGE, type Command, type CommandContext } from '../command.ts';
import { dash, table } from '../output.ts';
import { withServices } from '../store.ts';
import { isObject, type Json } from '../../scim/schema/validate.ts';
import { SCIMD_USER_URN } from '../../scim/urns.ts';
import type { Mail } from '../../store/types.ts';
import { checkEventTypes, type ScimdEvent } from '../../provisioning/events/event-feed.ts';

/** sent, dropped (never to be sent, with the reason), or pending (with failed attempts so far). */
function mailState(m: Mail): string {
  if (m.sentAt) return `sent ${m.sentAt}`;
  if (m.droppedAt) return `dropped ${m.droppedAt}: ${m.lastError ?? ''}`;
  return m.lastError ? `pending, ${m.attempts} failed attempts, last: ${m.lastError}` : 'pending';
}

function args(ctx: CommandContext, n: number, usage: string): string[] {
  if (ctx.args.positionals.length !== n) throw new UsageError(`Usage: ${usage}`);
  return ctx.args.positionals;
}

const stringFlag = (ctx: CommandContext, name: string) => (typeof ctx.args.flags[name] === 'string' ? (ctx.args.flags[name] as string) : undefined);

const schemaAdd: Command = {
  name: 'schema add',
  usage: 'scimd schema add <tenant> <file.json> [--resource-type User|Group]',
  summary: 'Add a custom extension schema (an RFC 7643 §7 schema document) to a tenant',
  help: `Adds (or replaces) an extension schema for a tenant's Users (or Groups). The file is a schema
document as /Schemas serves it: "id" (the URN), "name", "description" and "attributes" with the
RFC 7643 §7 characteristics. The tenant then serves it at /Schemas and /ResourceTypes, validates
it like the core schema, and filters and sorts on it.`,
  options: [{ flag: 'resource-type', arg: '<type>', help: 'User (default) or Group' }, ...STORAGE],
  async run(ctx) {
    const [tenant, file] = args(ctx, 2, this.usage) as [string, string];
    const rt = stringFlag(ctx, 'resource-type') ?? 'User';
    if (rt !== 'User' && rt !== 'Group') throw new UsageError('--resource-type takes User or Group');
    const s = await withServices(ctx.args.flags, ctx.env, (sv) => sv.tenantAdmin.addSchemaFile(tenant, file, rt));
    ctx.out.result({ urn: s.urn, resourceType: s.resourceType }, () => `Tenant '${tenant}' now has extension ${s.urn} on ${s.resourceType}s.`);
    return 0;
  },
};

const schemaEnable: Command = {
  name: 'schema enable',
  usage: 'scimd schema enable <tenant> <urn>',
  summary: "Turn on a built-in extension (Wire's urn:wire:scim:schemas:profile:1.0)",
  help: `Turns on an extension schema scimd ships. Built in: urn:wire:scim:schemas:profile:1.0, Wire's
rich profile ("richInfo": an ordered list of {type, value} fields, 5000 characters in all).`,
  options: STORAGE,
  async run(ctx) {
    const [tenant, urn] = args(ctx, 2, this.usage) as [string, string];
    const s = await withServices(ctx.args.flags, ctx.env, (sv) => sv.tenantAdmin.enableSchema(tenant, urn));
    ctx.out.result({ urn: s.urn, resourceType: s.resourceType }, () => `Tenant '${tenant}' now has extension ${s.urn}.`);
    return 0;
  },
};

const schemaList: Command = {
  name: 'schema list',
  usage: 'scimd schema list <tenant>',
  summary: "List a tenant's extension schemas",
  help: 'Lists the extension schemas a tenant added or enabled (the RFC and scimd schemas are always there).',
  options: STORAGE,
  async run(ctx) {
    const [tenant] = args(ctx, 1, this.usage) as [string];
    const list = await withServices(ctx.args.flags, ctx.env, (sv) => sv.tenantAdmin.listSchemas(tenant));
    const rows = list.map((s) => ({ urn: s.urn, resourceType: s.resourceType, kind: s.definition ? 'custom' : 'built-in', createdAt: s.createdAt }));
    ctx.out.result(rows, () => table(['URN', 'ON', 'KIND', 'ADDED'], rows.map((r) => [r.urn, r.resourceType, r.kind, r.createdAt])));
    return 0;
  },
};

const schemaRemove: Command = {
  name: 'schema remove',
  usage: 'scimd schema remove <tenant> <urn> [--purge]',
  summary: 'Remove an extension schema from a tenant',
  help: `Removes an extension schema: /Schemas and /ResourceTypes no longer list it, its attributes are
no longer accepted, returned or filterable. Values already stored are kept (hidden), so adding the
schema again brings them back; a PUT drops them from that resource. --purge deletes them at once.
A role rule that uses the schema must be removed first.`,
  options: [{ flag: 'purge', arg: '', help: 'also delete the values stored under the schema' }, ...STORAGE],
  async run(ctx) {
    const [tenant, urn] = args(ctx, 2, this.usage) as [string, string];
    const purge = ctx.args.flags.purge === true;
    const r = await withServices(ctx.args.flags, ctx.env, (sv) => sv.tenantAdmin.removeSchema(tenant, urn, { purge }));
    ctx.out.result({ removed: urn, ...(purge ? { purged: r.purged } : {}) }, () =>
      purge ? `Removed ${urn} from tenant '${tenant}' and deleted its values from ${r.purged} resource(s).` : `Removed ${urn} from tenant '${tenant}'. Stored values are kept hidden (--purge deletes them).`,
    );
    return 0;
  },
};

const roleAdd: Command = {
  name: 'role add',
  usage: "scimd role add <tenant> <role> '<filter>'",
  summary: 'Map users to an application role with a SCIM filter',
  help: `Role mapping (SuperOffice: licence type follows department): users the SCIM filter matches get the
role, shown in urn:scimd:schemas:extension:2.0:User:appRoles and re-evaluated on every read.
Examples:
  scimd role add acme sales-licence 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales"'
  scimd role add acme admin 'groups.display eq "Admins"'`,
  options: STORAGE,
  async run(ctx) {
    const [tenant, role, filter] = args(ctx, 3, this.usage) as [string, string, string];
    const r = await withServices(ctx.args.flags, ctx.env, (sv) => sv.tenantAdmin.addRole(tenant, role, filter));
    ctx.out.result(r, () => `Tenant '${tenant}': users matching ${r.filter} have role '${r.role}'.`);
    return 0;
  },
};

const roleList: Command = {
  name: 'role list',
  usage: 'scimd role list <tenant>',
  summary: "List a tenant's role rules",
  help: 'Lists the role rules of a tenant.',
  options: STORAGE,
  async run(ctx) {
    const [tenant] = args(ctx, 1, this.usage) as [string];
    const rules = await withServices(ctx.args.flags, ctx.env, (sv) => sv.tenantAdmin.listRoles(tenant));
    ctx.out.result(rules, () => table(['ROLE', 'FILTER'], rules.map((r) => [r.role, r.filter])));
    return 0;
  },
};

const roleRemove: Command = {
  name: 'role remove',
  usage: 'scimd role remove <tenant> <role>',
  summary: 'Remove a role rule',
  help: 'Removes a role rule; users no longer get that role.',
  options: STORAGE,
  async run(ctx) {
    const [tenant, role] = args(ctx, 2, this.usage) as [string, string];
    await withServices(ctx.args.flags, ctx.env, (sv) => sv.tenantAdmin.removeRole(tenant, role));
    ctx.out.result({ removed: role }, () => `Removed role '${role}' from tenant '${tenant}'.`);
    return 0;
  },
};

const userTombstones: Command = {
  name: 'user tombstones',
  usage: 'scimd user tombstones <tenant>',
  summary: 'List users deleted under deprovision.delete = tombstone',
  help: 'Lists the deleted users a tenant keeps as tombstones, newest last.',
  options: STORAGE,
  async run(ctx) {
    const [tenant] = args(ctx, 1, this.usage) as [string];
    const list = await withServices(ctx.args.flags, ctx.env, (sv) => sv.tenantAdmin.listTombstones(tenant));
    const rows = list.map((t) => ({ id: t.id, userName: String(t.data.userName), deletedAt: t.deletedAt }));
    ctx.out.result(rows, () => table(['ID', 'USERNAME', 'DELETED'], rows.map((r) => [r.id, r.userName, r.deletedAt])));
    return 0;
  },
};

const userRestore: Command = {
  name: 'user restore',
  usage: 'scimd user restore <tenant> <id>',
  summary: 'Bring back a tombstoned user under its old id',
  help: 'Restores a deleted user from its tombstone (same id, a new version), if its userName is still free.',
  options: STORAGE,
  async run(ctx) {
    const [tenant, id] = args(ctx, 2, this.usage) as [string, string];
    const t = await withServices(ctx.args.flags, ctx.env, (sv) => sv.tenantAdmin.restoreUser(tenant, id));
    const pending = isObject(t.data[SCIMD_USER_URN]) && (t.data[SCIMD_USER_URN] as Json).invitation === 'pending';
    ctx.out.result({ id: t.id, userName: t.data.userName }, () =>
      `Restored user '${String(t.data.userName)}' (${t.id}).${pending ? `\nIts invitation is still pending and its old links no longer work: scimd invitation resend ${tenant} ${String(t.data.userName)}` : ''}`,
    );
    return 0;
  },
};

const invitationResend: Command = {
  name: 'invitation resend',
  usage: 'scimd invitation resend <tenant> <userName> [--public-url https://…] [--print]',
  summary: 'Mail a new invitation to a user whose invitation is pending',
  help: `Issues a new invitation link and queues a mail with it; older links, and invitation mail not
sent yet, stop working. The running server sends the mail (it looks at the outbox every second);
the link's validity (invitation.ttl) starts when it does. Links point at --public-url (env
SCIMD_PUBLIC_URL), else where the user's last invitation pointed. --print prints the link
instead of mailing it, to hand it over yourself (deployments without SMTP).`,
  options: [
    { flag: 'public-url', arg: '<url>', help: 'origin of the links (env SCIMD_PUBLIC_URL)' },
    { flag: 'print', arg: '', help: 'print the link instead of mailing it' },
    ...STORAGE,
  ],
  async run(ctx) {
    const [tenant, userName] = args(ctx, 2, this.usage) as [string, string];
    const origin = resolvePublicUrl(ctx.args.flags, ctx.env);
    const print = ctx.args.flags.print === true;
    const r = await withServices(ctx.args.flags, ctx.env, (sv) => sv.links.resendInvitation(tenant, userName, { ...(origin ? { origin } : {}), print }));
    ctx.out.result(r, () =>
      r.url
        ? `Invitation link for '${userName}' <${r.email}> (works once, until ${r.expiresAt}):\n  ${r.url}`
        : `Invitation for '${userName}' queued to ${r.email}; earlier links no longer work. See scimd mail list.`,
    );
    return 0;
  },
};

const mailList: Command = {
  name: 'mail list',
  usage: 'scimd mail list [<tenant>] [--pending]',
  summary: 'List the mail outbox (all mail when no SMTP server is configured)',
  help: `Lists mail scimd sent, still has to send, or dropped (with the reason), newest first. Without
SCIMD_SMTP_URL every mail waits here until an SMTP server is configured. Links are not shown: the
token in a link exists only in the mail that is sent (scimd stores its hash).`,
  options: [{ flag: 'pending', arg: '', help: 'only mail still to be sent' }, ...STORAGE],
  async run(ctx) {
    if (ctx.args.positionals.length > 1) throw new UsageError(`Usage: ${this.usage}`);
    const list = await withServices(ctx.args.flags, ctx.env, (sv) => sv.tenantAdmin.listMail(ctx.args.positionals[0], ctx.args.flags.pending === true));
    ctx.out.result(list, () =>
      list.length === 0
        ? '(no mail)'
        : list.map((m) => `#${m.id} ${m.createdAt} to ${m.recipient}: ${mailState(m)}\n  ${m.subject}\n\n${m.body.replace(/^/gm, '    ')}\n`).join('\n'),
    );
    return 0;
  },
};

const eventsList: Command = {
  name: 'events list',
  usage: 'scimd events list [<tenant>] [--after <seq>] [--limit 100]',
  summary: 'List the event log the host application reads, oldest first',
  help: 'Lists the change log (user.created, group.member.added, user.invitation.accepted … see docs/events.md) in order.',
  options: [{ flag: 'after', arg: '<seq>', help: 'only events after this sequence number' }, { flag: 'limit', arg: '<n>', help: 'how many (default 100)' }, ...STORAGE],
  async run(ctx) {
    if (ctx.args.positionals.length > 1) throw new UsageError(`Usage: ${this.usage}`);
    const after = Number(stringFlag(ctx, 'after') ?? '0');
    const limit = Number(stringFlag(ctx, 'limit') ?? '100');
    if (!Number.isInteger(after) || after < 0 || !Number.isInteger(limit) || limit < 1) throw new UsageError('--after and --limit take whole numbers');
    const list = await withServices(ctx.args.flags, ctx.env, (sv) => sv.tenantAdmin.listEvents(ctx.args.positionals[0], after, limit));
    ctx.out.result(list, () => table(['SEQ', 'AT', 'TYPE', 'RESOURCE', 'DATA'], list.map((e) => [String(e.seq), e.at, e.type, dash(e.resourceId), JSON.stringify(e.data)])));
    return 0;
  },
};

const eventsTail: Command = {
  name: 'events tail',
  usage: 'scimd events tail <tenant> [--after <cursor>] [--types user.created,…] [--limit 100] [--follow]',
  summary: "A tenant's events in order after a cursor, as the events API answers them; --follow waits for new ones",
  help: `Prints the tenant's change log in order (one line per event; --json: one JSON object per line),
after the cursor given (the tenantSeq of the last event seen; default: from the oldest kept).
--types keeps only those event types. --follow keeps printing events as they commit, from any
scimd process on the database, until interrupted.`,
  options: [
    { flag: 'after', arg: '<cursor>', help: 'start after this tenantSeq' },
    { flag: 'types', arg: '<list>', help: 'comma-separated event types (see docs/events.md)' },
    { flag: 'limit', arg: '<n>', help: 'most events to print without --follow (default 100)' },
    { flag: 'follow', arg: '', help: 'keep printing new events until interrupted' },
    ...STORAGE,
  ],
  async run(ctx) {
    const [tenant] = args(ctx, 1, this.usage) as [string];
    const afterRaw = stringFlag(ctx, 'after');
    const after = afterRaw === undefined ? undefined : Number(afterRaw);
    const limit = Number(stringFlag(ctx, 'limit') ?? '100');
    if ((after !== undefined && (!Number.isInteger(after) || after < 0)) || !Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--after takes a whole number, --limit one from 1 to 10000');
    const follow = ctx.args.flags.follow === true;
    const print = (e: ScimdEvent) =>
      process.stdout.write(
        `${ctx.out.json ? JSON.stringify(e) : [String(e.tenantSeq), e.at, e.type, e.resourceType ?? '-', e.resourceId ?? '-', e.paths?.join(',') ?? '', Object.keys(e.data).length ? JSON.stringify(e.data) : ''].join('  ').trimEnd()}\n`,
      );
    let stop = false;
    const onSignal = () => (stop = true);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await withServices(ctx.args.flags, ctx.env, async (sv) => {
      const t = await sv.admin.tenant(tenant);
      const typesRaw = stringFlag(ctx, 'types');
      const types = typesRaw === undefined ? undefined : checkEventTypes(typesRaw.split(',').map((x) => x.trim()).filter(Boolean));
      let cursor = after;
      let announced = false;
      for (;;) {
        const page = await sv.events.read(t, { ...(cursor !== undefined ? { after: cursor } : {}), limit: follow ? 1000 : limit, ...(types ? { types } : {}) });
        for (const e of page.events) print(e);
        cursor = page.cursor;
        if (!follow) return;
        if (page.hasMore) continue;
        if (!announced) {
          announced = true;
          const text = `(following tenant '${tenant}' after cursor ${cursor}; Ctrl-C to stop)`;
          if (ctx.out.json) ctx.info(text);
          else process.stdout.write(`${text}\n`);
        }
        if (stop) return;
        await new Promise((r) => setTimeout(r, 250));
        if (stop) return;
      }
    });
    return 0;
  },
};

export const tenantDataCommands: Command[] = [schemaAdd, schemaEnable, schemaList, schemaRemove, roleAdd, roleList, roleRemove, userTombstones, userRestore, invitationResend, mailList, eventsList, eventsTail];
