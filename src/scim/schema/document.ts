/**
 * Reads an extension schema written as an RFC 7643 §7 schema document (what /Schemas serves), as
 * a tenant supplies it to `scimd schema add`. Missing characteristics take the RFC 7643 §2.2
 * defaults; anything malformed is refused with a message that names the attribute.
 */
import { isReservedName } from '../json-guard.ts';
import { ENTERPRISE_USER_URN, GROUP_URN, SCIMD_USER_URN, USER_URN } from '../urns.ts';
import type { AttributeDef, AttributeType, Mutability, Returned, SchemaDef, Uniqueness } from './types.ts';

export class SchemaDocumentError extends Error {}

const TYPES: readonly AttributeType[] = ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary', 'complex'];
const MUTABILITY: readonly Mutability[] = ['readOnly', 'readWrite', 'immutable', 'writeOnly'];
const RETURNED: readonly Returned[] = ['always', 'never', 'default', 'request'];
const UNIQUENESS: readonly Uniqueness[] = ['none', 'server', 'global'];
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;
const URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[A-Za-z0-9()+,\-.:=@;$_!*'%/?#]+$/i;
const RESERVED = [USER_URN, GROUP_URN, ENTERPRISE_USER_URN, SCIMD_USER_URN].map((u) => u.toLowerCase());

type Raw = Record<string, unknown>;

function field<T>(raw: Raw, key: string, where: string, check: (v: unknown) => v is T, fallback: T, expected: string): T {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (!check(v)) throw new SchemaDocumentError(`${where}: "${key}" must be ${expected}`);
  return v;
}

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const oneOf =
  <T extends string>(values: readonly T[]) =>
  (v: unknown): v is T =>
    typeof v === 'string' && (values as readonly string[]).includes(v);

function attribute(raw: unknown, where: string, depth: number): AttributeDef {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SchemaDocumentError(`${where} must be an object`);
  const r = raw as Raw;
  const name = r.name;
  if (typeof name !== 'string' || !NAME.test(name)) throw new SchemaDocumentError(`${where}: "name" must be an attribute name (a letter, then letters, digits, '-' or '_')`);
  // Request bodies, filters and paths refuse these names (json-guard.ts), so no attribute may have one.
  if (isReservedName(name)) throw new SchemaDocumentError(`${where}: "${name}" is reserved and cannot name an attribute`);
  const at = `${where} '${name}'`;
  const type = field(r, 'type', at, oneOf(TYPES), 'string', TYPES.join(', '));
  const mutability = field(r, 'mutability', at, oneOf(MUTABILITY), 'readWrite', MUTABILITY.join(', '));
  const def: AttributeDef = {
    name,
    type,
    multiValued: field(r, 'multiValued', at, isBool, false, 'true or false'),
    description: field(r, 'description', at, isString, '', 'a string'),
    required: field(r, 'required', at, isBool, false, 'true or false'),
    caseExact: field(r, 'caseExact', at, isBool, type === 'reference' || type === 'binary', 'true or false'),
    mutability,
    // RFC 7643 §2.2: a writeOnly value "SHALL NOT be returned"; scimd discards such values.
    returned: mutability === 'writeOnly' ? 'never' : field(r, 'returned', at, oneOf(RETURNED), 'default', RETURNED.join(', ')),
    uniqueness: field(r, 'uniqueness', at, oneOf(UNIQUENESS), 'none', UNIQUENESS.join(', ')),
    ...(r.canonicalValues !== undefined ? { canonicalValues: field(r, 'canonicalValues', at, isStrings, [], 'an array of strings') } : {}),
    ...(r.referenceTypes !== undefined ? { referenceTypes: field(r, 'referenceTypes', at, isStrings, [], 'an array of strings') } : {}),
  };
  if (type === 'complex') {
    if (depth > 0) throw new SchemaDocumentError(`${at}: a sub-attribute cannot be complex (RFC 7643 §2.3.8)`);
    const subs = r.subAttributes;
    if (!Array.isArray(subs) || subs.length === 0) throw new SchemaDocumentError(`${at}: a complex attribute needs "subAttributes"`);
    const parsed = subs.map((s, i) => attribute(s, `${at}.subAttributes[${i}]`, depth + 1));
    assertUnique(parsed, at);
    return { ...def, subAttributes: parsed };
  }
  if (r.subAttributes !== undefined) throw new SchemaDocumentError(`${at}: only complex attributes have "subAttributes"`);
  return def;
}

function assertUnique(attrs: readonly AttributeDef[], where: string): void {
  const seen = new Set<string>();
  for (const a of attrs) {
    const k = a.name.toLowerCase();
    if (seen.has(k)) throw new SchemaDocumentError(`${where}: attribute '${a.name}' appears twice (names are case-insensitive)`);
    seen.add(k);
  }
}

export function parseSchemaDocument(raw: unknown): SchemaDef {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SchemaDocumentError('A schema document must be a JSON object (RFC 7643 §7)');
  const r = raw as Raw;
  const id = r.id;
  if (typeof id !== 'string' || !URN.test(id)) throw new SchemaDocumentError('"id" must be the schema URN, e.g. "urn:example:scim:schemas:extension:profile:1.0:User"');
  if (RESERVED.includes(id.toLowerCase())) throw new SchemaDocumentError(`"${id}" is a schema scimd already has`);
  const attrs = r.attributes;
  if (!Array.isArray(attrs) || attrs.length === 0) throw new SchemaDocumentError('"attributes" must be a non-empty array');
  const attributes = attrs.map((a, i) => attribute(a, `attributes[${i}]`, 0));
  assertUnique(attributes, 'attributes');
  return {
    id,
    name: typeof r.name === 'string' ? r.name : id.split(':').at(-1)!,
    description: typeof r.description === 'string' ? r.description : '',
    attributes,
  };
}
