/** Typed AST for RFC 7644 §3.4.2.2 filters and §3.5.2 PATCH paths (one grammar for both). */

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';
export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le'];

export type Literal = string | number | boolean | null;

/** `[uri:]name[.sub]` as written. `text` is the whole path as the client sent it. */
export interface AttrPath {
  readonly text: string;
  readonly uri?: string;
  readonly name: string;
  readonly sub?: string;
}

export type Filter =
  | { readonly kind: 'compare'; readonly path: AttrPath; readonly op: CompareOp; readonly value: Literal }
  | { readonly kind: 'present'; readonly path: AttrPath }
  | { readonly kind: 'and' | 'or'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'not'; readonly filter: Filter }
  /** `attr[valFilter]`: true when some element of multi-valued `attr` matches `filter` (paths inside are relative). */
  | { readonly kind: 'valuePath'; readonly path: AttrPath; readonly filter: Filter };

/** RFC 7644 §3.5.2 PATH = attrPath / valuePath [subAttr]. */
export interface PatchPath {
  readonly text: string;
  readonly attr: AttrPath;
  readonly filter?: Filter;
  /** Sub-attribute after a value filter: `emails[type eq "work"].value`. */
  readonly subAfterFilter?: string;
}
