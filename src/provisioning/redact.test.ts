import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redact, redactedText } from './redact.ts';

describe('redact', () => {
  it('replaces values under secret keys, PATCH values on secret paths, and filters naming a secret', () => {
    assert.deepEqual(redact({ userName: 'a', password: 'x', nested: [{ Token: 'y' }] }), { userName: 'a', password: '[redacted]', nested: [{ Token: '[redacted]' }] });
    assert.deepEqual(redact({ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:PASSWORD', value: 'x' }), { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:PASSWORD', value: '[redacted]' });
    assert.deepEqual(redact({ schemas: [], filter: 'password eq "x"' }), { schemas: [], filter: '[redacted]' });
    assert.deepEqual(redact({ filter: 'userName eq "bob"' }), { filter: 'userName eq "bob"' });
  });

  it('keeps nothing of a body that is not JSON', () => {
    assert.equal(redactedText('{"password": hunter2', 1000), '[not JSON]');
  });
});
