/**
 * Users and Groups as stored. Every call is scoped by tenant. `search` is the resource's search
 * form (scim/search-form.ts): filters and sorts run against it.
 */
import type { BoundFilter, Target } from '../../scim/filter/bind.ts';
import type { StoredResource } from '../../scim/resource.ts';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { Json } from '../../scim/schema/validate.ts';
import type { Port } from './port.ts';

export interface SortSpec {
  readonly target: Target;
  readonly descending: boolean;
}

/** A search over one or more resource types (several for root-level `/.search`). */
export interface ResourceQuery {
  readonly types: readonly ResourceTypeName[];
  /** Bound filter per type; a type missing here matches everything. */
  readonly filters?: ReadonlyMap<ResourceTypeName, BoundFilter>;
  readonly sort?: ReadonlyMap<ResourceTypeName, SortSpec>;
  readonly descending?: boolean;
  /** 1-based, as in RFC 7644 §3.4.2.4. Ignored with `keyset`. */
  readonly startIndex: number;
  readonly count: number;
  /**
   * Keyset paging (RFC 9865 cursors): the `count` resources right after `from` in the query's order
   * (forward), or right before it, nearest first (backward); from the start (or the end) without
   * `from`. Stable while resources are inserted and deleted: no resource that exists throughout is
   * skipped or repeated. The page then carries each resource's position.
   */
  readonly keyset?: { readonly forward: boolean; readonly from?: KeysetPosition };
}

/** Where a resource stands in a query's order: its sort key (absent unsorted; null: it has no value) and insertion order. */
export interface KeysetPosition {
  readonly seq: number;
  readonly key?: string | number | boolean | null;
}

export interface ResourcePage {
  readonly total: number;
  readonly resources: StoredResource[];
  /** With `keyset`: the position of each resource, in the same order. */
  readonly positions?: KeysetPosition[];
}

export interface ResourcesReads {
  /** In a transaction, `lock` holds the row until commit (PostgreSQL: FOR NO KEY UPDATE), so read → write is safe across processes. */
  getResource(tenantId: string, type: ResourceTypeName, id: string, opts?: { lock?: boolean }): Promise<StoredResource | undefined>;
  queryResources(tenantId: string, q: ResourceQuery): Promise<ResourcePage>;
}

export interface ResourcesWrites {
  insertResource(tenantId: string, r: StoredResource, search: Json): Promise<void>;
  /** Many insertResource calls at once, in few statements (bulk loads): all are written or, on an error, none in a transaction. */
  insertResources(tenantId: string, items: readonly { readonly resource: StoredResource; readonly search: Json }[]): Promise<void>;
  /**
   * Writes `r` if the stored version is still `expectedVersion`; false when it is not. Without
   * `search` the stored search form is kept. `previous`, the stored data `r` replaces (as read in
   * this transaction), lets the store skip reading what it derives from it when that is unchanged.
   */
  updateResource(tenantId: string, r: StoredResource, expectedVersion: number, search?: Json, previous?: Json): Promise<boolean>;
  deleteResource(tenantId: string, type: ResourceTypeName, id: string): Promise<boolean>;
}

export interface Resources extends ResourcesReads, ResourcesWrites {}

export type ResourcesPort = Port<ResourcesReads, ResourcesWrites>;
