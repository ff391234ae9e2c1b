import type { RequestLogEntry, RequestLogQuery } from '../../store/types.ts';
import { statusRange } from '../../provisioning/background/request-log.ts';
import { UsageError } from '../args.ts';
import { STORAGE, type Command, type CommandContext } from '../command.ts';
import { withServices } from '../store.ts';

/** `--status 4xx`, `404` or `400-499` → a status range. */
function statusFlag(raw: string | boolean | undefined): { minStatus?: number; maxStatus?: number } {
  if (raw === undefined) return {};
  const range = statusRange(String(raw));
  if (!range) throw new UsageError('--status takes 4xx, 404 or 400-499');
  return range;
}

function line(e: RequestLogEntry): string {
  const who = e.tenantName ? `${e.tenantName}/${e.clientName ?? '?'}${e.idp ? `(${e.idp})` : ''}` : '(unauthenticated)';
  const status = `${e.status}${e.scimType ? ` ${e.scimType}` : ''}`;
  const notes = e.notes.length ? `\n      ${e.notes.join('\n      ')}` : '';
  return `#${e.id} ${e.at} ${who} ${e.method} ${e.path} → ${status} ${Math.round(e.durationMs)}ms${notes}`;
}

async function query(ctx: CommandContext, q: Omit<RequestLogQuery, 'tenantId'> & { tenant?: string }): Promise<RequestLogEntry[]> {
  return withServices(ctx.args.flags, ctx.env, async (s) => {
    const tenantId = q.tenant ? (await s.admin.tenant(q.tenant)).id : undefined;
    const { tenant: _t, ...rest } = q;
    return s.requestLog.entries({ ...rest, ...(tenantId ? { tenantId } : {}) });
  });
}

const tail: Command = {
  name: 'log tail',
  usage: 'scimd log tail [--tenant <t>] [--status 4xx] [--limit 20] [--follow]',
  summary: 'Show the latest provisioning requests (oldest first), optionally following new ones',
  help: `Shows the provisioning request log: one line per SCIM request with tenant, client, IdP
profile, method, path, status, scimType, duration and what the IdP normalisers changed.
Bodies are in 'scimd log show <id>', with passwords and tokens redacted.`,
  options: [
    { flag: 'tenant', arg: '<name>', help: 'only this tenant' },
    { flag: 'status', arg: '<range>', help: '4xx, 404 or 400-499' },
    { flag: 'limit', arg: '<n>', help: 'how many (default 20)' },
    { flag: 'follow', arg: '', help: 'keep printing new requests until interrupted' },
    ...STORAGE,
  ],
  async run(ctx) {
    if (ctx.args.positionals.length) throw new UsageError(`Usage: ${this.usage}`);
    const limitRaw = ctx.args.flags.limit ?? '20';
    const limit = Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit takes a whole number from 1 to 10000');
    const tenant = typeof ctx.args.flags.tenant === 'string' ? ctx.args.flags.tenant : undefined;
    const base = { ...statusFlag(ctx.args.flags.status), ...(tenant ? { tenant } : {}) };
    const first = (await query(ctx, { ...base, limit })).reverse();
    ctx.out.result(first, () => (first.length ? first.map(line).join('\n') : '(no requests logged)'));
    if (!ctx.args.flags.follow) return 0;
    let last = first.at(-1)?.id ?? (await query(ctx, { ...base, limit: 1 }))[0]?.id ?? 0;
    let stop = false;
    const onSignal = () => (stop = true);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    while (!stop) {
      await new Promise((r) => setTimeout(r, 500));
      const next = (await query(ctx, { ...base, afterId: last, limit: 1000 })).reverse();
      for (const e of next) process.stdout.write(`${ctx.out.json ? JSON.stringify(e) : line(e)}\n`);
      last = next.at(-1)?.id ?? last;
    }
    return 0;
  },
};

const show: Command = {
  name: 'log show',
  usage: 'scimd log show <id>',
  summary: 'Show one logged request with its (redacted) request and response bodies',
  help: 'Shows one entry of the provisioning request log in full, with its request id (the X-Request-Id of the answer, reqId in the process log).',
  options: STORAGE,
  async run(ctx) {
    const id = Number(ctx.args.positionals[0]);
    if (ctx.args.positionals.length !== 1 || !Number.isInteger(id)) throw new UsageError(`Usage: ${this.usage}`);
    const e = await withServices(ctx.args.flags, ctx.env, (s) => s.requestLog.entry(id));
    if (!e) throw new UsageError(`No log entry #${id}`);
    const pretty = (b: string | undefined) => {
      if (b === undefined) return '(none)';
      try {
        return JSON.stringify(JSON.parse(b), null, 2);
      } catch {
        return b;
      }
    };
    ctx.out.result(e, () => [line(e), ...(e.requestId ? [`Request id: ${e.requestId}`] : []), '', 'Request body:', pretty(e.requestBody), ...(e.normalisedBody ? ['', 'Request body after the normalisers:', pretty(e.normalisedBody)] : []), '', 'Response body:', pretty(e.responseBody)].join('\n'));
    return 0;
  },
};

export const logCommands: Command[] = [tail, show];
