/**
 * IdP quirks (docs/idp-quirks.md) are handled by named normalisers that rewrite a request into
 * what the RFC core understands, never by loosening the core. Each is a small pure function of the
 * request (and, for PATCH, of the stored resource); what it changes is noted for the request log.
 */
import type { ResourceSchema } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';

/**
 * `generic` is what a client nobody pinned or recognised gets: the tolerant default, with every
 * normaliser that only rewrites requests the RFC core would refuse or misread. `strict` is the
 * exact RFC 7644 behaviour, with no normaliser at all, and is only ever chosen by an operator.
 * The IdP profiles add, to the tolerant default, the normalisers that change what a valid request
 * means for that IdP.
 */
export const IDP_PROFILES = ['generic', 'strict', 'entra', 'okta', 'authentik', 'keycloak', 'pingone', 'onelogin', 'jumpcloud'] as const;
export type IdpProfile = (typeof IDP_PROFILES)[number];

export function isIdpProfile(v: string): v is IdpProfile {
  return (IDP_PROFILES as readonly string[]).includes(v);
}

/** Work a normaliser asks the service to do besides the rewritten request (IDP-QUIRKS row 23). */
export interface FollowUp {
  readonly kind: 'userGroups';
  /** The groups the user should be a direct member of (`set`), or join (`add`). */
  readonly mode: 'set' | 'add';
  readonly groupIds: readonly string[];
}

export interface QuirkContext {
  readonly schema: ResourceSchema;
  /** The id in the request path, for requests on one resource. */
  readonly resourceId?: string;
  /** The stored attributes of that resource (PATCH only). */
  readonly current?: Json;
  /** Records what the normaliser changed: "op 'Replace' read as 'replace'". */
  note(message: string): void;
  followUp(f: FollowUp): void;
}

export interface FilterContext {
  readonly schemas: readonly ResourceSchema[];
  note(message: string): void;
}

export interface Normaliser {
  /** Stable name, used in notes, settings (`normaliser.<name>`) and docs. */
  readonly name: string;
  /** The quirk numbers (#n in docs/idp-quirks.md) it handles. */
  readonly quirks: readonly number[];
  /**
   * `all`: only rewrites requests the RFC core would refuse or misread, so it is on for every
   * profile but `strict`, the tolerant default `generic` included. A list: on for those IdP
   * profiles only, because it changes what a request the core accepts means.
   */
  readonly profiles: 'all' | readonly IdpProfile[];
  readonly summary: string;
  /** POST and PUT bodies. */
  resource?(body: Json, ctx: QuirkContext): Json;
  /** PatchOp bodies. */
  patch?(body: Json, ctx: QuirkContext): Json;
  /** Filter expressions (query string or SearchRequest). */
  filter?(filter: string, ctx: FilterContext): string;
  /**
   * A group member whose client-sent `type` or `$ref` disagrees with the resource its id names
   * (known only once the store has been asked, so this is a decision, not a rewrite): true takes
   * them from the member itself, false leaves the request to be refused.
   */
  member?(disagreement: string, ctx: Pick<QuirkContext, 'note'>): boolean;
}
