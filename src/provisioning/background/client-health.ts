/**
 * Connection health of one SCIM client, computed from the request log: its last request, requests
 * and errors in the last hour and day, its most common error (with the detail it was answered)
 * and the normalisers that fired. Reads at most MAX_ENTRIES entries of the last day.
 */
import type { RequestLogEntry } from '../../store/ports/request-log.ts';
import type { RequestLog } from './request-log.ts';

const MAX_ENTRIES = 5_000;
const HOUR_MS = 3_600_000;

export interface ClientHealth {
  readonly lastRequest: { readonly at: string; readonly method: string; readonly path: string; readonly status: number } | null;
  readonly lastHour: { readonly requests: number; readonly errors: number };
  readonly lastDay: { readonly requests: number; readonly errors: number };
  readonly commonError: { readonly status: number; readonly scimType: string | null; readonly count: number; readonly detail: string | null } | null;
  readonly normalisers: readonly { readonly name: string; readonly count: number }[];
  /** Whether the day had more entries than were read (the counts are then lower bounds). */
  readonly truncated: boolean;
}

/** The `detail` of a SCIM error body, if the (redacted) body has one. */
function detailOf(body: string | undefined): string | null {
  if (!body) return null;
  try {
    const d = (JSON.parse(body) as { detail?: unknown }).detail;
    return typeof d === 'string' ? d.slice(0, 500) : null;
  } catch {
    return null;
  }
}

/** A note's normaliser: the words before its first colon ("entra.boolean-strings: active 'True' → true"). */
const normaliserOf = (note: string) => (note.split(':')[0] ?? note).trim().slice(0, 80);

export async function clientHealth(log: RequestLog, tenantId: string, clientId: string, now: Date): Promise<ClientHealth> {
  await log.flush();
  const since = new Date(now.getTime() - 24 * HOUR_MS).toISOString();
  const hourAgo = new Date(now.getTime() - HOUR_MS).toISOString();
  const entries = await log.entries({ tenantId, clientId, since, limit: MAX_ENTRIES });
  const isError = (e: RequestLogEntry) => e.status >= 400;
  const errors = new Map<string, { e: RequestLogEntry; count: number }>();
  const normalisers = new Map<string, number>();
  for (const e of entries) {
    if (isError(e)) {
      const k = `${e.status} ${e.scimType ?? ''}`;
      const seen = errors.get(k);
      if (seen) seen.count++;
      else errors.set(k, { e, count: 1 });
    }
    for (const n of e.notes) normalisers.set(normaliserOf(n), (normalisers.get(normaliserOf(n)) ?? 0) + 1);
  }
  const top = [...errors.values()].sort((a, b) => b.count - a.count)[0];
  // The newest entry of the most common error carries its detail (listings drop bodies: read it).
  const withBody = top?.e.id !== undefined ? await log.entry(top.e.id) : undefined;
  const last = entries[0] ?? (await log.entries({ tenantId, clientId, limit: 1 }))[0];
  const hour = entries.filter((e) => e.at >= hourAgo);
  return {
    lastRequest: last ? { at: last.at, method: last.method, path: last.path, status: last.status } : null,
    lastHour: { requests: hour.length, errors: hour.filter(isError).length },
    lastDay: { requests: entries.length, errors: entries.filter(isError).length },
    commonError: top ? { status: top.e.status, scimType: top.e.scimType ?? null, count: top.count, detail: detailOf(withBody?.responseBody) } : null,
    normalisers: [...normalisers].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count),
    truncated: entries.length >= MAX_ENTRIES,
  };
}
