/**
 * Tenant policies: what a product (Wire, Zulip, SuperOffice, Appsemble) demands of the users an IdP
 * provisions. Each rejection is a 400 invalidValue whose detail names the rule broken.
 */
import { invalidValue } from '../../scim/errors.ts';
import { isObject, type Json } from '../../scim/schema/validate.ts';
import type { Settings } from '../../store/types.ts';

/**
 * Wire handles (Wire): "the characters a-z0-9_.- (no capital letters)". The length bounds are
 * Wire's own (its backend accepts 2 to 256 characters); all of them are ASCII, so characters,
 * code points and UTF-16 units are one and the same here.
 */
export const HANDLE_MIN = 2;
export const HANDLE_MAX = 256;
const HANDLE_CHAR = /^[a-z0-9_.-]$/;
const HANDLE_RULE = `${HANDLE_MIN} to ${HANDLE_MAX} characters of a-z, 0-9, '_', '.' and '-', no capitals`;

/** Wire display names (Wire): "1-128 unicode characters", counted as code points after NFC. */
export const DISPLAY_NAME_MAX = 128;

/** At most this much of a client's value is echoed in an error detail. */
const ECHO_MAX = 64;

/** A value quoted for an error detail, cut to ECHO_MAX code points (an 8,192-character userName is not echoed back whole). */
export function quoted(s: string): string {
  const points = [...s];
  return points.length <= ECHO_MAX ? `'${s}'` : `'${points.slice(0, ECHO_MAX).join('')}…' (${points.length} characters)`;
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `userName` is not a Wire handle, or undefined when it is one. */
export function handleProblem(userName: string): string | undefined {
  const points = [...userName];
  if (points.length < HANDLE_MIN) return `it has ${points.length} character${points.length === 1 ? '' : 's'}; a handle has at least ${HANDLE_MIN}`;
  if (points.length > HANDLE_MAX) return `it has ${points.length} characters; a handle has at most ${HANDLE_MAX}`;
  const bad = points.find((c) => !HANDLE_CHAR.test(c));
  if (bad === undefined) return undefined;
  if (/^[A-Z]$/.test(bad)) return `it contains the capital letter '${bad}'`;
  if (/^\s$/u.test(bad)) return `it contains white space (${codePoint(bad)})`;
  return `it contains '${bad}' (${codePoint(bad)})`;
}

// An address as RFC 5321 §4.1.2 and RFC 6531 (internationalised mail) allow it in practice: a
// dot-atom local part and a domain of at least two dot-separated labels. Quoted local parts and
// address literals ([192.0.2.1]) are not accepted: no IdP sends them as a user's address.
const LOCAL = /^[^\s@"(),:;<>[\]\\.]+(?:\.[^\s@"(),:;<>[\]\\.]+)*$/u;
const LABEL = /^(?!-)[^\s@"(),:;<>[\]\\._]{1,63}(?<!-)$/u;

export function isEmailAddress(s: string): boolean {
  if (s.length > 320) return false;
  const at = s.lastIndexOf('@');
  if (at < 1) return false;
  const local = s.slice(0, at);
  const labels = s.slice(at + 1).split('.');
  return local.length <= 64 && LOCAL.test(local) && labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels.at(-1)!);
}

export function setting(settings: Settings | undefined, key: string, fallback: string): string {
  return settings?.[key] ?? fallback;
}

/**
 * Checks and normalises a User about to be stored (create, replace or the result of a patch).
 * `previous` is the stored document on a replace or patch.
 */
export function applyUserPolicies(data: Json, tenant: Settings | undefined, client: Settings | undefined, previous?: Json): void {
  const userName = data.userName;
  if (setting(tenant, 'userName.policy', 'rfc') === 'handle' && typeof userName === 'string') {
    const why = handleProblem(userName);
    if (why) throw invalidValue(`userName ${quoted(userName)} is not a valid handle (userName.policy = handle: ${HANDLE_RULE}): ${why}`);
  }
  if (setting(tenant, 'displayName.policy', 'rfc') === 'wire') {
    const dn = data.displayName;
    const rule = `displayName.policy = wire: 1 to ${DISPLAY_NAME_MAX} Unicode characters, counted in code points after NFC normalisation`;
    if (typeof dn !== 'string') throw invalidValue(`displayName is required (${rule})`);
    const normalized = dn.normalize('NFC');
    const length = [...normalized].length;
    if (length > DISPLAY_NAME_MAX) throw invalidValue(`displayName has ${length} characters (${rule})`);
    // The core already refuses blank required strings (a userName of spaces); a required
    // displayName of only white space says nothing either.
    if (normalized.trim() === '') throw invalidValue(`displayName must not be blank (${rule})`);
    data.displayName = normalized;
  }
  const mode = setting(tenant, 'externalId.mode', 'any');
  if (mode !== 'any') {
    const ext = data.externalId;
    if (typeof ext !== 'string') throw invalidValue(`externalId is required (externalId.mode = ${mode}: ${mode === 'email' ? "the user's email address" : 'the SAML NameID'})`);
    if (mode === 'email' && !isEmailAddress(ext)) throw invalidValue(`externalId ${quoted(ext)} is not an email address (externalId.mode = email: the user's email address)`);
  }
  if (setting(client, 'name.formattedIncluded', 'true') === 'false') deriveFormattedName(data, previous);
}

const NAME_PARTS = ['honorificPrefix', 'givenName', 'middleName', 'familyName', 'honorificSuffix'] as const;

/** name.formatted as scimd derives it: the name parts in order, else the displayName. */
export function derivedFormattedName(data: Json): string | undefined {
  const name = isObject(data.name) ? data.name : {};
  const parts = NAME_PARTS.map((k) => name[k]).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  if (parts.length) return parts.join(' ');
  return typeof data.displayName === 'string' ? data.displayName : undefined;
}

/**
 * Zulip's `name_formatted_included: False` (Zulip), Okta's behaviour: the IdP never sends
 * name.formatted, so scimd derives it. A value the IdP sent is kept. A value scimd derived earlier
 * (the stored formatted equals what the stored parts give) follows the parts when a PATCH or PUT
 * changes them, so it never goes stale.
 */
export function deriveFormattedName(data: Json, previous?: Json): void {
  const name = isObject(data.name) ? data.name : undefined;
  const current = name && typeof name.formatted === 'string' ? name.formatted : undefined;
  if (current !== undefined) {
    const before = previous && isObject(previous.name) && typeof previous.name.formatted === 'string' ? previous.name.formatted : undefined;
    const wasDerived = before !== undefined && before === current && before === derivedFormattedName(previous!);
    if (!wasDerived) return;
  }
  const formatted = derivedFormattedName(data);
  if (formatted === undefined) {
    if (name && current !== undefined) {
      const { formatted: _stale, ...rest } = name;
      if (Object.keys(rest).length) data.name = rest;
      else delete data.name;
    }
    return;
  }
  data.name = { ...(name ?? {}), formatted };
}
