/**
 * A micro-benchmark of the change recorder (src/provisioning/resources/changes.ts): recordChange
 * for a user created and for a one-attribute update (as the events-cost phase's POST and PATCH),
 * on an SQLite store in a temporary directory, many calls to a transaction so that the commit is
 * not what is measured. Prints µs per call (the median of the rounds).
 *
 *   node --import tsx bench/record-changes.ts [calls per round, default 20000] [rounds, default 5]
 *   node --cpu-prof --import tsx bench/record-changes.ts    (to see where the time goes)
 *
 * On 2026-12-06 (2 shared cores, load 7-12, medians of 3 runs each, alternating): before the
 * recorder was made leaner (0943cf7) create 49-58 µs and update 70-93 µs per call; after, create
 * 16-19 µs and update 18-23 µs.
 *
 * Instructions are steadier than µs on a shared machine: `CG=1`-style runs under
 * `valgrind --tool=callgrind --instr-atstart=no`, switching instrumentation on for the last round
 * (callgrind_control), gave on 2026-12-07 create 119,300 and update 135,600 instructions per call,
 * then 60,800 and 77,900 after one event shape, no RETURNING and the state built around the
 * document's written text (e657976).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordChange, type Change } from '../src/provisioning/resources/changes.ts';
import { rememberJson } from '../src/scim/json-text.ts';
import type { StoredResource } from '../src/scim/resource.ts';
import type { Json } from '../src/scim/schema/validate.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { USER_URN, userBody, userName } from './data.ts';

const calls = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 5);
const PER_TX = 500;

const dir = mkdtempSync(join(tmpdir(), 'scimd-record-changes-'));
const store = openSqliteStore(join(dir, 'scimd.db'));
const tenantId = randomUUID();
const at = new Date().toISOString();
const cause = { actor: 'scim', clientId: randomUUID(), requestId: 'req-1' } as const;

function user(i: number, version: number, displayName?: string): StoredResource {
  // As a stored document comes to the recorder: parsed from its row (fast properties, no deletes).
  const data = JSON.parse(JSON.stringify({ ...userBody(userName(i), i), schemas: [USER_URN], ...(displayName ? { displayName } : {}) })) as Json;
  return { id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, type: 'User', version, created: at, lastModified: at, data };
}

const kinds: Record<string, (i: number) => Change> = {
  create: (i) => ({ tenantId, resource: user(i, 1), what: { kind: 'create' }, at, cause }),
  update: (i) => ({ tenantId, resource: user(i, 2, `Patched ${i}`), what: { kind: 'update', before: user(i, 1).data }, at, cause }),
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const [kind, make] of Object.entries(kinds)) {
  const changes = Array.from({ length: calls }, (_, i) => make(i));
  // As the store's write of each resource leaves it: its document's JSON text remembered (json-text.ts).
  for (const c of changes) rememberJson(c.resource.data, JSON.stringify(c.resource.data));
  const perCall: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let ns = 0n;
    for (let from = 0; from < calls; from += PER_TX) {
      await store.transaction(async (tx) => {
        const t0 = process.hrtime.bigint();
        for (let i = from; i < Math.min(calls, from + PER_TX); i++) await recordChange(tx, changes[i]!);
        ns += process.hrtime.bigint() - t0;
      });
    }
    perCall.push(Number(ns) / 1000 / calls);
  }
  console.log(`recordChange ${kind.padEnd(6)} ${median(perCall).toFixed(1)} µs/call (median of ${rounds} rounds of ${calls}: ${perCall.map((x) => x.toFixed(1)).join(' ')})`);
}
await store.close();
rmSync(dir, { recursive: true, force: true });
