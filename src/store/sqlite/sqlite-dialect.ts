import type { Dialect } from '../sql/sql-dialect.ts';

/** SQLite's JSON1 functions over the search form (TEXT holding JSON). */
export const sqliteDialect: Dialect = {
  inlineLimit: true,
  placeholder: (n) => `@p${n}`,
  bind: (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v),
  jsonScalar: (src, path) => `json_extract(${src}, ${path})`,
  jsonPath: (keys) => `$${keys.map((k) => (typeof k === 'number' ? `[${k}]` : `."${k}"`)).join('')}`,
  jsonElements: (src, path, alias) => ({ from: `json_each(${src}, ${path}) ${alias}`, element: `${alias}.value` }),
  elementScalar: (element, path) => `json_extract(${element}, ${path})`,
  elementSelf: (element) => element,
  position: (hay, needle) => `instr(${hay}, ${needle})`,
  binary: (expr) => expr,
  text: (placeholder) => placeholder,
  primaryOrFirst: (src, arrayPath, firstPath) =>
    `COALESCE((SELECT pe.value FROM json_each(${src}, ${arrayPath}) pe WHERE json_extract(pe.value, '$.primary') = 1 LIMIT 1), json_extract(${src}, ${firstPath}))`,
};
