import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedPaths, valueAtPath } from './changes.ts';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('changedPaths', () => {
  it('names core attributes, sub-attributes of single-valued complex ones, multi-valued ones whole, sorted', () => {
    const before = { userName: 'a', name: { givenName: 'A', familyName: 'L' }, emails: [{ value: 'a@x' }], title: 'T' };
    const after = { userName: 'a', name: { givenName: 'B', familyName: 'L', middleName: 'M' }, emails: [{ value: 'a@x', primary: true }], displayName: 'D' };
    assert.deepEqual(changedPaths(before, after), ['displayName', 'emails', 'name.givenName', 'name.middleName', 'title']);
  });

  it('names extension attributes after their URN, complex ones by sub-attribute; a removed extension by each attribute', () => {
    assert.deepEqual(changedPaths({ [ENT]: { department: 'X' } }, { [ENT]: { department: 'Y', manager: { value: 'm1' } } }), [`${ENT}:department`, `${ENT}:manager.value`]);
    assert.deepEqual(changedPaths({ [ENT]: { department: 'X', costCenter: 'C' } }, {}), [`${ENT}:costCenter`, `${ENT}:department`]);
  });

  it('knows a schema URN key in any case ("URN:", "Urn:"), and only a key that starts with "urn:"', () => {
    const UPPER = 'URN:example:ext:1.0:User';
    assert.deepEqual(changedPaths({ [UPPER]: { a: 1, b: 2 } }, { [UPPER]: { a: 1, b: 3 } }), [`${UPPER}:b`]);
    assert.deepEqual(changedPaths({ 'Urn:x': { a: 1 } }, {}), ['Urn:x:a']);
    // Not URNs: each is an attribute, a complex one named by sub-attribute.
    assert.deepEqual(changedPaths({ urnx: { a: 1 }, urn: 'u', 'ur:n': { a: 1 } }, { urnx: { a: 2 }, urn: 'v', 'ur:n': { a: 2 } }), ['ur:n.a', 'urn', 'urnx.a']);
    assert.equal(valueAtPath({ [UPPER]: { b: 3 } }, `${UPPER}:b`), 3);
  });

  it('a key only one side holds is named once; keys with undefined values count as absent', () => {
    assert.deepEqual(changedPaths({ a: 1, b: 2 }, { b: 2, c: 3 }), ['a', 'c']);
    assert.deepEqual(changedPaths({ a: undefined, b: 1 }, { b: 1 }), []);
  });

  it('nothing for equal documents (key order does not matter); a value that changes shape is named whole', () => {
    assert.deepEqual(changedPaths({ name: { givenName: 'A', familyName: 'L' } }, { name: { familyName: 'L', givenName: 'A' } }), []);
    assert.deepEqual(changedPaths({ x: 'v' }, { x: { y: 1 } }), ['x']);
  });
});

describe('valueAtPath', () => {
  const doc = {
    displayName: 'Ann',
    name: { givenName: 'Ann', familyName: 'Lee' },
    emails: [{ value: 'a@example.com' }],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D', manager: { value: 'm-1' } },
  };
  it('reads a path as changedPaths writes it, null where the document holds nothing', () => {
    assert.equal(valueAtPath(doc, 'displayName'), 'Ann');
    assert.equal(valueAtPath(doc, 'name.givenName'), 'Ann');
    assert.deepEqual(valueAtPath(doc, 'emails'), [{ value: 'a@example.com' }]);
    assert.equal(valueAtPath(doc, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'), 'R&D');
    assert.equal(valueAtPath(doc, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value'), 'm-1');
    assert.equal(valueAtPath(doc, 'title'), null);
    assert.equal(valueAtPath(doc, 'name.middleName'), null);
    assert.equal(valueAtPath(doc, 'urn:example:other:1.0:User:x'), null);
  });
  it('agrees with changedPaths: every changed path reads the value it changed from', () => {
    const after = { ...doc, displayName: 'Anne', name: { givenName: 'Anne', familyName: 'Lee' }, title: 'Dr' };
    const paths = changedPaths(doc, after);
    assert.deepEqual(paths, ['displayName', 'name.givenName', 'title']);
    assert.deepEqual(
      paths.map((p) => valueAtPath(doc, p)),
      ['Ann', 'Ann', null],
    );
  });
});
