/** The event types an endpoint may ask for (docs/events.md), and whether an event is one it asked for. */

import { EVENT_TYPES } from '../resources/changes.ts';

export { EVENT_TYPES };

/** The type of the ping `scimd webhook test` sends (never from the event log). */
export const TEST_EVENT_TYPE = 'webhook.test';

/**
 * Checks and tidies a list of wanted types: known types, `user.*` / `group.*` for all of a kind,
 * `*` (or an empty list) for every type. Answers the list stored (empty: every type), or throws a
 * message naming the unknown type.
 */
export function normaliseTypes(types: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of types) {
    const t = raw.trim();
    if (t === '') continue;
    if (t === '*') return [];
    if (!(EVENT_TYPES as readonly string[]).includes(t) && t !== 'user.*' && t !== 'group.*') {
      throw new TypeError(`unknown event type '${t.slice(0, 100)}': expected one of ${EVENT_TYPES.join(', ')}, user.*, group.* or *`);
    }
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** Whether an endpoint that wants `types` (empty: every type) gets an event of type `type`. */
export function wants(types: readonly string[], type: string): boolean {
  if (types.length === 0) return true;
  return types.some((t) => t === type || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))));
}
