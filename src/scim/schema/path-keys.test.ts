/**
 * Keys that are attribute paths (path-keys.ts): which keys count, and the core's answer to them in
 * a body or a path-less PATCH value (a 400 naming the key, never "ignored as unknown").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors.ts';
import { ENTERPRISE_USER_URN as ENT, USER_URN } from '../urns.ts';
import { extensionPathKey, pathKey } from './path-keys.ts';
import { defaultRegistry } from './registry.ts';
import { normalizeAttributes, type Notes } from './validate.ts';

const USER = defaultRegistry().resource('User');

describe('pathKey', () => {
  it('dotted, filtered and URN-qualified keys under a schema of the resource are paths', () => {
    for (const k of ['name.givenName', 'name.givenNme', 'foo.bar', 'emails[type eq "work"].value', `${ENT}:department`, `${ENT}:manager.value`, `${USER_URN}:name.givenName`, `${ENT.toLowerCase()}:department`]) {
      assert.ok(pathKey(k, USER), k);
    }
  });

  it('names, extension blocks, and keys under a URN the resource does not know are not', () => {
    for (const k of ['userName', 'name', ENT, 'urn:ietf:params:scim:schemas:extension:custom:2.0:User', 'urn:ietf:params:scim:schemas:extension:custom:2.0:User:costCenter', 'x:y', 'foo bar.x', '']) {
      assert.equal(pathKey(k, USER), undefined, k);
    }
  });

  it("inside an extension's block, a dotted or filtered key is a path relative to the extension", () => {
    assert.equal(extensionPathKey('manager.value')?.attr.name, 'manager');
    assert.equal(extensionPathKey('department'), undefined);
    assert.equal(extensionPathKey('a:b.c'), undefined);
  });
});

describe('normalizeAttributes and path keys', () => {
  const normalize = (body: Record<string, unknown>) => {
    const notes: Notes = { ignored: [] };
    return { data: normalizeAttributes(body, USER, { readOnly: 'ignore', notes }), notes };
  };
  const refused = (key: string) => (e: unknown) => e instanceof ScimError && e.status === 400 && e.scimType === 'invalidValue' && e.message.includes(`'${key}'`);

  it('refuses a path key with a 400 invalidValue that names it, at the top and inside an extension block', () => {
    assert.throws(() => normalize({ userName: 'u', 'name.givenName': 'Kim' }), refused('name.givenName'));
    assert.throws(() => normalize({ userName: 'u', [`${ENT}:department`]: 'Eng' }), refused(`${ENT}:department`));
    assert.throws(() => normalize({ userName: 'u', [ENT]: { 'manager.value': 'm1' } }), refused('manager.value'));
  });

  it('still ignores (and notes) unknown attributes the RFC lets a server ignore', () => {
    const custom = 'urn:ietf:params:scim:schemas:extension:custom:2.0:User';
    const { data, notes } = normalize({ userName: 'u', nickname2: 'x', [custom]: { a: 1 }, [`${custom}:a`]: 1, [ENT]: { costCentre: 'x' } });
    assert.deepEqual(data, { userName: 'u' });
    assert.deepEqual(notes.ignored, ['nickname2 (unknown attribute)', `${custom} (unknown attribute)`, `${custom}:a (unknown attribute)`, `${ENT}:costCentre (unknown attribute)`]);
  });
});
