/**
 * One HTTP exchange with a running scimd, timed, and the checks every fuzzed response must pass:
 * no 5xx; an answer within the liveness bound; and every error an RFC 7644 §3.12 error body
 * (`schemas` the Error URN alone, `status` the HTTP status as a string, `scimType` one of Table 9
 * with the status the table gives it, `detail` a string) sent as application/scim+json.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ERROR_URN } from '../../src/scim/errors.ts';

/** Generous: fuzzed requests are small, so anything slower means something is wrong. */
export const LIVENESS_MS = 1000;

/** RFC 7644 §3.12 Table 9: each scimType and the status it goes with (`sensitive` is a 403). */
export const SCIM_TYPE_STATUS: Readonly<Record<string, number>> = {
  invalidFilter: 400,
  tooMany: 400,
  uniqueness: 409,
  mutability: 400,
  invalidSyntax: 400,
  invalidPath: 400,
  noTarget: 400,
  invalidValue: 400,
  invalidVers: 400,
  sensitive: 403,
};

export interface Target {
  /** …/scim/v2 */
  readonly base: string;
  readonly token: string;
}

export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly ms: number;
  /** The server closed the connection while a large body was still being sent, before its answer could be read. */
  readonly closedEarly?: boolean;
}

/** Percent-encodes every byte outside the unreserved set (RFC 3986 §2.3), so any bytes can be sent. */
export function percentEncode(bytes: Uint8Array | string): string {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  let out = '';
  for (const x of b) {
    const c = String.fromCharCode(x);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${x.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function queryString(params: readonly (readonly [string, string])[]): string {
  return params.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
}

/** Bodies above this may be answered (413) before they are sent in full. */
const EARLY_ANSWER_BYTES = 512 * 1024;

/**
 * A large body through node:http, which reads an answer that comes before the body is written
 * out (a 413 from the body limit) and then sees the server close the connection: fetch reports
 * only the write error (EPIPE), though the server did answer.
 */
function bigExchange(target: Target, method: string, path: string, payload: Uint8Array, headers: Record<string, string>, started: number): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${target.base}${path}`, { method, headers: { ...headers, 'content-length': String(payload.length) }, agent: false, timeout: 30_000 });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = undefined;
        }
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ method, path, status: res.statusCode ?? 0, headers: h, text, body: parsed, ms: performance.now() - started });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    // The server closing an over-long upload: a write error, after the answer or (when the close
    // wins the race with reading it) instead of it. The caller decides whether that may happen.
    req.on('error', (e) => {
      if (answered) return;
      const code = (e as { code?: string }).code;
      if (code !== 'EPIPE' && code !== 'ECONNRESET') return reject(new Error(`${method} ${path.slice(0, 300)}: the server did not answer (${e.message})`));
      resolve({ method, path, status: 0, headers: new Headers(), text: `(connection closed by the server during the upload: ${code})`, body: undefined, ms: performance.now() - started, closedEarly: true });
    });
    req.end(payload);
  });
}

/**
 * Sends one request. `body` is sent byte for byte (a JSON value is serialised first); only the
 * headers given are added to the authorization, so a body may travel without a Content-Type.
 */
export async function exchange(target: Target, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Exchange> {
  const h: Record<string, string> = { authorization: `Bearer ${target.token}`, ...headers };
  let payload: Uint8Array | undefined;
  if (body instanceof Uint8Array) payload = body;
  else if (body !== undefined) {
    payload = Buffer.from(JSON.stringify(body), 'utf8');
    h['content-type'] ??= 'application/scim+json';
  }
  const started = performance.now();
  if (payload && payload.length > EARLY_ANSWER_BYTES) return bigExchange(target, method, path, payload, h, started);
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${target.base}${path}`, { method, headers: h, ...(payload ? { body: payload } : {}), signal: AbortSignal.timeout(30_000) });
    text = await res.text();
  } catch (e) {
    throw new Error(`${method} ${path.slice(0, 300)}: the server did not answer (${(e as Error).message}; cause: ${String((e as { cause?: unknown }).cause)})`);
  }
  const ms = performance.now() - started;
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { method, path, status: res.status, headers: res.headers, text, body: parsed, ms };
}

const label = (x: Exchange) => `${x.method} ${x.path.slice(0, 400)} → ${x.status} ${x.text.slice(0, 400)}`;

/** Asserts that `body` is an RFC 7644 §3.12 error body for HTTP status `status`. */
export function assertScimError(body: unknown, status: number, where: string): void {
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), `${where}: the error body is a JSON object`);
  const b = body as Record<string, unknown>;
  assert.deepEqual(b.schemas, [ERROR_URN], `${where}: schemas is [Error URN]`);
  assert.equal(b.status, String(status), `${where}: status is the HTTP status as a string`);
  if (b.scimType !== undefined) {
    assert.equal(typeof b.scimType, 'string', `${where}: scimType is a string`);
    const expected = SCIM_TYPE_STATUS[b.scimType as string];
    assert.ok(expected !== undefined, `${where}: scimType ${JSON.stringify(b.scimType)} is one of RFC 7644 Table 9`);
    assert.equal(status, expected, `${where}: scimType ${String(b.scimType)} goes with ${expected}`);
  }
  assert.equal(typeof b.detail, 'string', `${where}: detail is a string`);
}

/** The properties every response must have, whatever was sent. */
export function checkExchange(x: Exchange): void {
  assert.ok(x.status < 500, `no 5xx: ${label(x)}`);
  assert.ok(x.ms < LIVENESS_MS, `answered within ${LIVENESS_MS} ms (took ${Math.round(x.ms)} ms): ${label(x)}`);
  if (x.closedEarly) return;
  if (x.status >= 400) {
    assert.match(x.headers.get('content-type') ?? '', /^application\/scim\+json/, `error media type: ${label(x)}`);
    assertScimError(x.body, x.status, label(x));
    return;
  }
  if (x.status === 204 || x.status === 304) return;
  assert.ok(x.body !== undefined, `a ${x.status} carries a JSON body: ${label(x)}`);
  if (x.status === 201) {
    assert.equal(typeof x.body.id, 'string', `201 carries the id: ${label(x)}`);
    assert.equal(x.headers.get('etag'), x.body.meta?.version, `201: ETag equals meta.version: ${label(x)}`);
    assert.ok(x.headers.get('location'), `201 carries Location: ${label(x)}`);
  }
  // RFC 7644 §3.7.3: each operation's status; a failed one carries an error body.
  if (Array.isArray(x.body.Operations)) {
    for (const op of x.body.Operations as { status?: unknown; response?: unknown }[]) {
      const status = Number(op.status);
      assert.ok(Number.isInteger(status) && status < 500, `bulk operation without 5xx: ${JSON.stringify(op).slice(0, 300)} in ${label(x)}`);
      if (status >= 400) assertScimError(op.response, status, `bulk operation in ${label(x)}`);
    }
  }
}

/** How many fuzzed requests got each status, for the run's summary (reset by the caller). */
export const statusTally = new Map<number, number>();

/** Answers by kind: status, scimType and the detail with its quoted parts and numbers blanked. */
export const outcomeTally = new Map<string, number>();

/** Sends a fuzzed request, checks and counts its answer. */
export async function probe(target: Target, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Exchange> {
  const x = await checked(target, method, path, body, headers);
  statusTally.set(x.status, (statusTally.get(x.status) ?? 0) + 1);
  const detail = x.status >= 400 ? String(x.body?.detail).replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '…').replace(/[0-9]+/g, 'N').slice(0, 90) : '';
  const outcome = `${x.status} ${x.body?.scimType ?? ''} ${detail}`.trim();
  outcomeTally.set(outcome, (outcomeTally.get(outcome) ?? 0) + 1);
  return x;
}

/** `201×3 400×12 …`, most frequent first. */
export function tallyText(): string {
  return [...statusTally].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s}×${n}`).join(' ');
}

/** The most frequent outcomes, one a line. */
export function outcomesText(top = 12): string {
  return [...outcomeTally].sort((a, b) => b[1] - a[1]).slice(0, top).map(([o, n]) => `${String(n).padStart(6)}  ${o}`).join('\n');
}

/** Sends and checks. */
export async function checked(target: Target, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Exchange> {
  const x = await exchange(target, method, path, body, headers);
  checkExchange(x);
  return x;
}
