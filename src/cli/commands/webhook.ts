/** `scimd webhook add|list|remove|test|replay|deliveries|rotate-secret`: signed webhook endpoints of a tenant. */
import { resolveWebhookAllowPrivate } from '../../config.ts';
import type { Services } from '../../http/services.ts';
import type { WebhookAttempt, WebhookView } from '../../provisioning/webhooks/webhook-admin.ts';
import { UsageError } from '../args.ts';
import { STORAGE, type CliOption, type Command, type CommandContext } from '../command.ts';
import { dash, table } from '../output.ts';
import { withServices } from '../store.ts';

const ALLOW_PRIVATE: CliOption = {
  flag: 'webhook-allow-private',
  arg: '<bool>',
  help: 'allow receivers on loopback and private addresses (env SCIMD_WEBHOOK_ALLOW_PRIVATE, default false)',
};

/** Runs `fn` on the services, with the webhook settings of the flags and environment. */
function run<T>(ctx: CommandContext, fn: (s: Services) => Promise<T>): Promise<T> {
  return withServices(ctx.args.flags, ctx.env, fn, { webhooks: { allowPrivate: resolveWebhookAllowPrivate(ctx.args.flags, ctx.env) } });
}

function positionals(ctx: CommandContext, n: number, usage: string): string[] {
  if (ctx.args.positionals.length !== n) throw new UsageError(`Usage: ${usage}`);
  return ctx.args.positionals;
}

function intFlag(ctx: CommandContext, name: string, min: number, max: number): number | undefined {
  const raw = ctx.args.flags[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} takes a whole number from ${min} to ${max}`);
  return n;
}

const typesText = (types: readonly string[]) => (types.length ? types.join(',') : '*');

function describe(w: WebhookView): string {
  return [
    `Webhook ${w.id} of tenant '${w.tenant}'`,
    `  URL:        ${w.url}`,
    `  types:      ${typesText(w.types)}`,
    `  enabled:    ${w.enabled ? 'yes' : 'no'}`,
    `  state:      ${w.state}${w.failedReason ? ` (${w.failedReason})` : ''}`,
    `  delivered:  up to event ${w.deliveredSeq} of ${w.lastSeq} (lag ${w.lag})${w.nextAttemptAt ? `; retry ${w.attempts + 1} due ${w.nextAttemptAt}` : ''}`,
    ...(w.lastAttempt ? [`  last:       ${w.lastAttempt.at} event ${w.lastAttempt.tenantSeq ?? w.lastAttempt.eventType}: ${w.lastAttempt.status ?? w.lastAttempt.error ?? '-'}`] : []),
  ].join('\n');
}

const add: Command = {
  name: 'webhook add',
  usage: 'scimd webhook add <tenant> <url> [--types user.created,group.*,…] [--disabled]',
  summary: "Add a webhook endpoint for a tenant's events and print its signing secret once",
  help: `Adds an endpoint that receives the tenant's events from now on, signed per the Standard
Webhooks specification (webhook-id, webhook-timestamp, webhook-signature) with the secret printed
once (whsec_…). --types limits it to some event types (user.* and group.* name a kind; default
every type). URLs on loopback or private addresses are refused unless --webhook-allow-private true.`,
  options: [{ flag: 'types', arg: '<t1,t2,…>', help: 'event types to deliver (default: every type)' }, { flag: 'disabled', arg: '<bool>', help: 'add it disabled (true) and enable it later' }, ALLOW_PRIVATE, ...STORAGE],
  async run(ctx) {
    const [tenant, url] = positionals(ctx, 2, this.usage) as [string, string];
    const types = typeof ctx.args.flags.types === 'string' ? ctx.args.flags.types.split(',') : undefined;
    const disabled = ctx.args.flags.disabled === 'true' || ctx.args.flags.disabled === true;
    const w = await run(ctx, (s) => s.webhooks.create(tenant, { url, ...(types ? { types } : {}), enabled: !disabled }));
    ctx.out.result(w, () => [describe(w), '', 'Signing secret (shown once; scimd cannot show it again):', '', `  ${w.secret}`].join('\n'));
    return 0;
  },
};

const list: Command = {
  name: 'webhook list',
  usage: 'scimd webhook list <tenant>',
  summary: "List a tenant's webhook endpoints: state, cursor, lag (never their secrets)",
  help: "Lists the tenant's webhook endpoints with their state (active, or failing: dead-lettered until replayed), the last event delivered and how far behind they are.",
  options: STORAGE,
  async run(ctx) {
    const [tenant] = positionals(ctx, 1, this.usage) as [string];
    const ws = await run(ctx, (s) => s.webhooks.list(tenant));
    ctx.out.result(ws, () =>
      table(
        ['ID', 'URL', 'TYPES', 'ENABLED', 'STATE', 'DELIVERED', 'LAG'],
        ws.map((w) => [w.id, w.url, typesText(w.types), w.enabled ? 'yes' : 'no', w.state, String(w.deliveredSeq), String(w.lag)]),
      ),
    );
    return 0;
  },
};

const remove: Command = {
  name: 'webhook remove',
  usage: 'scimd webhook remove <tenant> <id>',
  summary: 'Remove a webhook endpoint and its delivery log',
  help: 'Removes the endpoint: nothing more is sent to it. The events stay in the event log.',
  options: STORAGE,
  async run(ctx) {
    const [tenant, id] = positionals(ctx, 2, this.usage) as [string, string];
    const w = await run(ctx, (s) => s.webhooks.remove(tenant, id));
    ctx.out.result(w, () => `Removed webhook ${w.id} (${w.url}).`);
    return 0;
  },
};

const test: Command = {
  name: 'webhook test',
  usage: 'scimd webhook test <tenant> <id>',
  summary: 'Send a signed webhook.test ping to an endpoint now and show the answer',
  help: 'Sends a webhook.test event, signed like any other, and prints the status, time and start of the answer. Exits 1 when the receiver did not answer 2xx.',
  options: [ALLOW_PRIVATE, ...STORAGE],
  async run(ctx) {
    const [tenant, id] = positionals(ctx, 2, this.usage) as [string, string];
    const r = await run(ctx, (s) => s.webhooks.test(tenant, id));
    ctx.out.result(r, () => `${r.ok ? 'OK' : 'FAILED'}: ${r.status !== null ? `HTTP ${r.status}` : r.error} in ${r.durationMs} ms${r.responseExcerpt ? `\n${r.responseExcerpt}` : ''}`);
    return r.ok ? 0 : 1;
  },
};

const replay: Command = {
  name: 'webhook replay',
  usage: 'scimd webhook replay <tenant> <id> [--from <tenantSeq>]',
  summary: 'Resume a failing (dead-lettered) endpoint, or resend from an earlier event',
  help: `Resumes delivery: an endpoint whose every attempt at an event failed starts again at that
event; one waiting for a retry tries now. With --from, delivery (re)starts at that event of the
tenant (its tenantSeq), which must still be in the event log; receivers de-duplicate by webhook-id.`,
  options: [{ flag: 'from', arg: '<tenantSeq>', help: 'the first event to (re)send' }, ...STORAGE],
  async run(ctx) {
    const [tenant, id] = positionals(ctx, 2, this.usage) as [string, string];
    const from = intFlag(ctx, 'from', 1, Number.MAX_SAFE_INTEGER);
    const w = await run(ctx, (s) => s.webhooks.replay(tenant, id, from));
    ctx.out.result(w, () => describe(w));
    return 0;
  },
};

const deliveries: Command = {
  name: 'webhook deliveries',
  usage: 'scimd webhook deliveries <tenant> <id> [--limit <n>] [--status failed]',
  summary: "An endpoint's delivery log: each attempt's status, latency and answer",
  help: 'Prints the delivery attempts of an endpoint, newest first: the event, the attempt number, the HTTP status (or the error), the time taken and the start of the answer.',
  options: [{ flag: 'limit', arg: '<n>', help: 'attempts to show (default 50)' }, { flag: 'status', arg: 'failed', help: 'failed attempts only' }, ...STORAGE],
  async run(ctx) {
    const [tenant, id] = positionals(ctx, 2, this.usage) as [string, string];
    const limit = intFlag(ctx, 'limit', 1, 1000) ?? 50;
    const status = ctx.args.flags.status;
    if (status !== undefined && status !== 'failed' && status !== 'all') throw new UsageError('--status takes failed or all');
    const rows: WebhookAttempt[] = await run(ctx, (s) => s.webhooks.deliveries(tenant, id, { limit, failedOnly: status === 'failed' }));
    ctx.out.result(rows, () =>
      table(
        ['AT', 'EVENT', 'TYPE', 'ATTEMPT', 'STATUS', 'MS', 'ANSWER'],
        rows.map((a) => [a.at, a.tenantSeq === undefined ? '-' : String(a.tenantSeq), a.eventType, String(a.attempt), a.status === undefined ? dash(a.error) : String(a.status), String(a.durationMs), (a.responseExcerpt ?? '').replace(/\s+/g, ' ').slice(0, 60)]),
      ),
    );
    return 0;
  },
};

const rotate: Command = {
  name: 'webhook rotate-secret',
  usage: 'scimd webhook rotate-secret <tenant> <id> [--grace-hours <n>]',
  summary: "Give an endpoint a new signing secret (printed once); the old one keeps signing for a while",
  help: 'Makes a new secret and prints it once. For --grace-hours (default 24) every webhook carries two signatures, one per secret, so the receiver can switch at its own pace.',
  options: [{ flag: 'grace-hours', arg: '<n>', help: 'hours the old secret keeps signing (default 24, 0: stop at once)' }, ...STORAGE],
  async run(ctx) {
    const [tenant, id] = positionals(ctx, 2, this.usage) as [string, string];
    const grace = intFlag(ctx, 'grace-hours', 0, 720) ?? 24;
    const w = await run(ctx, (s) => s.webhooks.rotateSecret(tenant, id, grace));
    ctx.out.result(w, () => [`New signing secret of webhook ${w.id} (shown once):`, '', `  ${w.secret}`, '', w.previousSecretUntil ? `The old secret signs too until ${w.previousSecretUntil}.` : 'The old secret no longer signs.'].join('\n'));
    return 0;
  },
};

export const webhookCommands: Command[] = [add, list, remove, test, replay, deliveries, rotate];
