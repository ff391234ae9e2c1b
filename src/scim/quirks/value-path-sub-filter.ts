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
    return filter.replace(FORM, (whole, attr: string, inner: string, sub: string, pr: string | undefined, op: string | undefined, value: string | undefined) => {
      const test = pr ? `${sub} pr` : `${sub} ${op} ${value}`;
      const out = `${attr}[(${inner}) and ${test}]`;
      ctx.note(`${whole} read as ${out}`);
      return out;
    });
  },
};
