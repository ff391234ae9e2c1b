import type { Json } from '../schema/validate.ts';
import type { Normaliser } from './types.ts';
import { getKey, isObject, keyOf, operations, withOperations } from './util.ts';

/**
 * IDP-QUIRKS 6: Entra (both modes), authentik and JumpCloud remove members with
 * `{"op":"remove","path":"members","value":[{"value":"id","$ref":null}]}`. Read literally the RFC
 * would empty the group; the core refuses it. This turns it into removing exactly those members:
 * `members[value eq "a" or value eq "b"]`, one such operation per run of values whose path stays
 * within PATH_BUDGET characters, so a long list never breaks the path-length limit (which guards
 * against hostile paths, not against this rewrite of a bounded member list).
 */
export const PATH_BUDGET = 2048;

/** The value filters of `members[…]` paths that together name every id, each path at most PATH_BUDGET long. */
export function memberFilters(ids: readonly string[]): string[] {
  const filters: string[] = [];
  let terms: string[] = [];
  let length = 0;
  for (const id of ids) {
    const term = `value eq ${JSON.stringify(id)}`;
    if (terms.length > 0 && length + term.length + 4 > PATH_BUDGET - 'members[]'.length) {
      filters.push(terms.join(' or '));
      terms = [];
      length = 0;
    }
    length += term.length + (terms.length > 0 ? 4 : 0);
    terms.push(term);
  }
  if (terms.length > 0) filters.push(terms.join(' or '));
  return filters;
}

export const membersRemoveByValueList: Normaliser = {
  name: 'membersRemoveByValueList',
  quirks: [6],
  profiles: 'all',
  summary: 'remove "members" with a list of values removes just those members',
  patch(body, ctx) {
    if (ctx.schema.name !== 'Group') return body;
    return withOperations(
      body,
      operations(body).flatMap((op): Json[] => {
        const kind = getKey(op, 'op');
        const path = getKey(op, 'path');
        const vk = keyOf(op, 'value');
        if (typeof kind !== 'string' || kind.toLowerCase() !== 'remove' || typeof path !== 'string' || path.trim().toLowerCase() !== 'members' || vk === undefined) return [op];
        const raw = op[vk];
        const items = Array.isArray(raw) ? raw : [raw];
        const ids = items.map((m) => (isObject(m) ? getKey(m, 'value') : undefined));
        if (ids.length === 0 || !ids.every((id): id is string => typeof id === 'string' && id !== '')) return [op];
        const filters = memberFilters(ids);
        ctx.note(
          filters.length === 1
            ? `remove "members" with ${ids.length} value(s) read as path members[${filters[0]}]`
            : `remove "members" with ${ids.length} value(s) read as ${filters.length} removes of members[value eq … or …]`,
        );
        const { [vk]: _dropped, ...rest } = op;
        // Under the client's own key: a second "path" key beside "Path" would leave the bare "members" in force.
        const pathKey = keyOf(op, 'path')!;
        return filters.map((filter) => ({ ...rest, [pathKey]: `members[${filter}]` }));
      }),
    );
  },
};
