/**
 * The PatchOp message and invalidPath: unknown attributes and malformed paths (RFC 7644 §3.5.2,
 * §3.12).
 * Shared fixtures: test/helpers/patch-apply.ts (every input is deep-frozen).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ScimType } from '../errors.ts';
import { ENTERPRISE_USER_URN as ENT, PATCH_OP_URN } from '../urns.ts';
import { applyPatch, DEFAULT_PATCH_LIMITS, parsePatchRequest } from './apply.ts';
import { type Op, USER, GROUP, CORE_USER, body, throwsScim, userRejects, BJENSEN, expected } from '../../../test/helpers/patch-apply.ts';

describe('the PatchOp message (RFC 7644 §3.5.2)', () => {
  const parseRejects = (b: unknown, scimType: ScimType, detail?: RegExp) => throwsScim(() => parsePatchRequest(b, USER), scimType, detail);

  it('bodies that are not a PatchOp object are invalidSyntax (RFC 7644 §3.5.2, §3.12)', () => {
    for (const b of [null, undefined, [], [body({ op: 'add', value: {} })], 'add', 42, true]) parseRejects(b, 'invalidSyntax');
  });

  it('the PatchOp schema URN is required in "schemas" (RFC 7644 §3.5.2)', () => {
    parseRejects({ Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax', /schemas/);
    parseRejects({ schemas: [CORE_USER], Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax', /PatchOp/);
    parseRejects({ schemas: PATCH_OP_URN, Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax');
  });

  it('"Operations" must be a non-empty array of objects (RFC 7644 §3.5.2)', () => {
    parseRejects({ schemas: [PATCH_OP_URN] }, 'invalidSyntax', /Operations/);
    parseRejects({ schemas: [PATCH_OP_URN], Operations: [] }, 'invalidSyntax', /Operations/);
    parseRejects({ schemas: [PATCH_OP_URN], Operations: { op: 'remove', path: 'title' } }, 'invalidSyntax');
    parseRejects(body('remove' as unknown as Op), 'invalidSyntax', /Operations\[0\]/);
    parseRejects(body({ op: 'remove', path: 'title' }, null as unknown as Op), 'invalidSyntax', /Operations\[1\]/);
  });

  it('message member names are case-insensitive (RFC 7644 §3.5.2, RFC 7643 §2.1)', () => {
    const ops = parsePatchRequest({ SCHEMAS: [PATCH_OP_URN.toLowerCase()], operations: [{ OP: 'replace', PATH: 'title', VALUE: 'X' }] }, USER);
    const out = applyPatch({ schema: USER, id: 'u', data: BJENSEN }, ops);
    assert.deepEqual(out.data, expected((d) => (d.title = 'X')));
  });

  it('"op" must be exactly "add", "remove" or "replace" (RFC 7644 §3.5.2)', () => {
    for (const op of ['Replace', 'ADD', 'Remove', 'delete', 'move', '', undefined, 1]) {
      parseRejects(body({ op, path: 'title', value: 'x' }), 'invalidSyntax', /op must be/);
    }
  });

  it('"add" and "replace" need a value (RFC 7644 §3.5.2.1, §3.5.2.3)', () => {
    parseRejects(body({ op: 'add', path: 'title' }), 'invalidSyntax', /requires a "value"/);
    parseRejects(body({ op: 'add', path: 'title', value: null }), 'invalidSyntax', /requires a "value"/);
    parseRejects(body({ op: 'replace', path: 'title' }), 'invalidSyntax', /requires a "value"/);
  });

  it('"remove" without a path is noTarget (RFC 7644 §3.5.2.2)', () => {
    parseRejects(body({ op: 'remove' }), 'noTarget', /requires a "path"/);
    parseRejects(body({ op: 'remove', path: '' }), 'noTarget');
    parseRejects(body({ op: 'remove', path: '   ' }), 'noTarget');
    parseRejects(body({ op: 'remove', path: null }), 'noTarget');
  });

  it('"remove" with a value is invalidSyntax rather than removing everything (RFC 7644 §3.5.2.2)', () => {
    parseRejects(body({ op: 'remove', path: 'emails', value: [{ value: 'babs@jensen.org' }] }), 'invalidSyntax', /takes no "value"/);
    throwsScim(() => parsePatchRequest(body({ op: 'remove', path: 'members', value: [{ value: 'u1' }] }), GROUP), 'invalidSyntax', /members\[value eq/);
  });

  it('a path that is not a string is invalidPath (RFC 7644 §3.5.2)', () => {
    for (const path of [42, true, ['emails'], { attr: 'emails' }]) parseRejects(body({ op: 'add', path, value: 'x' }), 'invalidPath');
  });

  it('more operations than the limit is invalidSyntax (RFC 7644 §3.5.2)', () => {
    const ops = Array.from({ length: 4 }, () => ({ op: 'remove', path: 'title' }));
    throwsScim(() => parsePatchRequest(body(...ops), USER, { ...DEFAULT_PATCH_LIMITS, maxOperations: 3 }), 'invalidSyntax', /limit is 3/);
    assert.equal(parsePatchRequest(body(...ops.slice(1)), USER, { ...DEFAULT_PATCH_LIMITS, maxOperations: 3 }).length, 3);
  });
});

describe('invalidPath: unknown attributes and malformed paths (RFC 7644 §3.5.2, §3.12)', () => {
  const unknown: [string, RegExp][] = [
    ['bogus', /unknown attribute 'bogus'/],
    ['name.bogus', /unknown attribute 'name.bogus'/],
    [`${ENT}:bogus`, /unknown attribute/],
    [`${ENT}:manager.bogus`, /unknown attribute/],
    [`${CORE_USER}:id`, /unknown attribute/],
    ['urn:example:unknown:2.0:User:title', /unknown attribute/],
    ['emails[bogus eq "x"]', /'bogus' is not a sub-attribute of 'emails'/],
    ['emails[type eq "work"].bogus', /'bogus' is not a sub-attribute of 'emails'/],
    ['name[givenName eq "Barbara"]', /not a multi-valued complex attribute/],
    ['userName[value eq "x"]', /not a multi-valued complex attribute/],
    ['emails[primary eq "yes"]', /boolean/],
    ['emails[value eq 42]', /string/],
  ];
  for (const [path, detail] of unknown) {
    it(`${path} → invalidPath (RFC 7644 §3.5.2)`, () => {
      userRejects(BJENSEN, 'invalidPath', [{ op: 'replace', path, value: 'x' }], detail);
    });
  }

  const malformed: [string, number][] = [
    ['emails[type eq "work"', 22],
    ['emails[type eq "work"]]', 23],
    ['emails[type eqq "work"]', 13],
    ['emails[type eq work]', 16],
    ['emails[type eq "work].value', 16],
    ['emails[type[value eq "x"]]', 12],
    ['emails[type eq "work"].value.x', 23],
    ['emails[type eq "work"] value', 24],
    ['name..givenName', 1],
    ['name.givenName.x', 1],
    ['[type eq "work"]', 1],
    ['emails[]', 8],
    ['emails#', 7],
  ];
  for (const [path, position] of malformed) {
    it(`malformed ${JSON.stringify(path)} → invalidPath naming position ${position} (RFC 7644 §3.5.2)`, () => {
      userRejects(BJENSEN, 'invalidPath', [{ op: 'add', path, value: 'x' }], new RegExp(`^Invalid path at position ${position}:`));
    });
  }

  it('a path longer than the limit is invalidPath (RFC 7644 §3.5.2)', () => {
    userRejects(BJENSEN, 'invalidPath', [{ op: 'add', path: 'a'.repeat(10_000), value: 'x' }], /limit is 4096/);
    userRejects(BJENSEN, 'invalidPath', [{ op: 'remove', path: `emails[${'('.repeat(100)}type eq "work"${')'.repeat(100)}]` }], /nesting/);
  });
});
