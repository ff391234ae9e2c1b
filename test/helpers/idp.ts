/**
 * What the per-IdP lifecycle tests (test/idp/) share: a client that counts what it sent, SCIM
 * error and list assertions, member reads, and the request-log and data-file checks.
 */
import assert from 'node:assert/strict';
import { NORMALISERS } from '../../src/scim/quirks/index.ts';
import type { RequestLogEntry } from '../../src/store/types.ts';
import { filesHolding } from './data-files.ts';
import { ERROR_SCHEMA, send, type Reply, type TestServer } from './server.ts';

export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export type Call = (method: string, path: string, body?: unknown) => Promise<Reply>;
export interface IdpClient {
  readonly call: Call;
  /** How many requests this client has sent. */
  sent(): number;
}

/** A client that sends `headers` (its token, its User-Agent…) with every request to `base`. */
export function idpClient(base: string, headers: Record<string, string>): IdpClient {
  let sent = 0;
  const call: Call = (method, path, body) => {
    sent++;
    return send(`${base}${path}`, method, body, headers);
  };
  return { call, sent: () => sent };
}

/** An RFC 7644 §3.12 error body with this status (and scimType, when given). */
export function assertError(r: Reply, status: number, scimType?: string): void {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
  assert.equal(r.body.status, String(status));
  if (scimType !== undefined) assert.equal(r.body.scimType, scimType);
}

/** A group PATCH answers 204 No Content (200 is also allowed) and carries the new ETag. */
export function assertGroupPatched(r: Reply): void {
  assert.ok(r.status === 204 || r.status === 200, `expected 204 (or 200), got ${r.status}: ${r.text}`);
  assert.ok(r.headers.get('etag'), 'a successful PATCH carries an ETag');
}

/** The ids a 200 ListResponse holds. */
export function listIds(r: Reply): string[] {
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.schemas, [LIST_RESPONSE]);
  return ((r.body.Resources ?? []) as { id: string }[]).map((x) => x.id);
}

/** The sorted member ids of a group, read as the IdP reads them. */
export async function memberIds(call: Call, groupId: string): Promise<string[]> {
  const r = await call('GET', `/Groups/${groupId}`);
  assert.equal(r.status, 200, r.text);
  return ((r.body.members ?? []) as { value: string }[]).map((m) => m.value).sort();
}

/** The log rows of one client, once all `expected` requests have been written (the log is written after each response). */
export async function logRows(s: TestServer, clientName: string, expected: number): Promise<RequestLogEntry[]> {
  const services = s.running.services;
  let rows: RequestLogEntry[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    await services.requestLog.flush();
    rows = (await s.running.store.requestLog({ limit: 10_000 })).filter((r) => r.clientName === clientName);
    if (rows.length >= expected) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return rows;
}

/**
 * No request-log row and no byte of the server's data files holds any of `secrets`. The files are
 * read by another process (helpers/data-files.ts says why).
 */
export function assertNoSecrets(s: TestServer, rows: readonly RequestLogEntry[], secrets: readonly string[]): void {
  for (const row of rows) {
    for (const secret of secrets) {
      for (const field of [row.requestBody, row.responseBody, row.path, ...row.notes]) {
        assert.ok(!(field ?? '').includes(secret), `log row ${row.method} ${row.path} holds a secret`);
      }
    }
  }
  for (const secret of secrets) assert.deepEqual(filesHolding(s.dataDir, secret), [], 'a data file holds a secret');
}

/** The normalisers that left notes on a row ("opCase: op 'Replace' read as 'replace'" → opCase). */
export const normaliserNames = (row: RequestLogEntry): string[] =>
  row.notes.map((n) => n.split(':', 1)[0]!).filter((name) => NORMALISERS.some((n) => n.name === name));
