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

export interface TombstonesReads {
  listTombstones(tenantId: string): Promise<Tombstone[]>;
}

export interface TombstonesWrites {
  putTombstone(tenantId: string, t: Tombstone): Promise<void>;
  /** Removes and returns a tombstone. */
  takeTombstone(tenantId: string, id: string): Promise<Tombstone | undefined>;
}

export interface Tombstones extends TombstonesReads, TombstonesWrites {}

export type TombstonesPort = Port<TombstonesReads, TombstonesWrites>;
