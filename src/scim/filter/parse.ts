/**
 * Recursive-descent parser for the RFC 7644 §3.4.2.2 filter grammar and the §3.5.2 PATCH path grammar.
 * Operators and keywords are case-insensitive (§3.4.2.2); whitespace between tokens may repeat.
 * Every error names the 1-based character position where parsing failed.
 */
import { ScimError } from '../errors.ts';
import { isReservedName } from '../json-guard.ts';
import { unusableText } from '../values.ts';
import { COMPARE_OPS, type AttrPath, type CompareOp, type Filter, type Literal, type PatchPath } from './ast.ts';

export interface ParseLimits {
  /** Longest accepted filter or path, in characters. */
  readonly maxLength: number;
  /** Deepest nesting of parentheses, `not` and brackets. */
  readonly maxDepth: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxLength: 4096, maxDepth: 32 };

type Token =
  | { t: 'word'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; pos: number }
  | { t: '(' | ')' | '[' | ']'; pos: number }
  | { t: 'end'; pos: number };

const NAME = /^[A-Za-z$][A-Za-z0-9_$-]*$/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WORD = /[A-Za-z0-9_$:.-]+/y;

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  private depth = 0;

  constructor(
    private readonly input: string,
    private readonly kind: 'invalidFilter' | 'invalidPath',
    private readonly limits: ParseLimits,
  ) {
    if (input.length > limits.maxLength) {
      throw this.error(`it is ${input.length} characters long; the limit is ${limits.maxLength}`);
    }
    this.tokens = this.lex();
  }

  error(message: string, pos?: number): ScimError {
    const what = this.kind === 'invalidFilter' ? 'filter' : 'path';
    const where = pos === undefined ? '' : ` at position ${pos + 1}`;
    return new ScimError(400, this.kind, `Invalid ${what}${where}: ${message}`);
  }

  private lex(): Token[] {
    const s = this.input;
    const out: Token[] = [];
    let p = 0;
    while (p < s.length) {
      const c = s[p]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        p++;
        continue;
      }
      if (c === '(' || c === ')' || c === '[' || c === ']') {
        out.push({ t: c, pos: p });
        p++;
        continue;
      }
      if (c === '"') {
        const [v, end] = this.lexString(p);
        out.push({ t: 'string', v, pos: p });
        p = end;
        continue;
      }
      if (c === '-' || (c >= '0' && c <= '9')) {
        NUMBER.lastIndex = p;
        const m = NUMBER.exec(s);
        // A number must not run into a word character ("12ab" is neither a number nor a name).
        // Checked on the character after the number: "1e+2" is a number though "+" is not a word character.
        if (m && !/[A-Za-z0-9_$:.-]/.test(s[p + m[0].length] ?? '')) {
          const v = Number(m[0]);
          // 1e400 is Infinity to JavaScript and to neither database a comparable number.
          if (!Number.isFinite(v)) throw this.error(`the number ${m[0].slice(0, 40)} is out of range`, p);
          out.push({ t: 'number', v, pos: p });
          p += m[0].length;
          continue;
        }
      }
      WORD.lastIndex = p;
      const w = WORD.exec(s);
      if (!w) throw this.error(`unexpected character ${JSON.stringify(c)}`, p);
      out.push({ t: 'word', v: w[0], pos: p });
      p += w[0].length;
    }
    out.push({ t: 'end', pos: s.length });
    return out;
  }

  /** A JSON string literal (RFC 8259 §7), as compValue requires. */
  private lexString(start: number): [string, number] {
    const s = this.input;
    let p = start + 1;
    let out = '';
    while (p < s.length) {
      const c = s[p]!;
      if (c === '"') {
        const why = unusableText(out);
        if (why) throw this.error(`the string ${why}`, start);
        return [out, p + 1];
      }
      if (c === '\\') {
        const e = s[p + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          p += 2;
          continue;
        }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(p + 2, p + 6))) {
          out += String.fromCharCode(parseInt(s.slice(p + 2, p + 6), 16));
          p += 6;
          continue;
        }
        throw this.error('invalid escape sequence in string', p);
      }
      if (c < ' ') throw this.error('control character in string; escape it', p);
      out += c;
      p++;
    }
    throw this.error('unterminated string', start);
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.t !== 'end') this.i++;
    return t;
  }

  private isWord(t: Token, word: string): boolean {
    return t.t === 'word' && t.v.toLowerCase() === word;
  }

  private describe(t: Token): string {
    switch (t.t) {
      case 'end':
        return 'end of input';
      case 'word':
        return `'${t.v}'`;
      case 'string':
        return `string ${JSON.stringify(t.v)}`;
      case 'number':
        return `number ${t.v}`;
      default:
        return `'${t.t}'`;
    }
  }

  private enter(pos: number): void {
    if (++this.depth > this.limits.maxDepth) throw this.error(`nesting is deeper than ${this.limits.maxDepth}`, pos);
  }

  private expect(type: ')' | ']', context: string): void {
    const t = this.next();
    if (t.t !== type) throw this.error(`expected '${type}' ${context}, found ${this.describe(t)}`, t.pos);
  }

  parseFilterAll(): Filter {
    if (this.peek().t === 'end') throw this.error('filter is empty', 0);
    const f = this.parseOr(false);
    const t = this.peek();
    if (t.t !== 'end') throw this.error(`expected 'and', 'or' or end of filter, found ${this.describe(t)}`, t.pos);
    return f;
  }

  private parseOr(inValue: boolean): Filter {
    let left = this.parseAnd(inValue);
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd(inValue) };
    }
    return left;
  }

  private parseAnd(inValue: boolean): Filter {
    let left = this.parseUnary(inValue);
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.parseUnary(inValue) };
    }
    return left;
  }

  private parseUnary(inValue: boolean): Filter {
    const t = this.peek();
    if (this.isWord(t, 'not') && this.tokens[this.i + 1]?.t === '(') {
      this.next();
      const open = this.next();
      this.enter(open.pos);
      const inner = this.parseOr(inValue);
      this.expect(')', "to close 'not ('");
      this.depth--;
      return { kind: 'not', filter: inner };
    }
    if (t.t === '(') {
      this.next();
      this.enter(t.pos);
      const inner = this.parseOr(inValue);
      this.expect(')', "to close '('");
      this.depth--;
      return inner;
    }
    return this.parseAttrExp(inValue);
  }

  private parseAttrExp(inValue: boolean): Filter {
    const t = this.next();
    if (t.t !== 'word') throw this.error(`expected an attribute name, found ${this.describe(t)}`, t.pos);
    const path = this.attrPath(t.v, t.pos);
    const opTok = this.next();
    if (opTok.t === '[') {
      if (inValue) throw this.error('value filters cannot be nested', opTok.pos);
      if (path.sub !== undefined) throw this.error(`a value filter applies to a multi-valued attribute, not '${path.text}'`, opTok.pos);
      this.enter(opTok.pos);
      const inner = this.parseOr(true);
      this.expect(']', 'to close the value filter');
      this.depth--;
      return { kind: 'valuePath', path, filter: inner };
    }
    if (opTok.t !== 'word') throw this.error(`expected an operator after '${path.text}', found ${this.describe(opTok)}`, opTok.pos);
    const op = opTok.v.toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    if (!(COMPARE_OPS as readonly string[]).includes(op)) {
      throw this.error(`unknown operator '${opTok.v}'; expected one of eq, ne, co, sw, ew, gt, lt, ge, le, pr`, opTok.pos);
    }
    return { kind: 'compare', path, op: op as CompareOp, value: this.literal(path) };
  }

  private literal(path: AttrPath): Literal {
    const v = this.next();
    if (v.t === 'string' || v.t === 'number') return v.v;
    if (v.t === 'word') {
      const w = v.v.toLowerCase();
      if (w === 'true') return true;
      if (w === 'false') return false;
      if (w === 'null') return null;
      throw this.error(`expected a value (a quoted string, number, true, false or null) after the operator on '${path.text}', found ${this.describe(v)}; strings must be in double quotes`, v.pos);
    }
    throw this.error(`expected a value after the operator on '${path.text}', found ${this.describe(v)}`, v.pos);
  }

  /** Splits `[uri:]name[.sub]`. Names outside a URN must match ATTRNAME; the schema decides the rest. */
  attrPath(text: string, pos: number): AttrPath {
    const colon = text.lastIndexOf(':');
    const uri = colon >= 0 ? text.slice(0, colon) : undefined;
    const rest = colon >= 0 ? text.slice(colon + 1) : text;
    if (uri !== undefined && !/^urn:/i.test(uri)) throw this.error(`'${text}' is not an attribute path`, pos);
    const parts = rest.split('.');
    if (parts.length > 2) throw this.error(`'${text}' has more than one sub-attribute level`, pos);
    const [name, sub] = parts as [string, string | undefined];
    // `constructor`, `prototype` and `__proto__` name no SCIM attribute, in any casing and in any
    // segment (a URN included): refused here so no lookup anywhere ever sees them.
    for (const segment of [...(uri ?? '').split(':'), name, sub ?? '']) {
      if (isReservedName(segment)) throw this.error(`'${segment}' is not an attribute name`, pos);
    }
    // In URN-qualified paths the schema URN may itself end in something like "1.0"; leave that to the resolver.
    if (uri === undefined && (!NAME.test(name) || (sub !== undefined && !NAME.test(sub)))) {
      throw this.error(`'${text}' is not a valid attribute name`, pos);
    }
    return sub === undefined ? { text, uri, name } : { text, uri, name, sub };
  }

  parsePathAll(): PatchPath {
    const t = this.next();
    if (t.t === 'end') throw this.error('path is empty', 0);
    if (t.t !== 'word') throw this.error(`expected an attribute path, found ${this.describe(t)}`, t.pos);
    const attr = this.attrPath(t.v, t.pos);
    let result: PatchPath = { text: this.input, attr };
    if (this.peek().t === '[') {
      const open = this.next();
      if (attr.sub !== undefined) throw this.error(`a value filter applies to a multi-valued attribute, not '${attr.text}'`, open.pos);
      this.enter(open.pos);
      const filter = this.parseOr(true);
      this.expect(']', 'to close the value filter');
      this.depth--;
      result = { ...result, filter };
      const after = this.peek();
      if (after.t === 'word' && after.v.startsWith('.')) {
        this.next();
        const sub = after.v.slice(1);
        if (!NAME.test(sub) || isReservedName(sub)) throw this.error(`'${after.v}' is not a valid sub-attribute`, after.pos);
        result = { ...result, subAfterFilter: sub };
      }
    }
    const end = this.peek();
    if (end.t !== 'end') throw this.error(`unexpected ${this.describe(end)}`, end.pos);
    return result;
  }
}

/** Parses a filter expression (RFC 7644 §3.4.2.2). Throws ScimError 400 invalidFilter. */
export function parseFilter(input: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): Filter {
  return new Parser(input, 'invalidFilter', limits).parseFilterAll();
}

/** Parses a PATCH path (RFC 7644 §3.5.2). Throws ScimError 400 invalidPath. */
export function parsePath(input: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): PatchPath {
  return new Parser(input, 'invalidPath', limits).parsePathAll();
}

/** Parses one attribute path as used by `attributes`, `excludedAttributes` and `sortBy` (no filter). */
export function parseAttrPath(input: string, kind: 'invalidFilter' | 'invalidPath' | 'invalidValue' = 'invalidValue'): AttrPath {
  const trimmed = input.trim();
  const parser = new Parser(trimmed, kind === 'invalidValue' ? 'invalidPath' : kind, DEFAULT_PARSE_LIMITS);
  try {
    if (!/^[A-Za-z0-9_$:.-]+$/.test(trimmed)) throw parser.error(`'${input}' is not an attribute path`);
    return parser.attrPath(trimmed, 0);
  } catch (e) {
    if (e instanceof ScimError && kind === 'invalidValue') throw new ScimError(400, 'invalidValue', e.message.replace('Invalid path', 'Invalid attribute'));
    throw e;
  }
}
