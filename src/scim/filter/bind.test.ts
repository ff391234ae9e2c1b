/**
 * Binding filters to the schema (RFC 7644 §3.4.2.2): which operator suits which attribute type,
 * how literals are typed, how paths resolve (sub-attributes, URNs, case), which attributes cannot
 * be filtered on, and where value filters apply. Every rejection is 400 invalidFilter whose detail
 * names the attribute and says what would be valid.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE_TYPE, GROUP_SCHEMA, USER_RESOURCE_TYPE, USER_SCHEMA } from '../schema/core.ts';
import { attr } from '../schema/define.ts';
import { ResourceSchema } from '../schema/registry.ts';
import type { AttributeType, SchemaDef } from '../schema/types.ts';
import { ENTERPRISE_USER_URN, USER_URN } from '../urns.ts';
import type { CompareOp, Literal } from './ast.ts';
import { bindFilter, type BoundFilter, type Target } from './bind.ts';
import { parseFilter } from './parse.ts';
import { printLiteral } from './print.ts';

/** The core schemas have no integer or decimal attributes; this extension supplies them. */
const TEST_URN = 'urn:example:params:scim:schemas:extension:bindtest:2.0:User';
const TEST_EXTENSION: SchemaDef = {
  id: TEST_URN,
  name: 'BindTest',
  description: 'Attributes of every type, for filter binding tests',
  attributes: [
    attr('level', 'integer', 'An integer.'),
    attr('score', 'decimal', 'A decimal.'),
    attr('hired', 'dateTime', 'A dateTime.'),
    attr('tags', 'string', 'A multi-valued string.', { multiValued: true }),
    attr('secret', 'string', 'Never returned.', { returned: 'never' }),
  ],
};
const USER = new ResourceSchema(
  { ...USER_RESOURCE_TYPE, schemaExtensions: [...USER_RESOURCE_TYPE.schemaExtensions, { schema: TEST_URN, required: false }] },
  USER_SCHEMA,
  [ENTERPRISE_USER_SCHEMA, TEST_EXTENSION],
);
const GROUP = new ResourceSchema(GROUP_RESOURCE_TYPE, GROUP_SCHEMA, []);

const bind = (filter: string, schema: ResourceSchema = USER, unknownAsFalse = false): BoundFilter => bindFilter(parseFilter(filter), schema, unknownAsFalse);

/** Asserts binding fails with 400 invalidFilter and returns the detail. */
function rejects(filter: string, schema: ResourceSchema = USER): string {
  try {
    bind(filter, schema);
  } catch (e) {
    assert.ok(e instanceof ScimError, `expected a ScimError for ${filter}, got ${String(e)}`);
    assert.equal(e.status, 400);
    assert.equal(e.scimType, 'invalidFilter');
    return e.detail;
  }
  assert.fail(`expected ${filter} to be rejected`);
}

function compare(f: BoundFilter): Extract<BoundFilter, { kind: 'compare' }> {
  assert.equal(f.kind, 'compare');
  return f as Extract<BoundFilter, { kind: 'compare' }>;
}

/** attr[.sub] names of a target, for compact assertions. */
const named = (t: Target) => (t.ref.sub ? `${t.ref.attr.name}.${t.ref.sub.name}` : t.ref.attr.name);

// ---------------------------------------------------------------------------------------------
// The operator × type table. One attribute per type; the literal is one the type accepts.

const ALL_OPS: readonly CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const ORDER_OPS: readonly CompareOp[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];

interface Row {
  readonly type: AttributeType;
  readonly path: string;
  readonly literal: Literal;
  /** The comparison operators the type accepts (pr is accepted for every type). */
  readonly ops: readonly CompareOp[];
  /** What the detail of a rejected operator says. */
  readonly rejectedOp: RegExp;
  /** Literals of the wrong JSON type, and what the detail says. */
  readonly wrongLiterals: readonly Literal[];
  readonly wrongLiteral: RegExp;
}

const TABLE: readonly Row[] = [
  { type: 'string', path: 'userName', literal: 'bjensen', ops: ALL_OPS, rejectedOp: /$^/, wrongLiterals: [5, true], wrongLiteral: /'userName' is a string; compare it with a quoted string/ },
  { type: 'reference', path: 'profileUrl', literal: 'https://example.com/u/1', ops: ALL_OPS, rejectedOp: /$^/, wrongLiterals: [1, false], wrongLiteral: /'profileUrl' is a string; compare it with a quoted string/ },
  // RFC 7644 §3.4.2.2: gt/ge/lt/le on Boolean or Binary attributes SHALL be invalidFilter.
  { type: 'binary', path: 'x509Certificates.value', literal: 'QUJD', ops: ['eq', 'ne'], rejectedOp: /'x509Certificates.value' is binary; only eq, ne and pr apply/, wrongLiterals: [7, true], wrongLiteral: /'x509Certificates.value' is binary; compare it with a base64 string/ },
  { type: 'boolean', path: 'active', literal: true, ops: ['eq', 'ne'], rejectedOp: /'active' is a boolean; only eq, ne and pr apply/, wrongLiterals: ['true', 1], wrongLiteral: /'active' is a boolean; compare it with true or false/ },
  { type: 'integer', path: `${TEST_URN}:level`, literal: 5, ops: ORDER_OPS, rejectedOp: new RegExp(`'${TEST_URN}:level' is a number; (co|sw|ew) applies to strings only`), wrongLiterals: ['5', true], wrongLiteral: /is a number; compare it with a number/ },
  { type: 'decimal', path: `${TEST_URN}:score`, literal: 1.5, ops: ORDER_OPS, rejectedOp: new RegExp(`'${TEST_URN}:score' is a number; (co|sw|ew) applies to strings only`), wrongLiterals: ['1.5', false], wrongLiteral: /is a number; compare it with a number/ },
  { type: 'dateTime', path: 'meta.created', literal: '2024-01-31T12:00:00Z', ops: ORDER_OPS, rejectedOp: /'meta.created' is a dateTime; (co|sw|ew) applies to strings only/, wrongLiterals: [20240131, true, 'yesterday', '2024-13-01T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-31'], wrongLiteral: /'meta.created' is a dateTime; compare it with a quoted xsd:dateTime/ },
  { type: 'complex', path: 'name', literal: 'x', ops: [], rejectedOp: /'name' is complex; name a sub-attribute \(e\.g\. 'name\.formatted'\) or use pr/, wrongLiterals: [], wrongLiteral: /$^/ },
];

describe('bindFilter: operator × attribute type (RFC 7644 §3.4.2.2)', () => {
  for (const row of TABLE) {
    for (const op of ALL_OPS) {
      const filter = `${row.path} ${op} ${printLiteral(row.literal)}`;
      if (row.ops.includes(op)) {
        it(`${row.type}: binds "${op}" (${filter})`, () => {
          const f = compare(bind(filter));
          assert.equal(f.op, op);
          assert.equal(f.target.leaf.type, row.type);
          assert.equal(f.target.relative, false);
        });
      } else {
        it(`${row.type}: rejects "${op}" with invalidFilter (${filter})`, () => {
          assert.match(rejects(filter), row.rejectedOp);
        });
      }
    }

    it(`${row.type}: binds "pr" (${row.path} pr)`, () => {
      const f = bind(`${row.path} pr`);
      assert.equal(f.kind, 'present');
      assert.equal(f.kind === 'present' && f.target.leaf.type, row.type);
    });

    it(`${row.type}: reads "eq null" as "not present" and "ne null" as "present"`, () => {
      assert.deepEqual(bind(`${row.path} eq null`), { kind: 'not', filter: bind(`${row.path} pr`) });
      assert.deepEqual(bind(`${row.path} ne null`), bind(`${row.path} pr`));
    });

    it(`${row.type}: rejects ordering and substring operators against null`, () => {
      for (const op of ['gt', 'co'] as const) assert.match(rejects(`${row.path} ${op} null`), new RegExp(`'${op} null' is not meaningful on '${row.path.replace(/\./g, '\\.')}'`));
    });

    for (const wrong of row.wrongLiterals) {
      it(`${row.type}: rejects the literal ${printLiteral(wrong)} of the wrong type`, () => {
        const op = row.ops[0]!;
        assert.match(rejects(`${row.path} ${op} ${printLiteral(wrong)}`), row.wrongLiteral);
      });
    }
  }

  it('names the attribute as the client wrote it in the detail', () => {
    assert.match(rejects('ACTIVE gt true'), /'ACTIVE' is a boolean/);
  });
});

describe('bindFilter: typed values', () => {
  it('normalises dateTime literals to UTC (RFC 7643 §2.3.5), so "+01:00" and "Z" forms compare alike', () => {
    assert.equal(compare(bind('meta.created gt "2024-01-31T13:00:00+01:00"')).value, '2024-01-31T12:00:00.000Z');
    assert.equal(compare(bind('meta.lastModified eq "2024-01-31t12:00:00.5z"')).value, '2024-01-31T12:00:00.500Z');
    assert.equal(compare(bind(`${TEST_URN}:hired le "2024-02-29T23:59:59-00:30"`)).value, '2024-03-01T00:29:59.000Z');
  });

  it('keeps strings exactly as written (folding happens when comparing, by caseExact)', () => {
    assert.equal(compare(bind('userName eq "BJensen"')).value, 'BJensen');
  });

  it('keeps numbers and booleans as numbers and booleans', () => {
    assert.equal(compare(bind(`${TEST_URN}:level ge -3`)).value, -3);
    assert.equal(compare(bind(`${TEST_URN}:score lt 2.5e-1`)).value, 0.25);
    assert.equal(compare(bind(`${TEST_URN}:level gt 1.5`)).value, 1.5);
    assert.equal(compare(bind('active ne FALSE')).value, false);
  });

  it('binds a multi-valued simple attribute (the comparison reads each value)', () => {
    const f = compare(bind(`${TEST_URN}:tags eq "red"`));
    assert.equal(f.target.leaf.name, 'tags');
    assert.equal(f.target.ref.attr.multiValued, true);
  });

  it('binds logical operators structurally', () => {
    const f = bind('userName eq "a" or not (title pr and active eq true)');
    assert.equal(f.kind, 'or');
    assert.ok(f.kind === 'or' && f.right.kind === 'not' && f.right.filter.kind === 'and');
  });
});

describe('bindFilter: attribute paths', () => {
  it('resolves attribute and sub-attribute names without regard to case (RFC 7644 §3.10)', () => {
    assert.equal(named(compare(bind('USERNAME eq "x"')).target), 'userName');
    assert.equal(named(compare(bind('NAME.GIVENNAME eq "x"')).target), 'name.givenName');
  });

  it('resolves URN-qualified extension attributes, the URN without regard to case', () => {
    const f = compare(bind(`${ENTERPRISE_USER_URN}:employeeNumber eq "701984"`));
    assert.equal(f.target.ref.schema, ENTERPRISE_USER_URN);
    assert.equal(f.target.ref.extension, true);
    assert.equal(named(f.target), 'employeeNumber');
    assert.equal(named(compare(bind(`${ENTERPRISE_USER_URN.toUpperCase()}:EMPLOYEENUMBER eq "1"`)).target), 'employeeNumber');
  });

  it('resolves core-URN-qualified attributes and sub-attributes', () => {
    const f = compare(bind(`${USER_URN}:name.familyName eq "Jensen"`));
    assert.equal(f.target.ref.schema, USER_URN);
    assert.equal(f.target.ref.extension, false);
    assert.equal(named(f.target), 'name.familyName');
  });

  it('rejects unknown attributes, sub-attributes and schemas', () => {
    assert.match(rejects('nickname2 eq "x"'), /Unknown attribute 'nickname2'/);
    assert.match(rejects('name.nickName eq "x"'), /Unknown attribute 'name.nickName'/);
    assert.match(rejects('userName.first eq "x"'), /Unknown attribute 'userName.first'/);
    assert.match(rejects('urn:example:nothing:2.0:User:level eq 1'), /Unknown attribute 'urn:example:nothing:2.0:User:level'/);
    assert.match(rejects(`${ENTERPRISE_USER_URN}:userName eq "x"`), /Unknown attribute/);
  });

  it('does not let the core schema URN qualify a common attribute (id, externalId, meta are in no schema)', () => {
    assert.match(rejects(`${USER_URN}:id eq "x"`), /Unknown attribute/);
  });

  it('rejects attributes of another resource type', () => {
    assert.match(rejects('userName eq "x"', GROUP), /Unknown attribute 'userName'/);
    assert.match(rejects('members.value eq "x"', USER), /Unknown attribute 'members.value'/);
  });

  it('turns unknown attributes into "false" when asked to (root-level search across types)', () => {
    assert.deepEqual(bind('userName eq "x"', GROUP, true), { kind: 'const', value: false });
    const f = bind('userName pr or displayName pr', GROUP, true);
    assert.equal(f.kind, 'or');
    assert.deepEqual(f.kind === 'or' && f.left, { kind: 'const', value: false });
    assert.equal(f.kind === 'or' && f.right.kind, 'present');
  });

  it('still rejects type errors when unknown attributes are "false"', () => {
    assert.throws(() => bind('displayName eq 5', GROUP, true), (e: unknown) => e instanceof ScimError && e.scimType === 'invalidFilter');
  });

  it('makes a complex attribute without sub-attribute compare its "value" sub-attribute', () => {
    assert.equal(named(compare(bind('emails co "example.com"')).target), 'emails.value');
    assert.equal(named(compare(bind('members eq "2819c223"', GROUP)).target), 'members.value');
    assert.equal(named(compare(bind(`${ENTERPRISE_USER_URN}:manager eq "26118915"`)).target), 'manager.value');
    assert.equal(named(compare(bind('groups eq "e9e30dba"')).target), 'groups.value');
  });

  it('makes "pr" on a complex attribute test the attribute itself, not its "value" (RFC 7644 §3.4.2.2 "non-empty node")', () => {
    for (const [filter, schema] of [
      ['emails pr', USER],
      ['members pr', GROUP],
      [`${ENTERPRISE_USER_URN}:manager pr`, USER],
      ['name pr', USER],
    ] as const) {
      const f = bind(filter, schema);
      assert.equal(f.kind, 'present', filter);
      assert.equal(f.kind === 'present' && f.target.ref.sub, undefined, filter);
      assert.equal(f.kind === 'present' && f.target.leaf.type, 'complex', filter);
    }
    const nul = bind('emails eq null');
    assert.ok(nul.kind === 'not' && nul.filter.kind === 'present' && nul.filter.target.ref.sub === undefined);
  });
});

describe('bindFilter: the "schemas" attribute (RFC 7643 §3; RFC 7644 §3.4.2.2 example)', () => {
  it('is true for the core schema URN, which every resource carries, in any case', () => {
    assert.deepEqual(bind(`schemas eq "${USER_URN}"`), { kind: 'const', value: true });
    assert.deepEqual(bind(`schemas eq "${USER_URN.toUpperCase()}"`), { kind: 'const', value: true });
    assert.deepEqual(bind('schemas sw "urn:ietf:params:scim:schemas:core:"'), { kind: 'const', value: true });
  });

  it('is false for a URN the resource type does not know', () => {
    assert.deepEqual(bind('schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"'), { kind: 'const', value: false });
    assert.deepEqual(bind(`schemas eq "${ENTERPRISE_USER_URN}"`, GROUP), { kind: 'const', value: false });
  });

  it('becomes "has an attribute of the extension" for an extension URN', () => {
    const f = bind(`schemas eq "${ENTERPRISE_USER_URN}"`);
    const tested: string[] = [];
    const walk = (x: BoundFilter): void => {
      if (x.kind === 'or') {
        walk(x.left);
        walk(x.right);
      } else {
        assert.equal(x.kind, 'present');
        if (x.kind === 'present') {
          assert.equal(x.target.ref.schema, ENTERPRISE_USER_URN);
          tested.push(x.target.ref.attr.name);
        }
      }
    };
    walk(f);
    assert.deepEqual(tested, ENTERPRISE_USER_SCHEMA.attributes.map((a) => a.name));
  });

  it('is present on every resource, so "pr" and "ne null" are true and "eq null" is false', () => {
    assert.deepEqual(bind('schemas pr'), { kind: 'const', value: true });
    assert.deepEqual(bind('schemas ne null'), { kind: 'const', value: true });
    assert.deepEqual(bind('schemas eq null'), { kind: 'const', value: false });
  });

  it('is compared with strings only', () => {
    assert.match(rejects('schemas eq 5'), /'schemas' is a string/);
    assert.match(rejects('schemas gt null'), /'gt null' is not meaningful on 'schemas'/);
  });
});

describe('bindFilter: attributes that cannot be filtered on', () => {
  it('rejects password, which is never returned (RFC 7643 §4.1.1)', () => {
    assert.match(rejects('password eq "secret"'), /'password' is never returned and cannot be used in a filter/);
    assert.match(rejects('password pr'), /'password' is never returned/);
  });

  it('rejects any attribute with returned "never", extension attributes included', () => {
    assert.match(rejects(`${TEST_URN}:secret eq "x"`), /'secret' is never returned/);
  });

  it('rejects meta.location and meta.version', () => {
    assert.match(rejects('meta.location eq "https://example.com/Users/1"'), /'meta.location' cannot be used in a filter/);
    assert.match(rejects('meta.version eq "W/\\"1\\""'), /'meta.version' cannot be used in a filter/);
    assert.match(rejects('meta.location pr'), /'meta.location' cannot be used in a filter/);
  });

  it('accepts meta.created, meta.lastModified and meta.resourceType', () => {
    assert.equal(named(compare(bind('meta.resourceType eq "User"')).target), 'meta.resourceType');
    assert.equal(named(compare(bind('meta.created gt "2024-01-01T00:00:00Z"')).target), 'meta.created');
    assert.equal(named(compare(bind('meta.lastModified le "2024-01-01T00:00:00Z"')).target), 'meta.lastModified');
  });

  it('rejects members.$ref and groups.$ref and points to .value', () => {
    assert.match(rejects('members.$ref eq "x"', GROUP), /'members.\$ref' cannot be used in a filter; filter on 'members.value'/);
    assert.match(rejects('groups.$ref pr'), /'groups.\$ref' cannot be used in a filter; filter on 'groups.value'/);
    assert.match(rejects('members[$ref eq "x"]', GROUP), /'members.\$ref' cannot be used in a filter/);
  });
});

describe('bindFilter: value filters', () => {
  it('binds a value filter on a multi-valued complex attribute, with paths relative to one element', () => {
    const f = bind('emails[type eq "work" and value co "@example.com"]');
    assert.equal(f.kind, 'valuePath');
    if (f.kind !== 'valuePath') return;
    assert.equal(f.ref.attr.name, 'emails');
    assert.equal(f.filter.kind, 'and');
    if (f.filter.kind !== 'and') return;
    const left = compare(f.filter.left);
    const right = compare(f.filter.right);
    assert.equal(left.target.relative, true);
    assert.equal(left.target.leaf.name, 'type');
    assert.equal(right.target.relative, true);
    assert.equal(right.target.leaf.name, 'value');
  });

  it('resolves sub-attributes inside a value filter without regard to case', () => {
    const f = bind('EMAILS[TYPE eq "work"]');
    assert.ok(f.kind === 'valuePath' && compare(f.filter).target.leaf.name === 'type');
  });

  it('binds value filters on members (Group) and groups (User)', () => {
    assert.equal(bind('members[type eq "User" and value eq "1"]', GROUP).kind, 'valuePath');
    assert.equal(bind('groups[type eq "indirect"]').kind, 'valuePath');
  });

  it('types the sub-attributes inside a value filter', () => {
    assert.equal(compare((bind('emails[primary eq true]') as Extract<BoundFilter, { kind: 'valuePath' }>).filter).value, true);
    assert.match(rejects('emails[primary eq "yes"]'), /'primary' is a boolean/);
    assert.match(rejects('emails[primary gt true]'), /'primary' is a boolean; only eq, ne and pr apply/);
    assert.match(rejects('emails[value gt 5]'), /'value' is a string/);
  });

  it('rejects a value filter on a single-valued complex attribute', () => {
    assert.match(rejects('name[givenName eq "Barbara"]'), /'name' is not a multi-valued complex attribute, so it cannot take a value filter/);
  });

  it('rejects a value filter on a simple attribute, single- or multi-valued', () => {
    assert.match(rejects('userName[value eq "x"]'), /'userName' is not a multi-valued complex attribute/);
    assert.match(rejects(`${TEST_URN}:tags[value eq "x"]`), /is not a multi-valued complex attribute/);
  });

  it('rejects unknown sub-attributes and qualified paths inside a value filter', () => {
    assert.match(rejects('emails[kind eq "work"]'), /'kind' is not a sub-attribute of 'emails'/);
    assert.match(rejects('emails[emails.value eq "x"]'), /'emails.value' is not a sub-attribute of 'emails'/);
    assert.match(rejects(`emails[${USER_URN}:type eq "work"]`), /is not a sub-attribute of 'emails'/);
  });

  it('rejects a value filter on an unknown attribute', () => {
    assert.match(rejects('phones[type eq "work"]'), /Unknown attribute 'phones'/);
  });
});
