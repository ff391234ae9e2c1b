/**
 * Uniqueness that spans rows: userNames across tenants, group displayNames within one, and the
 * key lock that serialises any such check with the write it guards.
 */
import type { Port } from './port.ts';

export interface UniqueNamesReads {
  /**
   * True when another tenant (`all`), or another tenant whose userName.scope is global (`global`),
   * has a user with this folded userName.
   */
  userNameTakenElsewhere(tenantId: string, userNameFold: string, among: 'all' | 'global'): Promise<boolean>;
  /** The tenant's userNames (up to `limit`, and how many in all) that another tenant's users also hold. */
  userNamesHeldElsewhere(tenantId: string, limit: number): Promise<{ names: string[]; total: number }>;
  /** The id of a group of the tenant other than `exceptId` whose displayName folds to this (groups.displayName.unique), if any. */
  groupWithDisplayName(tenantId: string, displayNameFold: string, exceptId: string): Promise<string | undefined>;
}

export interface UniqueNamesWrites {
  /** Serialises transactions that use the same key until commit (PostgreSQL advisory lock; SQLite already is serial). */
  lockKey(key: string): Promise<void>;
}

export interface UniqueNames extends UniqueNamesReads, UniqueNamesWrites {}

export type UniqueNamesPort = Port<UniqueNamesReads, UniqueNamesWrites>;
