import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSchemaDocument, SchemaDocumentError } from './document.ts';

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
