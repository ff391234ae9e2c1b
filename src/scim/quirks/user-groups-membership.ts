import type { Normaliser } from './types.ts';
import { isObject, keyOf } from './util.ts';

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
    const ids = groups
      .filter((g) => isObject(g) && typeof g.value === 'string' && (typeof g.type !== 'string' || g.type.toLowerCase() !== 'indirect'))
      .map((g) => (g as { value: string }).value);
    const mode = ctx.resourceId === undefined ? 'add' : 'set';
    ctx.followUp({ kind: 'userGroups', mode, groupIds: ids });
    ctx.note(`"groups" read as ${mode === 'set' ? 'the direct memberships' : 'memberships to add'}: ${ids.length} group(s)`);
    return body;
  },
};
