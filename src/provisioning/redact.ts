/**
 * What the request log may keep of a body: never a password or a token. Values under keys that
 * name secrets are replaced, anywhere in the document, and long bodies are cut.
 */
const SECRET_KEY = /pass(word)?|secret|token|authorization|api[-_]?key|credential/i;
export const REDACTED = '[redacted]';

/** RFC 7644 §3.4.2.2 string literals: "…" with JSON escapes. */
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"/g;

/**
 * A filter that compares a secret attribute (`password eq "…"`) would carry the secret itself:
 * every string literal in it is replaced. Other filters are kept as they are.
 */
export function redactFilter(filter: string): string {
  return SECRET_KEY.test(filter) ? filter.replace(STRING_LITERAL, `"${REDACTED}"`) : filter;
}

/** A request URL for a log: a query that names a secret attribute has its string literals replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const raw = url.slice(q + 1);
  if (!SECRET_KEY.test(raw) && !/%/.test(raw)) return url;
  let query: string;
  try {
    query = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    // Undecodable, so its literals cannot be told apart: all of it goes if it names a secret.
    return SECRET_KEY.test(raw) ? `${url.slice(0, q)}?${REDACTED}` : url;
  }
  if (!SECRET_KEY.test(query)) return url;
  return `${url.slice(0, q)}?${encodeURI(redactFilter(query))}`;
}

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // A PATCH operation names its attribute in "path": {"op":"replace","path":"password","value":"…"}.
    const path = Object.entries(value).find(([k]) => k.toLowerCase() === 'path')?.[1];
    const secretPath = typeof path === 'string' && SECRET_KEY.test(path);
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k) || (secretPath && k.toLowerCase() === 'value')) out[k] = REDACTED;
      else if (k.toLowerCase() === 'filter' && typeof v === 'string') out[k] = redactFilter(v);
      else out[k] = redact(v);
    }
    return out;
  }
  return value;
}

/** The redacted JSON text of a body (parsed or raw), at most `max` characters. */
export function redactedText(body: unknown, max: number): string | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  let parsed = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      parsed = JSON.parse(String(body));
    } catch {
      // Not JSON (a parse error answer, say): keep nothing that could hold a secret.
      return '[not JSON]';
    }
  }
  const text = JSON.stringify(redact(parsed));
  return text.length > max ? `${text.slice(0, max)}…[truncated ${text.length - max} characters]` : text;
}
