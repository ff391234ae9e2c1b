/** The request-log rows and data files a fixture step checks (a `log` or `secrets` step). */
import { NORMALISERS } from '../../../src/scim/quirks/index.ts';
import type { RequestLogEntry } from '../../../src/store/types.ts';
import { filesHolding } from '../data-files.ts';
import type { TestServer } from '../server.ts';
import { eventually, GaveUpWaiting } from '../eventually.ts';

/** A log row as a fixture sees it: what it was, and the names of the normalisers that left notes. */
export interface LogRow {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly idp: string | undefined;
  readonly scimType: string | undefined;
  readonly notes: readonly string[];
  readonly normalisers: readonly string[];
  readonly requestBody: string | undefined;
  readonly responseBody: string | undefined;
}

/** The normalisers that left notes on a row ("opCase: op 'Replace' read as 'replace'" → opCase). */
const normaliserNames = (row: RequestLogEntry): string[] => row.notes.map((n) => n.split(':', 1)[0]!).filter((name) => NORMALISERS.some((n) => n.name === name));

/** A tenant's log rows, oldest first, once at least `expected` rows of `clientName` are written (the log is written after each response). */
export async function logRows(s: TestServer, tenantId: string, clientName: string, expected: number): Promise<{ mine: RequestLogEntry[]; all: RequestLogEntry[] }> {
  const services = s.running.services;
  let all: RequestLogEntry[] = [];
  let mine: RequestLogEntry[] = [];
  // What is there after the wait is returned even when fewer rows came: the caller asserts on it.
  await eventually(
    async () => {
      await services.requestLog.flush();
      all = (await s.running.store.requestLog({ tenantId, limit: 100_000 })).sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
      mine = all.filter((r) => r.clientName === clientName);
      return mine.length >= expected;
    },
    { what: `${expected} log rows of ${clientName}`, timeoutMs: 4_000 },
  ).catch((e: unknown) => {
    if (!(e instanceof GaveUpWaiting)) throw e;
  });
  return { mine, all };
}

export const asLogRow = (r: RequestLogEntry): LogRow => ({
  method: r.method,
  path: r.path,
  status: r.status,
  idp: r.idp,
  scimType: r.scimType,
  notes: r.notes,
  normalisers: normaliserNames(r),
  requestBody: r.requestBody,
  responseBody: r.responseBody,
});

/**
 * Which of `secrets` a log row or a data file holds (empty when none). The files are read by
 * another process (helpers/data-files.ts says why).
 */
export function secretsFound(s: TestServer, rows: readonly RequestLogEntry[], secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    for (const row of rows) {
      for (const field of [row.requestBody, row.responseBody, row.path, ...row.notes]) {
        if ((field ?? '').includes(secret)) found.push(`log row ${row.method} ${row.path} holds secret ${secret.slice(0, 4)}…`);
      }
    }
    for (const file of filesHolding(s.dataDir, secret)) found.push(`data file ${file} holds secret ${secret.slice(0, 4)}…`);
  }
  return found;
}
