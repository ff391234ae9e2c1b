/**
 * Which SCIM attributes live in their own (indexed) columns of `resources`, shared by every SQL
 * adapter. Everything else is read from the JSON `data` column.
 */
import type { AttrRef } from '../../scim/schema/registry.ts';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import { fold } from '../../scim/values.ts';
import type { Json } from '../../scim/schema/validate.ts';

export interface ColumnSource {
  readonly column: string;
  /** Column holding fold(column), for caseExact=false comparisons through an index. */
  readonly folded?: string;
}

export function columnFor(ref: AttrRef, type: ResourceTypeName): ColumnSource | undefined {
  if (ref.extension || ref.attr.multiValued) return undefined;
  if (ref.schema === null) {
    if (ref.attr.name === 'id') return { column: 'r.id' };
    if (ref.attr.name === 'externalId') return { column: 'r.external_id' };
    if (ref.attr.name === 'meta' && ref.sub) {
      if (ref.sub.name === 'created') return { column: 'r.created' };
      if (ref.sub.name === 'lastModified') return { column: 'r.last_modified' };
      if (ref.sub.name === 'resourceType') return { column: 'r.type' };
    }
    return undefined;
  }
  if (ref.sub) return undefined;
  if (type === 'User' && ref.attr.name === 'userName') return { column: 'r.user_name', folded: 'r.user_name_fold' };
  if (ref.attr.name === 'displayName') return { column: 'r.display_name', folded: 'r.display_name_fold' };
  return undefined;
}

/** Multi-valued sub-attributes copied into `resource_values` for index lookups with `eq`. */
export const INDEXED_VALUES: ReadonlyMap<ResourceTypeName, readonly { attr: string; sub: string }[]> = new Map([
  ['User', [{ attr: 'emails', sub: 'value' }]],
  ['Group', []],
]);

/** Rows for `resource_values`: (attr path, folded value). */
export function indexedValues(type: ResourceTypeName, data: Json): { attr: string; value: string }[] {
  const out: { attr: string; value: string }[] = [];
  for (const { attr, sub } of INDEXED_VALUES.get(type) ?? []) {
    const items = data[attr];
    if (!Array.isArray(items)) continue;
    const seen = new Set<string>();
    for (const item of items) {
      const v = (item as Json | null)?.[sub];
      if (typeof v === 'string' && !seen.has(fold(v))) {
        seen.add(fold(v));
        out.push({ attr: `${attr}.${sub}`, value: fold(v) });
      }
    }
  }
  return out;
}

/** The values kept in the dedicated columns of `resources`. */
export function keyColumns(type: ResourceTypeName, data: Json) {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const userName = type === 'User' ? str(data.userName) : null;
  const displayName = str(data.displayName);
  const externalId = str(data.externalId);
  return {
    user_name: userName,
    user_name_fold: userName === null ? null : fold(userName),
    display_name: displayName,
    display_name_fold: displayName === null ? null : fold(displayName),
    external_id: externalId,
  };
}
