/**
 * Wire's rich-info profile (Wire): `urn:wire:scim:schemas:profile:1.0` with `richInfo`, an
 * ordered list of `{type, value}` string fields. Wire caps the whole of it at 5000 characters.
 */
import { attr } from './define.ts';
import type { SchemaDef } from './types.ts';

export const WIRE_PROFILE_URN = 'urn:wire:scim:schemas:profile:1.0';
export const WIRE_RICH_INFO_LIMIT = 5000;

export const WIRE_PROFILE_SCHEMA: SchemaDef = {
  id: WIRE_PROFILE_URN,
  name: 'WireProfile',
  description: "Wire's rich profile: arbitrary profile fields shown in the user's profile, in order.",
  attributes: [
    attr('richInfo', 'complex', `Ordered profile fields. All field names and values together may not exceed ${WIRE_RICH_INFO_LIMIT} characters.`, {
      multiValued: true,
      subAttributes: [
        attr('type', 'string', 'The field name, e.g. "Department".', { required: true }),
        attr('value', 'string', 'The field value.', { required: true }),
      ],
    }),
  ],
  check(value) {
    const fields = Array.isArray(value.richInfo) ? (value.richInfo as { type?: unknown; value?: unknown }[]) : [];
    const total = fields.reduce((n, f) => n + [...String(f.type ?? '')].length + [...String(f.value ?? '')].length, 0);
    return total > WIRE_RICH_INFO_LIMIT ? `richInfo holds ${total} characters; Wire's limit is ${WIRE_RICH_INFO_LIMIT}` : undefined;
  },
};

/** Extension schemas scimd ships, which a tenant enables by URN. */
export const BUILTIN_EXTENSIONS: ReadonlyMap<string, { readonly schema: SchemaDef; readonly resourceType: 'User' | 'Group' }> = new Map([
  [WIRE_PROFILE_URN, { schema: WIRE_PROFILE_SCHEMA, resourceType: 'User' as const }],
]);
