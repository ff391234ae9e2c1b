/**
 * The filter builders (build.ts) yield the trees parseFilter yields for the same filter written
 * out, and take values of any length and content, which filter text could not carry past the
 * parser's length limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors.ts';
import { defaultRegistry } from '../schema/registry.ts';
import { bindFilter } from './bind.ts';
import { and, attr, eq, or } from './build.ts';
import { evaluate } from './evaluate.ts';
import { DEFAULT_PARSE_LIMITS, parseFilter } from './parse.ts';
import { printFilter } from './print.ts';

const SCIMD_USER = 'urn:scimd:schemas:extension:2.0:User';

describe('filter builders', () => {
  it('eq builds the tree parseFilter builds, for plain, dotted and URN-qualified paths', () => {
    assert.deepEqual(eq('userName', 'bjensen'), parseFilter('userName eq "bjensen"'));
    assert.deepEqual(eq('emails.value', 'a@example.com'), parseFilter('emails.value eq "a@example.com"'));
    assert.deepEqual(eq(`${SCIMD_USER}:emailVerified`, true), parseFilter(`${SCIMD_USER}:emailVerified eq true`));
    assert.deepEqual(eq('x', null), parseFilter('x eq null'));
    assert.deepEqual(eq(attr('meta.version'), 3), parseFilter('meta.version eq 3'));
  });

  it('and / or chain to the left, as the parser reads them; one operand stands for itself', () => {
    const [a, b, c] = [eq('a', 1), eq('b', 2), eq('c', 3)];
    assert.deepEqual(and(a, b, c), parseFilter('a eq 1 and b eq 2 and c eq 3'));
    assert.deepEqual(or(a, b, c), parseFilter('a eq 1 or b eq 2 or c eq 3'));
    assert.deepEqual(or(and(a, b), c), parseFilter('a eq 1 and b eq 2 or c eq 3'));
    assert.deepEqual(and(a, or(b, c)), parseFilter('a eq 1 and (b eq 2 or c eq 3)'));
    assert.equal(and(a), a);
    assert.equal(or(a), a);
    assert.throws(() => and(), /at least one/);
    assert.throws(() => or(), /at least one/);
  });

  it('a value longer than a client filter may be, with quotes, backslashes and control characters, is carried as it is', () => {
    const value = `"\\${'x'.repeat(DEFAULT_PARSE_LIMITS.maxLength + 1000)}\n\u0000`;
    const f = eq('userName', value);
    assert.ok(f.kind === 'compare');
    assert.equal(f.value, value);
    // The same filter as text is refused by the parser: this is what internal lookups must not do.
    assert.throws(() => parseFilter(printFilter(f)), (e: unknown) => e instanceof ScimError && e.scimType === 'invalidFilter');
    const users = defaultRegistry().resource('User');
    const bound = bindFilter(f, users);
    assert.equal(evaluate(bound, { userName: value }), true);
    assert.equal(evaluate(bound, { userName: value.slice(1) }), false);
  });

  it('a path that is not an attribute path is refused (scimd’s own paths are constants; this is a bug guard)', () => {
    assert.throws(() => eq('not a path', 'x'), ScimError);
    assert.throws(() => eq('a.b.c', 'x'), ScimError);
    assert.throws(() => eq('__proto__', 'x'), ScimError);
  });
});
