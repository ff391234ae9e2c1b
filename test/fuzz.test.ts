/**
 * Fuzzing at its small, fixed-seed size (issue 6 item 4): grammar-aware and raw filters, PATCH
 * paths and bodies, User/Group/Search/Bulk bodies, against a real `scimd serve` over HTTP. The
 * generators and properties live in test/fuzz/ and are shared with `npm run fuzz`, which runs
 * the same suite at ≥ 10,000 cases with a random seed (`npm run fuzz -- --seed N` replays one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFuzzServer, type FuzzServer } from './fuzz/server.ts';
import { assertAlive, createFixture, PROPERTIES, runProperty, runsOf, type FuzzContext } from './fuzz/suite.ts';

const SEED = 7644;
/** A few hundred cases in all, shared by weight. */
const CASES = 600;

describe('fuzz: no 5xx, SCIM error bodies, answers within 1 s, failed writes change nothing (fixed seed)', () => {
  let server: FuzzServer;
  let ctx: FuzzContext;

  before(async () => {
    server = await startFuzzServer();
    ctx = { target: server.target, fixture: await createFixture(server.target) };
  });
  after(() => server?.dispose());

  PROPERTIES.forEach((p, i) => {
    it(p.name, async (t) => {
      t.diagnostic(`${runsOf(p, CASES)} cases: ${await runProperty(ctx, i, { seed: SEED, cases: CASES })}`);
    });
  });

  it('the server logged no error and exits cleanly', async () => {
    await assertAlive(ctx.target);
    assert.deepEqual(server.problems(), []);
    await server.stop();
  });
});
