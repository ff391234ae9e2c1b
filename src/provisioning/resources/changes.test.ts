import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedPaths } from './changes.ts';

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

  it('nothing for equal documents (key order does not matter); a value that changes shape is named whole', () => {
    assert.deepEqual(changedPaths({ name: { givenName: 'A', familyName: 'L' } }, { name: { familyName: 'L', givenName: 'A' } }), []);
    assert.deepEqual(changedPaths({ x: 'v' }, { x: { y: 1 } }), ['x']);
  });
});
