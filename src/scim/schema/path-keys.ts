/**
 * Keys of a resource body, or of a path-less PATCH value, that are attribute paths rather than
 * attribute names: `name.givenName`, `urn:…:enterprise:2.0:User:department`,
 * `urn:…:User:manager.value`, `emails[type eq "work"].value`. An attribute name (RFC 7643 §2.1)
 * has no '.', '[' or ':', so such a key is never an attribute the RFC lets a server ignore as
 * unknown: it is applied as the path it is, or refused with a 400 that names it. A URN-qualified
 * key counts only when its URN is a schema of the resource; a key under any other URN may be the
 * block of an extension this server does not know, which stays ignored.
 */
import type { PatchPath } from '../filter/ast.ts';
import { parsePath } from '../filter/parse.ts';
import type { ResourceSchema } from './registry.ts';

function parsed(key: string): PatchPath | undefined {
  try {
    return parsePath(key);
  } catch {
    return undefined;
  }
}

/** The path a top-level key spells, or undefined when the key is a name (or names nothing here). */
export function pathKey(key: string, schema: ResourceSchema): PatchPath | undefined {
  if (!/[.[:]/.test(key) || schema.extension(key)) return undefined;
  const p = parsed(key);
  const uri = p?.attr.uri;
  if (uri !== undefined && !schema.schemaUrns.some((u) => u.toLowerCase() === uri.toLowerCase())) return undefined;
  return p;
}

/** The path, relative to its extension, that a key inside an extension's block spells (`manager.value`). */
export function extensionPathKey(key: string): PatchPath | undefined {
  if (!/[.[]/.test(key)) return undefined;
  const p = parsed(key);
  return p?.attr.uri === undefined ? p : undefined;
}

/** The 400 message for a path key the request could not have applied. */
export function pathKeyMessage(key: string, where = 'The request'): string {
  return `${where} has the key '${key}', an attribute path, not an attribute name: send the attribute nested (e.g. {"name": {"givenName": …}}) or the path as a PATCH operation's "path"`;
}
