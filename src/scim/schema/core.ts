/** RFC 7643 §8.7.1 (User, Group) and §8.7.2 (Enterprise User) schemas, as data. */
import { ENTERPRISE_USER_URN, GROUP_URN, SCIMD_USER_URN, USER_URN } from '../urns.ts';
import { attr, multiValued } from './define.ts';
import type { AttributeDef, ResourceTypeDef, SchemaDef } from './types.ts';

const readOnly = { mutability: 'readOnly' } as const;

export const USER_SCHEMA: SchemaDef = {
  id: USER_URN,
  name: 'User',
  description: 'User Account',
  attributes: [
    attr('userName', 'string', 'Unique identifier for the User, typically used to sign in. Unique within the tenant, compared without regard to case.', {
      required: true,
      uniqueness: 'server',
    }),
    attr('name', 'complex', "The components of the user's name.", {
      subAttributes: [
        attr('formatted', 'string', 'The full name, formatted for display.'),
        attr('familyName', 'string', 'The family name (last name in most Western languages).'),
        attr('givenName', 'string', 'The given name (first name in most Western languages).'),
        attr('middleName', 'string', 'The middle name(s).'),
        attr('honorificPrefix', 'string', 'The honorific prefix(es), e.g. "Ms.".'),
        attr('honorificSuffix', 'string', 'The honorific suffix(es), e.g. "III".'),
      ],
    }),
    attr('displayName', 'string', 'The name of the User, suitable for display to end-users.'),
    attr('nickName', 'string', 'The casual way to address the user.'),
    attr('profileUrl', 'reference', "A URI pointing to the user's online profile.", { referenceTypes: ['external'] }),
    attr('title', 'string', "The user's title, such as \"Vice President\"."),
    attr('userType', 'string', 'The relationship between the organization and the user, e.g. "Employee".'),
    attr('preferredLanguage', 'string', "The user's preferred written or spoken language (RFC 7231 Accept-Language format)."),
    attr('locale', 'string', "The user's default location for localizing items such as currency and dates."),
    attr('timezone', 'string', "The user's time zone in IANA Time Zone database format, e.g. \"America/Los_Angeles\"."),
    attr('active', 'boolean', "The user's administrative status."),
    attr('password', 'string', "The user's cleartext password. Accepted, never returned.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multiValued('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
    multiValued('phoneNumbers', 'Phone numbers for the user.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multiValued('ims', 'Instant messaging addresses for the user.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multiValued('photos', 'URLs of photos of the user.', ['photo', 'thumbnail'], { type: 'reference', referenceTypes: ['external'] }),
    attr('addresses', 'complex', 'A physical mailing address for this user.', {
      multiValued: true,
      subAttributes: [
        attr('formatted', 'string', 'The full mailing address, formatted for display.'),
        attr('streetAddress', 'string', 'The full street address component.'),
        attr('locality', 'string', 'The city or locality component.'),
        attr('region', 'string', 'The state or region component.'),
        attr('postalCode', 'string', 'The zip code or postal code component.'),
        attr('country', 'string', 'The country name component (ISO 3166-1 alpha-2).'),
        attr('type', 'string', "A label indicating the attribute's function.", { canonicalValues: ['work', 'home', 'other'] }),
        attr('primary', 'boolean', 'Whether this is the primary address.'),
      ],
    }),
    attr('groups', 'complex', 'The groups the user belongs to, directly or through nested groups. Derived from Group membership; read-only.', {
      multiValued: true,
      ...readOnly,
      subAttributes: [
        attr('value', 'string', 'The id of the Group.', { ...readOnly, caseExact: true }),
        attr('$ref', 'reference', 'The URI of the Group.', { ...readOnly, referenceTypes: ['User', 'Group'] }),
        attr('display', 'string', 'The displayName of the Group.', readOnly),
        attr('type', 'string', 'How the membership was derived: direct or indirect.', { ...readOnly, canonicalValues: ['direct', 'indirect'] }),
      ],
    }),
    multiValued('entitlements', 'Entitlements of the user.', []),
    multiValued('roles', 'Roles of the user.', []),
    multiValued('x509Certificates', 'X.509 certificates of the user (DER, base64).', [], { type: 'binary' }),
  ],
};

export const GROUP_SCHEMA: SchemaDef = {
  id: GROUP_URN,
  name: 'Group',
  description: 'Group',
  attributes: [
    attr('displayName', 'string', 'A human-readable name for the Group. REQUIRED (RFC 7643 §4.2).', { required: true }),
    attr('members', 'complex', 'The members of the Group: Users or Groups.', {
      multiValued: true,
      subAttributes: [
        attr('value', 'string', 'The id of the member resource.', { mutability: 'immutable', caseExact: true }),
        attr('$ref', 'reference', 'The URI of the member resource.', { mutability: 'immutable', referenceTypes: ['User', 'Group'] }),
        attr('type', 'string', 'The type of the member resource.', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
        attr('display', 'string', "The member's displayName (userName for users without one). Derived; read-only.", readOnly),
      ],
    }),
  ],
};

export const ENTERPRISE_USER_SCHEMA: SchemaDef = {
  id: ENTERPRISE_USER_URN,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attr('employeeNumber', 'string', 'Numeric or alphanumeric identifier assigned to the person by the organization.'),
    attr('costCenter', 'string', 'Identifies the name of a cost center.'),
    attr('organization', 'string', 'Identifies the name of an organization.'),
    attr('division', 'string', 'Identifies the name of a division.'),
    attr('department', 'string', 'Identifies the name of a department.'),
    attr('manager', 'complex', "The user's manager.", {
      subAttributes: [
        attr('value', 'string', 'The id of the manager User.', { caseExact: true }),
        attr('$ref', 'reference', 'The URI of the manager User.', { referenceTypes: ['User'] }),
        attr('displayName', 'string', "The manager's displayName. Derived; read-only.", readOnly),
      ],
    }),
  ],
};

/**
 * scimd's User extension: what the server or the host application knows about a user and an IdP
 * cannot set. Read-only to SCIM clients; kept across PUT and PATCH.
 */
export const SCIMD_USER_SCHEMA: SchemaDef = {
  id: SCIMD_USER_URN,
  name: 'ScimdUser',
  description: 'scimd: server-owned facts about a user',
  attributes: [
    attr('emailVerified', 'boolean', "True when the user's email address has been verified (by the host application or scimd's email validation).", readOnly),
    attr('invitation', 'string', "Where the user's invitation stands when the tenant invites users by email: pending or accepted. While pending, the user is returned with active false.", {
      ...readOnly,
      canonicalValues: ['pending', 'accepted'],
    }),
    attr('appRoles', 'string', "The application roles the tenant's role rules give the user, derived on every read. Not filterable.", { ...readOnly, multiValued: true }),
  ],
};

/** RFC 7643 §3.1 common attributes: present on every resource, in no schema. */
export const COMMON_ATTRIBUTES: readonly AttributeDef[] = [
  attr('id', 'string', 'Unique identifier of the resource, assigned by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attr('externalId', 'string', "The provisioning client's identifier for the resource.", { caseExact: true }),
  attr('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      attr('resourceType', 'string', 'The name of the resource type.', { ...readOnly, caseExact: true }),
      attr('created', 'dateTime', 'When the resource was added.', readOnly),
      attr('lastModified', 'dateTime', 'When the resource was last changed.', readOnly),
      attr('location', 'reference', 'The URI of the resource.', { ...readOnly, caseExact: true }),
      attr('version', 'string', 'The version (ETag) of the resource.', { ...readOnly, caseExact: true }),
    ],
  }),
];

export const USER_RESOURCE_TYPE: ResourceTypeDef = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_URN,
  schemaExtensions: [
    { schema: ENTERPRISE_USER_URN, required: false },
    { schema: SCIMD_USER_URN, required: false },
  ],
};

export const GROUP_RESOURCE_TYPE: ResourceTypeDef = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_URN,
  schemaExtensions: [],
};
