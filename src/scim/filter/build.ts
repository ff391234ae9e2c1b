/**
 * Builds filter trees in code, for lookups scimd makes on its own behalf (identity matching,
 * uniqueness checks, SAML NameID and link lookups). Such a lookup never prints a value into filter
 * text to parse it again: the value is the client's (a userName of any length, any character), the
 * filter is not, so the limits and grammar of client filters (RFC 7644 §3.4.2.2) must not apply to
 * it. The trees are the ones parseFilter yields for the same filter written out.
 */
import type { AttrPath, Filter, Literal } from './ast.ts';
import { parseAttrPath } from './parse.ts';

/** `[uri:]name[.sub]`, split as the parser splits it; the text is scimd's own, so a bad one is a bug. */
export function attr(text: string): AttrPath {
  return parseAttrPath(text, 'invalidFilter');
}

const pathOf = (p: string | AttrPath): AttrPath => (typeof p === 'string' ? attr(p) : p);

/** `path eq value`. */
export function eq(path: string | AttrPath, value: Literal): Filter {
  return { kind: 'compare', path: pathOf(path), op: 'eq', value };
}

function chain(kind: 'and' | 'or', filters: readonly Filter[]): Filter {
  const [first, ...rest] = filters;
  if (first === undefined) throw new Error(`${kind}() needs at least one filter`);
  // Left-associative, as the parser reads `a and b and c`.
  return rest.reduce<Filter>((left, right) => ({ kind, left, right }), first);
}

/** `a and b and …` (one filter stands for itself). */
export function and(...filters: readonly Filter[]): Filter {
  return chain('and', filters);
}

/** `a or b or …` (one filter stands for itself). */
export function or(...filters: readonly Filter[]): Filter {
  return chain('or', filters);
}
