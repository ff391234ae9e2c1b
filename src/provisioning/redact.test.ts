import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redact, redactedText, redactFilter, REDACTED } from './redact.ts';

describe('redact', () => {
  it('replaces values under secret keys and PATCH values whose path names a secret', () => {
    assert.deepEqual(redact({ userName: 'a', password: 'x', nested: [{ apiKey: 'k' }] }), { userName: 'a', password: REDACTED, nested: [{ apiKey: REDACTED }] });
    assert.deepEqual(redact({ op: 'replace', path: 'password', value: 'x' }), { op: 'replace', path: 'password', value: REDACTED });
    assert.deepEqual(redact({ op: 'replace', path: 'title', value: 'x' }), { op: 'replace', path: 'title', value: 'x' });
    assert.deepEqual(redact({ nested: [{ Token: 'y' }] }), { nested: [{ Token: REDACTED }] });
    const urn = 'urn:ietf:params:scim:schemas:core:2.0:User:PASSWORD';
    assert.deepEqual(redact({ op: 'replace', path: urn, value: 'x' }), { op: 'replace', path: urn, value: REDACTED });
  });

  it('a filter that compares a secret keeps its shape but none of its literals', () => {
    assert.equal(redactFilter('userName eq "bob" and password eq "hunter\\"2"'), `userName eq "${REDACTED}" and password eq "${REDACTED}"`);
    assert.equal(redactFilter('userName eq "bob"'), 'userName eq "bob"');
    assert.deepEqual(redact({ filter: 'password eq "x"', count: 1 }), { filter: `password eq "${REDACTED}"`, count: 1 });
  });

  it('a filter with unquoted values (unquotedFilterValues) keeps none of them either', () => {
    assert.equal(redactFilter('password eq hunter2 and userName eq bob'), `password eq "${REDACTED}" and userName eq "${REDACTED}"`);
    assert.equal(redactFilter('(Password Eq 12345)'), `(Password Eq "${REDACTED}")`);
  });

  it('keeps nothing of a body that is not JSON', () => {
    assert.equal(redactedText('{"password": hunter2', 1000), '[not JSON]');
  });
});
