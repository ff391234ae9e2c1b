/**
 * valuePathSubFilter (IDP-QUIRKS row 1, matching attributes): the Entra tutorial lists
 * `emails[type eq "work"].value` as a user query attribute, so matching on it makes Entra filter
 * with `emails[type eq "work"].value eq "a@x.com"`, outside the RFC 7644 §3.4.2.2 grammar. It means
 * `emails[type eq "work" and value eq "a@x.com"]`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors.ts';
import { bindFilter } from '../filter/bind.ts';
import { parseFilter } from '../filter/parse.ts';
import { defaultRegistry } from '../schema/registry.ts';
import { valuePathSubFilter } from './value-path-sub-filter.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');

function run(filter: string): { out: string; notes: string[] } {
  const notes: string[] = [];
  return { out: valuePathSubFilter.filter!(filter, { schemas: [USER], note: (m) => notes.push(m) }), notes };
}

describe('valuePathSubFilter', () => {
  it('is on for every IdP profile, handles row 1 and only rewrites filters', () => {
    assert.equal(valuePathSubFilter.name, 'valuePathSubFilter');
    assert.deepEqual(valuePathSubFilter.quirks, [1]);
    assert.equal(valuePathSubFilter.profiles, 'all');
    assert.equal(valuePathSubFilter.resource, undefined);
    assert.equal(valuePathSubFilter.patch, undefined);
  });

  it("Entra's emails[type eq \"work\"].value eq \"…\" is read as one value filter; the core then binds it", () => {
    const raw = 'emails[type eq "work"].value eq "jdoe@example.com"';
    assert.throws(
      () => bindFilter(parseFilter(raw), USER),
      (e: unknown) => e instanceof ScimError && e.scimType === 'invalidFilter',
      'the strict core refuses the raw filter',
    );
    const { out, notes } = run(raw);
    assert.equal(out, 'emails[(type eq "work") and value eq "jdoe@example.com"]');
    assert.deepEqual(notes, [`${raw} read as emails[(type eq "work") and value eq "jdoe@example.com"]`]);
    bindFilter(parseFilter(out), USER);
  });

  it('pr, other operators, and several such terms joined by and/or', () => {
    const { out, notes } = run('phoneNumbers[type eq "mobile"].value pr or addresses[type eq "work"].country EQ "DE"');
    assert.equal(out, 'phoneNumbers[(type eq "mobile") and value pr] or addresses[(type eq "work") and country EQ "DE"]');
    assert.equal(notes.length, 2);
    bindFilter(parseFilter(out), USER);
  });

  it('a quoted "]" inside the inner filter stays inside it', () => {
    const { out } = run('emails[type eq "a]b"].value eq "x"');
    assert.equal(out, 'emails[(type eq "a]b") and value eq "x"]');
    bindFilter(parseFilter(out), USER);
  });

  it('leaves RFC-valid filters alone, with no notes', () => {
    for (const f of ['emails[type eq "work" and value eq "a@b.c"]', 'emails[type eq "work"]', 'emails.value eq "a@b.c"', 'userName eq "x[y].z eq 1"', 'name.givenName sw "J"']) {
      assert.deepEqual(run(f), { out: f, notes: [] }, f);
    }
  });
});
