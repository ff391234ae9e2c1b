import type { Normaliser } from './types.ts';

const QUOTED = /"(?:[^"\\]|\\.)*"/;
const VALUE = `(?:${QUOTED.source}|[^\\s()\\[\\]]+)`;
const FORM = new RegExp(
  `([A-Za-z$][A-Za-z0-9_$:.-]*)\\[((?:${QUOTED.source}|[^\\]"])*)\\]\\.([A-Za-z$][A-Za-z0-9_$-]*)\\s+(?:(pr)\\b|(eq|ne|co|sw|ew|gt|lt|ge|le)\\s+(${VALUE}))`,
  'gi',
);

/**
 * IDP-QUIRKS 1 (matching attributes): the Entra tutorial lists `emails[type eq "work"].value` as a
 * user query attribute, so an admin who matches on it makes Entra filter with
 * `emails[type eq "work"].value eq "a@x.com"`, which the RFC 7644 §3.4.2.2 grammar does not
 * allow. It means `emails[type eq "work" and value eq "a@x.com"]`, and is read so.
 */
export const valuePathSubFilter: Normaliser = {
  name: 'valuePathSubFilter',
  quirks: [1],
  profiles: 'all',
  summary: 'attr[filter].sub op value in a filter is read as attr[filter and sub op value]',
  filter(filter, ctx) {
    // Scanned left to right so that text inside a quoted value is never read as a path.
    const form = new RegExp(FORM.source, 'iy');
    const quoted = new RegExp(QUOTED.source, 'y');
    let out = '';
    let i = 0;
    while (i < filter.length) {
      quoted.lastIndex = i;
      const q = filter[i] === '"' ? quoted.exec(filter) : null;
      if (q) {
        out += q[0];
        i += q[0].length;
        continue;
      }
      form.lastIndex = i;
      const m = form.exec(filter);
      if (!m) {
        out += filter[i];
        i++;
        continue;
      }
      const [whole, attr, inner, sub, pr, op, value] = m as unknown as [string, string, string, string, string | undefined, string | undefined, string | undefined];
      const test = pr ? `${sub} pr` : `${sub} ${op} ${value}`;
      const rewritten = `${attr}[(${inner}) and ${test}]`;
      ctx.note(`${whole} read as ${rewritten}`);
      out += rewritten;
      i += whole.length;
    }
    return out;
  },
};
