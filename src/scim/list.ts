/** Query parameters of list and search requests (RFC 7644 §3.4.2, §3.4.3). */
import { invalidCount, invalidCursor, invalidFilter, invalidSyntax, invalidValue } from './errors.ts';
import { isObject, type Json } from './schema/validate.ts';
import { SEARCH_REQUEST_URN } from './urns.ts';

export interface ListRequest {
  readonly filter?: string;
  readonly sortBy?: string;
  readonly descending: boolean;
  /** 1-based. */
  readonly startIndex: number;
  readonly count: number;
  /**
   * RFC 9865 cursor paging: '' asks for the first page, anything else is a `nextCursor` or
   * `previousCursor` of an earlier answer. Absent: index paging (startIndex).
   */
  readonly cursor?: string;
  readonly attributes: string[];
  readonly excludedAttributes: string[];
}

/** Longest cursor taken (scimd's are under 300 characters). */
const MAX_CURSOR_LENGTH = 1024;

/** What one list or search request may ask for (configured in src/config.ts). */
export interface ListLimits {
  /** Largest page; a larger `count` is capped to it (RFC 7644 §3.4.2.4). */
  readonly maxResults: number;
  readonly maxFilterLength: number;
  /** Most names in `attributes` or in `excludedAttributes`. */
  readonly maxAttributes: number;
  /** Longest attribute path in `sortBy`, `attributes` and `excludedAttributes`. */
  readonly maxNameLength: number;
}

export const DEFAULT_LIST_LIMITS: ListLimits = { maxResults: 1000, maxFilterLength: 4096, maxAttributes: 200, maxNameLength: 512 };

const PARAMS = ['filter', 'sortBy', 'sortOrder', 'startIndex', 'count', 'cursor', 'attributes', 'excludedAttributes'] as const;
type Param = (typeof PARAMS)[number];

/** Picks the known parameters without regard to case; repeated parameters are an error. */
function pick(source: Json, where: string): Partial<Record<Param, unknown>> {
  const out: Partial<Record<Param, unknown>> = {};
  for (const [k, v] of Object.entries(source)) {
    const p = PARAMS.find((x) => x.toLowerCase() === k.toLowerCase());
    if (!p) continue;
    if (out[p] !== undefined) throw invalidSyntax(`${where} '${p}' is given more than once`);
    out[p] = v;
  }
  return out;
}

function integer(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isSafeInteger(n)) throw invalidValue(`'${name}' must be an integer, not ${JSON.stringify(v)}`);
  return n;
}

function stringList(v: unknown, name: string, limits: ListLimits): string[] {
  if (v === undefined || v === null) return [];
  const parts = Array.isArray(v) ? v : [v];
  if (parts.length > limits.maxAttributes) throw invalidValue(`'${name}' names ${parts.length} attributes; the limit is ${limits.maxAttributes}`);
  const out: string[] = [];
  for (const p of parts) {
    if (typeof p !== 'string') throw invalidValue(`'${name}' must be a list of attribute names`);
    out.push(...p.split(',').map((s) => s.trim()).filter(Boolean));
    if (out.length > limits.maxAttributes) throw invalidValue(`'${name}' names ${out.length} attributes or more; the limit is ${limits.maxAttributes}`);
  }
  for (const a of out) {
    if (a.length > limits.maxNameLength) throw invalidValue(`'${name}' has a name of ${a.length} characters; the limit is ${limits.maxNameLength}`);
  }
  return out;
}

function optionalString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidValue(`'${name}' must be a string`);
  return v;
}

function build(p: Partial<Record<Param, unknown>>, limits: ListLimits): ListRequest {
  const maxResults = limits.maxResults;
  const sortOrder = optionalString(p.sortOrder, 'sortOrder');
  if (sortOrder !== undefined && !/^(ascending|descending)$/i.test(sortOrder)) {
    throw invalidValue(`'sortOrder' must be "ascending" or "descending", not ${JSON.stringify(sortOrder)}`);
  }
  const cursor = cursorParam(p.cursor);
  if (cursor !== undefined && p.startIndex !== undefined && p.startIndex !== null && p.startIndex !== '') {
    throw invalidValue("Give 'startIndex' (index paging) or 'cursor' (cursor paging, RFC 9865), not both");
  }
  // RFC 7644 §3.4.2.4: startIndex below 1 is read as 1; a negative count as 0; count is capped at maxResults.
  const startIndex = Math.max(1, integer(p.startIndex, 'startIndex') ?? 1);
  const asked = integer(p.count, 'count');
  // RFC 9865 §2.2: a cursor page holds 1 to maxPageSize results; a larger count is capped, as for index paging.
  if (cursor !== undefined && asked !== undefined && asked < 1) throw invalidCount(`'count' must be between 1 and ${maxResults} with cursor paging, not ${asked}`);
  const count = Math.min(maxResults, Math.max(0, asked ?? maxResults));
  const filter = optionalString(p.filter, 'filter');
  // Checked here, before normalisers rewrite the filter or the parser reads it.
  if (filter !== undefined && filter.length > limits.maxFilterLength) {
    throw invalidFilter(`Invalid filter: it is ${filter.length} characters long; the limit is ${limits.maxFilterLength}`);
  }
  const sortBy = optionalString(p.sortBy, 'sortBy')?.trim();
  if (sortBy !== undefined && sortBy.length > limits.maxNameLength) throw invalidValue(`'sortBy' is ${sortBy.length} characters long; the limit is ${limits.maxNameLength}`);
  return {
    ...(filter !== undefined && filter.trim() !== '' ? { filter } : {}),
    ...(sortBy ? { sortBy } : {}),
    descending: sortOrder?.toLowerCase() === 'descending',
    startIndex,
    count,
    ...(cursor !== undefined ? { cursor } : {}),
    attributes: stringList(p.attributes, 'attributes', limits),
    excludedAttributes: stringList(p.excludedAttributes, 'excludedAttributes', limits),
  };
}

/** `cursor`: absent, '' (the first page; `?cursor` alone reads as '') or a cursor of unreserved characters (RFC 3986 §2.3). */
function cursorParam(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidCursor("'cursor' must be a string: empty for the first page, then a nextCursor or previousCursor");
  if (v.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9._~-]*$/.test(v)) throw invalidCursor("'cursor' is not a cursor this server gave: use an empty cursor for the first page, then nextCursor or previousCursor");
  return v;
}

/** From the query string of a GET. */
export function listRequestFromQuery(query: Json, limits: ListLimits): ListRequest {
  const p = pick(query, 'Query parameter');
  for (const [k, v] of Object.entries(p)) {
    if (Array.isArray(v)) throw invalidSyntax(`Query parameter '${k}' is given more than once`);
  }
  return build(p, limits);
}

/** From the body of a POST …/.search (RFC 7644 §3.4.3). */
export function listRequestFromSearch(body: unknown, limits: ListLimits): ListRequest {
  if (!isObject(body)) throw invalidSyntax('The search request must be a JSON object (a SearchRequest message)');
  const schemas = Object.entries(body).find(([k]) => k.toLowerCase() === 'schemas')?.[1];
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SEARCH_REQUEST_URN.toLowerCase())) {
    throw invalidSyntax(`The search request must carry "schemas": ["${SEARCH_REQUEST_URN}"]`);
  }
  return build(pick(body, 'Search parameter'), limits);
}
