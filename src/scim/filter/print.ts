import type { Filter, Literal, PatchPath } from './ast.ts';

/**
 * Prints a literal as RFC 7644 compValue (JSON), so that it parses back to the same value:
 * JSON.stringify would print -0 as 0 and an infinite number as null, which means "not
 * present". (parseFilter refuses numbers out of range; an infinite one comes only from code.)
 */
export function printLiteral(v: Literal): string {
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return '-0';
    if (v === Infinity) return '1e999';
    if (v === -Infinity) return '-1e999';
  }
  return JSON.stringify(v);
}

/**
 * Prints a filter in canonical form: lower-case operators, single spaces, parentheses only where
 * precedence needs them. parseFilter(printFilter(f)) yields f again.
 */
export function printFilter(f: Filter): string {
  return print(f, 0);
}

// Binding strength: or = 1, and = 2, everything else = 3.
function print(f: Filter, parent: number): string {
  switch (f.kind) {
    case 'present':
      return `${f.path.text} pr`;
    case 'compare':
      return `${f.path.text} ${f.op} ${printLiteral(f.value)}`;
    case 'not':
      return `not (${print(f.filter, 0)})`;
    case 'valuePath':
      return `${f.path.text}[${print(f.filter, 0)}]`;
    case 'and':
    case 'or': {
      const strength = f.kind === 'or' ? 1 : 2;
      // Left-associative: the right operand needs parentheses at equal strength.
      const text = `${print(f.left, strength)} ${f.kind} ${print(f.right, strength + 1)}`;
      return strength < parent ? `(${text})` : text;
    }
  }
}

export function printPath(p: PatchPath): string {
  let out = p.attr.text;
  if (p.filter) out += `[${printFilter(p.filter)}]`;
  if (p.subAfterFilter) out += `.${p.subAfterFilter}`;
  return out;
}
