/**
 * The context-aware schema rules (context.ts) per request context: creation, replacement, patch,
 * query and response, on the core User and Group, the Enterprise extension, scimd's own extension
 * and a tenant extension with writeOnly, immutable and readOnly attributes and sub-attributes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors.ts';
import { applyPatch, parsePatchRequest } from '../patch/apply.ts';
import { ENTERPRISE_USER_URN as ENT, PATCH_OP_URN, SCIMD_USER_URN as SCIMD } from '../urns.ts';
import { COMMON_ATTRIBUTES, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, SCIMD_USER_SCHEMA, USER_RESOURCE_TYPE, USER_SCHEMA } from './core.ts';
import {
  attributesWhere,
  checkImmutable,
  immutableChange,
  keepImmutable,
  keepServerOwned,
  readOnlyInput,
  ruleFor,
  SCHEMA_CONTEXTS,
  takeWriteOnly,
  type AttributeRule,
  type SchemaContext,
} from './context.ts';
import { attr } from './define.ts';
import { defaultRegistry, ResourceSchema } from './registry.ts';
import type { AttributeDef, SchemaDef } from './types.ts';

const T = 'urn:example:tenant:2.0:User';
const TENANT: SchemaDef = {
  id: T,
  name: 'Tenant',
  description: 'A tenant extension',
  attributes: [
    attr('pin', 'string', 'A PIN', { mutability: 'writeOnly', returned: 'never' }),
    attr('badge', 'string', 'Badge number, set once', { mutability: 'immutable' }),
    attr('hrId', 'string', 'Set by the HR system', { mutability: 'readOnly' }),
    attr('nickname', 'string', 'Returned on request', { returned: 'request' }),
    attr('device', 'complex', 'The issued device', {
      subAttributes: [
        attr('serial', 'string', 'Serial', { mutability: 'immutable' }),
        attr('secret', 'string', 'Secret', { mutability: 'writeOnly', returned: 'never' }),
        attr('issuedBy', 'string', 'Issuer', { mutability: 'readOnly' }),
        attr('label', 'string', 'Label'),
      ],
    }),
  ],
};

const registry = defaultRegistry();
const GROUP = registry.resource('Group');
const USER = new ResourceSchema(USER_RESOURCE_TYPE, USER_SCHEMA, [ENTERPRISE_USER_SCHEMA, SCIMD_USER_SCHEMA, TENANT]);

const def = (schema: SchemaDef, path: string): AttributeDef => {
  const [name, sub] = path.split('.');
  const a = schema.attributes.find((x) => x.name === name)!;
  return sub ? a.subAttributes!.find((s) => s.name === sub)! : a;
};
const common = (name: string) => COMMON_ATTRIBUTES.find((a) => a.name === name)!;
const where = (context: SchemaContext, schema: ResourceSchema, pick: (r: AttributeRule) => boolean) => attributesWhere(context, schema, pick);

const WRITE_ONLY = ['password', `${T}:pin`, `${T}:device.secret`];
const IMMUTABLE_USER = [`${T}:badge`, `${T}:device.serial`];
const IMMUTABLE_GROUP = ['members.value', 'members.$ref', 'members.type'];
const SERVER_OWNED_USER = [
  'groups',
  'groups.value',
  'groups.$ref',
  'groups.display',
  'groups.type',
  `${ENT}:manager.displayName`,
  `${SCIMD}:emailVerified`,
  `${SCIMD}:invitation`,
  `${SCIMD}:appRoles`,
  `${T}:hrId`,
  `${T}:device.issuedBy`,
];

function throwsMutability(fn: () => unknown, detail: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ScimError, String(e));
    assert.equal(e.status, 400);
    assert.equal(e.scimType, 'mutability');
    assert.equal(e.message, detail);
    return true;
  });
}

describe('schema rules by context: what every context shares', () => {
  it('write-only and server-owned attributes are the same in every context, sub-attributes and extensions included', () => {
    for (const c of SCHEMA_CONTEXTS) {
      assert.deepEqual(where(c, USER, (r) => r.writeOnly), WRITE_ONLY, c);
      assert.deepEqual(where(c, USER, (r) => r.serverOwned), SERVER_OWNED_USER, c);
      assert.deepEqual(where(c, GROUP, (r) => r.writeOnly), [], c);
      assert.deepEqual(where(c, GROUP, (r) => r.serverOwned), ['members.display'], c);
    }
  });

  it('a writeOnly attribute is never returned and never queried, whatever its definition says (RFC 7643 §2.2)', () => {
    const loud = attr('token', 'string', 'A writeOnly attribute that claims returned always', { mutability: 'writeOnly', returned: 'always' });
    for (const c of SCHEMA_CONTEXTS) {
      assert.equal(ruleFor(c, loud).returned, 'never', c);
      assert.equal(ruleFor(c, loud).queryable, false, c);
    }
  });
});

describe('creation request (POST)', () => {
  const c = 'creationRequest';

  it('stores readWrite and immutable input, takes writeOnly input out, ignores readOnly input', () => {
    assert.equal(ruleFor(c, def(USER_SCHEMA, 'userName')).input, 'store');
    assert.equal(ruleFor(c, def(TENANT, 'badge')).input, 'store', 'an immutable value is set once, on creation');
    assert.equal(ruleFor(c, def(TENANT, 'device.serial')).input, 'store');
    assert.equal(ruleFor(c, def(USER_SCHEMA, 'password')).input, 'take');
    assert.equal(ruleFor(c, def(TENANT, 'device.secret')).input, 'take');
    assert.equal(ruleFor(c, def(USER_SCHEMA, 'groups')).input, 'ignore');
    assert.equal(ruleFor(c, def(SCIMD_USER_SCHEMA, 'emailVerified')).input, 'ignore');
    assert.equal(ruleFor(c, def(ENTERPRISE_USER_SCHEMA, 'manager.displayName')).input, 'ignore');
    assert.equal(ruleFor(c, common('id')).input, 'ignore');
    assert.equal(ruleFor(c, def(GROUP_SCHEMA, 'members.display')).input, 'ignore');
    assert.equal(readOnlyInput(c), 'ignore');
  });

  it('holds nothing immutable and keeps nothing stored: there is nothing stored yet', () => {
    assert.deepEqual(where(c, USER, (r) => r.immutable), []);
    assert.deepEqual(where(c, GROUP, (r) => r.immutable), []);
    assert.deepEqual(where(c, USER, (r) => r.keepsStored), []);
    assert.equal(immutableChange(c, def(TENANT, 'badge'), 'B1', 'B2'), false);
  });

  it('takeWriteOnly returns the password and strips every writeOnly value, core, extension and sub-attribute', () => {
    const data = {
      userName: 'ann',
      password: 's3cret',
      [ENT]: { employeeNumber: '7' },
      [T]: { pin: '1234', badge: 'B1', device: { serial: 'S1', secret: 'x', label: 'laptop' } },
    };
    assert.equal(takeWriteOnly(USER, data), 's3cret');
    assert.deepEqual(data, { userName: 'ann', [ENT]: { employeeNumber: '7' }, [T]: { badge: 'B1', device: { serial: 'S1', label: 'laptop' } } });
  });

  it('takeWriteOnly drops an extension left empty, and a password that is no string is dropped unread', () => {
    const data: Record<string, unknown> = { userName: 'ann', password: 42, [T]: { pin: '1234' } };
    assert.equal(takeWriteOnly(USER, data), undefined);
    assert.deepEqual(data, { userName: 'ann' });
  });

  it('takeWriteOnly strips writeOnly sub-attributes in every element of a multi-valued attribute', () => {
    const EXT: SchemaDef = {
      id: 'urn:example:keys:2.0:User',
      name: 'Keys',
      description: '',
      attributes: [attr('keys', 'complex', 'Keys', { multiValued: true, subAttributes: [attr('id', 'string', 'Id'), attr('material', 'string', 'Key', { mutability: 'writeOnly', returned: 'never' })] })],
    };
    const schema = new ResourceSchema(USER_RESOURCE_TYPE, USER_SCHEMA, [EXT]);
    const data = { userName: 'ann', [EXT.id]: { keys: [{ id: 'a', material: 'm1' }, { id: 'b', material: 'm2' }] } };
    takeWriteOnly(schema, data);
    assert.deepEqual(data, { userName: 'ann', [EXT.id]: { keys: [{ id: 'a' }, { id: 'b' }] } });
  });

  it('takeWriteOnly leaves a Group as it is', () => {
    const data = { displayName: 'Admins' };
    assert.equal(takeWriteOnly(GROUP, data), undefined);
    assert.deepEqual(data, { displayName: 'Admins' });
  });
});

describe('replacement request (PUT)', () => {
  const c = 'replacementRequest';

  it('ignores readOnly input like a creation, and takes writeOnly input out', () => {
    assert.equal(readOnlyInput(c), 'ignore');
    assert.equal(ruleFor(c, def(TENANT, 'hrId')).input, 'ignore');
    assert.equal(ruleFor(c, def(TENANT, 'pin')).input, 'take');
    assert.equal(ruleFor(c, def(TENANT, 'badge')).input, 'store');
  });

  it('holds immutable attributes, sub-attributes included: the Group members and the tenant extension', () => {
    assert.deepEqual(where(c, USER, (r) => r.immutable), IMMUTABLE_USER);
    assert.deepEqual(where(c, GROUP, (r) => r.immutable), IMMUTABLE_GROUP);
    assert.deepEqual(where(c, USER, (r) => r.keepsStored), [...SERVER_OWNED_USER, ...IMMUTABLE_USER].sort((a, b) => order(a) - order(b)));
  });

  it('an immutable value may be repeated or omitted, not changed; an unassigned one may be set', () => {
    const badge = def(TENANT, 'badge');
    assert.equal(immutableChange(c, badge, 'B1', 'B1'), false);
    assert.equal(immutableChange(c, badge, 'B1', undefined), false, 'an omitted value is kept');
    assert.equal(immutableChange(c, badge, undefined, 'B2'), false);
    assert.equal(immutableChange(c, badge, 'B1', 'B2'), true);
    assert.equal(immutableChange(c, def(TENANT, 'nickname'), 'a', 'b'), false, 'readWrite');
    throwsMutability(() => checkImmutable(c, badge, 'B1', 'B2', `'${T}:badge'`), `'${T}:badge' is immutable and cannot be changed`);
  });

  it('keepImmutable refuses a change with 400 mutability and keeps an omitted value', () => {
    const before = { userName: 'ann', [T]: { badge: 'B1', nickname: 'a' } };
    throwsMutability(() => keepImmutable(USER, before, { userName: 'ann', [T]: { badge: 'B2' } }), `'${T}:badge' is immutable and cannot be changed`);
    const repeated = { userName: 'ann', [T]: { badge: 'B1' } };
    keepImmutable(USER, before, repeated);
    assert.deepEqual(repeated, { userName: 'ann', [T]: { badge: 'B1' } });
    const omitted = { userName: 'ann', [T]: { nickname: 'b' } };
    keepImmutable(USER, before, omitted);
    assert.deepEqual(omitted, { userName: 'ann', [T]: { nickname: 'b', badge: 'B1' } });
    const fresh = { userName: 'ann', [T]: { badge: 'B9' } };
    keepImmutable(USER, { userName: 'ann' }, fresh);
    assert.deepEqual(fresh, { userName: 'ann', [T]: { badge: 'B9' } }, 'an unassigned immutable attribute may be set');
  });

  it('keepImmutable checks top-level attributes of the extensions a PUT carries (as before the rules moved here)', () => {
    const before = { userName: 'ann', [T]: { badge: 'B1', device: { serial: 'S1' } } };
    const withoutExtension = { userName: 'ann' };
    keepImmutable(USER, before, withoutExtension);
    assert.deepEqual(withoutExtension, { userName: 'ann' });
    const newSerial = { userName: 'ann', [T]: { badge: 'B1', device: { serial: 'S2' } } };
    keepImmutable(USER, before, newSerial);
    assert.deepEqual(newSerial, { userName: 'ann', [T]: { badge: 'B1', device: { serial: 'S2' } } });
  });

  it('keepServerOwned keeps the stored readOnly values of the core and of every extension', () => {
    const before = { userName: 'ann', groups: [{ value: 'g1' }], [SCIMD]: { emailVerified: true, invitation: 'accepted' }, [T]: { hrId: 'H1', badge: 'B1' } };
    const after: Record<string, unknown> = { userName: 'ann2', [T]: { badge: 'B1' } };
    keepServerOwned(USER, before, after);
    assert.deepEqual(after, { userName: 'ann2', groups: [{ value: 'g1' }], [SCIMD]: { emailVerified: true, invitation: 'accepted' }, [T]: { badge: 'B1', hrId: 'H1' } });
  });

  it('keepServerOwned leaves a resource without server-owned values as it is', () => {
    const after = { displayName: 'New' };
    keepServerOwned(GROUP, { displayName: 'Old' }, after);
    assert.deepEqual(after, { displayName: 'New' });
  });
});

describe('patch request (PATCH)', () => {
  const c = 'patchRequest';
  const patch = (data: Record<string, unknown>, ...Operations: unknown[]) => applyPatch({ schema: USER, id: 'u1', data }, parsePatchRequest({ schemas: [PATCH_OP_URN], Operations }, USER));

  it('refuses readOnly input, takes writeOnly input out, stores the rest', () => {
    assert.equal(readOnlyInput(c), 'reject');
    assert.equal(ruleFor(c, def(TENANT, 'hrId')).input, 'reject');
    assert.equal(ruleFor(c, def(TENANT, 'device.issuedBy')).input, 'reject');
    assert.equal(ruleFor(c, def(USER_SCHEMA, 'groups')).input, 'reject');
    assert.equal(ruleFor(c, def(USER_SCHEMA, 'password')).input, 'take');
    assert.equal(ruleFor(c, def(ENTERPRISE_USER_SCHEMA, 'employeeNumber')).input, 'store');
  });

  it('holds the same immutable attributes as a PUT, but keeps nothing by itself (what a PATCH does not name stays)', () => {
    assert.deepEqual(where(c, USER, (r) => r.immutable), IMMUTABLE_USER);
    assert.deepEqual(where(c, GROUP, (r) => r.immutable), IMMUTABLE_GROUP);
    assert.deepEqual(where(c, USER, (r) => r.keepsStored), []);
  });

  it('an assigned immutable value may be repeated, not changed nor removed', () => {
    const serial = def(TENANT, 'device.serial');
    assert.equal(immutableChange(c, serial, 'S1', 'S1'), false);
    assert.equal(immutableChange(c, serial, undefined, 'S1'), false);
    assert.equal(immutableChange(c, serial, 'S1', 'S2'), true);
    assert.equal(immutableChange(c, serial, 'S1', undefined), true, 'a PATCH that removes a value changes it');
    throwsMutability(() => checkImmutable(c, serial, 'S1', 'S2', `'device.serial'`), `'device.serial' is immutable and already has a value`);
  });

  it('the PATCH engine answers with the same rule on a tenant extension', () => {
    const data = { userName: 'ann', [T]: { badge: 'B1', device: { serial: 'S1', label: 'l' } } };
    throwsMutability(() => patch(data, { op: 'replace', path: `${T}:badge`, value: 'B2' }), `'badge' is immutable and already has a value`);
    throwsMutability(() => patch(data, { op: 'remove', path: `${T}:badge` }), `Operations[0] (path "${T}:badge"): 'badge' is immutable`);
    throwsMutability(() => patch(data, { op: 'remove', path: `${T}:device.serial` }), `Operations[0] (path "${T}:device.serial"): 'serial' is immutable`);
    throwsMutability(() => patch(data, { op: 'replace', path: `${T}:device.serial`, value: 'S2' }), `'device.serial' is immutable and already has a value`);
    throwsMutability(() => patch(data, { op: 'replace', value: { [T]: { badge: null } } }), `'${T}:badge' is immutable and already has a value`);
    throwsMutability(() => patch(data, { op: 'replace', path: `${T}:hrId`, value: 'H2' }), `Operations[0] (path "${T}:hrId"): 'hrId' is read-only`);
    assert.equal(patch(data, { op: 'replace', path: `${T}:badge`, value: 'B1' }).changed, false);
    assert.deepEqual(patch({ userName: 'ann' }, { op: 'add', path: `${T}:badge`, value: 'B1' }).data, { userName: 'ann', [T]: { badge: 'B1' } });
  });

  it('a PATCH leaves writeOnly values in the document it returns; takeWriteOnly takes them out before the write', () => {
    const out = patch({ userName: 'ann' }, { op: 'add', value: { password: 'p', [T]: { pin: '9', nickname: 'n' } } });
    assert.equal(takeWriteOnly(USER, out.data), 'p');
    assert.deepEqual(out.data, { userName: 'ann', [T]: { nickname: 'n' } });
  });
});

describe('query request (filter, sortBy)', () => {
  const c = 'queryRequest';

  it('may name what is returned, not what never is', () => {
    assert.deepEqual(where(c, USER, (r) => !r.queryable), WRITE_ONLY);
    assert.deepEqual(where(c, GROUP, (r) => !r.queryable), []);
    assert.equal(ruleFor(c, def(TENANT, 'nickname')).queryable, true, 'returned: request is still queryable');
    assert.equal(ruleFor(c, def(TENANT, 'hrId')).queryable, true);
    assert.equal(ruleFor(c, common('id')).queryable, true);
  });

  it('carries no attribute values: nothing is input, nothing is held immutable', () => {
    assert.deepEqual(where(c, USER, (r) => r.input !== 'none'), []);
    assert.deepEqual(where(c, USER, (r) => r.immutable || r.keepsStored), []);
  });
});

describe('response', () => {
  const c = 'response';

  it('returns by the returned characteristic; writeOnly never', () => {
    assert.deepEqual(where(c, USER, (r) => r.returned === 'never'), WRITE_ONLY);
    assert.deepEqual(where(c, USER, (r) => r.returned === 'request'), [`${T}:nickname`]);
    assert.equal(ruleFor(c, common('id')).returned, 'always');
    assert.equal(ruleFor(c, def(USER_SCHEMA, 'userName')).returned, 'default');
    assert.equal(ruleFor(c, def(GROUP_SCHEMA, 'members')).returned, 'default');
  });

  it('carries no input: nothing is taken, ignored or held', () => {
    assert.deepEqual(where(c, USER, (r) => r.input !== 'none'), []);
    assert.deepEqual(where(c, GROUP, (r) => r.immutable || r.keepsStored), []);
  });
});

/** Position of a path in attributesWhere order (core, then each extension, each attribute before its sub-attributes). */
function order(path: string): number {
  return where('replacementRequest', USER, () => true).indexOf(path);
}
