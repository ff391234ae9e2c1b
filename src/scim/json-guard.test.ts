import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from './errors.ts';
import { checkJsonText, jsonSyntaxMessage, parseJsonText } from './json-guard.ts';

const LIMITS = { maxDepth: 4, maxKeyLength: 12 };

function refuses(text: string, scimType: string, detail: RegExp): void {
  assert.throws(
    () => parseJsonText(text, LIMITS),
    (e: unknown) => e instanceof ScimError && e.status === 400 && e.scimType === scimType && detail.test(e.message),
    text.slice(0, 80),
  );
}

describe('checkJsonText: structure limits before JSON.parse', () => {
  it('accepts nesting up to the limit and refuses one level more', () => {
    assert.deepEqual(parseJsonText('{"a":[{"b":[]}]}', LIMITS), { a: [{ b: [] }] });
    refuses('{"a":[{"b":[[]]}]}', 'invalidSyntax', /deeper than the limit of 4 levels/);
    refuses('['.repeat(100_000), 'invalidSyntax', /limit of 4 levels/);
  });

  it('does not count brackets, braces or quotes inside strings', () => {
    assert.deepEqual(parseJsonText('{"a":"[[[[[{{{{{\\"]]]"}', LIMITS), { a: '[[[[[{{{{{"]]]' });
    assert.deepEqual(parseJsonText('["\\\\", "x"]', LIMITS), ['\\', 'x']);
  });

  it('refuses keys longer than the limit, but not long values', () => {
    assert.doesNotThrow(() => checkJsonText(`{"${'k'.repeat(12)}":"${'v'.repeat(1000)}"}`, LIMITS));
    refuses(`{"${'k'.repeat(13)}":1}`, 'invalidSyntax', /key of 13 characters; the limit is 12/);
  });

  it('refuses __proto__, constructor and prototype as keys, in any casing, at any depth, escaped or not', () => {
    for (const text of ['{"__proto__":{}}', '{"a":{"constructor":1}}', '[{"Prototype":1}]', '{"\\u005f_proto__":1}', '{"CONSTRUCTOR":{"prototype":{}}}']) {
      refuses(text, 'invalidSyntax', /not an attribute name/);
    }
    // As values they are just strings.
    assert.deepEqual(parseJsonText('{"a":"__proto__","b":["constructor"]}', LIMITS), { a: '__proto__', b: ['constructor'] });
  });

  it('refuses a key named twice in one object, also in different casings; the same key in sibling objects is fine', () => {
    refuses('{"userName":"a","USERNAME":"b"}', 'invalidSyntax', /"USERNAME" twice in one object/);
    refuses('{"a":1,"a":2}', 'invalidSyntax', /twice/);
    refuses('{"a":{"x":1,"x":2}}', 'invalidSyntax', /twice/);
    assert.deepEqual(parseJsonText('[{"a":1},{"a":2}]', LIMITS), [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(parseJsonText('{"a":{"a":{"a":1}}}', LIMITS), { a: { a: { a: 1 } } });
  });

  it('leaves syntax errors to JSON.parse, whose message loses any excerpt of the input', () => {
    refuses('{"password": hunter2}', 'invalidSyntax', /^The request body is not valid JSON: Unexpected token …$/);
    refuses('{"a":1,}', 'invalidSyntax', /position 7/);
    refuses('"unterminated', 'invalidSyntax', /not valid JSON/);
    assert.doesNotMatch(jsonSyntaxMessage(new SyntaxError('Unexpected token \'h\', "hunter2" is not valid JSON')), /hunter|'h'/);
  });
});
