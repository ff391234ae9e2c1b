/**
 * What the request log may keep of a body: never a password or a token. Values under keys that
 * name secrets are replaced, anywhere in the document, and long bodies are cut.
 */
export const SECRET_KEY = /pass(word)?|secret|token|authorization|api[-_]?key|credential/i;
export const REDACTED = '[redacted]';

/**
 * The value of each comparison in a filter: a string literal with JSON escapes, or a bare word
 * (some IdPs leave values unquoted: IDP-QUIRKS, unquotedFilterValues).
 */
const COMPARED_VALUE = /\b(eq|ne|co|sw|ew|gt|lt|ge|le)(\s+)("(?:[^"\\]|\\.)*"|[^\s()[\]"]+)/gi;

/**
 * A filter that compares a secret attribute (`password eq "…"`) would carry the secret itself:
 * the value of every comparison in it is replaced, so the log keeps its shape and no value.
 * Other filters are kept as they are.
 */
export function redactFilter(filter: string): string {
  return SECRET_KEY.test(filter) ? filter.replace(COMPARED_VALUE, `$1$2"${REDACTED}"`) : filter;
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

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…[truncated ${text.length - max} characters]` : text;
}

/**
 * The redacted form of a JSON text that JSON.stringify produced. Every key and every string of such
 * a text appears in it literally (it escapes only quotes, backslashes, control characters and lone
 * surrogates, none of which SECRET_KEY looks for), so a text in which SECRET_KEY matches nowhere
 * has no key or PATCH path to redact and is kept as it is, without being parsed and rebuilt.
 */
export function redactedJsonText(text: string, max: number): string | undefined {
  if (text === '') return undefined;
  if (!SECRET_KEY.test(text)) return cut(text, max);
  return cut(JSON.stringify(redact(JSON.parse(text))), max);
}

/** The redacted JSON text of a body (parsed, or raw text from elsewhere), at most `max` characters. */
export function redactedText(body: unknown, max: number): string | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(body));
    } catch {
      // Not JSON (a parse error answer, say): keep nothing that could hold a secret.
      return '[not JSON]';
    }
    return cut(JSON.stringify(redact(parsed)), max);
  }
  // A parsed body: its own JSON text is what JSON.stringify makes of it.
  const text = JSON.stringify(body);
  return text === undefined ? undefined : redactedJsonText(text, max);
}
