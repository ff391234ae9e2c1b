import type { AttributeType } from '../../scim/schema/types.ts';
import type { Dialect } from '../sql/sql-dialect.ts';

/** A JSON text extracted from jsonb, cast to the SQL type its attribute has. */
function typed(expr: string, type: AttributeType): string {
  switch (type) {
    case 'integer':
    case 'decimal':
      return `(${expr})::numeric`;
    case 'boolean':
      return `(${expr})::boolean`;
    default:
      return expr;
  }
}

/** PostgreSQL's jsonb operators over the search form; JSON paths are text[] parameters. */
export const postgresDialect: Dialect = {
  placeholder: (n) => `$${n}`,
  bind: (v) => v,
  jsonScalar: (src, path, type) => typed(`(${src} #>> ${path}::text[])`, type),
  jsonPath: (keys) => keys.map(String),
  jsonElements: (src, path, alias) => ({ from: `jsonb_array_elements(${src} #> ${path}::text[]) AS ${alias}(value)`, element: `${alias}.value` }),
  elementScalar: (element, path, type) => typed(`(${element} #>> ${path}::text[])`, type),
  elementSelf: (element, type) => typed(`(${element} #>> '{}')`, type),
  position: (hay, needle) => `strpos(${hay}, ${needle})`,
  binary: (expr) => `(${expr}) COLLATE "C"`,
  text: (placeholder) => `CAST(${placeholder} AS TEXT)`,
  primaryOrFirst: (src, arrayPath, firstPath) =>
    `COALESCE((SELECT pe.value FROM jsonb_array_elements(${src} #> ${arrayPath}::text[]) AS pe(value) WHERE pe.value ->> 'primary' = 'true' LIMIT 1), ${src} #> ${firstPath}::text[])`,
};
