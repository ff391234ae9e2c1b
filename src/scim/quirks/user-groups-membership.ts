import type { Normaliser } from './types.ts';
import { getKey, isObject, keyOf } from './util.ts';

/**
 * IDP-QUIRKS 23: Okta apps built with the App Integration Wizard may send a user's memberships
 * in the User's `groups` (read-only in RFC 7643). With this normaliser a User POST adds the user
 * to those groups and a PUT makes them its direct memberships; indirect memberships that Okta
 * echoes back from a GET are skipped. It changes what a request means, so it is on for Okta only.
 */
export const userGroupsMembership: Normaliser = {
  name: 'userGroupsMembership',
  quirks: [23],
  profiles: ['okta'],
  summary: 'User "groups" in POST/PUT sets the user\'s direct group memberships',
  resource(body, ctx) {
    if (ctx.schema.name !== 'User') return body;
    const k = keyOf(body, 'groups');
    const groups = k === undefined ? undefined : body[k];
    if (!Array.isArray(groups)) return body;
    const ids: string[] = [];
    for (const g of groups) {
      if (!isObject(g)) continue;
      const value = getKey(g, 'value');
      const type = getKey(g, 'type');
      if (typeof value === 'string' && (typeof type !== 'string' || type.toLowerCase() !== 'indirect')) ids.push(value);
    }
    const mode = ctx.resourceId === undefined ? 'add' : 'set';
    ctx.followUp({ kind: 'userGroups', mode, groupIds: ids });
    ctx.note(`"groups" read as ${mode === 'set' ? 'the direct memberships' : 'memberships to add'}: ${ids.length} group(s)`);
    // Handled here: the core, which would note it as an ignored read-only attribute, never sees it.
    const { [k!]: _groups, ...rest } = body;
    return rest;
  },
};
