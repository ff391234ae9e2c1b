/**
 * pathKeyedReplace (IDP-QUIRKS row 5): in its `aadOptscim062020` mode Entra sends one path-less
 * replace whose value keys are attribute paths (Microsoft Learn, SCIM compatibility article,
 * "replace multiple attributes"):
 *
 *   {"op": "replace", "value": {"displayName": "Pvlo", "emails[type eq \"work\"].value": "…",
 *    "name.givenName": "Henry", "name.familyName": "Ross",
 *    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Zdfp"}}
 *
 * Every input is deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, parsePatchRequest } from '../patch/apply.ts';
import { defaultRegistry, type ResourceSchema } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';
import { ENTERPRISE_USER_URN as ENT, PATCH_OP_URN } from '../urns.ts';
import { pathKeyedReplace } from './path-keyed-replace.ts';
import { runNormaliser } from '../../../test/helpers/normaliser.ts';

const registry = defaultRegistry();
const USER = registry.resource('User');

const patchOp = (...Operations: Json[]): Json => ({ schemas: [PATCH_OP_URN], Operations });

function run(body: Json, schema: ResourceSchema = USER): { out: Json; notes: string[] } {
  return runNormaliser(pathKeyedReplace, 'patch', body, { schema, resourceId: 'r1', current: {} });
}

describe('pathKeyedReplace', () => {
  it('is on for every profile but strict, handles row 5, PATCH only', () => {
    assert.equal(pathKeyedReplace.name, 'pathKeyedReplace');
    assert.deepEqual(pathKeyedReplace.quirks, [5]);
    assert.equal(pathKeyedReplace.profiles, 'all');
    assert.equal(pathKeyedReplace.resource, undefined);
  });

  it("splits Entra's path-keyed replace into one operation per path; plain keys stay in the path-less op", () => {
    const raw = patchOp({
      op: 'replace',
      value: {
        displayName: 'Pvlo',
        'emails[type eq "work"].value': 'henry@example.com',
        'name.givenName': 'Henry',
        'name.familyName': 'Ross',
        [`${ENT}:employeeNumber`]: 'Zdfp',
      },
    });
    const { out, notes } = run(raw);
    assert.deepEqual(
      out,
      patchOp(
        { op: 'replace', value: { displayName: 'Pvlo' } },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'henry@example.com' },
        { op: 'replace', path: 'name.givenName', value: 'Henry' },
        { op: 'replace', path: 'name.familyName', value: 'Ross' },
        { op: 'replace', path: `${ENT}:employeeNumber`, value: 'Zdfp' },
      ),
    );
    assert.deepEqual(notes, [
      `value key 'emails[type eq "work"].value' read as path "emails[type eq "work"].value"`,
      `value key 'name.givenName' read as path "name.givenName"`,
      `value key 'name.familyName' read as path "name.familyName"`,
      `value key '${ENT}:employeeNumber' read as path "${ENT}:employeeNumber"`,
    ]);
    // The core applies the rewritten body to a user with a work email: no literal dotted attribute is stored.
    const data = { userName: 'h', emails: [{ value: 'old@example.com', type: 'work' }] };
    const result = applyPatch({ schema: USER, id: 'r1', data }, parsePatchRequest(out, USER));
    assert.deepEqual(result.data, {
      userName: 'h',
      emails: [{ value: 'henry@example.com', type: 'work' }],
      displayName: 'Pvlo',
      name: { givenName: 'Henry', familyName: 'Ross' },
      [ENT]: { employeeNumber: 'Zdfp' },
    });
    assert.ok(!JSON.stringify(result.data).includes('name.givenName'));
  });

  it('drops the path-less op when every key is a path, and keeps the op spelling of the client', () => {
    const { out, notes } = run(patchOp({ op: 'Add', value: { 'name.givenName': 'A' } }));
    assert.deepEqual(out, patchOp({ op: 'Add', path: 'name.givenName', value: 'A' }));
    assert.deepEqual(notes, [`value key 'name.givenName' read as path "name.givenName"`]);
  });

  it('keeps the order of operations around the one it splits', () => {
    const { out } = run(patchOp({ op: 'replace', path: 'title', value: 't' }, { op: 'replace', value: { 'name.familyName': 'F' } }, { op: 'remove', path: 'nickName' }));
    assert.deepEqual(
      out,
      patchOp({ op: 'replace', path: 'title', value: 't' }, { op: 'replace', path: 'name.familyName', value: 'F' }, { op: 'remove', path: 'nickName' }),
    );
  });

  it('an extension URN key holding an object is an extension object, not a path', () => {
    const raw = patchOp({ op: 'replace', value: { [ENT]: { department: 'Eng' }, displayName: 'D' } });
    const { out, notes } = run(raw);
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
  });

  it("path keys inside an extension's block become operations on the extension's paths; the rest of the block stays", () => {
    const { out, notes } = run(patchOp({ op: 'replace', value: { [ENT]: { 'manager.value': 'm1', department: 'Eng' } } }));
    assert.deepEqual(out, patchOp({ op: 'replace', value: { [ENT]: { department: 'Eng' } } }, { op: 'replace', path: `${ENT}:manager.value`, value: 'm1' }));
    assert.deepEqual(notes, [`value key 'manager.value' of ${ENT} read as path "${ENT}:manager.value"`]);
  });

  it("a key under a URN that is no schema of the resource may be an unknown extension's block: left for the core, which ignores it", () => {
    const custom = 'urn:ietf:params:scim:schemas:extension:custom:2.0:User';
    const raw = patchOp({ op: 'replace', value: { [custom]: { costCenter: '1' }, [`${custom}:costCenter`]: '1', 'x:y': 1 } });
    assert.deepEqual(run(raw), { out: raw, notes: [] });
  });

  it('a dotted key naming no attribute still becomes an operation, which the core refuses by its path', () => {
    const { out } = run(patchOp({ op: 'replace', value: { 'name.givenNme': 'A' } }));
    assert.throws(() => applyPatch({ schema: USER, id: 'r1', data: { userName: 'u' } }, parsePatchRequest(out, USER)), /name\.givenNme/);
  });

  it('leaves an RFC-valid PATCH as it is, with no notes', () => {
    const raw = patchOp(
      { op: 'replace', value: { displayName: 'D', name: { givenName: 'G' }, active: false } },
      { op: 'replace', path: 'name.givenName', value: 'G2' },
      { op: 'add', path: 'emails', value: [{ value: 'a@b.c' }] },
      { op: 'remove', path: 'title' },
    );
    const { out, notes } = run(raw);
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
  });

  it('leaves a path-less op whose value is not an object for the core to refuse', () => {
    const raw = patchOp({ op: 'replace', value: 'name.givenName' }, { op: 'replace', path: '', value: ['x'] });
    const { out, notes } = run(raw);
    assert.deepEqual(out, raw);
    assert.deepEqual(notes, []);
  });
});
