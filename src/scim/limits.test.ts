import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from './errors.ts';
import { checkPatchBody, checkResourceBody } from './limits.ts';
import { listRequestFromQuery, listRequestFromSearch, DEFAULT_LIST_LIMITS } from './list.ts';

const LIMITS = { maxMembers: 3, maxValues: 2, maxOperations: 4, maxPathLength: 30, maxPathDepth: 2 };
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `id-${i}` }));

function refuses(fn: () => unknown, scimType: string, detail: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ScimError && e.status === 400 && e.scimType === scimType && detail.test(e.message));
}

describe('checkResourceBody', () => {
  it('bounds the members of a group and the values of every array, at any depth', () => {
    assert.doesNotThrow(() => checkResourceBody({ members: ids(3), emails: [1, 2] }, true, LIMITS));
    refuses(() => checkResourceBody({ members: ids(4) }, true, LIMITS), 'invalidValue', /4 members; the limit is 3/);
    refuses(() => checkResourceBody({ emails: [1, 2, 3] }, false, LIMITS), 'invalidValue', /'emails' has 3 values; the limit is 2/);
    refuses(() => checkResourceBody({ 'urn:x:ext': { roles: [1, 2, 3] } }, false, LIMITS), 'invalidValue', /'urn:x:ext:roles' has 3 values/);
    refuses(() => checkResourceBody({ a: { b: [[1, 2, 3]] } }, false, LIMITS), 'invalidValue', /'a\.b' has 3 values/);
    // On a User, "members" is just an unknown attribute: an array like any other.
    refuses(() => checkResourceBody({ members: ids(3) }, false, LIMITS), 'invalidValue', /'members' has 3 values/);
  });
});

describe('checkPatchBody', () => {
  it('bounds operations, path length and depth', () => {
    const op = { op: 'replace', path: 'title', value: 'x' };
    assert.doesNotThrow(() => checkPatchBody(patch(op, op, op, op), false, LIMITS));
    refuses(() => checkPatchBody(patch(op, op, op, op, op), false, LIMITS), 'invalidSyntax', /5 entries; the limit is 4/);
    refuses(() => checkPatchBody(patch({ op: 'remove', path: `emails[value eq "${'x'.repeat(20)}"]` }), false, LIMITS), 'invalidPath', /the limit is 30/);
    assert.doesNotThrow(() => checkPatchBody(patch({ op: 'remove', path: 'emails[(value pr)]' }), false, LIMITS));
    refuses(() => checkPatchBody(patch({ op: 'remove', path: 'emails[((value pr))]' }), false, LIMITS), 'invalidPath', /position 9: nesting is deeper than 2/);
    // Brackets inside string literals are not nesting.
    assert.doesNotThrow(() => checkPatchBody(patch({ op: 'remove', path: 'emails[value eq "(([["]' }), false, LIMITS));
  });

  it('counts member values across operations, by path, path-less or core-URN-qualified', () => {
    assert.doesNotThrow(() => checkPatchBody(patch({ op: 'add', path: 'members', value: ids(2) }, { op: 'add', path: 'members', value: ids(1) }), true, LIMITS));
    refuses(() => checkPatchBody(patch({ op: 'add', path: 'members', value: ids(2) }, { op: 'add', path: 'Members', value: ids(2) }), true, LIMITS), 'invalidValue', /4 members/);
    refuses(() => checkPatchBody(patch({ op: 'add', value: { members: ids(4) } }), true, LIMITS), 'invalidValue', /4 members/);
    refuses(() => checkPatchBody(patch({ op: 'add', path: 'urn:ietf:params:scim:schemas:core:2.0:Group:members', value: ids(4) }), true, { ...LIMITS, maxPathLength: 100 }), 'invalidValue', /4 members/);
    refuses(() => checkPatchBody(patch({ op: 'remove', path: 'members', value: ids(4) }), true, LIMITS), 'invalidValue', /4 members/);
  });

  it('bounds the values of other attributes in operation values', () => {
    refuses(() => checkPatchBody(patch({ op: 'add', path: 'emails', value: [1, 2, 3] }), false, LIMITS), 'invalidValue', /'emails' has 3 values/);
    refuses(() => checkPatchBody(patch({ op: 'add', value: { emails: [1, 2, 3] } }), false, LIMITS), 'invalidValue', /'emails' has 3 values/);
    refuses(() => checkPatchBody(patch({ op: 'add', value: [1, 2, 3] }), false, LIMITS), 'invalidValue', /'value' has 3 values/);
  });

  it('leaves malformed messages to the PATCH parser', () => {
    for (const body of [null, 'x', {}, { Operations: 'x' }, patch('x', 1, null)]) assert.doesNotThrow(() => checkPatchBody(body, true, LIMITS));
  });
});

describe('list requests: filter length, attribute names, sortBy', () => {
  const limits = { ...DEFAULT_LIST_LIMITS, maxResults: 10, maxFilterLength: 20, maxAttributes: 2, maxNameLength: 8 };
  it('refuses each just over its limit and accepts it at the limit', () => {
    assert.equal(listRequestFromQuery({ filter: 'userName eq "abcdef"' }, limits).filter?.length, 20);
    refuses(() => listRequestFromQuery({ filter: 'userName eq "abcdefg"' }, limits), 'invalidFilter', /21 characters long; the limit is 20/);
    assert.deepEqual(listRequestFromQuery({ attributes: 'userName, title' }, limits).attributes, ['userName', 'title']);
    refuses(() => listRequestFromQuery({ attributes: 'a,b,c' }, limits), 'invalidValue', /names 3 attributes or more; the limit is 2/);
    refuses(() => listRequestFromSearch({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], excludedAttributes: ['a', 'b', 'c'] }, limits), 'invalidValue', /the limit is 2/);
    refuses(() => listRequestFromQuery({ attributes: 'nickNames' }, limits), 'invalidValue', /name of 9 characters; the limit is 8/);
    assert.equal(listRequestFromQuery({ sortBy: 'userName' }, limits).sortBy, 'userName');
    refuses(() => listRequestFromQuery({ sortBy: 'userNames' }, limits), 'invalidValue', /'sortBy' is 9 characters long; the limit is 8/);
    assert.equal(listRequestFromQuery({ count: '11' }, limits).count, 10, 'count is capped at maxResults');
  });
});
