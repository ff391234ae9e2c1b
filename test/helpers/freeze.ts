/**
 * Freezes a value and everything reachable from it, so code that writes to its input throws in a
 * test. Test-only: unit tests under src/ import it; tsconfig.build.json excludes `*.test.ts`, so
 * this file never reaches dist/ (tsconfig.json's `include` of test/ keeps it typechecked).
 */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}
