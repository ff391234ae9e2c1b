/**
 * Compiles bound SCIM filters and sort specs to SQL with bound parameters only: no client value is
 * ever spliced into SQL text. The semantics are those of scim/filter/evaluate.ts; a property test
 * runs both on random data and random filters and demands the same answers.
 */
import { invalidValue } from '../../scim/errors.ts';
import type { BoundFilter, Target } from '../../scim/filter/bind.ts';
import type { AttrRef } from '../../scim/schema/registry.ts';
import type { AttributeDef, ResourceTypeName } from '../../scim/schema/types.ts';
import { fold } from '../../scim/values.ts';
import type { KeysetPosition, ResourceQuery } from '../types.ts';
import { columnFor, INDEXED_VALUES } from './columns.ts';
import type { Dialect } from './sql-dialect.ts';

/**
 * A single-valued source: one SQL expression per resource row, already in comparison form
 * (folded when the attribute is case-insensitive, as the search form and the *_fold columns are).
 */
interface Scalar {
  readonly kind: 'scalar';
  readonly expr: string;
}

/** A multi-valued source: rows correlated with the resource row `r`. */
interface Rows {
  readonly kind: 'rows';
  readonly from: string;
  readonly correlation: string;
  /** A sub-attribute of one element (or the element itself for simple arrays), in comparison form. */
  field(sub: AttributeDef | undefined): string;
}

/** True when a string attribute compares without regard to case (binary never does, RFC 7643 §2.3.6). */
const insensitive = (a: AttributeDef) => (a.type === 'string' || a.type === 'reference') && !a.caseExact;

const isMembers = (ref: AttrRef, type: ResourceTypeName) => type === 'Group' && !ref.extension && ref.schema !== null && ref.attr.name === 'members';
const isGroups = (ref: AttrRef, type: ResourceTypeName) => type === 'User' && !ref.extension && ref.schema !== null && ref.attr.name === 'groups';

// in_group: whether the resource is a member of any group, so rendering User.groups can skip a query.
export const RESOURCE_COLUMNS = 'r.id, r.type, r.version, r.created, r.last_modified, r.data, EXISTS (SELECT 1 FROM group_members gm WHERE gm.member_seq = r.seq) AS in_group';

export class SqlCompiler {
  readonly params: unknown[] = [];
  private aliasCounter = 0;

  constructor(
    private readonly d: Dialect,
    private readonly tenantId: string,
  ) {}

  /** Adds a parameter and returns its placeholder. */
  p(v: unknown): string {
    this.params.push(v);
    return this.d.placeholder(this.params.length);
  }

  /** A page size for LIMIT: written as a number where the dialect wants it (sql-dialect.ts: inlineLimit), else bound. */
  limit(n: number): string {
    return this.d.inlineLimit === true && Number.isSafeInteger(n) && n >= 0 ? String(n) : this.p(n);
  }

  private alias(prefix: string): string {
    return `${prefix}${++this.aliasCounter}`;
  }

  private jsonKeys(ref: AttrRef, withSub: boolean): string[] {
    const keys = ref.extension ? [ref.schema!, ref.attr.name] : [ref.attr.name];
    if (withSub && ref.sub) keys.push(ref.sub.name);
    return keys;
  }

  private source(ref: AttrRef, type: ResourceTypeName): Scalar | Rows {
    if (isMembers(ref, type)) {
      const gm = this.alias('gm');
      const m = this.alias('m');
      return {
        kind: 'rows',
        from: `group_members ${gm} JOIN resources ${m} ON ${m}.seq = ${gm}.member_seq`,
        correlation: `${gm}.group_seq = r.seq`,
        field: (sub) => {
          switch (sub?.name) {
            case 'type':
              // "User" or "Group": ASCII, so lower() folds it as fold() would.
              return sub && insensitive(sub) ? `lower(${m}.type)` : `${m}.type`;
            case 'display':
              return `COALESCE(${m}.display_name_fold, ${m}.user_name_fold)`;
            default:
              return `${m}.id`;
          }
        },
      };
    }
    if (isGroups(ref, type)) {
      const a = this.alias('anc');
      const g = this.alias('g');
      const gm = this.alias('gm');
      const gm2 = this.alias('gm');
      // Direct memberships, then groups containing those groups, cycle-safe through UNION.
      const closure =
        `(WITH RECURSIVE ${a}(seq, direct) AS (` +
        `SELECT ${gm}.group_seq, 1 FROM group_members ${gm} WHERE ${gm}.member_seq = r.seq ` +
        `UNION SELECT ${gm2}.group_seq, 0 FROM group_members ${gm2} JOIN ${a} ON ${gm2}.member_seq = ${a}.seq) ` +
        `SELECT seq, MAX(direct) AS direct FROM ${a} GROUP BY seq)`;
      return {
        kind: 'rows',
        from: `${closure} ${a} JOIN resources ${g} ON ${g}.seq = ${a}.seq`,
        correlation: '1=1',
        field: (sub) => {
          switch (sub?.name) {
            case 'display':
              return `${g}.display_name_fold`;
            case 'type':
              return `CASE WHEN ${a}.direct = 1 THEN 'direct' ELSE 'indirect' END`;
            default:
              return `${g}.id`;
          }
        },
      };
    }
    const col = columnFor(ref, type);
    const leaf = ref.sub ?? ref.attr;
    if (col) return { kind: 'scalar', expr: insensitive(leaf) && col.folded ? col.folded : col.column };
    if (!ref.attr.multiValued) {
      return { kind: 'scalar', expr: this.d.jsonScalar('r.search', this.p(this.d.jsonPath(this.jsonKeys(ref, true))), leaf.type) };
    }
    const e = this.alias('e');
    const { from, element } = this.d.jsonElements('r.search', this.p(this.d.jsonPath(this.jsonKeys(ref, false))), e);
    return {
      kind: 'rows',
      from,
      correlation: '1=1',
      field: (sub) => (sub ? this.d.elementScalar(element, this.p(this.d.jsonPath([sub.name])), sub.type) : this.d.elementSelf(element, ref.attr.type)),
    };
  }

  /** A comparison of one typed SQL expression in comparison form (RFC 7644 §3.4.2.2 operators). */
  private condition(x: string, leaf: AttributeDef, op: Extract<BoundFilter, { kind: 'compare' }>['op'], value: string | number | boolean): string {
    if (typeof value === 'string' && (leaf.type === 'string' || leaf.type === 'reference' || leaf.type === 'binary')) {
      const v = insensitive(leaf) ? fold(value) : value;
      const p = () => this.d.text(this.p(v));
      switch (op) {
        case 'eq':
          return `${x} = ${p()}`;
        case 'ne':
          return `${x} <> ${p()}`;
        case 'co':
          return `${this.d.position(x, p())} > 0`;
        case 'sw':
          return `substr(${x}, 1, length(${p()})) = ${p()}`;
        case 'ew':
          return `(length(${x}) >= length(${p()}) AND substr(${x}, length(${x}) - length(${p()}) + 1) = ${p()})`;
        default:
          return `${this.d.binary(x)} ${SQL_OP[op]} ${this.d.binary(p())}`;
      }
    }
    if (leaf.type === 'dateTime' && typeof value === 'string') {
      return `${this.d.binary(x)} ${SQL_OP[op]} ${this.d.binary(this.d.text(this.p(value)))}`;
    }
    return `${x} ${SQL_OP[op]} ${this.p(this.d.bind(value))}`;
  }

  filter(f: BoundFilter, type: ResourceTypeName, element?: Rows): string {
    switch (f.kind) {
      case 'const':
        return f.value ? '1=1' : '1=0';
      case 'and':
      case 'or': {
        // `a or b or c …` parses as a left-deep tree as deep as it is long; SQLite refuses
        // expressions deeper than 1000. The chain is flattened and emitted balanced, so the depth
        // is logarithmic in its length and the filter length limit is the only bound needed.
        const terms: BoundFilter[] = [];
        const stack: BoundFilter[] = [f];
        while (stack.length) {
          const x = stack.pop()!;
          if (x.kind === f.kind) stack.push(x.right, x.left);
          else terms.push(x);
        }
        return this.balanced(terms.map((t) => this.filter(t, type, element)), f.kind.toUpperCase());
      }
      case 'not':
        // NULL (unknown) counts as false everywhere; NOT must not turn it into unknown again.
        return `(NOT COALESCE(${this.filter(f.filter, type, element)}, FALSE))`;
      case 'present':
        return this.present(f.target, type, element);
      case 'compare':
        return this.compare(f, type, element);
      case 'valuePath': {
        const src = this.source(f.ref, type);
        if (src.kind !== 'rows') throw new Error('value filter on a single-valued attribute');
        return `EXISTS (SELECT 1 FROM ${src.from} WHERE ${src.correlation} AND ${this.filter(f.filter, type, src)})`;
      }
    }
  }

  private balanced(parts: readonly string[], op: string): string {
    if (parts.length === 1) return parts[0]!;
    const mid = parts.length >> 1;
    return `(${this.balanced(parts.slice(0, mid), op)} ${op} ${this.balanced(parts.slice(mid), op)})`;
  }

  private present(t: Target, type: ResourceTypeName, element?: Rows): string {
    if (t.relative) return `${element!.field(t.leaf)} IS NOT NULL`;
    // meta is rendered from columns, never kept in the document, and every resource has it.
    if (t.ref.schema === null && t.ref.attr.name === 'meta' && !t.ref.sub) return '1=1';
    const src = this.source(t.ref, type);
    if (src.kind === 'scalar') return `${src.expr} IS NOT NULL`;
    return `EXISTS (SELECT 1 FROM ${src.from} WHERE ${src.correlation} AND ${src.field(t.ref.sub)} IS NOT NULL)`;
  }

  private compare(f: Extract<BoundFilter, { kind: 'compare' }>, type: ResourceTypeName, element?: Rows): string {
    const t = f.target;
    if (t.relative) return this.condition(element!.field(t.leaf), t.leaf, f.op, f.value);
    const indexed = INDEXED_VALUES.get(type)?.some((iv) => iv.attr === t.ref.attr.name && iv.sub === t.ref.sub?.name && !t.ref.extension);
    if (indexed && f.op === 'eq' && typeof f.value === 'string' && !t.leaf.caseExact) {
      // Index lookup through resource_values, which holds fold(value) (RFC: caseExact=false).
      return `r.seq IN (SELECT rv.resource_seq FROM resource_values rv WHERE rv.tenant_id = ${this.p(this.tenantId)} AND rv.attr = ${this.p(`${t.ref.attr.name}.${t.ref.sub!.name}`)} AND rv.value_fold = ${this.p(fold(f.value))})`;
    }
    const byId = f.op === 'eq' && typeof f.value === 'string' && t.leaf.name === 'value';
    if (byId && isMembers(t.ref, type)) {
      // Groups having member X: one probe of the member index, not a scan of every group's members.
      return `r.seq IN (SELECT gm.group_seq FROM group_members gm WHERE gm.member_seq IN (SELECT m.seq FROM resources m WHERE m.tenant_id = ${this.p(this.tenantId)} AND m.id = ${this.p(f.value)}))`;
    }
    if (byId && isGroups(t.ref, type)) {
      // Users in group X, directly or through nested groups: walk down from X.
      const d = this.alias('d');
      const gm = this.alias('gm');
      const gm2 = this.alias('gm');
      return (
        `r.seq IN (WITH RECURSIVE ${d}(seq) AS (` +
        `SELECT ${gm}.member_seq FROM group_members ${gm} WHERE ${gm}.group_seq IN (SELECT g.seq FROM resources g WHERE g.tenant_id = ${this.p(this.tenantId)} AND g.id = ${this.p(f.value)} AND g.type = 'Group') ` +
        `UNION SELECT ${gm2}.member_seq FROM group_members ${gm2} JOIN ${d} ON ${gm2}.group_seq = ${d}.seq) SELECT seq FROM ${d})`
      );
    }
    const src = this.source(t.ref, type);
    if (src.kind === 'scalar') return this.condition(src.expr, t.leaf, f.op, f.value);
    return `EXISTS (SELECT 1 FROM ${src.from} WHERE ${src.correlation} AND ${this.condition(src.field(t.ref.sub), t.leaf, f.op, f.value)})`;
  }

  /** The sort key expression (RFC 7644 §3.4.2.3), in comparison form: case-insensitive strings sort folded. */
  sortKey(t: Target, type: ResourceTypeName): string {
    const ref = t.ref;
    if (isMembers(ref, type) || isGroups(ref, type)) throw invalidValue(`Cannot sort by '${ref.attr.name}'`);
    const leaf = t.leaf;
    let expr: string;
    if (ref.attr.multiValued) {
      const keys = this.jsonKeys(ref, false);
      if (ref.attr.type === 'complex') {
        const el = this.d.primaryOrFirst('r.search', this.p(this.d.jsonPath(keys)), this.p(this.d.jsonPath([...keys, 0])));
        expr = this.d.elementScalar(el, this.p(this.d.jsonPath([ref.sub?.name ?? 'value'])), leaf.type);
      } else {
        expr = this.d.jsonScalar('r.search', this.p(this.d.jsonPath([...keys, 0])), leaf.type);
      }
    } else {
      expr = (this.source(ref, type) as Scalar).expr;
    }
    return leaf.type === 'string' || leaf.type === 'reference' || leaf.type === 'dateTime' ? this.d.binary(expr) : expr;
  }
}

const SQL_OP = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=', co: '', sw: '', ew: '' } as const;

export interface CompiledSearch {
  readonly countSql: string;
  readonly countParams: unknown[];
  readonly pageSql: string;
  readonly pageParams: unknown[];
}

/** The count and page statements of a search. Paging is stable: ties break on insertion order. */
export function compileSearch(d: Dialect, tenantId: string, q: ResourceQuery): CompiledSearch {
  const c = new SqlCompiler(d, tenantId);
  const typeConds = q.types.map((type) => {
    const f = q.filters?.get(type);
    return `(r.type = ${c.p(type)}${f ? ` AND ${c.filter(f, type)}` : ''})`;
  });
  const where = `r.tenant_id = ${c.p(tenantId)} AND (${typeConds.join(' OR ')})`;
  const countParams = [...c.params];
  const countSql = `SELECT COUNT(*) AS n FROM resources r WHERE ${where}`;
  let key: string | undefined;
  if (q.sort && q.sort.size > 0) {
    const sorted = q.types.filter((type) => q.sort!.has(type));
    key =
      q.types.length === 1 && sorted.length === 1
        ? c.sortKey(q.sort.get(sorted[0]!)!.target, sorted[0]!)
        : `CASE r.type ${sorted.map((type) => `WHEN ${c.p(type)} THEN ${c.sortKey(q.sort!.get(type)!.target, type)}`).join(' ')} END`;
  }
  const descending = q.descending ?? false;
  if (q.keyset) {
    const { forward, from } = q.keyset;
    const after = from ? ` AND ${keysetCondition(c, key, descending, forward, from)}` : '';
    const pageSql = `SELECT ${RESOURCE_COLUMNS}, r.seq AS k_seq${key ? `, ${key} AS k_key` : ''} FROM resources r WHERE ${where}${after} ORDER BY ${orderBy(key, descending, forward)} LIMIT ${c.limit(q.count)}`;
    return { countSql, countParams, pageSql, pageParams: c.params };
  }
  const pageSql = `SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE ${where} ORDER BY ${orderBy(key, descending, true)} LIMIT ${c.limit(q.count)} OFFSET ${c.p(Math.max(0, q.startIndex - 1))}`;
  return { countSql, countParams, pageSql, pageParams: c.params };
}

/**
 * The order of a search: by sort key when there is one — RFC 7644 §3.4.2.3: resources without a
 * value last ascending, first descending — then by insertion order. `forward` false reverses it
 * all (a keyset page read backwards). Placeholders are numbered, so repeating `key` repeats no
 * parameter.
 */
function orderBy(key: string | undefined, descending: boolean, forward: boolean): string {
  const seq = forward ? 'ASC' : 'DESC';
  if (key === undefined) return `r.seq ${seq}`;
  const dir = descending === forward ? 'DESC' : 'ASC';
  return `(${key}) IS NULL ${dir}, ${key} ${dir}, r.seq ${seq}`;
}

/**
 * The rows strictly after `from` in the order above (forward), or strictly before it (backward):
 * by seq alone unsorted; sorted, by (has no key, key, seq), where absent keys come after every
 * value ascending and before every value descending.
 */
function keysetCondition(c: SqlCompiler, key: string | undefined, descending: boolean, forward: boolean, from: KeysetPosition): string {
  const seqCmp = forward ? '>' : '<';
  const seq = `r.seq ${seqCmp} ${c.p(from.seq)}`;
  if (key === undefined) return seq;
  // Whether rows without a key lie on the far side of rows with one, seen in the reading direction.
  const nullsAhead = descending !== forward;
  if (from.key === null || from.key === undefined) {
    const amongNulls = `((${key}) IS NULL AND ${seq})`;
    return nullsAhead ? amongNulls : `(${amongNulls} OR (${key}) IS NOT NULL)`;
  }
  const keyCmp = descending === forward ? '<' : '>';
  const k = c.p(from.key);
  const amongValues = `((${key}) IS NOT NULL AND (${key} ${keyCmp} ${k} OR (${key} = ${k} AND ${seq})))`;
  return nullsAhead ? `(${amongValues} OR (${key}) IS NULL)` : amongValues;
}
