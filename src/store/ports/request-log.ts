/** The provisioning request log: one row per SCIM request, bodies redacted. */
import type { Port } from './port.ts';

/** One row of the provisioning request log. Bodies are already redacted. */
export interface RequestLogEntry {
  readonly id?: number;
  readonly at: string;
  /** The request's id: its X-Request-Id answer header and the process log's reqId. */
  readonly requestId?: string;
  readonly tenantId?: string;
  readonly tenantName?: string;
  readonly clientId?: string;
  readonly clientName?: string;
  readonly idp?: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly scimType?: string;
  readonly durationMs: number;
  /** What the normalisers changed, and what the core ignored. */
  readonly notes: readonly string[];
  readonly requestBody?: string;
  /** The request body as the normalisers left it (redacted like requestBody), only when they changed it. */
  readonly normalisedBody?: string;
  readonly responseBody?: string;
}

export interface RequestLogQuery {
  readonly tenantId?: string;
  readonly minStatus?: number;
  readonly maxStatus?: number;
  /** Only entries with a larger id (for --follow). */
  readonly afterId?: number;
  /** Only entries with a smaller id (the next page, newest first). */
  readonly beforeId?: number;
  readonly clientId?: string;
  /** Only entries of this HTTP method (GET, POST …). */
  readonly method?: string;
  /** Only entries at or after this time (ISO 8601). */
  readonly since?: string;
  /** Only entries before this time (ISO 8601). */
  readonly until?: string;
  /** Only entries of no tenant: requests that failed authentication. */
  readonly unauthenticated?: boolean;
  /** Only entries whose path (as logged) contains this text, e.g. a tenant's SCIM URL path. */
  readonly pathContains?: string;
  readonly limit: number;
}

export interface RequestLogStoreReads {
  /** Newest first. */
  requestLog(q: RequestLogQuery): Promise<RequestLogEntry[]>;
  requestLogEntry(id: number): Promise<RequestLogEntry | undefined>;
}

export interface RequestLogStoreWrites {
  appendRequestLog(entries: readonly RequestLogEntry[]): Promise<void>;
  /** Deletes entries older than `before` and all but the newest `keep`. */
  pruneRequestLog(before: string, keep: number): Promise<void>;
}

export interface RequestLogStore extends RequestLogStoreReads, RequestLogStoreWrites {}

export type RequestLogStorePort = Port<RequestLogStoreReads, RequestLogStoreWrites>;
