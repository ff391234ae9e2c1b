import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSchemaDocument, SchemaDocumentError } from './document.ts';

const URN = 'urn:example:x:1.0:User';
const attr = (a: Record<string, unknown>) => ({ id: URN, attributes: [a] });

describe('parseSchemaDocument (RFC 7643 §7 documents for scimd schema add)', () => {
  it('fills in the RFC 7643 §2.2 defaults and keeps what is given', () => {
    const s = parseSchemaDocument({
      id: URN,
      name: 'X',
      attributes: [
        { name: 'a' },
        { name: 'ref', type: 'reference', referenceTypes: ['external'] },
        { name: 'c', type: 'complex', multiValued: true, subAttributes: [{ name: 'v', required: true, canonicalValues: ['p', 'q'] }] },
      ],
    });
    assert.equal(s.id, URN);
    assert.equal(s.name, 'X');
    assert.equal(s.description, '');
    assert.deepEqual(s.attributes[0], {
      name: 'a',
      type: 'string',
      multiValued: false,
      description: '',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    });
    assert.equal(s.attributes[1]!.caseExact, true, 'references are caseExact by default (RFC 7643 §2.3.7)');
    assert.deepEqual(s.attributes[2]!.subAttributes![0]!.canonicalValues, ['p', 'q']);
    assert.equal(parseSchemaDocument({ id: URN, attributes: [{ name: 'a' }] }).name, 'User', 'a missing name is the last URN segment');
  });

  it('a writeOnly attribute is returned never, whatever the document says', () => {
    const s = parseSchemaDocument(attr({ name: 'pin', mutability: 'writeOnly', returned: 'always' }));
    assert.equal(s.attributes[0]!.returned, 'never');
  });

  it('refuses malformed documents with a message naming the attribute', () => {
    const cases: [string, unknown, RegExp][] = [
      ['an array', [], /must be a JSON object \(RFC 7643 §7\)/],
      ['null', null, /must be a JSON object/],
      ['no id', { attributes: [{ name: 'a' }] }, /"id" must be the schema URN/],
      ['an id that is no URN', { id: 'hr', attributes: [{ name: 'a' }] }, /"id" must be the schema URN/],
      ['a URN with a space', { id: 'urn:example:has space', attributes: [{ name: 'a' }] }, /"id" must be the schema URN/],
      ['the core User URN', { id: 'urn:ietf:params:scim:schemas:core:2.0:User', attributes: [{ name: 'a' }] }, /is a schema scimd already has/],
      ['the core URN in capitals', { id: 'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER', attributes: [{ name: 'a' }] }, /is a schema scimd already has/],
      ['the Enterprise URN', { id: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attributes: [{ name: 'a' }] }, /already has/],
      ["scimd's own URN", { id: 'urn:scimd:schemas:extension:2.0:User', attributes: [{ name: 'a' }] }, /already has/],
      ['no attributes', { id: URN }, /"attributes" must be a non-empty array/],
      ['empty attributes', { id: URN, attributes: [] }, /"attributes" must be a non-empty array/],
      ['an attribute that is no object', { id: URN, attributes: ['a'] }, /attributes\[0\] must be an object/],
      ['a nameless attribute', attr({ type: 'string' }), /attributes\[0\]: "name" must be an attribute name/],
      ['a bad attribute name', attr({ name: 'has space' }), /"name" must be an attribute name/],
      ['a name starting with a digit', attr({ name: '1a' }), /"name" must be an attribute name/],
      ['an unknown type', attr({ name: 'a', type: 'text' }), /attributes\[0\] 'a': "type" must be string, boolean, decimal, integer, dateTime, reference, binary, complex/],
      ['a bad mutability', attr({ name: 'a', mutability: 'sometimes' }), /"mutability" must be readOnly, readWrite, immutable, writeOnly/],
      ['a bad returned', attr({ name: 'a', returned: 'maybe' }), /"returned" must be always, never, default, request/],
      ['a bad uniqueness', attr({ name: 'a', uniqueness: 'tenant' }), /"uniqueness" must be none, server, global/],
      ['a non-boolean required', attr({ name: 'a', required: 'yes' }), /"required" must be true or false/],
      ['a non-boolean multiValued', attr({ name: 'a', multiValued: 1 }), /"multiValued" must be true or false/],
      ['a non-string description', attr({ name: 'a', description: 7 }), /"description" must be a string/],
      ['complex without sub-attributes', attr({ name: 'a', type: 'complex' }), /a complex attribute needs "subAttributes"/],
      ['complex with empty sub-attributes', attr({ name: 'a', type: 'complex', subAttributes: [] }), /needs "subAttributes"/],
      ['complex in complex', attr({ name: 'a', type: 'complex', subAttributes: [{ name: 'b', type: 'complex', subAttributes: [{ name: 'c' }] }] }), /'b': a sub-attribute cannot be complex \(RFC 7643 §2\.3\.8\)/],
      ['sub-attributes on a string', attr({ name: 'a', subAttributes: [{ name: 'b' }] }), /only complex attributes have "subAttributes"/],
      ['a duplicate name', { id: URN, attributes: [{ name: 'Level' }, { name: 'level' }] }, /attribute 'level' appears twice \(names are case-insensitive\)/],
      ['a duplicate sub-attribute', attr({ name: 'a', type: 'complex', subAttributes: [{ name: 'x' }, { name: 'X' }] }), /attribute 'X' appears twice/],
      ['canonicalValues not strings', attr({ name: 'a', canonicalValues: [1, 2] }), /"canonicalValues" must be an array of strings/],
      ['referenceTypes not an array', attr({ name: 'a', type: 'reference', referenceTypes: 'User' }), /"referenceTypes" must be an array of strings/],
      ['a bad sub-attribute', attr({ name: 'a', type: 'complex', subAttributes: [{ name: 'b', type: 'float' }] }), /attributes\[0\] 'a'\.subAttributes\[0\] 'b': "type" must be/],
    ];
    for (const [what, doc, why] of cases) {
      assert.throws(
        () => parseSchemaDocument(doc),
        (e: unknown) => e instanceof SchemaDocumentError && why.test(e.message),
        what,
      );
    }
  });
});

const doc = (name: string, sub?: string) => ({
  id: 'urn:example:scim:schemas:extension:test:1.0:User',
  attributes: [sub ? { name, type: 'complex', subAttributes: [{ name: sub }] } : { name }],
});

describe('parseSchemaDocument: reserved names', () => {
  it('refuses constructor, prototype and __proto__ (any casing) as attribute and sub-attribute names', () => {
    for (const d of [doc('constructor'), doc('Prototype'), doc('profile', 'CONSTRUCTOR')]) {
      assert.throws(() => parseSchemaDocument(d), (e: unknown) => e instanceof SchemaDocumentError && /reserved/.test(e.message));
    }
    assert.throws(() => parseSchemaDocument(doc('__proto__')), SchemaDocumentError);
  });

  it('accepts names that merely contain them', () => {
    assert.equal(parseSchemaDocument(doc('constructorName')).attributes[0]!.name, 'constructorName');
  });
});
