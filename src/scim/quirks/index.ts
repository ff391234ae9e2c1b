/** Every normaliser, in the order they run. Order matters where one prepares another's input. */
import { addCreatesFilteredElement } from './add-creates-filtered-element.ts';
import { booleanStrings } from './boolean-strings.ts';
import { managerAsString } from './manager-as-string.ts';
import { memberClaimsFromMember } from './member-claims-from-member.ts';
import { membersRemoveByValueList } from './members-remove-by-value-list.ts';
import { objectForArray } from './object-for-array.ts';
import { opCase } from './op-case.ts';
import { patchOpSchemasMissing } from './patch-op-schemas-missing.ts';
import { patchValueIgnoresId } from './patch-value-ignores-id.ts';
import { pathKeyedAttributes } from './path-keyed-attributes.ts';
import { pathKeyedReplace } from './path-keyed-replace.ts';
import { rolesJsonString } from './roles-json-string.ts';
import { extensionUrnNotListed, malformedEnterpriseUrn, resourceSchemasMissing, unknownSchemaUrns } from './schema-urns.ts';
import { valuelessElements } from './valueless-elements.ts';
import type { IdpProfile, Normaliser } from './types.ts';
import { unquotedFilterValues } from './unquoted-filter-values.ts';
import { userGroupsMembership } from './user-groups-membership.ts';
import { valuePathSubFilter } from './value-path-sub-filter.ts';

export const NORMALISERS: readonly Normaliser[] = [
  // Spelling first: later normalisers read ops, paths and URNs in their RFC form.
  patchOpSchemasMissing,
  opCase,
  malformedEnterpriseUrn,
  pathKeyedReplace,
  // Before the normalisers that read attributes by name (manager, booleans, extension URNs).
  pathKeyedAttributes,
  patchValueIgnoresId,
  managerAsString,
  rolesJsonString,
  objectForArray,
  valuelessElements,
  booleanStrings,
  resourceSchemasMissing,
  unknownSchemaUrns,
  extensionUrnNotListed,
  membersRemoveByValueList,
  memberClaimsFromMember,
  addCreatesFilteredElement,
  unquotedFilterValues,
  valuePathSubFilter,
  userGroupsMembership,
];

export function normaliserByName(name: string): Normaliser | undefined {
  return NORMALISERS.find((n) => n.name.toLowerCase() === name.toLowerCase());
}

/**
 * Whether a normaliser is on for a profile before any per-client setting: none for `strict`; the
 * `all` ones for every other profile (so a detected IdP profile keeps everything the tolerant
 * default had on and only adds); a listed one for its profiles.
 */
export function onByDefault(n: Normaliser, profile: IdpProfile): boolean {
  if (profile === 'strict') return false;
  return n.profiles === 'all' || n.profiles.includes(profile);
}

const NO_SETTINGS: Readonly<Record<string, string>> = Object.freeze({});
/** Per settings object (a client's, reused while it is cached) and profile: computed once. */
const chosen = new WeakMap<object, Map<IdpProfile, readonly Normaliser[]>>();

/**
 * The normalisers for a client: its profile's defaults, then its own `normaliser.<name>` settings
 * ("on"/"off"), which win.
 */
export function normalisersFor(profile: IdpProfile, settings: Readonly<Record<string, string>> = NO_SETTINGS): readonly Normaliser[] {
  let byProfile = chosen.get(settings);
  const hit = byProfile?.get(profile);
  if (hit) return hit;
  const list = NORMALISERS.filter((n) => {
    const override = settings[`normaliser.${n.name}`];
    if (override === 'on') return true;
    if (override === 'off') return false;
    return onByDefault(n, profile);
  });
  if (!byProfile) chosen.set(settings, (byProfile = new Map()));
  byProfile.set(profile, list);
  return list;
}
