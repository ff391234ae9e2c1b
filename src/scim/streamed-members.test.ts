import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Projection } from './project.ts';
import { renderResource, type Member, type StoredResource } from './resource.ts';
import { defaultRegistry } from './schema/registry.ts';
import { memberItemsText, membersStreamable, splitAroundMembers } from './streamed-members.ts';

const GROUP = defaultRegistry().resource('Group');
const BASE = 'https://scim.example/scim/v2';
const group: StoredResource = { id: 'g1', type: 'Group', version: 7, created: '2026-01-01T00:00:00Z', lastModified: '2026-01-02T00:00:00Z', data: { displayName: 'Ops "quoted" ✓', externalId: 'x' } };
const members: Member[] = [
  { value: 'u1', type: 'User', display: 'Ann' },
  { value: 'u2', type: 'User' },
  { value: 'g2', type: 'Group', display: 'Sub' },
];

/** The pieces as the stream joins them: head, pages comma-joined in brackets, tail. */
function joined(p: Projection, pages: Member[][]): string {
  const { head, tail } = splitAroundMembers(p.apply(renderResource(group, GROUP, { baseUrl: BASE, members: pages[0]!.slice(0, 1) })));
  return `${head}[${pages.map((page) => memberItemsText(p, page, BASE)).join(',')}]${tail}`;
}

describe('streamed members', () => {
  const cases: [string[], string[]][] = [
    [[], []],
    [['members'], []],
    [['displayName', 'members.value'], []],
    [[], ['meta', 'members.display']],
    [['members.type', 'externalId'], []],
  ];
  for (const [attributes, excluded] of cases) {
    it(`joins to JSON.stringify of the whole document (attributes=${attributes.join(',')}, excludedAttributes=${excluded.join(',')})`, () => {
      const p = Projection.of(GROUP, attributes, excluded);
      assert.ok(membersStreamable(p));
      const whole = JSON.stringify(p.apply(renderResource(group, GROUP, { baseUrl: BASE, members })));
      assert.equal(joined(p, [members.slice(0, 2), members.slice(2)]), whole);
      assert.equal(joined(p, [members]), whole);
    });
  }

  it('is not used where the projection could drop members, or shows none', () => {
    assert.equal(membersStreamable(Projection.of(GROUP, ['members.display'])), false);
    assert.equal(membersStreamable(Projection.of(GROUP, [], ['members'])), false);
    assert.equal(membersStreamable(Projection.of(GROUP, ['displayName'])), false);
  });

  it('cuts a document whose members come first or last', () => {
    assert.deepEqual(splitAroundMembers({ members: [], b: 1 }), { head: '{"members":', tail: ',"b":1}' });
    assert.deepEqual(splitAroundMembers({ a: 'x', members: [] }), { head: '{"a":"x","members":', tail: '}' });
    assert.deepEqual(splitAroundMembers({ members: [] }), { head: '{"members":', tail: '}' });
  });
});
