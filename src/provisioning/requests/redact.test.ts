/**
 * The request log's redaction: a text without anything that looks like a secret's key is kept as it
 * is (no parse, no rebuild), and that shortcut gives exactly what redacting the parsed document
 * gives, for any document (fast-check, fixed seed), including keys and PATCH paths that name secrets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { REDACTED, redact, redactedJsonText, redactedText, redactFilter } from './redact.ts';

/** The definition: parse (done), redact, serialise, cut. */
function reference(value: unknown, max: number): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = JSON.stringify(redact(value));
  return text.length > max ? `${text.slice(0, max)}…[truncated ${text.length - max} characters]` : text;
}

const key = fc.oneof(fc.constantFrom('userName', 'value', 'path', 'op', 'Password', 'passWord', 'apiKey', 'api-key', 'TOKEN', 'secretQuestion', 'credentials', 'x'), fc.string({ maxLength: 6 }));
const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('password', 'emails[type eq "work"].value', 'token'), fc.integer(), fc.boolean(), fc.constant(null));
const doc = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), tie('array')),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  array: fc.array(tie('value'), { maxLength: 4 }),
})).value;

describe('request log redaction', () => {
  it('redacts keys and PATCH paths that name secrets', () => {
    const body = { userName: 'bjensen', password: 'hunter2', Operations: [{ op: 'replace', path: 'password', value: 'x' }, { op: 'add', path: 'title', value: 'y' }] };
    const text = redactedText(body, 10_000)!;
    assert.deepEqual(JSON.parse(text), { userName: 'bjensen', password: REDACTED, Operations: [{ op: 'replace', path: 'password', value: REDACTED }, { op: 'add', path: 'title', value: 'y' }] });
    assert.equal(redactedJsonText(JSON.stringify(body), 10_000), text);
  });

  it('keeps a text without secret-looking keys as it is, cut at the limit', () => {
    const text = JSON.stringify({ userName: 'bjensen', emails: [{ value: 'b@x.com' }] });
    assert.equal(redactedJsonText(text, 10_000), text);
    assert.equal(redactedJsonText(text, 10), `${text.slice(0, 10)}…[truncated ${text.length - 10} characters]`);
    assert.equal(redactedJsonText('', 10), undefined);
  });

  it('gives what redacting the parsed document gives, for any document', () => {
    fc.assert(
      fc.property(doc, fc.integer({ min: 5, max: 400 }), (value, max) => {
        const expected = reference(value, max);
        // A string given to redactedText is raw text, not a parsed document.
        if (typeof value !== 'string') assert.equal(redactedText(value, max), expected);
        if (value !== null && value !== '') assert.equal(redactedJsonText(JSON.stringify(value), max), expected);
        // Raw text from elsewhere (parsed here) agrees too.
        if (value !== null && value !== '') assert.equal(redactedText(JSON.stringify(value), max), expected);
      }),
      { seed: 20_260_601, numRuns: 400 },
    );
  });

  it('keeps nothing of a raw text that is not JSON', () => {
    assert.equal(redactedText('password=hunter2', 100), '[not JSON]');
  });
});

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
