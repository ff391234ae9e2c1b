/**
 * Just enough RFC 5322 / MIME reading for tests to check the mail scimd sends: headers (unfolded,
 * RFC 2047 encoded words decoded), the text body (7bit, 8bit, quoted-printable or base64; the
 * text/plain part of a multipart message) and the links in it.
 */

export interface ParsedMail {
  /** Header names in lower case; the first occurrence wins. */
  readonly headers: ReadonlyMap<string, string>;
  readonly subject: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
}

/** RFC 2047: =?charset?B|Q?…?= */
export function decodeWords(s: string): string {
  return s
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, charset: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : qpBytes(data.replace(/_/g, ' '));
      return new TextDecoder(charset.toLowerCase()).decode(bytes);
    });
}

function qpBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(out);
}

/** Quoted-printable body (RFC 2045 §6.7): soft line breaks, then =XX octets. */
function decodeQuotedPrintable(body: string): Buffer {
  return qpBytes(body.replace(/=\r?\n/g, ''));
}

function splitHeaders(raw: string): { headers: Map<string, string>; body: string } {
  const sep = /\r?\n\r?\n/.exec(raw);
  const head = sep ? raw.slice(0, sep.index) : raw;
  const body = sep ? raw.slice(sep.index + sep[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, decodeWords(line.slice(i + 1).trim()));
  }
  return { headers, body };
}

function param(header: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}="?([^";]+)"?`, 'i').exec(header);
  return m?.[1];
}

function decodeBody(headers: ReadonlyMap<string, string>, body: string): string {
  const type = headers.get('content-type') ?? 'text/plain';
  const charset = param(type, 'charset') ?? 'utf-8';
  const cte = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const bytes = cte === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : cte === 'quoted-printable' ? decodeQuotedPrintable(body) : Buffer.from(body, 'binary');
  return new TextDecoder(charset.toLowerCase()).decode(bytes);
}

/** The text of a message: its body, or the first text/plain part of a multipart one. */
function textOf(headers: ReadonlyMap<string, string>, body: string): string {
  const type = headers.get('content-type') ?? 'text/plain';
  if (/^multipart\//i.test(type)) {
    const boundary = param(type, 'boundary');
    if (!boundary) return '';
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith('--')) break;
      const p = splitHeaders(part.replace(/^\r?\n/, ''));
      const text = textOf(p.headers, p.body);
      if (text) return text;
    }
    return '';
  }
  return /^text\/plain/i.test(type) ? decodeBody(headers, body) : '';
}

/** Parses a raw message as received over SMTP (bytes as latin1, so 8bit bodies survive). */
export function parseMail(raw: Buffer): ParsedMail {
  const { headers, body } = splitHeaders(raw.toString('binary'));
  // Headers are ASCII (RFC 5322) or RFC 2047 encoded, already decoded by splitHeaders.
  return {
    headers,
    subject: headers.get('subject') ?? '',
    from: headers.get('from') ?? '',
    to: headers.get('to') ?? '',
    text: textOf(headers, body).replace(/\r\n/g, '\n'),
  };
}

/** The http(s) links in a text. */
export function linksIn(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);
}
