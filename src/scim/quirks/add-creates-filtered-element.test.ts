/**
 * addCreatesFilteredElement (IDP-QUIRKS row 7): Entra adds a value to an element that does not
 * exist yet (SCIM-SDK#416, SCIMReferenceCode PR #48, scim-patch#187):
 *
 *   {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"}
 *   {"op": "Add", "path": "addresses[type eq \"work\"].country", "value": "DE"}
 *
 * RFC 7644 §3.5.2.1 answers noTarget; for Entra the element is created. It changes what a request
 * means, so it is on for the entra profile only. Every input is deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors.ts';
import { applyPatch, parsePatchRequest } from '../patch/apply.ts';
import { defaultRegistry, type ResourceSchema } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';
import { PATCH_OP_URN } from '../urns.ts';
import { addCreatesFilteredElement } from './add-creates-filtered-element.ts';
import { deepFreeze } from '../../../test/helpers/freeze.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');

const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });

function run(body: Json, current: Json | undefined, schema: ResourceSchema = USER): { out: Json; notes: string[] } {
  const notes: string[] = [];
  const input = deepFreeze(structuredClone(body));
  const frozenCurrent = current === undefined ? undefined : deepFreeze(structuredClone(current));
  const out = addCreatesFilteredElement.patch!(input, {
    schema,
    resourceId: 'u1',
    ...(frozenCurrent ? { current: frozenCurrent } : {}),
    note: (m) => notes.push(m),
    followUp: () => assert.fail('no follow-up expected'),
  });
  assert.deepEqual(input, body, 'the input is untouched');
  if (current !== undefined) assert.deepEqual(frozenCurrent, current, 'the stored resource is untouched');
  return { out, notes };
}

const apply = (data: Json, body: Json) => applyPatch({ schema: USER, id: 'u1', data }, parsePatchRequest(body, USER)).data;

describe('addCreatesFilteredElement', () => {
  it('is on for the entra profile only and handles row 7', () => {
    assert.equal(addCreatesFilteredElement.name, 'addCreatesFilteredElement');
    assert.deepEqual(addCreatesFilteredElement.quirks, [7]);
    assert.equal(addCreatesFilteredElement.profiles, 'all');
  });

  it('Entra adds phoneNumbers[type eq "mobile"].value to a user with no mobile: the element is created', () => {
    const current = { userName: 'u', phoneNumbers: [{ value: '+1 555 0199', type: 'work' }] };
    const raw = patchOp({ op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' });
    const { out, notes } = run(raw, current);
    assert.deepEqual(out, patchOp({ op: 'add', path: 'phoneNumbers', value: [{ type: 'mobile', value: '+1 555 0100' }] }));
    assert.deepEqual(notes, [`"phoneNumbers[type eq "mobile"].value" matches nothing: Add of the new element {"type":"mobile","value":"+1 555 0100"} to 'phoneNumbers'`]);
    assert.deepEqual(apply(current, out).phoneNumbers, [
      { value: '+1 555 0199', type: 'work' },
      { type: 'mobile', value: '+1 555 0100' },
    ]);
  });

  it('the strict core refuses the raw request with noTarget', () => {
    const raw = patchOp({ op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' });
    assert.throws(
      () => apply({ userName: 'u' }, raw),
      (e: unknown) => e instanceof ScimError && e.scimType === 'noTarget',
    );
  });

  it('addresses[type eq "work"].country on a user without addresses (no stored resource given counts as empty)', () => {
    const { out, notes } = run(patchOp({ op: 'replace', path: 'addresses[type eq "work"].country', value: 'DE' }), undefined);
    assert.deepEqual(out, patchOp({ op: 'add', path: 'addresses', value: [{ type: 'work', country: 'DE' }] }));
    assert.deepEqual(notes, [`"addresses[type eq "work"].country" matches nothing: replace of the new element {"type":"work","country":"DE"} to 'addresses'`]);
  });

  it('a filter of eq tests joined by and pins every field of the new element', () => {
    const { out } = run(patchOp({ op: 'add', path: 'emails[type eq "work" and primary eq true].value', value: 'w@example.com' }), { userName: 'u' });
    assert.deepEqual(out, patchOp({ op: 'add', path: 'emails', value: [{ type: 'work', primary: true, value: 'w@example.com' }] }));
  });

  it('an element that matches already is left to the core, which updates it in place', () => {
    const current = { userName: 'u', phoneNumbers: [{ value: 'old', type: 'mobile' }] };
    const raw = patchOp({ op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: 'new' });
    const { out, notes } = run(raw, current);
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
    assert.deepEqual(apply(current, out).phoneNumbers, [{ value: 'new', type: 'mobile' }]);
  });

  it('filters that do not pin an element down (ne, or, pr) and paths without a sub-attribute are left alone', () => {
    const raw = patchOp(
      { op: 'add', path: 'phoneNumbers[type ne "mobile"].value', value: 'x' },
      { op: 'add', path: 'phoneNumbers[type eq "a" or type eq "b"].value', value: 'x' },
      { op: 'add', path: 'phoneNumbers[type pr].value', value: 'x' },
      { op: 'add', path: 'phoneNumbers[type eq "mobile"]', value: { value: 'x' } },
    );
    const { out, notes } = run(raw, { userName: 'u' });
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
  });

  it('remove ops, unknown attributes and malformed paths are left for the core', () => {
    const raw = patchOp(
      { op: 'remove', path: 'phoneNumbers[type eq "mobile"].value' },
      { op: 'add', path: 'noSuch[type eq "x"].value', value: 'x' },
      { op: 'add', path: 'phoneNumbers[type eq', value: 'x' },
      { op: 'add', path: 'name[givenName eq "x"].familyName', value: 'x' },
    );
    const { out, notes } = run(raw, { userName: 'u' });
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
  });

  it('leaves an RFC-valid PATCH as it is, with no notes', () => {
    const raw = patchOp({ op: 'add', path: 'phoneNumbers', value: [{ value: 'x', type: 'mobile' }] }, { op: 'replace', path: 'name.givenName', value: 'G' });
    const { out, notes } = run(raw, { userName: 'u' });
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
  });
});
