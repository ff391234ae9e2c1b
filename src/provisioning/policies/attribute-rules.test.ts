import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../../scim/errors.ts';
import { applyUserPolicies, deriveFormattedName, derivedFormattedName, handleProblem, isEmailAddress, quoted } from './attribute-rules.ts';

const invalid = (re: RegExp) => (e: unknown) => e instanceof ScimError && e.status === 400 && e.scimType === 'invalidValue' && re.test(e.message);

describe('handleProblem (Wire handles)', () => {
  it('accepts a-z, 0-9, _ . - from 2 to 256 characters', () => {
    for (const h of ['ab', 'a.b', 'a_b-c', '00', 'x'.repeat(256)]) assert.equal(handleProblem(h), undefined, h);
  });

  it('names what is wrong: length, capital, white space, or the code point', () => {
    assert.match(handleProblem('')!, /0 characters; a handle has at least 2/);
    assert.match(handleProblem('a')!, /1 character; a handle has at least 2/);
    assert.match(handleProblem('x'.repeat(257))!, /257 characters; a handle has at most 256/);
    assert.match(handleProblem('aB')!, /capital letter 'B'/);
    assert.match(handleProblem('a b')!, /white space \(U\+0020\)/);
    assert.match(handleProblem('a\u00a0b')!, /white space \(U\+00A0\)/);
    assert.match(handleProblem('a😀')!, /'😀' \(U\+1F600\)/, 'an astral code point, not a surrogate half');
    assert.match(handleProblem('\u0131x')!, /U\+0131/);
    assert.match(handleProblem('a+b')!, /'\+' \(U\+002B\)/);
  });

  it('counts code points: two emoji are two characters, not four', () => {
    assert.doesNotMatch(handleProblem('😀😀')!, /character/, 'length is fine; the characters are not');
  });
});

describe('isEmailAddress', () => {
  it('accepts dot-atom addresses, internationalised ones included', () => {
    for (const a of ['a@b.co', 'first.last+tag@sub.example.org', "o'hara@example.ie", 'jos\u00e9@ex\u00e4mple.de', 'x@xn--bcher-kva.example']) assert.ok(isEmailAddress(a), a);
  });
  it('refuses what no IdP sends as an address', () => {
    for (const a of ['', 'a', 'a@', '@b.co', 'a@b', 'a b@c.de', 'a@b..co', '.a@b.co', 'a.@b.co', 'a..b@c.de', 'a@-b.co', 'a@b-.co', 'a@b.co.', 'a@1.2.3.4', '"a"@b.co', 'a@[1.2.3.4]', 'a@b_c.de', `${'x'.repeat(65)}@b.co`, `a@${'b'.repeat(64)}.co`, `${'a'.repeat(60)}@${'b.'.repeat(130)}co`])
      assert.ok(!isEmailAddress(a), a);
  });
});

describe('quoted', () => {
  it('cuts long values at 64 code points and says how long they were', () => {
    assert.equal(quoted('abc'), "'abc'");
    assert.equal(quoted('😀'.repeat(64)), `'${'😀'.repeat(64)}'`);
    assert.equal(quoted('😀'.repeat(65)), `'${'😀'.repeat(64)}…' (65 characters)`);
  });
});

describe('applyUserPolicies', () => {
  it('userName.policy = handle refuses a bad handle and leaves a good one alone', () => {
    assert.throws(() => applyUserPolicies({ userName: 'Jane' }, { 'userName.policy': 'handle' }, undefined), invalid(/userName 'Jane' is not a valid handle \(userName\.policy = handle: .*\): it contains the capital letter 'J'/));
    const data = { userName: 'jane' };
    applyUserPolicies(data, { 'userName.policy': 'handle' }, undefined);
    assert.deepEqual(data, { userName: 'jane' });
    applyUserPolicies({ userName: 'Jane' }, {}, undefined);
  });

  it('displayName.policy = wire: required, 1–128 code points after NFC, stored in NFC', () => {
    const wire = { 'displayName.policy': 'wire' };
    const data: Record<string, unknown> = { userName: 'x', displayName: 'A\u030a' };
    applyUserPolicies(data, wire, undefined);
    assert.equal(data.displayName, '\u00c5');
    assert.throws(() => applyUserPolicies({ userName: 'x' }, wire, undefined), invalid(/displayName is required/));
    assert.throws(() => applyUserPolicies({ userName: 'x', displayName: ' \t ' }, wire, undefined), invalid(/must not be blank/));
    assert.throws(() => applyUserPolicies({ userName: 'x', displayName: '😀'.repeat(129) }, wire, undefined), invalid(/displayName has 129 characters/));
    applyUserPolicies({ userName: 'x', displayName: '😀'.repeat(128) }, wire, undefined);
  });

  it('externalId.mode samlNameId and email: required; email must be an address', () => {
    assert.throws(() => applyUserPolicies({ userName: 'x' }, { 'externalId.mode': 'samlNameId' }, undefined), invalid(/externalId is required \(externalId\.mode = samlNameId: the SAML NameID\)/));
    assert.throws(() => applyUserPolicies({ userName: 'x', externalId: 'nope' }, { 'externalId.mode': 'email' }, undefined), invalid(/externalId 'nope' is not an email address/));
    applyUserPolicies({ userName: 'x', externalId: 'nope' }, { 'externalId.mode': 'samlNameId' }, undefined);
    applyUserPolicies({ userName: 'x', externalId: 'a@b.co' }, { 'externalId.mode': 'email' }, undefined);
  });
});

describe('name.formatted derivation (Zulip)', () => {
  it('joins the parts in order, else takes displayName, else leaves it out', () => {
    assert.equal(derivedFormattedName({ name: { familyName: 'Doe', givenName: 'Jane', honorificPrefix: 'Dr.' } }), 'Dr. Jane Doe');
    assert.equal(derivedFormattedName({ name: { givenName: '  ' }, displayName: 'JD' }), 'JD', 'blank parts do not count');
    assert.equal(derivedFormattedName({}), undefined);
  });

  it('keeps a sent value, re-derives a derived one, and drops a derived one with nothing left', () => {
    const sent = { name: { formatted: 'Jane Q. Doe', givenName: 'Jane', familyName: 'Doe' } };
    deriveFormattedName(sent, { name: { formatted: 'Jane Q. Doe', givenName: 'J', familyName: 'Doe' } });
    assert.equal(sent.name.formatted, 'Jane Q. Doe', 'it did not equal the derivation of the stored parts: the IdP chose it');
    const stale = { name: { formatted: 'Jane Doe', givenName: 'Jane', familyName: 'Roe' } };
    deriveFormattedName(stale, { name: { formatted: 'Jane Doe', givenName: 'Jane', familyName: 'Doe' } });
    assert.equal(stale.name.formatted, 'Jane Roe');
    const empty: Record<string, unknown> = { name: { formatted: 'JD' } };
    deriveFormattedName(empty, { name: { formatted: 'JD' }, displayName: 'JD' });
    assert.equal(empty.name, undefined);
    const fresh: Record<string, unknown> = { displayName: 'JD' };
    deriveFormattedName(fresh);
    assert.deepEqual(fresh.name, { formatted: 'JD' });
  });
});
