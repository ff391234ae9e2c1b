/** The tenant and SCIM client a first start creates (and whose token it prints once). */
export const DEFAULT_TENANT = 'default';
export const DEFAULT_CLIENT = 'default';
