/** Discovery documents (RFC 7644 §4; RFC 7643 §5–§7), generated from the schema registry. */
import type { SchemaRegistry } from './schema/registry.ts';
import type { AttributeDef, ResourceTypeDef, SchemaDef } from './schema/types.ts';
import type { Json } from './schema/validate.ts';
import { LIST_RESPONSE_URN, RESOURCE_TYPE_URN, SCHEMA_URN, SPC_URN } from './urns.ts';

export interface Capabilities {
  readonly maxResults: number;
  /** Seconds a paging cursor stays good between pages (RFC 9865 §4); absent: no cursor paging. */
  readonly cursorTimeout?: number;
  readonly bulk?: { readonly maxOperations: number; readonly maxPayloadSize: number };
  readonly documentationUri?: string;
}

/** RFC 7643 §5: says exactly what this server supports, since clients (authentik, for one) act on it. */
export function serviceProviderConfig(caps: Capabilities, baseUrl: string): Json {
  return {
    schemas: [SPC_URN],
    ...(caps.documentationUri ? { documentationUri: caps.documentationUri } : {}),
    patch: { supported: true },
    bulk: caps.bulk ? { supported: true, ...caps.bulk } : { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: caps.maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    // RFC 9865 §4: both paging methods; a request without startIndex or cursor gets index paging.
    pagination: {
      cursor: caps.cursorTimeout !== undefined,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: caps.maxResults,
      maxPageSize: caps.maxResults,
      ...(caps.cursorTimeout !== undefined ? { cursorTimeout: caps.cursorTimeout } : {}),
    },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with a bearer token issued by scimd (scimd client create / scimd token rotate).',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypeRepresentation(rt: ResourceTypeDef, baseUrl: string): Json {
  return {
    schemas: [RESOURCE_TYPE_URN],
    id: rt.id,
    name: rt.name,
    endpoint: rt.endpoint,
    description: rt.description,
    schema: rt.schema,
    schemaExtensions: rt.schemaExtensions.map((e) => ({ schema: e.schema, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${rt.id}` },
  };
}

function attributeRepresentation(a: AttributeDef): Json {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    ...(a.type === 'string' || a.type === 'reference' || a.type === 'binary' ? { caseExact: a.caseExact } : {}),
    ...(a.canonicalValues ? { canonicalValues: [...a.canonicalValues] } : {}),
    ...(a.referenceTypes ? { referenceTypes: [...a.referenceTypes] } : {}),
    mutability: a.mutability,
    returned: a.returned,
    ...(a.type !== 'complex' && a.type !== 'boolean' ? { uniqueness: a.uniqueness } : {}),
    ...(a.subAttributes ? { subAttributes: a.subAttributes.map(attributeRepresentation) } : {}),
  };
}

export function schemaRepresentation(s: SchemaDef, baseUrl: string): Json {
  return {
    schemas: [SCHEMA_URN],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: s.attributes.map(attributeRepresentation),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${s.id}` },
  };
}

export function listOf(resources: Json[]): Json {
  return { schemas: [LIST_RESPONSE_URN], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
}

export function resourceTypes(registry: SchemaRegistry, baseUrl: string): Json[] {
  return [...registry.resources.values()].map((r) => resourceTypeRepresentation(r.type, baseUrl));
}

export function schemas(registry: SchemaRegistry, baseUrl: string): Json[] {
  return registry.allSchemas().map((s) => schemaRepresentation(s, baseUrl));
}
