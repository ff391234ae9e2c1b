import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredResource } from '../scim/resource.ts';
import { knownInNoGroup, markInNoGroup } from './hints.ts';

const resource = (): StoredResource => ({ id: 'u1', type: 'User', version: 1, created: '2026-01-01T00:00:00.000Z', lastModified: '2026-01-01T00:00:00.000Z', data: { userName: 'a' } });

describe('store hints', () => {
  it('mark the very object the store returned, and no copy of it', () => {
    const r = resource();
    assert.equal(knownInNoGroup(r), false);
    assert.equal(markInNoGroup(r), r);
    assert.equal(knownInNoGroup(r), true);
    assert.equal(markInNoGroup(r), r, 'marking twice is harmless');
    assert.equal(knownInNoGroup({ ...r }), false);
    assert.equal(knownInNoGroup(Object.assign({}, r)), false);
    assert.equal(knownInNoGroup(structuredClone(r)), false);
  });

  it('leave no trace in keys, JSON or deep equality', () => {
    const r = markInNoGroup(resource());
    assert.deepEqual(Object.keys(r), Object.keys(resource()));
    assert.equal(JSON.stringify(r), JSON.stringify(resource()));
    assert.deepStrictEqual(r, resource());
  });
});
