import type { Normaliser } from './types.ts';
import { getKey, isObject, keyOf, operations, withOperations } from './util.ts';

/**
 * IDP-QUIRKS 6: Entra (both modes), authentik and JumpCloud remove members with
 * `{"op":"remove","path":"members","value":[{"value":"id","$ref":null}]}`. Read literally the RFC
 * would empty the group; the core refuses it. This turns it into removing exactly those members:
 * `members[value eq "a" or value eq "b"]`.
 */
export const membersRemoveByValueList: Normaliser = {
  name: 'membersRemoveByValueList',
  quirks: [6],
  profiles: 'all',
  summary: 'remove "members" with a list of values removes just those members',
  patch(body, ctx) {
    if (ctx.schema.name !== 'Group') return body;
    return withOperations(
      body,
      operations(body).map((op) => {
        const kind = getKey(op, 'op');
        const path = getKey(op, 'path');
        const vk = keyOf(op, 'value');
        if (typeof kind !== 'string' || kind.toLowerCase() !== 'remove' || typeof path !== 'string' || path.trim().toLowerCase() !== 'members' || vk === undefined) return op;
        const raw = op[vk];
        const items = Array.isArray(raw) ? raw : [raw];
        const ids = items.map((m) => (isObject(m) ? getKey(m, 'value') : undefined));
        if (ids.length === 0 || !ids.every((id): id is string => typeof id === 'string' && id !== '')) return op;
        const filter = ids.map((id) => `value eq ${JSON.stringify(id)}`).join(' or ');
        ctx.note(`remove "members" with ${ids.length} value(s) read as path members[${filter}]`);
        const { [vk]: _dropped, ...rest } = op;
        // Under the client's own key: a second "path" key beside "Path" would leave the bare "members" in force.
        return { ...rest, [keyOf(op, 'path')!]: `members[${filter}]` };
      }),
    );
  },
};
