/**
 * `npm run fuzz`: the fuzz suite of test/fuzz.test.ts at full size against a fresh scimd.
 *
 *   npm run fuzz                        10,000 cases, a random seed (printed first)
 *   npm run fuzz -- --seed 123          replay that seed (with the same --cases)
 *   npm run fuzz -- --cases 50000       more cases
 *   npm run fuzz -- --only PATCH        only the properties whose name contains PATCH
 *   npm run fuzz -- --explain           also the most frequent answers of each property
 */
import { parseArgs } from 'node:util';
import { startFuzzServer } from './server.ts';
import { outcomesText } from './exchange.ts';
import { createFixture, PROPERTIES, runProperty, runsOf } from './suite.ts';

const { values } = parseArgs({ options: { seed: { type: 'string' }, cases: { type: 'string' }, only: { type: 'string' }, explain: { type: 'boolean' } } });
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const cases = values.cases === undefined ? 10_000 : Number(values.cases);
if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(cases) || cases < 1) {
  console.error('usage: npm run fuzz -- [--seed N] [--cases N] [--only TEXT]');
  process.exit(2);
}
const replay = `npm run fuzz -- --seed ${seed} --cases ${cases}${values.only ? ` --only ${JSON.stringify(values.only)}` : ''}`;
console.log(`fuzz: seed ${seed}, ${cases} cases (replay: ${replay})`);

/** The failure and its cause (fast-check puts the property's own error there). */
const describe = (e: unknown): string => (e instanceof Error ? `${e.message}${e.cause ? `\ncause: ${describe(e.cause)}` : ''}` : String(e));
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters)` : s);

const server = await startFuzzServer();
let failed = false;
try {
  const ctx = { target: server.target, fixture: await createFixture(server.target) };
  for (const [i, p] of PROPERTIES.entries()) {
    if (values.only && !p.name.includes(values.only)) continue;
    const started = Date.now();
    try {
      const summary = await runProperty(ctx, i, { seed, cases });
      console.log(`ok    ${runsOf(p, cases).toString().padStart(6)} cases  ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${p.name}\n      ${summary}`);
      if (values.explain) console.log(`${outcomesText()}\n`);
    } catch (e) {
      failed = true;
      // The cause (the broken property) first: fast-check's message holds the counterexample, which can be long.
      const cause = e instanceof Error && e.cause ? `cause: ${clip(describe(e.cause), 2000)}\n` : '';
      console.log(`FAIL  ${runsOf(p, cases).toString().padStart(6)} cases  ${p.name}\n${cause}${clip(describe(e), 4000)}\n`);
    }
  }
  const problems = server.problems();
  if (problems.length) {
    failed = true;
    console.log(`FAIL  the server logged errors:\n${problems.slice(0, 10).map((l) => clip(l, 800)).join('\n')}`);
  }
} finally {
  await server.stop().catch((e: unknown) => {
    failed = true;
    console.log(`FAIL  ${e instanceof Error ? e.message : String(e)}`);
  });
}
console.log(failed ? `fuzz: FAILED (replay: ${replay})` : `fuzz: all properties hold (seed ${seed})`);
process.exit(failed ? 1 : 0);
