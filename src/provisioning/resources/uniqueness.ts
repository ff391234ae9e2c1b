/**
 * RFC 7643 §2.2 "uniqueness" of extension attributes (a tenant's own schemas): `server` means no
 * two resources of the tenant hold the value. `global` asks for more than one scimd can know of,
 * and is enforced as `server`. The core's own unique attribute, userName, has its index.
 */
import { uniqueness } from '../../scim/errors.ts';
import type { Literal } from '../../scim/filter/ast.ts';
import { bindFilter } from '../../scim/filter/bind.ts';
import { eq } from '../../scim/filter/build.ts';
import type { ResourceSchema } from '../../scim/schema/registry.ts';
import { isObject, type Json } from '../../scim/schema/validate.ts';
import { fold } from '../../scim/values.ts';
import type { Resources, UniqueNames } from '../../store/types.ts';
import { quoted } from '../policies/attribute-rules.ts';

export async function checkExtensionUniqueness(tx: Resources & UniqueNames, tenantId: string, schema: ResourceSchema, data: Json, previous: Json | undefined, id: string): Promise<void> {
  for (const ext of schema.extensions) {
    const values = data[ext.id];
    if (!isObject(values)) continue;
    const before = previous && isObject(previous[ext.id]) ? (previous[ext.id] as Json) : undefined;
    for (const a of ext.attributes) {
      // Single-valued scalars only: uniqueness of an element of a list, or of a whole complex value, is not defined by the RFC.
      if (a.uniqueness === 'none' || a.multiValued || a.type === 'complex' || a.type === 'binary') continue;
      const v = values[a.name];
      if (v === undefined || (before !== undefined && before[a.name] === v)) continue;
      const key = typeof v === 'string' && !a.caseExact ? fold(v) : JSON.stringify(v);
      await tx.lockKey(`unique:${tenantId}:${ext.id.toLowerCase()}:${a.name.toLowerCase()}:${key}`);
      const bound = bindFilter(eq(`${ext.id}:${a.name}`, v as Literal), schema);
      const page = await tx.queryResources(tenantId, { types: [schema.name], filters: new Map([[schema.name, bound]]), startIndex: 1, count: 2 });
      if (page.resources.some((r) => r.id !== id)) {
        const shown = typeof v === 'string' ? quoted(v) : JSON.stringify(v);
        throw uniqueness(`'${ext.id}:${a.name}' ${shown} is already another ${schema.name}'s in this tenant (uniqueness = ${a.uniqueness})`);
      }
    }
  }
}
