/**
 * A backstop against deeply nested JSON bodies. JSON.parse takes any depth, but code that walks
 * a body recursively (the normalisers' structuredClone, schema validation, the request log's
 * redaction) overflows the stack on a body like `[[[[…]]]]` and would answer 500. Such a body is
 * refused with 400 invalidSyntax (RFC 7644 §3.12) before any handler runs; no legitimate SCIM
 * message comes close (a User nests four levels deep).
 */
import type { FastifyInstance } from 'fastify';
import { invalidSyntax } from '../scim/errors.ts';

export const MAX_JSON_DEPTH = 32;

/** True when `value` nests arrays and objects deeper than `max` levels. Iterative: any depth is safe. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

export function registerJsonDepthCheck(app: FastifyInstance, max = MAX_JSON_DEPTH): void {
  app.addHook('preValidation', async (request) => {
    if (request.body === null || typeof request.body !== 'object' || !nestedDeeperThan(request.body, max)) return;
    // Not kept for the request log either, whose redaction walks the body recursively.
    request.body = undefined;
    throw invalidSyntax(`The request body nests arrays and objects deeper than ${max} levels`);
  });
}
