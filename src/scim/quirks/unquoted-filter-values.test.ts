/**
 * unquotedFilterValues (IDP-QUIRKS row 9): Entra checks references before updating them with
 * filters such as `filter=id eq 5d8d… and manager eq 9a2c…&attributes=id` and
 * `id eq <group> and members eq <user>`; older text of the Entra tutorial (Example 4) shows those
 * values unquoted, which RFC 7644 §3.4.2.2 does not allow (strings are JSON strings).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindFilter } from '../filter/bind.ts';
import { parseFilter } from '../filter/parse.ts';
import { attr } from '../schema/define.ts';
import { defaultRegistry, ResourceSchema } from '../schema/registry.ts';
import { ENTERPRISE_USER_URN as ENT } from '../urns.ts';
import { unquotedFilterValues } from './unquoted-filter-values.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');
const GROUP = registry.resource('Group');
/** A resource type with a number attribute, to show numbers stay numbers where numbers belong. */
const DEVICE = new ResourceSchema(
  { id: 'Device', name: 'Device', endpoint: '/Devices', description: 'test', schema: 'urn:test:Device', schemaExtensions: [] },
  { id: 'urn:test:Device', name: 'Device', description: 'test', attributes: [attr('port', 'integer', 'a port'), attr('weight', 'decimal', 'a weight'), attr('label', 'string', 'a label')] },
  [],
);

const U = '5d8d4a2e-0f3b-4c1e-9a6b-1d2c3e4f5a6b';
const M = '9a2c7b1d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';

function run(filter: string, schemas: readonly ResourceSchema[] = [USER]): { out: string; notes: string[] } {
  const notes: string[] = [];
  const out = unquotedFilterValues.filter!(filter, { schemas, note: (m) => notes.push(m) });
  return { out, notes };
}

describe('unquotedFilterValues', () => {
  it('is on for every profile but strict, handles row 9 and only rewrites filters', () => {
    assert.equal(unquotedFilterValues.name, 'unquotedFilterValues');
    assert.deepEqual(unquotedFilterValues.quirks, [9]);
    assert.equal(unquotedFilterValues.profiles, 'all');
    assert.equal(unquotedFilterValues.resource, undefined);
    assert.equal(unquotedFilterValues.patch, undefined);
  });

  it("Entra's manager check with unquoted ids: both values become strings, one note each", () => {
    const raw = `id eq ${U} and ${ENT}:manager eq ${M}`;
    assert.throws(() => parseFilter(raw), /expected a value/, 'the strict core refuses the raw filter');
    const { out, notes } = run(raw);
    assert.equal(out, `id eq "${U}" and ${ENT}:manager eq "${M}"`);
    assert.deepEqual(notes, [`unquoted value ${U} of 'id' read as "${U}"`, `unquoted value ${M} of '${ENT}:manager' read as "${M}"`]);
    bindFilter(parseFilter(out), USER);
  });

  it("Entra's membership check on a group: id eq G and members eq U", () => {
    const { out, notes } = run(`id eq g-1 and members eq ${U}`, [GROUP]);
    assert.equal(out, `id eq "g-1" and members eq "${U}"`);
    assert.equal(notes.length, 2);
    bindFilter(parseFilter(out), GROUP);
  });

  it('any operator, any case; inside value filters and parentheses', () => {
    const { out } = run('userName SW bj or (title co lead) and emails[type EQ work]');
    assert.equal(out, 'userName SW "bj" or (title co "lead") and emails[type EQ "work"]');
    bindFilter(parseFilter(out), USER);
  });

  it('values with @, dots and dashes stay whole', () => {
    assert.equal(run('emails.value eq bjensen@example.com').out, 'emails.value eq "bjensen@example.com"');
  });

  it('true, false, null and numbers compared with number attributes stay as they are', () => {
    for (const f of ['active eq true', 'active eq FALSE', 'title eq null', 'port eq 8080', 'weight gt 2.5e3']) {
      const schemas = f.startsWith('port') || f.startsWith('weight') ? [DEVICE] : [USER];
      assert.deepEqual(run(f, schemas), { out: f, notes: [] }, f);
    }
  });

  it('a number compared with an attribute it cannot resolve stays a number: inside a value filter, years ge 2 may be valid', () => {
    for (const f of ['skills[name eq "go" and years ge 2]', 'emails[type eq "work" and rank gt 1.5]', 'noSuchThing eq 7']) {
      assert.deepEqual(run(f), { out: f, notes: [] }, f);
    }
  });

  it('a number compared with a string attribute is read as a string (an id or label of digits)', () => {
    assert.deepEqual(run('label eq 42', [DEVICE]), { out: 'label eq "42"', notes: [`unquoted value 42 of 'label' read as "42"`] });
    assert.equal(run('externalId eq 00123').out, 'externalId eq "00123"');
  });

  it('leaves an RFC-valid filter as it is, with no notes, quoted text included', () => {
    for (const f of [
      'userName eq "bjensen"',
      'userName eq "a eq b" and title pr',
      `id eq "${U}" and ${ENT}:manager eq "${M}"`,
      'displayName eq "x \\" eq y"',
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      'emails[type eq "work" and value co "@example.com"]',
    ]) {
      assert.deepEqual(run(f), { out: f, notes: [] }, f);
    }
  });
});
