import { ENTERPRISE_USER_URN } from '../urns.ts';
import type { Normaliser } from './types.ts';
import { getKey, keyOf, mapOperationValues, operations, withOperations, type Json } from './util.ts';

function schemasOf(body: Json): { key: string; list: unknown[] } | undefined {
  const k = keyOf(body, 'schemas');
  const v = k === undefined ? undefined : body[k];
  return k !== undefined && Array.isArray(v) ? { key: k, list: v } : undefined;
}

/**
 * IDP-QUIRKS 10: Entra's group POST lists
 * `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group` in `schemas`.
 * URNs the resource type does not know, and under which the body carries nothing, are dropped (the
 * core refuses them). A URN whose attributes the body does carry is kept, so that the core refuses
 * the request by that URN rather than the data being dropped unseen.
 */
export const unknownSchemaUrns: Normaliser = {
  name: 'unknownSchemaUrns',
  quirks: [10],
  profiles: 'all',
  summary: 'unknown URNs in "schemas" are dropped',
  resource(body, ctx) {
    const s = schemasOf(body);
    if (!s) return body;
    const known = new Set(ctx.schema.schemaUrns.map((u) => u.toLowerCase()));
    const carried = (u: string) => {
      const k = keyOf(body, u);
      return k !== undefined && body[k] !== null;
    };
    const kept = s.list.filter((u) => typeof u !== 'string' || known.has(u.toLowerCase()) || carried(u));
    for (const u of s.list) if (!kept.includes(u)) ctx.note(`unknown schema URN ${JSON.stringify(u)} dropped from "schemas"`);
    return kept.length === s.list.length ? body : { ...body, [s.key]: kept };
  },
};

/**
 * Older authentik releases POST users and groups without `schemas` (their own tests of that era
 * show it). A POST or PUT body with no `schemas` at all gets the resource type's core schema; one
 * that names schemas is left to the core.
 */
export const resourceSchemasMissing: Normaliser = {
  name: 'resourceSchemasMissing',
  quirks: [27],
  profiles: 'all',
  summary: 'a POST/PUT body with no "schemas" is read as the resource type\'s core schema',
  resource(body, ctx) {
    if (keyOf(body, 'schemas') !== undefined) return body;
    ctx.note(`"schemas" missing: read as ["${ctx.schema.core.id}"]`);
    return { schemas: [ctx.schema.core.id], ...body };
  },
};

/**
 * IDP-QUIRKS 14: Entra sends custom and enterprise extension attributes without listing their URN
 * in `schemas`. The URN of every extension the body carries is added.
 */
export const extensionUrnNotListed: Normaliser = {
  name: 'extensionUrnNotListed',
  quirks: [14],
  profiles: 'all',
  summary: 'extension URNs the body uses but "schemas" omits are added to "schemas"',
  resource(body, ctx) {
    const s = schemasOf(body);
    if (!s) return body;
    const listed = new Set(s.list.filter((u): u is string => typeof u === 'string').map((u) => u.toLowerCase()));
    const added: string[] = [];
    for (const k of Object.keys(body)) {
      const ext = ctx.schema.extension(k);
      if (ext && !listed.has(ext.id.toLowerCase()) && body[k] !== null) {
        added.push(ext.id);
        listed.add(ext.id.toLowerCase());
        ctx.note(`extension ${ext.id} used but not listed in "schemas": added`);
      }
    }
    return added.length ? { ...body, [s.key]: [...s.list, ...added] } : body;
  },
};

const MALFORMED = /^urn:ietf:params:scim:schemas:extension:enterprise:2\.0User(?=$|:)/i;

function fixUrn(text: string): string {
  return text.replace(MALFORMED, ENTERPRISE_USER_URN);
}

/**
 * IDP-QUIRKS 16: a published Entra sample uses `urn:ietf:params:scim:schemas:extension:enterprise:2.0User`
 * (no colon before "User"). Read as the enterprise URN in `schemas`, keys and PATCH paths.
 */
export const malformedEnterpriseUrn: Normaliser = {
  name: 'malformedEnterpriseUrn',
  quirks: [16],
  profiles: 'all',
  summary: 'the enterprise URN misspelt "…:2.0User" is read as "…:2.0:User"',
  resource(body, ctx) {
    let changed = false;
    const out: Json = {};
    for (const [k, v] of Object.entries(body)) {
      if (MALFORMED.test(k)) {
        changed = true;
        ctx.note(`key ${k} read as ${fixUrn(k)}`);
        out[fixUrn(k)] = v;
      } else if (k.toLowerCase() === 'schemas' && Array.isArray(v)) {
        out[k] = v.map((u) => {
          if (typeof u !== 'string' || !MALFORMED.test(u)) return u;
          changed = true;
          ctx.note(`schema URN ${u} read as ${fixUrn(u)}`);
          return fixUrn(u);
        });
      } else out[k] = v;
    }
    return changed ? out : body;
  },
  patch(body, ctx) {
    const ops = operations(body).map((op) => {
      const pk = keyOf(op, 'path');
      const path = pk === undefined ? undefined : op[pk];
      if (typeof path !== 'string' || !MALFORMED.test(path.trim())) return op;
      ctx.note(`path ${path} read as ${fixUrn(path.trim())}`);
      return { ...op, [pk!]: fixUrn(path.trim()) };
    });
    const fixed = withOperations(body, ops);
    // Path-less values may carry the misspelt URN as a key.
    return mapOperationValues(fixed, ctx.schema, (value, _target, op) =>
      getKey(op, 'path') === undefined && value !== null && typeof value === 'object' && !Array.isArray(value) ? this.resource!(value as Json, ctx) : value,
    );
  },
};
