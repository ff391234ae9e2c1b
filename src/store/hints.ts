/**
 * What a store learnt for free while reading a resource, for the service to skip work. A hint is
 * attached to the very object the store returned (a WeakSet, not a property), so a copy — every
 * write makes one — never carries a hint that the write may have made stale.
 */
import type { StoredResource } from '../scim/resource.ts';

const inNoGroup = new WeakSet<StoredResource>();

/** The store read, with the resource, that it was a member of no group. */
export function markInNoGroup(r: StoredResource): StoredResource {
  inNoGroup.add(r);
  return r;
}

/** True only when the store said so for this object: its User.groups is empty, no query needed. */
export function knownInNoGroup(r: StoredResource): boolean {
  return inNoGroup.has(r);
}
