/**
 * Operations apply in order, all or nothing (RFC 7644 §3.5.2).
 * Shared fixtures: test/helpers/patch-apply.ts (every input is deep-frozen).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTERPRISE_USER_URN as ENT } from '../urns.ts';
import { applyPatch, parsePatchRequest } from './apply.ts';
import { USER, body, patchUser, throwsScim, userRejects, BJENSEN } from '../../../test/helpers/patch-apply.ts';

describe('operations apply in order, all or nothing (RFC 7644 §3.5.2)', () => {
  it('a later operation sees what an earlier one did (RFC 7644 §3.5.2)', () => {
    const out = patchUser(
      BJENSEN,
      { op: 'add', path: 'emails', value: [{ value: 'b@other.net', type: 'other' }] },
      { op: 'replace', path: 'emails[type eq "other"].display', value: 'Other' },
      { op: 'remove', path: 'emails[type eq "home"]' },
    );
    assert.deepEqual(out.data.emails, [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'b@other.net', type: 'other', display: 'Other' },
    ]);
  });

  it('a filter made unmatched by an earlier remove is noTarget (RFC 7644 §3.5.2)', () => {
    userRejects(BJENSEN, 'noTarget', [
      { op: 'remove', path: 'emails' },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'x@example.com' },
    ]);
  });

  it('a failing third operation throws and leaves the input document unmodified (RFC 7644 §3.5.2)', () => {
    const input = structuredClone(BJENSEN);
    const snapshot = structuredClone(BJENSEN);
    const ops = parsePatchRequest(
      body(
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'remove', path: 'emails[type eq "work"]' },
        { op: 'replace', path: 'addresses[type eq "other"].locality', value: 'Nowhere' },
      ),
      USER,
    );
    throwsScim(() => applyPatch({ schema: USER, id: 'u', data: input }, ops), 'noTarget');
    // Not frozen here: the engine must copy rather than rely on the caller's freezing.
    assert.deepEqual(input, snapshot);
  });

  it('a PATCH whose result violates "required" fails as a whole, after valid operations (RFC 7644 §3.5.2, RFC 7643 §2.2)', () => {
    userRejects(
      BJENSEN,
      'mutability',
      [
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'remove', path: 'userName' },
      ],
      /'userName' is required/,
    );
  });

  it('a later mutability error undoes earlier extension and sub-attribute changes (RFC 7644 §3.5.2)', () => {
    userRejects(BJENSEN, 'mutability', [
      { op: 'remove', path: ENT },
      { op: 'replace', path: 'name.givenName', value: 'X' },
      { op: 'replace', path: 'meta.lastModified', value: '2020-01-01T00:00:00Z' },
    ]);
  });
});
