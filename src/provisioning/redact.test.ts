import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redact, redactFilter, redactUrl, REDACTED } from './redact.ts';

describe('redact', () => {
  it('replaces values under secret keys and PATCH values whose path names a secret', () => {
    assert.deepEqual(redact({ userName: 'a', password: 'x', nested: [{ apiKey: 'k' }] }), { userName: 'a', password: REDACTED, nested: [{ apiKey: REDACTED }] });
    assert.deepEqual(redact({ op: 'replace', path: 'password', value: 'x' }), { op: 'replace', path: 'password', value: REDACTED });
    assert.deepEqual(redact({ op: 'replace', path: 'title', value: 'x' }), { op: 'replace', path: 'title', value: 'x' });
  });

  it('a filter that compares a secret keeps its shape but none of its literals', () => {
    assert.equal(redactFilter('userName eq "bob" and password eq "hunter\\"2"'), `userName eq "${REDACTED}" and password eq "${REDACTED}"`);
    assert.equal(redactFilter('userName eq "bob"'), 'userName eq "bob"');
    assert.deepEqual(redact({ filter: 'password eq "x"', count: 1 }), { filter: `password eq "${REDACTED}"`, count: 1 });
  });

  it('a URL whose query names a secret, however it is encoded', () => {
    const logged = redactUrl('/scim/v2/Users?filter=password%20eq%20%22s3cret!%22&count=1');
    assert.ok(!logged.includes('s3cret'), logged);
    assert.match(decodeURIComponent(logged), /filter=password eq "\[redacted\]"&count=1/);
    assert.ok(!redactUrl('/Users?filter=PassWord+eq+%22s3cret%22').includes('s3cret'));
    assert.equal(redactUrl('/scim/v2/Users?filter=userName%20eq%20%22bob%22'), '/scim/v2/Users?filter=userName%20eq%20%22bob%22');
    assert.equal(redactUrl('/scim/v2/Users'), '/scim/v2/Users');
    assert.equal(redactUrl('/Users?filter=password%20eq%20%22se%ZZcret%22'), '/Users?[redacted]', 'an undecodable query naming a secret goes whole');
    assert.equal(redactUrl('/Users?filter=title%20eq%20%22%E0%A4%A%22'), '/Users?filter=title%20eq%20%22%E0%A4%A%22');
    assert.ok(!redactUrl('/Users?filter=%70assword%20eq%20%22s3cret%22').includes('s3cret'), 'an encoded attribute name is seen');
  });
});
