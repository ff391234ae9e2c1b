/**
 * Partial matching of a JSON value against a fixture expectation (test/replay.test.ts describes the
 * grammar). Objects match when every expected key matches (extra keys are fine), arrays element by
 * element; a key that is a matcher ("$regex", "$unordered", …) tests the value itself.
 */
export type Json = unknown;
export type Obj = Record<string, Json>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const MATCHERS = new Set([
  '$regex',
  '$unordered',
  '$contains',
  '$oneOf',
  '$not',
  '$includes',
  '$type',
  '$length',
  '$ge',
  '$gt',
  '$le',
  '$lt',
  '$each',
  '$where',
  '$keys',
  '$eachKey',
  '$strings',
]);

function typeOf(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number' && Number.isInteger(v)) return 'integer';
  return typeof v;
}

export function show(v: Json): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** Assigns each expected element to a distinct actual one (backtracking; lists here are short). */
function assign(expected: readonly Json[], actual: readonly Json[], at: string): boolean {
  const used = new Set<number>();
  const go = (i: number): boolean => {
    if (i === expected.length) return true;
    for (let j = 0; j < actual.length; j++) {
      if (used.has(j) || mismatches(expected[i], actual[j], at).length > 0) continue;
      used.add(j);
      if (go(i + 1)) return true;
      used.delete(j);
    }
    return false;
  };
  return go(0);
}

function compare(op: string, bound: Json, actual: Json): boolean {
  if (!((typeof bound === 'number' && typeof actual === 'number') || (typeof bound === 'string' && typeof actual === 'string'))) return false;
  const c = bound < actual ? 1 : bound > actual ? -1 : 0; // sign of (actual - bound)
  return op === '$ge' ? c >= 0 : op === '$gt' ? c > 0 : op === '$le' ? c <= 0 : c < 0;
}

/** Every string anywhere in `v`, with where it is. */
function strings(v: Json, at: string): [string, string][] {
  if (typeof v === 'string') return [[at, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${at}[${i}]`));
  if (isObj(v)) return Object.entries(v).flatMap(([k, x]) => strings(x, `${at}.${k}`));
  return [];
}

function matcher(m: string, arg: Json, act: Json, at: string): string[] {
  const fail = (why: string) => [`${at || '(root)'}: ${why}, got ${show(act)}`];
  switch (m) {
    case '$regex':
      return typeof act === 'string' && new RegExp(String(arg)).test(act) ? [] : fail(`expected to match /${String(arg)}/`);
    case '$includes':
      return typeof act === 'string' && act.includes(String(arg)) ? [] : fail(`expected to include ${show(arg)}`);
    case '$type':
      return typeOf(act) === arg || (arg === 'number' && typeOf(act) === 'integer') ? [] : fail(`expected a value of type ${String(arg)}`);
    case '$length':
      return (Array.isArray(act) || typeof act === 'string') && act.length === arg ? [] : fail(`expected length ${String(arg)}`);
    case '$not':
      return mismatches(arg, act, at).length > 0 ? [] : fail(`expected anything but ${show(arg)}`);
    case '$oneOf':
      return (arg as Json[]).some((alt) => mismatches(alt, act, at).length === 0) ? [] : fail(`expected one of ${show(arg)}`);
    case '$unordered': {
      const list = arg as Json[];
      if (!Array.isArray(act) || act.length !== list.length) return fail(`expected ${list.length} values in any order: ${show(list)}`);
      return assign(list, act, at) ? [] : fail(`expected, in any order, ${show(list)}`);
    }
    case '$contains': {
      const list = arg as Json[];
      return Array.isArray(act) && assign(list, act, at) ? [] : fail(`expected to contain ${show(list)}`);
    }
    case '$each':
      if (!Array.isArray(act)) return fail('expected an array');
      return act.flatMap((x, i) => mismatches(arg, x, `${at}[${i}]`));
    case '$where': {
      // [condition, expectation]: the elements that match the condition, as an array, match the expectation.
      const [cond, then] = arg as [Json, Json];
      if (!Array.isArray(act)) return fail('expected an array');
      return mismatches(
        then,
        act.filter((x) => mismatches(cond, x, at).length === 0),
        `${at}(where ${show(cond)})`,
      );
    }
    case '$keys': {
      const want = [...(arg as string[])].sort();
      return isObj(act) && JSON.stringify(Object.keys(act).sort()) === JSON.stringify(want) ? [] : fail(`expected exactly the keys ${show(want)}`);
    }
    case '$eachKey':
      if (!isObj(act)) return fail('expected an object');
      return Object.keys(act).flatMap((k) => mismatches(arg, k, `${at} key '${k}'`));
    case '$strings':
      // Every string anywhere in the value matches.
      return strings(act, at).flatMap(([where, s]) => mismatches(arg, s, where));
    default:
      return compare(m, arg, act) ? [] : fail(`expected ${m.slice(1)} ${show(arg)}`);
  }
}

/** What does not match, one line each; empty when `act` matches `exp`. */
export function mismatches(exp: Json, act: Json, at: string): string[] {
  const fail = (why: string) => [`${at || '(root)'}: ${why}, got ${show(act)}`];
  if (exp === '$present') return act === undefined ? fail('expected a value') : [];
  if (exp === '$absent') return act === undefined ? [] : fail('expected no value');
  if (isObj(exp)) {
    // Matcher keys test the value itself; the other keys test its properties.
    const keys = Object.keys(exp);
    const tests = keys.filter((k) => MATCHERS.has(k)).flatMap((k) => matcher(k, exp[k], act, at));
    const props = keys.filter((k) => !MATCHERS.has(k));
    if (props.length === 0) return tests;
    if (!isObj(act)) return [...tests, ...fail('expected an object')];
    return [...tests, ...props.flatMap((k) => mismatches(exp[k], act[k], `${at}.${k}`))];
  }
  if (Array.isArray(exp)) {
    if (!Array.isArray(act) || act.length !== exp.length) return fail(`expected an array of ${exp.length}: ${show(exp)}`);
    return exp.flatMap((e, i) => mismatches(e, act[i], `${at}[${i}]`));
  }
  return exp === act ? [] : fail(`expected ${show(exp)}`);
}
