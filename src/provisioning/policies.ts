/**
 * Tenant policies from the seeds (shared/seeds): what a product demands of the users an IdP
 * provisions. Each rejection is a 400 invalidValue whose detail names the rule broken.
 */
import { invalidValue } from '../scim/errors.ts';
import { isObject, type Json } from '../scim/schema/validate.ts';
import type { Settings } from '../store/types.ts';

/** Wire handles (seed 000): a-z, 0-9, '_', '.', '-'; no capitals. Wire allows 2 to 256 characters. */
export const HANDLE = /^[a-z0-9_.-]{2,256}$/;
export const DISPLAY_NAME_MAX = 128;

const EMAIL = /^[^\s@"(),:;<>[\]\\]+@[^\s@"(),:;<>[\]\\]+\.[^\s@"(),:;<>[\]\\]+$/;

export function isEmailAddress(s: string): boolean {
  return s.length <= 320 && EMAIL.test(s);
}

export function setting(settings: Settings | undefined, key: string, fallback: string): string {
  return settings?.[key] ?? fallback;
}

/** Checks and normalises a User about to be stored (create, replace or the result of a patch). */
export function applyUserPolicies(data: Json, tenant: Settings | undefined, client: Settings | undefined): void {
  const userName = data.userName;
  if (setting(tenant, 'userName.policy', 'rfc') === 'handle' && typeof userName === 'string' && !HANDLE.test(userName)) {
    throw invalidValue(
      `userName '${userName}' breaks this tenant's handle rule (userName.policy = handle): 2 to 256 characters of a-z, 0-9, '_', '.' and '-', no capitals`,
    );
  }
  if (setting(tenant, 'displayName.policy', 'rfc') === 'wire') {
    const dn = data.displayName;
    if (typeof dn !== 'string') throw invalidValue("displayName is required (displayName.policy = wire)");
    const normalized = dn.normalize('NFC');
    const length = [...normalized].length;
    if (length < 1 || length > DISPLAY_NAME_MAX) {
      throw invalidValue(`displayName has ${length} characters; this tenant allows 1 to ${DISPLAY_NAME_MAX} (displayName.policy = wire, counted in Unicode code points after NFC)`);
    }
    data.displayName = normalized;
  }
  const mode = setting(tenant, 'externalId.mode', 'any');
  if (mode !== 'any') {
    const ext = data.externalId;
    if (typeof ext !== 'string') throw invalidValue(`externalId is required (externalId.mode = ${mode}: ${mode === 'email' ? "the user's email address" : 'the SAML NameID'})`);
    if (mode === 'email' && !isEmailAddress(ext)) throw invalidValue(`externalId '${ext}' is not an email address (externalId.mode = email)`);
  }
  if (setting(client, 'name.formattedIncluded', 'true') === 'false') deriveFormattedName(data);
}

/**
 * Zulip's `name_formatted_included: False` (seed 002), Okta's behaviour: the IdP never sends
 * name.formatted, so it is derived from the parts (or displayName) when absent.
 */
export function deriveFormattedName(data: Json): void {
  const name = isObject(data.name) ? data.name : undefined;
  if (name && typeof name.formatted === 'string') return;
  const parts = name ? ['honorificPrefix', 'givenName', 'middleName', 'familyName', 'honorificSuffix'].map((k) => name[k]).filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
  const formatted = parts.length ? parts.join(' ') : typeof data.displayName === 'string' ? data.displayName : undefined;
  if (formatted === undefined) return;
  data.name = { ...(name ?? {}), formatted };
}
