import { isObject } from './validate.ts';

/** JSON with sorted keys: equal values give equal strings. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Whether two JSON values are equal, key order aside (canonical(a) === canonical(b), without building strings). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a)) {
    if (!isObject(b) || Array.isArray(b)) return false;
    // Keys whose value is undefined are absent in JSON.
    let n = 0;
    for (const k in a) {
      if (a[k] === undefined) continue;
      n++;
      if (!sameJson(a[k], b[k])) return false;
    }
    let m = 0;
    for (const k in b) if (b[k] !== undefined) m++;
    return n === m;
  }
  // Numbers, strings, booleans, null; undefined counts as null, as canonical has it.
  return (a ?? null) === (b ?? null);
}
