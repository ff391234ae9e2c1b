/**
 * What a tenant's SCIM surface is made of beyond the RFC core: its extension schemas (its own,
 * and built-in ones it enabled) and its role rules. Built once per tenant and schema version, so
 * every process (replicas included) rebuilds it when an admin changes either.
 */
import { bindFilter, type BoundFilter } from '../../scim/filter/bind.ts';
import { parseFilter } from '../../scim/filter/parse.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE_TYPE, GROUP_SCHEMA, SCIMD_USER_SCHEMA, USER_RESOURCE_TYPE, USER_SCHEMA } from '../../scim/schema/core.ts';
import { parseSchemaDocument } from '../../scim/schema/document.ts';
import { ResourceSchema, SchemaRegistry } from '../../scim/schema/registry.ts';
import type { ResourceTypeDef, SchemaDef } from '../../scim/schema/types.ts';
import { BUILTIN_EXTENSIONS } from '../../scim/schema/wire.ts';
import type { RoleRule, Tenant, TenantSchema, TenantSchemas } from '../../store/types.ts';

export interface TenantModel {
  readonly registry: SchemaRegistry;
  readonly roles: readonly { readonly role: string; readonly filter: BoundFilter }[];
}

function withExtensions(type: ResourceTypeDef, extensions: readonly SchemaDef[]): ResourceTypeDef {
  return { ...type, schemaExtensions: [...type.schemaExtensions, ...extensions.map((e) => ({ schema: e.id, required: false }))] };
}

/** The schema a stored tenant schema row stands for. */
export function extensionOf(s: TenantSchema): SchemaDef {
  if (s.definition) return parseSchemaDocument(JSON.parse(s.definition));
  const builtin = BUILTIN_EXTENSIONS.get(s.urn);
  if (!builtin) throw new Error(`unknown built-in extension ${s.urn}`);
  return builtin.schema;
}

export function buildRegistry(schemas: readonly TenantSchema[]): SchemaRegistry {
  const ext = (type: 'User' | 'Group') => schemas.filter((s) => s.resourceType === type).map(extensionOf);
  const userExt = ext('User');
  const groupExt = ext('Group');
  return new SchemaRegistry([
    new ResourceSchema(withExtensions(USER_RESOURCE_TYPE, userExt), USER_SCHEMA, [ENTERPRISE_USER_SCHEMA, SCIMD_USER_SCHEMA, ...userExt]),
    new ResourceSchema(withExtensions(GROUP_RESOURCE_TYPE, groupExt), GROUP_SCHEMA, groupExt),
  ]);
}

export function bindRoles(rules: readonly RoleRule[], registry: SchemaRegistry): TenantModel['roles'] {
  return rules.map((r) => ({ role: r.role, filter: bindFilter(parseFilter(r.filter), registry.resource('User')) }));
}

export class TenantModels {
  private readonly cache = new Map<string, { version: number; model: TenantModel }>();
  private readonly pending = new Map<string, Promise<TenantModel>>();

  constructor(private readonly store: TenantSchemas) {}

  async forTenant(tenant: Tenant): Promise<TenantModel> {
    const version = tenant.schemaVersion ?? 0;
    const hit = this.cache.get(tenant.id);
    if (hit && hit.version === version) return hit.model;
    // One build per tenant and version at a time: a burst on a cold cache shares the first one.
    const key = `${tenant.id}\u0000${version}`;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.build(tenant.id, version).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async build(tenantId: string, version: number): Promise<TenantModel> {
    const [schemas, rules] = await Promise.all([this.store.tenantSchemas(tenantId), this.store.roleRules(tenantId)]);
    const registry = buildRegistry(schemas);
    const model = { registry, roles: bindRoles(rules, registry) };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(tenantId, { version, model });
    return model;
  }
}
