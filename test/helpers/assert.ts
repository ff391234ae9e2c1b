/** Assertions shared by the end-to-end suites on limits, hostile input and secrets. */
import assert from 'node:assert/strict';
import { ScimError } from '../../src/scim/errors.ts';
import { ERROR_SCHEMA, type Reply, type TestServer } from './server.ts';

/** An RFC 7644 §3.12 error: status, scimType, and a detail matching `detail`. */
export function assertScimError(r: Reply, status: number, scimType: string | undefined, detail?: RegExp): void {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
  assert.deepEqual(r.body?.schemas, [ERROR_SCHEMA], r.text);
  assert.equal(r.body.status, String(status));
  assert.equal(r.body.scimType, scimType, r.text);
  assert.equal(typeof r.body.detail, 'string');
  if (detail) assert.match(r.body.detail, detail);
}

/**
 * Counts the write transactions the server's services start, so a test can show that a request
 * was refused before any began.
 */
export function countTransactions(s: TestServer): () => number {
  const store = s.running.store as { transaction: (fn: unknown) => Promise<unknown> };
  const original = store.transaction.bind(store);
  let n = 0;
  store.transaction = (fn) => {
    n++;
    return original(fn);
  };
  return () => n;
}

/** Users and Groups stored in the tenant of the default token. */
export async function stored(s: TestServer): Promise<{ users: number; groups: number }> {
  const [u, g] = await Promise.all([s.request('GET', '/Users?count=0'), s.request('GET', '/Groups?count=0')]);
  return { users: u.body.totalResults as number, groups: g.body.totalResults as number };
}

/** The status of the ScimError `p` rejects with, or 0 when it resolves (anything else is rethrown). */
export async function refusal(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ScimError) return e.status;
    throw e;
  }
  return 0;
}
