/**
 * The per-tenant and per-client settings scimd knows, with their values and defaults. Settings
 * are stored as strings; `scimd tenant set` and `scimd client set` validate against these.
 */
import { normaliserByName } from '../../scim/quirks/index.ts';
import { IDP_PROFILES } from '../../scim/quirks/types.ts';
import { parseDuration } from './duration.ts';

export interface SettingSpec {
  readonly key: string;
  /** The values it takes; empty for a duration. */
  readonly values: readonly string[];
  readonly fallback: string;
  readonly doc: string;
  /** Where the setting comes from (the product that asked for it, or an issue). */
  readonly source: string;
}

export const TENANT_SETTINGS: readonly SettingSpec[] = [
  {
    key: 'userName.policy',
    values: ['rfc', 'handle'],
    fallback: 'rfc',
    doc: 'rfc: any non-empty userName; handle: a Wire handle, 2 to 256 characters of a-z, 0-9, _ . and -, no capitals (anything else, non-ASCII included, is refused)',
    source: 'Wire (handles)',
  },
  {
    key: 'userName.scope',
    values: ['tenant', 'global'],
    fallback: 'tenant',
    doc: 'where userName is unique (without regard to case). tenant: in the tenant; global: across all tenants (a global tenant cannot take a userName any other tenant holds, and no tenant can take one a global tenant holds)',
    source: 'Wire (unique across the entire Wire Cloud)',
  },
  {
    key: 'displayName.policy',
    values: ['rfc', 'wire'],
    fallback: 'rfc',
    doc: 'rfc: optional; wire: required, 1–128 Unicode code points after NFC normalisation',
    source: 'Wire (display names)',
  },
  {
    key: 'externalId.mode',
    values: ['any', 'samlNameId', 'email'],
    fallback: 'any',
    doc: "any: optional; samlNameId: required, the SAML NameID, unique in the tenant; email: required, the user's email address, and new users are invited by mail and stay active: false until they accept",
    source: 'Wire (externalId)',
  },
  {
    key: 'emails.validate',
    values: ['true', 'false'],
    fallback: 'false',
    doc: 'when the NameID (or primary email) is an address, mail a validation link; emailVerified stays false until it is followed',
    source: "Wire (validateSAMLemails)",
  },
  {
    key: 'invitation.ttl',
    values: [],
    fallback: '7d',
    doc: 'how long invitation and validation links work: a duration from 1m to 365d (30m, 48h, 7d …)',
    source: 'Wire',
  },
  {
    key: 'deprovision.delete',
    values: ['hard', 'tombstone'],
    fallback: 'hard',
    doc: 'hard: DELETE removes the user; tombstone: it is kept aside (hidden, userName free again), restorable with scimd user restore',
    source: 'SuperOffice (de-allocates licences on deprovisioning)',
  },
  {
    key: 'passwords',
    values: ['discard', 'hash'],
    fallback: 'discard',
    doc: 'discard: passwords from the IdP are never stored; hash: kept as scrypt hashes for host apps that check passwords through scimd',
    source: 'issue: tenant policies',
  },
  {
    key: 'scim.enabled',
    values: ['true', 'false'],
    fallback: 'true',
    doc: 'false: every SCIM request of the tenant gets 403 saying SCIM is disabled; data is kept',
    source: 'Appsemble (Enable SCIM)',
  },
  {
    key: 'identity.match',
    values: ['reject', 'adopt'],
    fallback: 'reject',
    doc: 'a POST that meets an existing resource: reject (409 uniqueness, RFC 7644) or adopt (link it: users by externalId, verified email, then userName; groups by externalId, then displayName)',
    source: 'issue: real identity providers',
  },
  {
    key: 'groups.displayName.unique',
    values: ['true', 'false'],
    fallback: 'true',
    doc: 'true: no two groups of the tenant share a displayName, without regard to case (409 uniqueness on POST, PUT and PATCH); false: duplicates are allowed, for apps that have them',
    source: 'issue 10 (authentik links groups by the 409, Entra expects it)',
  },
  {
    key: 'events.state',
    values: ['full', 'none'],
    fallback: 'full',
    doc: "full: each user and group event carries the resource as it is after the change (a group's without its members, which have their own events); none: events name the resource and what changed only",
    source: 'issue: events and webhooks (Wire invites, SuperOffice de-allocates, Appsemble adds members from an event)',
  },
];

/** Client settings besides `idp` and `normaliser.<name>`, which are checked on their own. */
export const CLIENT_SETTINGS: readonly SettingSpec[] = [
  {
    key: 'name.formattedIncluded',
    values: ['true', 'false'],
    fallback: 'true',
    doc: 'false: this IdP never sends name.formatted (Okta), so scimd derives it from the name parts or displayName',
    source: "Zulip (name_formatted_included)",
  },
  {
    key: 'groupPatchResponse',
    values: ['auto', 'full', 'none'],
    fallback: 'auto',
    doc: 'what a PATCH on a group answers: auto: 200 with the group while it has at most 1,000 members, else 204 (a one-member change on a huge group never renders it); full: always 200 with the group; none: always 204',
    source: 'issue 10 (validators and IdPs that read the PATCH body)',
  },
];

export class SettingError extends Error {}

/** Bounds of duration settings: a link that dies in seconds, or lives for years, is a mistake. */
const DURATION_MIN_MS = 60_000;
const DURATION_MAX_MS = 365 * 86_400_000;

export function checkTenantSetting(key: string, value: string): void {
  const spec = TENANT_SETTINGS.find((s) => s.key === key);
  if (!spec) throw new SettingError(`Unknown tenant setting '${key}'. Known: ${TENANT_SETTINGS.map((s) => s.key).join(', ')}`);
  if (spec.values.length === 0) {
    const ms = parseDuration(value);
    if (ms === undefined || ms < DURATION_MIN_MS || ms > DURATION_MAX_MS) throw new SettingError(`'${key}' takes a duration from 1m to 365d such as 30m, 48h or 7d, not '${value}'`);
    return;
  }
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
  if (key === 'rateLimit' || key === 'rateLimit.burst') return checkRateLimitSetting(key, value);
  const spec = CLIENT_SETTINGS.find((s) => s.key === key);
  if (!spec) throw new SettingError(`Unknown client setting '${key}'. Known: idp, normaliser.<name>, rateLimit, rateLimit.burst${CLIENT_SETTINGS.map((s) => `, ${s.key}`).join('')}`);
  if (!spec.values.includes(value) && value !== 'default') throw new SettingError(`'${key}' takes ${spec.values.join(' or ')}, not '${value}'`);
}

/**
 * `rateLimit`: requests per second this client may send (or `off`), overriding --rate-limit;
 * `rateLimit.burst`: how many it may send at once after a quiet spell (default twice its rate).
 */
function checkRateLimitSetting(key: 'rateLimit' | 'rateLimit.burst', value: string): void {
  if (value === 'default' || (key === 'rateLimit' && value === 'off')) return;
  const max = key === 'rateLimit' ? 100_000 : 1_000_000;
  const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= max)) {
    throw new SettingError(key === 'rateLimit' ? `'rateLimit' takes requests per second from 1 to ${max}, off or default, not '${value}'` : `'rateLimit.burst' takes a number of requests from 1 to ${max} or default, not '${value}'`);
  }
}
