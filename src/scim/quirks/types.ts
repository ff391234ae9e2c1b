/**
 * IdP quirks (docs/idp-quirks.md) are handled by named normalisers that rewrite a request into
 * what the RFC core understands, never by loosening the core. Each is a small pure function of the
 * request (and, for PATCH, of the stored resource); what it changes is noted for the request log.
 */
import type { ResourceSchema } from '../schema/registry.ts';
import type { Json } from '../schema/validate.ts';

export const IDP_PROFILES = ['generic', 'entra', 'okta', 'authentik', 'keycloak', 'pingone', 'onelogin', 'jumpcloud'] as const;
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
   * `all`: never changes the meaning of a request the RFC core accepts; on for every IdP profile
   * except `generic` (which is the strict RFC). A list: on for those profiles only, because it can
   * change what a request means.
   */
  readonly profiles: 'all' | readonly IdpProfile[];
  readonly summary: string;
  /** POST and PUT bodies. */
  resource?(body: Json, ctx: QuirkContext): Json;
  /** PatchOp bodies. */
  patch?(body: Json, ctx: QuirkContext): Json;
  /** Filter expressions (query string or SearchRequest). */
  filter?(filter: string, ctx: FilterContext): string;
}
