import type { Normaliser } from './types.ts';

const QUOTED = /"(?:[^"\\]|\\.)*"/g;
const COMPARISON = /([A-Za-z$][A-Za-z0-9_$:.-]*)(\s+)(eq|ne|co|sw|ew|gt|lt|ge|le)(\s+)([^\s"()[\]]+)/gi;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * IDP-QUIRKS 9: Entra checks references with filters such as `id eq 5d8d… and manager eq 9a2c…`,
 * and older versions of its documentation show those values unquoted. A bare value that is not
 * `true`, `false` or `null` is read as a string, unless it is a number compared with an attribute
 * not known to take strings (a valid comparison with a number, which the core reads).
 */
export const unquotedFilterValues: Normaliser = {
  name: 'unquotedFilterValues',
  quirks: [9],
  profiles: 'all',
  summary: 'unquoted filter values (id eq 5d8d…) are read as strings',
  filter(filter, ctx) {
    // A bare number is quoted only for an attribute known to take strings: a number compared with
    // an attribute this cannot resolve (a sub-attribute inside a value filter, `years ge 2`) may be
    // a valid comparison with a number, which must not be touched.
    const takesStrings = (attr: string) =>
      ctx.schemas.some((s) => {
        const colon = attr.lastIndexOf(':');
        const [uri, rest] = colon >= 0 ? [attr.slice(0, colon), attr.slice(colon + 1)] : [undefined, attr];
        const [name, sub] = rest.split('.') as [string, string | undefined];
        const ref = s.resolve(uri, name, sub);
        const leaf = ref ? (ref.sub ?? ref.attr) : undefined;
        return leaf !== undefined && leaf.type !== 'integer' && leaf.type !== 'decimal';
      });
    let out = '';
    let last = 0;
    const rewrite = (segment: string) =>
      segment.replace(COMPARISON, (whole, attr: string, s1: string, op: string, s2: string, value: string) => {
        if (/^(true|false|null)$/i.test(value) || (NUMBER.test(value) && !takesStrings(attr))) return whole;
        ctx.note(`unquoted value ${value} of '${attr}' read as "${value}"`);
        return `${attr}${s1}${op}${s2}${JSON.stringify(value)}`;
      });
    for (const m of filter.matchAll(QUOTED)) {
      out += rewrite(filter.slice(last, m.index)) + m[0];
      last = m.index + m[0].length;
    }
    return out + rewrite(filter.slice(last));
  },
};
