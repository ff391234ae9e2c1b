/**
 * The bench's users, derived from their index alone: the orchestrator, the seeder and the load
 * phases agree on every id and userName without holding a million of them in memory.
 */
import { createHash } from 'node:crypto';

export const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** A random-looking but reproducible UUID (version 4 layout) for user `i`: index inserts land as scattered as real ids. */
export function userId(i: number, salt = 'u'): string {
  const h = createHash('sha1').update(`${salt}${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function userName(i: number): string {
  return `user${i}@bench.example.com`;
}

/** A POST body as an IdP sends it: the attributes Entra and Okta provision by default. */
export function userBody(name: string, n: number | string): Record<string, unknown> {
  return {
    schemas: [USER_URN],
    userName: name,
    externalId: `ext-${n}`,
    name: { givenName: `Given${n}`, familyName: `Family${n}` },
    displayName: `Given${n} Family${n}`,
    emails: [{ value: name, type: 'work', primary: true }],
    active: true,
  };
}
