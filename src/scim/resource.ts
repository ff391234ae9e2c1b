/** Stored resources and their SCIM representation (RFC 7643 §3). */
import type { ResourceSchema } from './schema/registry.ts';
import type { ResourceTypeName } from './schema/types.ts';
import type { Json } from './schema/validate.ts';

/** A resource as the store keeps it. `data` holds every client-writable attribute in canonical form. */
export interface StoredResource {
  readonly id: string;
  readonly type: ResourceTypeName;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
  readonly data: Json;
}

export interface GroupMembership {
  readonly value: string;
  readonly display?: string;
  readonly type: 'direct' | 'indirect';
}

export interface Member {
  readonly value: string;
  readonly type: 'User' | 'Group';
  readonly display?: string;
}

/** Weak ETag of a version (RFC 7644 §3.14). */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** Parses `W/"n"` or `"n"` back into a version; undefined for anything else. */
export function versionOfEtag(tag: string): number | undefined {
  const m = /^(?:W\/)?"(\d{1,15})"$/.exec(tag.trim());
  return m ? Number(m[1]) : undefined;
}

export interface RenderContext {
  /** Base URL of the SCIM endpoint the client used, without trailing slash (…/scim/v2). */
  readonly baseUrl: string;
  readonly members?: readonly Member[];
  readonly groups?: readonly GroupMembership[];
}

const endpointOf = (type: 'User' | 'Group') => (type === 'User' ? 'Users' : 'Groups');

/** One value of a group's `members`, before projection. */
export function renderMember(m: Member, baseUrl: string): Json {
  return {
    value: m.value,
    $ref: `${baseUrl}/${endpointOf(m.type)}/${m.value}`,
    type: m.type,
    ...(m.display !== undefined ? { display: m.display } : {}),
  };
}

/** The full SCIM representation, before projection: every attribute, `returned: never` included. */
export function renderResource(r: StoredResource, schema: ResourceSchema, ctx: RenderContext): Json {
  const location = `${ctx.baseUrl}/${endpointOf(r.type)}/${r.id}`;
  const schemas = [schema.core.id, ...schema.extensions.filter((e) => r.data[e.id] !== undefined).map((e) => e.id)];
  const doc: Json = { schemas, id: r.id };
  if (r.data.externalId !== undefined) doc.externalId = r.data.externalId;
  // Schema order reads better than the order the client happened to send.
  for (const a of schema.core.attributes) if (r.data[a.name] !== undefined) doc[a.name] = r.data[a.name];
  for (const e of schema.extensions) if (r.data[e.id] !== undefined) doc[e.id] = r.data[e.id];
  if (ctx.members && ctx.members.length > 0) doc.members = ctx.members.map((m) => renderMember(m, ctx.baseUrl));
  if (ctx.groups && ctx.groups.length > 0) {
    doc.groups = ctx.groups.map((g) => ({
      value: g.value,
      $ref: `${ctx.baseUrl}/Groups/${g.value}`,
      ...(g.display !== undefined ? { display: g.display } : {}),
      type: g.type,
    }));
  }
  doc.meta = { resourceType: r.type, created: r.created, lastModified: r.lastModified, location, version: etagOf(r.version) };
  return doc;
}
