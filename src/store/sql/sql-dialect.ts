/** What differs between SQL databases in compiled filters. Everything else in compile.ts is shared. */
import type { AttributeType } from '../../scim/schema/types.ts';

export interface Dialect {
  /** Placeholder for the n-th (1-based) parameter. */
  placeholder(n: number): string;
  /** Converts a JS value to what the driver binds (e.g. booleans to 1/0 in SQLite). */
  bind(v: string | number | boolean): unknown;
  /** A typed scalar at JSON path `keys` of the JSON column expression `src`; `path` is the bound path parameter. */
  jsonScalar(src: string, path: string, type: AttributeType): string;
  /** The JSON path parameter value for `keys` (e.g. `$."a"."b"` in SQLite, `{a,b}` in PostgreSQL); numbers index arrays. */
  jsonPath(keys: readonly (string | number)[]): unknown;
  /** A FROM item iterating the JSON array at `path` of `src`, aliased `alias`, and the expression of one element. */
  jsonElements(src: string, path: string, alias: string): { from: string; element: string };
  /** A typed scalar at the (bound) one-key JSON path `path` of a JSON element expression. */
  elementScalar(element: string, path: string, type: AttributeType): string;
  /** A multi-valued simple attribute's element, typed. */
  elementSelf(element: string, type: AttributeType): string;
  /** 1-based position of `needle` in `hay`, 0 when absent. */
  position(hay: string, needle: string): string;
  /** `expr` under code-point (binary) ordering for <, >, ORDER BY. */
  binary(expr: string): string;
  /** A parameter placeholder used as text (PostgreSQL cannot guess the type of `length($1)`). */
  text(placeholder: string): string;
  /**
   * The element of the JSON array at `arrayPath` whose "primary" is true, else the element at
   * `firstPath` (RFC 7644 §3.4.2.3 sorting of multi-valued attributes).
   */
  primaryOrFirst(src: string, arrayPath: string, firstPath: string): string;
  /**
   * Whether a page's LIMIT is written into the statement as a number rather than bound. SQLite's
   * planner reads a bound LIMIT, so binding one expires the prepared statement and every execution
   * prepares it again (measured: a userName lookup took ~18 µs with `LIMIT ?`, ~6.5 µs with
   * `LIMIT 1000`; a bound OFFSET costs nothing). Page sizes are few (a client's count, or maxResults),
   * so the statement cache holds them. Absent: bound.
   */
  readonly inlineLimit?: boolean;
}
