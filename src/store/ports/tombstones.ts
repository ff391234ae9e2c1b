/** Deleted resources kept under deprovision.delete = tombstone, recoverable by an admin. */
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { Json } from '../../scim/schema/validate.ts';
import type { Port } from './port.ts';

export interface Tombstone {
  readonly id: string;
  readonly type: ResourceTypeName;
  readonly data: Json;
  readonly created: string;
  readonly deletedAt: string;
  /** The version the resource had when deleted (absent on tombstones from before it was kept). */
  readonly version?: number;
  /** The user's password hash (passwords = hash), restored with it. */
  readonly passwordHash?: string;
}

/** Where a tombstone stands in the newest-first order of a tenant's tombstones. */
export interface TombstoneKey {
  readonly deletedAt: string;
  readonly id: string;
}

/** One page of a tenant's tombstones: `before` (older than the key) or `after` (newer), never both. */
export interface TombstonePageQuery {
  readonly limit: number;
  readonly before?: TombstoneKey;
  readonly after?: TombstoneKey;
}

export interface TombstonesReads {
  /** Every tombstone of the tenant, oldest first (the CLI; the admin API pages with tombstonePage). */
  listTombstones(tenantId: string): Promise<Tombstone[]>;
  /**
   * Up to `limit` tombstones, newest first (deletedAt, then id, both descending), from the
   * tombstones_deleted index: older than `before`, newer than `after` (the page just before it),
   * or the newest.
   */
  tombstonePage(tenantId: string, q: TombstonePageQuery): Promise<Tombstone[]>;
  tombstone(tenantId: string, id: string): Promise<Tombstone | undefined>;
}

export interface TombstonesWrites {
  putTombstone(tenantId: string, t: Tombstone): Promise<void>;
  /** Removes and returns a tombstone. */
  takeTombstone(tenantId: string, id: string): Promise<Tombstone | undefined>;
}

export interface Tombstones extends TombstonesReads, TombstonesWrites {}

export type TombstonesPort = Port<TombstonesReads, TombstonesWrites>;
