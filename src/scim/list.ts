/** Query parameters of list and search requests (RFC 7644 §3.4.2, §3.4.3). */
import { invalidSyntax, invalidValue } from './errors.ts';
import { isObject, type Json } from './schema/validate.ts';
import { SEARCH_REQUEST_URN } from './urns.ts';

export interface ListRequest {
  readonly filter?: string;
  readonly sortBy?: string;
  readonly descending: boolean;
  /** 1-based. */
  readonly startIndex: number;
  readonly count: number;
  readonly attributes: string[];
  readonly excludedAttributes: string[];
}

const PARAMS = ['filter', 'sortBy', 'sortOrder', 'startIndex', 'count', 'attributes', 'excludedAttributes'] as const;
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

function stringList(v: unknown, name: string): string[] {
  if (v === undefined || v === null) return [];
  const parts = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const p of parts) {
    if (typeof p !== 'string') throw invalidValue(`'${name}' must be a list of attribute names`);
    out.push(...p.split(',').map((s) => s.trim()).filter(Boolean));
  }
  return out;
}

function optionalString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidValue(`'${name}' must be a string`);
  return v;
}

function build(p: Partial<Record<Param, unknown>>, maxResults: number): ListRequest {
  const sortOrder = optionalString(p.sortOrder, 'sortOrder');
  if (sortOrder !== undefined && !/^(ascending|descending)$/i.test(sortOrder)) {
    throw invalidValue(`'sortOrder' must be "ascending" or "descending", not ${JSON.stringify(sortOrder)}`);
  }
  // RFC 7644 §3.4.2.4: startIndex below 1 is read as 1; a negative count as 0; count is capped at maxResults.
  const startIndex = Math.max(1, integer(p.startIndex, 'startIndex') ?? 1);
  const count = Math.min(maxResults, Math.max(0, integer(p.count, 'count') ?? maxResults));
  const filter = optionalString(p.filter, 'filter');
  const sortBy = optionalString(p.sortBy, 'sortBy')?.trim();
  return {
    ...(filter !== undefined && filter.trim() !== '' ? { filter } : {}),
    ...(sortBy ? { sortBy } : {}),
    descending: sortOrder?.toLowerCase() === 'descending',
    startIndex,
    count,
    attributes: stringList(p.attributes, 'attributes'),
    excludedAttributes: stringList(p.excludedAttributes, 'excludedAttributes'),
  };
}

/** From the query string of a GET. */
export function listRequestFromQuery(query: Json, maxResults: number): ListRequest {
  const p = pick(query, 'Query parameter');
  for (const [k, v] of Object.entries(p)) {
    if (Array.isArray(v)) throw invalidSyntax(`Query parameter '${k}' is given more than once`);
  }
  return build(p, maxResults);
}

/** From the body of a POST …/.search (RFC 7644 §3.4.3). */
export function listRequestFromSearch(body: unknown, maxResults: number): ListRequest {
  if (!isObject(body)) throw invalidSyntax('The search request must be a JSON object (a SearchRequest message)');
  const schemas = Object.entries(body).find(([k]) => k.toLowerCase() === 'schemas')?.[1];
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SEARCH_REQUEST_URN.toLowerCase())) {
    throw invalidSyntax(`The search request must carry "schemas": ["${SEARCH_REQUEST_URN}"]`);
  }
  return build(pick(body, 'Search parameter'), maxResults);
}
