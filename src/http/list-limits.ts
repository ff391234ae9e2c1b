/** The list and projection limits of the server's options, for every route that lists resources (SCIM and admin). */
import { listRequestFromQuery, type ListLimits } from '../scim/list.ts';
import { DEFAULT_REQUEST_LIMITS } from '../scim/limits.ts';
import type { ProjectionRequest } from '../provisioning/resources/resource-service.ts';
import type { HttpOptions } from './services.ts';

export function listLimitsOf(options: HttpOptions): ListLimits {
  const l = options.limits ?? DEFAULT_REQUEST_LIMITS;
  return { maxResults: options.maxResults, maxFilterLength: l.maxFilterLength, maxAttributes: l.maxAttributeNames, maxNameLength: l.maxNameLength };
}

/** `attributes` and `excludedAttributes` of a query string (RFC 7644 §3.9). */
export function projectionOf(query: Record<string, unknown>, limits: ListLimits): ProjectionRequest {
  const { attributes, excludedAttributes } = listRequestFromQuery(query, limits);
  return { attributes, excludedAttributes };
}
