/**
 * What the store's failures mean to a SCIM client, in one place: the HTTP layer asks here and
 * never sees a store error type.
 */
import { invalidValue, uniqueness, unavailable, type ScimError } from '../../scim/errors.ts';
import { StoreNotWritable, StoreUnavailable, UniqueViolation, ValueTooLarge } from '../../store/types.ts';
import { quoted } from '../policies/attribute-rules.ts';

/** Seconds a client is asked to wait (Retry-After) while the database is unreachable. */
const RETRY_AFTER_SECONDS = 2;
/** Seconds a client is asked to wait while the database cannot be written (an operator has to act). */
export const NOT_WRITABLE_RETRY_AFTER_SECONDS = 30;

/** The SCIM error a store failure stands for; undefined for anything else (which stays a 500). */
export function storeFailureAsScim(err: unknown): ScimError | undefined {
  if (err instanceof StoreNotWritable) {
    return unavailable(
      'The directory cannot be changed right now: its database cannot be written (the data directory is read-only or the disk is full). Nothing was changed; reads still work. Retry later',
      NOT_WRITABLE_RETRY_AFTER_SECONDS,
    );
  }
  if (err instanceof StoreUnavailable) return unavailable('The directory is temporarily unavailable; retry shortly', RETRY_AFTER_SECONDS);
  if (err instanceof ValueTooLarge) {
    return invalidValue('A userName, displayName, externalId or email address is too long for the database to index (PostgreSQL indexes at most 2,704 bytes of each, after compression); nothing was changed');
  }
  return undefined;
}

/** A write's unique violation on userName as SCIM's `uniqueness` error (409); any other failure as it was. */
export function userNameTaken(err: unknown, userName: unknown): unknown {
  if (err instanceof UniqueViolation && err.attribute === 'userName') {
    return uniqueness(`userName ${quoted(String(userName))} is already taken in this tenant (userName is unique without regard to case)`);
  }
  return err;
}
