import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { rememberJson } from '../../scim/json-text.ts';
import type { StoredResource } from '../../scim/resource.ts';
import type { Json } from '../../scim/schema/validate.ts';
import { SCIMD_USER_URN } from '../../scim/urns.ts';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { recordChange } from './changes.ts';

// The state of an event is built around the JSON text the store wrote for the document when it has
// it (json-text.ts); it must be the very state the recorder builds from the document itself.
describe('event state from the written document text', () => {
  const store = openSqliteStore(':memory:');
  after(() => store.close());
  const at = '2026-12-07T00:00:00.000Z';
  const resource = (type: 'User' | 'Group', data: Json): StoredResource => ({ id: randomUUID(), type, version: 3, created: at, lastModified: at, data });
  const proto = JSON.parse('{"userName":"p","__proto__":{"x":1}}') as Json;
  const documents: [string, 'User' | 'Group', () => Json][] = [
    ['a user', 'User', () => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a@example.com', name: { givenName: 'Ä', familyName: 'O"Brien\\' }, active: true, emails: [{ value: 'a@example.com', primary: true }] })],
    ['an empty document', 'User', () => ({})],
    ['an own __proto__ key', 'User', () => JSON.parse(JSON.stringify(proto)) as Json],
    ['a pending invitation (shown inactive)', 'User', () => ({ userName: 'i', active: true, [SCIMD_USER_URN]: { invitation: 'pending' } })],
    ['a group that holds members', 'Group', () => ({ displayName: 'G', members: [{ value: 'm' }] })],
    ['keys named id and meta', 'User', () => ({ userName: 'k', id: 'inner', meta: { x: 1 } })],
  ];

  for (const [what, type, doc] of documents) {
    it(`${what}: the same state, keys in the same order`, async () => {
      const tenantId = randomUUID();
      const plain = resource(type, doc());
      const written = { ...resource(type, doc()), id: plain.id };
      rememberJson(written.data, JSON.stringify(written.data));
      const cause = { actor: 'scim', clientId: 'c', requestId: 'r' } as const;
      await store.transaction(async (tx) => {
        await recordChange(tx, { tenantId, resource: plain, what: { kind: 'create' }, at, cause });
        await recordChange(tx, { tenantId, resource: written, what: { kind: 'create' }, at, cause });
      });
      const [a, b] = await store.tenantEvents(tenantId, 0, 10);
      assert.ok(a?.state && b?.state);
      assert.equal(JSON.stringify(b.state), JSON.stringify(a.state));
      if (!Object.hasOwn(plain.data, 'id')) assert.equal((a.state as Json).id, plain.id);
    });
  }

  it('is the document as the store wrote it: a change to the object after the write is not in the event', async () => {
    const tenantId = randomUUID();
    const r = resource('User', { userName: 'w', displayName: 'Written' });
    rememberJson(r.data, JSON.stringify(r.data));
    r.data.displayName = 'Changed afterwards';
    await store.transaction((tx) => recordChange(tx, { tenantId, resource: r, what: { kind: 'create' }, at, cause: { actor: 'admin' } }));
    const [e] = await store.tenantEvents(tenantId, 0, 10);
    assert.deepEqual(e?.state, { id: r.id, userName: 'w', displayName: 'Written', meta: { resourceType: 'User', created: at, lastModified: at, version: 'W/"3"' } });
  });
});
