import { COMMON_ATTRIBUTES, ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE_TYPE, GROUP_SCHEMA, SCIMD_USER_SCHEMA, USER_RESOURCE_TYPE, USER_SCHEMA } from './core.ts';
import type { AttributeDef, ResourceTypeDef, ResourceTypeName, SchemaDef } from './types.ts';

/** A resolved attribute path: the top-level attribute, and the sub-attribute when the path names one. */
export interface AttrRef {
  /** URN of the schema that defines the attribute; null for the common attributes (id, externalId, meta). */
  readonly schema: string | null;
  /** True when the attribute lives under an extension URN key in the resource. */
  readonly extension: boolean;
  readonly attr: AttributeDef;
  readonly sub?: AttributeDef;
}

/** The attribute namespace of one resource type: core schema, extensions and common attributes. */
export class ResourceSchema {
  readonly type: ResourceTypeDef;
  readonly core: SchemaDef;
  readonly extensions: readonly SchemaDef[];
  private readonly coreAttrs = new Map<string, AttributeDef>();
  private readonly commonAttrs = new Map<string, AttributeDef>();
  private readonly extByUrn = new Map<string, SchemaDef>();
  private readonly extAttrs = new Map<string, Map<string, AttributeDef>>();

  constructor(type: ResourceTypeDef, core: SchemaDef, extensions: readonly SchemaDef[]) {
    this.type = type;
    this.core = core;
    this.extensions = extensions;
    for (const a of core.attributes) this.coreAttrs.set(a.name.toLowerCase(), a);
    for (const a of COMMON_ATTRIBUTES) this.commonAttrs.set(a.name.toLowerCase(), a);
    for (const ext of extensions) {
      const key = ext.id.toLowerCase();
      this.extByUrn.set(key, ext);
      this.extAttrs.set(key, new Map(ext.attributes.map((a) => [a.name.toLowerCase(), a])));
    }
  }

  get name(): ResourceTypeName {
    return this.type.name as ResourceTypeName;
  }

  /** All schema URNs this resource type knows (core first). */
  get schemaUrns(): string[] {
    return [this.core.id, ...this.extensions.map((e) => e.id)];
  }

  /** The extension schema whose URN equals `urn` without regard to case. */
  extension(urn: string): SchemaDef | undefined {
    return this.extByUrn.get(urn.toLowerCase());
  }

  /** A top-level attribute of the core schema or a common attribute (case-insensitive). */
  coreOrCommon(name: string): { attr: AttributeDef; common: boolean } | undefined {
    const key = name.toLowerCase();
    const common = this.commonAttrs.get(key);
    if (common) return { attr: common, common: true };
    const core = this.coreAttrs.get(key);
    return core ? { attr: core, common: false } : undefined;
  }

  /** A top-level attribute of an extension schema (case-insensitive). */
  extensionAttr(urn: string, name: string): AttributeDef | undefined {
    return this.extAttrs.get(urn.toLowerCase())?.get(name.toLowerCase());
  }

  /**
   * Resolves `[uri:]attr[.sub]` (RFC 7644 §3.10). A URI equal to the core schema URN is allowed.
   * Returns undefined when any part is unknown.
   */
  resolve(uri: string | undefined, name: string, subName?: string): AttrRef | undefined {
    let ref: { schema: string | null; extension: boolean; attr: AttributeDef } | undefined;
    if (uri === undefined || uri.toLowerCase() === this.core.id.toLowerCase()) {
      const found = this.coreOrCommon(name);
      if (!found) return undefined;
      // A core-URN-qualified path may not name a common attribute.
      if (uri !== undefined && found.common) return undefined;
      ref = { schema: found.common ? null : this.core.id, extension: false, attr: found.attr };
    } else {
      const ext = this.extension(uri);
      const a = ext && this.extensionAttr(ext.id, name);
      if (!ext || !a) return undefined;
      ref = { schema: ext.id, extension: true, attr: a };
    }
    if (subName === undefined) return ref;
    const sub = subAttribute(ref.attr, subName);
    return sub ? { ...ref, sub } : undefined;
  }
}

/** The sub-attribute `name` of a complex attribute, without regard to case. */
export function subAttribute(a: AttributeDef, name: string): AttributeDef | undefined {
  const key = name.toLowerCase();
  return a.subAttributes?.find((s) => s.name.toLowerCase() === key);
}

/** Schemas and resource types served by one tenant. */
export class SchemaRegistry {
  readonly resources: ReadonlyMap<ResourceTypeName, ResourceSchema>;
  private readonly schemasById = new Map<string, SchemaDef>();

  constructor(resources: readonly ResourceSchema[]) {
    this.resources = new Map(resources.map((r) => [r.name, r]));
    for (const r of resources) {
      for (const s of [r.core, ...r.extensions]) this.schemasById.set(s.id.toLowerCase(), s);
    }
  }

  resource(name: ResourceTypeName): ResourceSchema {
    const r = this.resources.get(name);
    if (!r) throw new Error(`resource type ${name} is not registered`);
    return r;
  }

  schema(urn: string): SchemaDef | undefined {
    return this.schemasById.get(urn.toLowerCase());
  }

  allSchemas(): SchemaDef[] {
    return [...this.schemasById.values()];
  }
}

/** The registry of RFC 7643 User (with Enterprise User) and Group. */
export function defaultRegistry(): SchemaRegistry {
  return new SchemaRegistry([
    new ResourceSchema(USER_RESOURCE_TYPE, USER_SCHEMA, [ENTERPRISE_USER_SCHEMA, SCIMD_USER_SCHEMA]),
    new ResourceSchema(GROUP_RESOURCE_TYPE, GROUP_SCHEMA, []),
  ]);
}
