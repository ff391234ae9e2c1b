import type { Normaliser } from './types.ts';
import { keyOf, operations, withOperations } from './util.ts';

/** IDP-QUIRKS 3: Entra sends `Add`/`Replace`/`Remove` in its default mode; RFC 7644 §3.5.2 spells them in lower case. */
export const opCase: Normaliser = {
  name: 'opCase',
  quirks: [3],
  profiles: 'all',
  summary: 'PATCH op compared without regard to case ("Replace" → "replace")',
  patch(body, ctx) {
    return withOperations(
      body,
      operations(body).map((op) => {
        const k = keyOf(op, 'op');
        const v = k === undefined ? undefined : op[k];
        if (typeof v !== 'string') return op;
        const lower = v.toLowerCase();
        if (lower === v || !['add', 'remove', 'replace'].includes(lower)) return op;
        ctx.note(`op '${v}' read as '${lower}'`);
        return { ...op, [k!]: lower };
      }),
    );
  },
};
