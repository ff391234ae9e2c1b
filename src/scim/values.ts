/**
 * Value semantics shared by the in-memory filter evaluator, the PATCH engine and the SQL adapters,
 * so that every layer compares strings, times and numbers the same way.
 */

/**
 * Case folding for caseExact=false strings (RFC 7643 §2.2), locale-independent and close to
 * Unicode full case folding: upper-casing first folds ß to ss and ς to σ's capital, and the final
 * sigma that lower-casing produces again is mapped back, so "STRASSE" = "straße" and "ΟΔΟΣ" = "οδοσ".
 */
export function fold(s: string): string {
  return s.toUpperCase().toLowerCase().replace(/ς/g, 'σ');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be stored or compared, if it cannot: U+0000 (PostgreSQL cannot store it and
 * SQLite's string functions stop at it) and unpaired UTF-16 surrogates (not Unicode text at all).
 */
export function unusableText(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains the NUL character U+0000';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate';
  return undefined;
}

/** Orders strings by Unicode code point, as SQL BINARY collation orders UTF-8 text. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/;

/**
 * Parses an xsd:dateTime (RFC 7643 §2.3.5) and returns it in one canonical form,
 * `YYYY-MM-DDTHH:MM:SS.sssZ` in UTC, so that string order is time order. A value without
 * a time zone is read as UTC. Returns undefined for anything else.
 */
export function normalizeDateTime(s: string): string | undefined {
  const m = DATE_TIME.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, tz] = m as unknown as [string, string, string, string, string, string, string, string?, string?];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCDate() !== day || year < 1) return undefined;
  if (tz && tz.toUpperCase() !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const tzh = Number(tz.slice(1, 3));
    const tzm = Number(tz.slice(4, 6));
    if (tzh > 23 || tzm > 59) return undefined;
    t -= sign * (tzh * 60 + tzm) * 60_000;
  }
  const out = new Date(t);
  if (Number.isNaN(out.getTime()) || out.getUTCFullYear() < 1 || out.getUTCFullYear() > 9999) return undefined;
  return out.toISOString();
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** RFC 7643 §2.3.6: binary values are base64 (RFC 4648 §4). Whitespace is not allowed. */
export function isBase64(s: string): boolean {
  return BASE64.test(s);
}
