/**
 * Runs one IdP-quirk normaliser the way its unit tests do (src/scim/quirks/*.test.ts): on a
 * deep-frozen copy of the body, so a normaliser that writes to its input throws.
 */
import assert from 'node:assert/strict';
import type { QuirkContext, Normaliser } from '../../src/scim/quirks/types.ts';
import type { Json } from '../../src/scim/schema/validate.ts';
import { deepFreeze } from './freeze.ts';

/** `n.resource` or `n.patch` on a frozen copy of `body`; the copy must come back unchanged, and no follow-up is asked for. */
export function runNormaliser(n: Normaliser, kind: 'resource' | 'patch', body: Json, ctx: Omit<QuirkContext, 'note' | 'followUp'>): { out: Json; notes: string[] } {
  const notes: string[] = [];
  const input = deepFreeze(structuredClone(body));
  const out = n[kind]!(input, { ...ctx, note: (m) => notes.push(m), followUp: () => assert.fail(`${n.name}: no follow-up expected`) });
  assert.deepEqual(input, body, 'the input is untouched');
  return { out, notes };
}
