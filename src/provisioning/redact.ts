/**
 * What the request log may keep of a body: never a password or a token. Values under keys that
 * name secrets are replaced, anywhere in the document, and long bodies are cut.
 */
export const SECRET_KEY = /pass(word)?|secret|token|authorization|api[-_]?key|credential/i;
export const REDACTED = '[redacted]';

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // A PATCH operation names its attribute in "path": {"op":"replace","path":"password","value":"…"}.
    const path = Object.entries(value).find(([k]) => k.toLowerCase() === 'path')?.[1];
    const secretPath = typeof path === 'string' && SECRET_KEY.test(path);
    for (const [k, v] of Object.entries(value)) {
      // A SearchRequest filter on a secret (`password eq "…"`, refused, but sent) holds the secret.
      const secretFilter = k.toLowerCase() === 'filter' && typeof v === 'string' && SECRET_KEY.test(v);
      out[k] = SECRET_KEY.test(k) || secretFilter || (secretPath && k.toLowerCase() === 'value') ? REDACTED : redact(v);
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
