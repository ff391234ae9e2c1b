/**
 * Concurrency races shared by the two-replica PostgreSQL tests (test/replicas.test.ts) and the
 * single-process SQLite tests (test/concurrency-sqlite.test.ts): the same requests, fired at once
 * at one or more scimd processes, must give the same answers on either database.
 */
import assert from 'node:assert/strict';
import { ERROR_SCHEMA, PATCH_OP, group, user, type Reply } from './server.ts';

/** A scimd process to send to. */
export interface Endpoint {
  readonly name: string;
  /** SCIM base URL (…/scim/v2). */
  readonly base: string;
}

/** Sends one request to `to` (with the test's token) and returns the reply. */
export type Call = (to: Endpoint, method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;

export const PARALLEL = 50;

export const statusCounts = (replies: readonly Reply[]): Record<number, number> => {
  const out: Record<number, number> = {};
  for (const r of replies) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
};

/** `name` with the case of its n-th letter chosen by bit n of `i` (different `i`, different spelling). */
export function mixedCase(name: string, i: number): string {
  let bit = 0;
  return [...name].map((ch) => (ch.toLowerCase() === ch.toUpperCase() ? ch : (i >> bit++) & 1 ? ch.toUpperCase() : ch.toLowerCase())).join('');
}

/**
 * 50 parallel POSTs of one userName in 50 case variants, spread round-robin over `endpoints`:
 * exactly one 201, the rest 409 uniqueness (RFC 7644 §3.3), and every endpoint finds the one user
 * whatever the spelling. Returns the statuses and how many users the tenant holds afterwards.
 */
export async function uniquenessRace(endpoints: readonly Endpoint[], call: Call, name = 'race.condition.user'): Promise<{ statuses: Record<number, number>; stored: number }> {
  const variants = Array.from({ length: PARALLEL }, (_, i) => mixedCase(name, i + 1));
  assert.equal(new Set(variants).size, PARALLEL, 'fifty different spellings');
  const replies = await Promise.all(variants.map((v, i) => call(endpoints[i % endpoints.length]!, 'POST', '/Users', user(v))));
  const statuses = statusCounts(replies);
  const created = replies.filter((r) => r.status === 201);
  assert.equal(created.length, 1, `exactly one 201, got ${JSON.stringify(statuses)}`);
  for (const r of replies.filter((x) => x.status !== 201)) {
    assert.equal(r.status, 409, r.text);
    assert.deepEqual(r.body.schemas, [ERROR_SCHEMA]);
    assert.equal(r.body.scimType, 'uniqueness', r.text);
  }
  const found = await Promise.all(endpoints.map((r, i) => call(r, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${mixedCase(name, 1000 + i)}"`)}`)));
  for (const f of found) {
    assert.equal(f.status, 200, f.text);
    assert.equal(f.body.totalResults, 1, f.text);
    assert.equal(f.body.Resources[0].id, created[0]!.body.id);
  }
  const all = await call(endpoints[0]!, 'GET', '/Users?count=0');
  return { statuses, stored: all.body.totalResults as number };
}

/**
 * 50 new users, then 50 parallel single-member PATCH adds to one new group, spread round-robin:
 * every PATCH succeeds, every endpoint reads all 50 members once each, and the group's version
 * moved by exactly one per PATCH. Returns the group id and the member ids.
 */
export async function memberAddRace(endpoints: readonly Endpoint[], call: Call, prefix = 'member'): Promise<{ groupId: string; memberIds: string[] }> {
  const at = (i: number) => endpoints[i % endpoints.length]!;
  const made = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => call(at(i + 1), 'POST', '/Users', user(`${prefix}-${i}`))));
  for (const r of made) assert.equal(r.status, 201, r.text);
  const ids = made.map((r) => r.body.id as string);
  const g = await call(at(0), 'POST', '/Groups', group(`${prefix} group`));
  assert.equal(g.status, 201, g.text);

  const replies = await Promise.all(ids.map((id, i) => call(at(i + 1), 'PATCH', `/Groups/${g.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })));
  for (const r of replies) assert.ok(r.status === 200 || r.status === 204, `PATCH: ${r.status} ${r.text}`);

  for (const r of endpoints) {
    const got = await call(r, 'GET', `/Groups/${g.body.id}`);
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(new Set((got.body.members as { value: string }[]).map((m) => m.value)), new Set(ids), `${r.name}: every member`);
    assert.equal(got.body.members.length, PARALLEL, `${r.name}: no duplicates`);
    assert.equal(got.body.meta.version, `W/"${1 + PARALLEL}"`, `${r.name}: one version step per PATCH`);
  }
  return { groupId: g.body.id as string, memberIds: ids };
}
