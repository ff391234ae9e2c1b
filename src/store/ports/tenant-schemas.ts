/** Tenant extension schemas and role rules. Each change bumps the tenant's schemaVersion. */
import type { Port } from './port.ts';

/** An extension schema a tenant uses: its own (`definition`, RFC 7643 §7 JSON) or a built-in one (no definition). */
export interface TenantSchema {
  readonly urn: string;
  readonly resourceType: 'User' | 'Group';
  readonly definition?: string;
  readonly createdAt: string;
}

export interface RoleRule {
  readonly role: string;
  /** A SCIM filter on the User; users it matches have the role. */
  readonly filter: string;
}

export interface TenantSchemasReads {
  tenantSchemas(tenantId: string): Promise<TenantSchema[]>;
  roleRules(tenantId: string): Promise<RoleRule[]>;
}

export interface TenantSchemasWrites {
  putTenantSchema(tenantId: string, s: TenantSchema): Promise<void>;
  removeTenantSchema(tenantId: string, urn: string): Promise<boolean>;
  putRoleRule(tenantId: string, rule: RoleRule, at: string): Promise<void>;
  removeRoleRule(tenantId: string, role: string): Promise<boolean>;
}

export interface TenantSchemas extends TenantSchemasReads, TenantSchemasWrites {}

export type TenantSchemasPort = Port<TenantSchemasReads, TenantSchemasWrites>;
