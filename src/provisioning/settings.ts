/**
 * The per-tenant and per-client settings scimd knows, with their values and defaults. Settings
 * are stored as strings; `scimd tenant set` and `scimd client set` validate against these.
 */
import { normaliserByName } from '../scim/quirks/index.ts';
import { IDP_PROFILES } from '../scim/quirks/types.ts';

export interface SettingSpec {
  readonly key: string;
  readonly values: readonly string[];
  readonly fallback: string;
  readonly doc: string;
}

export const TENANT_SETTINGS: readonly SettingSpec[] = [
  {
    key: 'identity.match',
    values: ['reject', 'adopt'],
    fallback: 'reject',
    doc: 'a POST that meets an existing resource: reject (409 uniqueness, RFC 7644) or adopt (link it: users by externalId, verified email, then userName; groups by externalId, then displayName)',
  },
];

/** Client settings besides `idp` and `normaliser.<name>`, which are checked on their own. */
export const CLIENT_SETTINGS: readonly SettingSpec[] = [];

export class SettingError extends Error {}

export function checkTenantSetting(key: string, value: string): void {
  const spec = TENANT_SETTINGS.find((s) => s.key === key);
  if (!spec) throw new SettingError(`Unknown tenant setting '${key}'. Known: ${TENANT_SETTINGS.map((s) => s.key).join(', ')}`);
  if (!spec.values.includes(value)) throw new SettingError(`'${key}' takes ${spec.values.join(' or ')}, not '${value}'`);
}

/** Validates a client setting; `default` (or `auto` for idp) means "remove the setting". */
export function checkClientSetting(key: string, value: string): void {
  if (key === 'idp') {
    if (value !== 'auto' && !(IDP_PROFILES as readonly string[]).includes(value)) throw new SettingError(`'idp' takes auto or one of ${IDP_PROFILES.join(', ')}, not '${value}'`);
    return;
  }
  const m = /^normaliser\.(.+)$/.exec(key);
  if (m) {
    if (!normaliserByName(m[1]!)) throw new SettingError(`Unknown normaliser '${m[1]}' (see scimd normaliser list)`);
    if (!['on', 'off', 'default'].includes(value)) throw new SettingError(`'${key}' takes on, off or default, not '${value}'`);
    return;
  }
  const spec = CLIENT_SETTINGS.find((s) => s.key === key);
  if (!spec) throw new SettingError(`Unknown client setting '${key}'. Known: idp, normaliser.<name>${CLIENT_SETTINGS.map((s) => `, ${s.key}`).join('')}`);
  if (!spec.values.includes(value) && value !== 'default') throw new SettingError(`'${key}' takes ${spec.values.join(' or ')}, not '${value}'`);
}
