/**
 * One HTTP POST of a signed webhook: the Standard Webhooks headers, a time limit on the whole
 * attempt, no redirects, and at most the first 500 characters of the answer read (the rest is not
 * waited for). It never throws: every outcome is a SendResult.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { guardedLookup, isBlockedAddress } from './address-policy.ts';

export const EXCERPT_CHARS = 500;
export const USER_AGENT = 'scimd-webhooks/1';

export interface SendResult {
  /** True for a 2xx answer. */
  readonly ok: boolean;
  readonly status?: number;
  readonly durationMs: number;
  readonly excerpt?: string;
  readonly error?: string;
}

export interface Signed {
  readonly id: string;
  readonly body: string;
  /** The current secret, and during a rotation the previous one: each signs, space-separated. */
  readonly secrets: readonly string[];
}

/** The webhook-signature header: `v1,<base64>` per secret. */
export function signatures(id: string, at: Date, body: string, secrets: readonly string[]): string {
  return secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' ');
}

export function postWebhook(url: string, msg: Signed, opts: { timeoutMs: number; allowPrivate: boolean; now?: Date; signal?: AbortSignal }): Promise<SendResult> {
  const started = performance.now();
  const took = () => performance.now() - started;
  return new Promise<SendResult>((resolve) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined = undefined;
    const finish = (r: Omit<SendResult, 'durationMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // The dispatcher's signal lives as long as the process: each attempt's listener goes with it.
      opts.signal?.removeEventListener('abort', abort);
      resolve({ ...r, durationMs: took() });
    };
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return finish({ ok: false, error: 'invalid URL' });
    }
    const host = u.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
    // A literal address is connected to without a lookup: check it here.
    if (!opts.allowPrivate && ((isIP(host) && isBlockedAddress(host)) || host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost'))) {
      return finish({ ok: false, error: `refused: ${host} is an internal address (private and loopback receivers need --webhook-allow-private)` });
    }
    const at = opts.now ?? new Date();
    let headers: Record<string, string>;
    try {
      headers = {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'webhook-id': msg.id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signatures(msg.id, at, msg.body, msg.secrets),
        'content-length': String(Buffer.byteLength(msg.body)),
      };
    } catch (e) {
      return finish({ ok: false, error: `cannot sign: ${(e as Error).message}` });
    }
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, { method: 'POST', headers, agent: agentFor(u.protocol === 'https:', opts.allowPrivate), lookup: guardedLookup(opts.allowPrivate) as never });
    // Set once the answer's status line came: a body that then stalls does not undo the answer.
    let answered: (() => void) | undefined;
    timer = setTimeout(() => {
      if (answered) return answered();
      req.destroy();
      finish({ ok: false, error: `no answer within ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.message || e.code || 'connection error' }));
    function abort(): void {
      req.destroy();
      finish({ ok: false, error: 'abandoned: scimd was shutting down' });
    }
    if (opts.signal?.aborted) abort();
    else opts.signal?.addEventListener('abort', abort, { once: true });
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status <= 299;
      let text = '';
      res.setEncoding('utf8');
      const answer = () => finish({ ok, status, ...(text ? { excerpt: text.slice(0, EXCERPT_CHARS) } : {}) });
      // Cut short (the excerpt is full, or the body stalls): the connection is not reused.
      const cut = () => {
        res.destroy();
        answer();
      };
      answered = cut;
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.length >= EXCERPT_CHARS) cut();
      });
      // Read to its end: the connection goes back to the pool for the endpoint's next event.
      res.on('end', answer);
      res.on('error', cut);
      res.on('close', cut);
    });
    req.end(msg.body);
  });
}

/**
 * Kept-alive connections, so an endpoint's events do not each open one. One pool per scheme and
 * address policy: a connection opened where private receivers were allowed is never reused where
 * they are not (the address was checked when the connection was made, by guardedLookup).
 */
const agents = new Map<string, HttpAgent>();
function agentFor(https: boolean, allowPrivate: boolean): HttpAgent {
  const key = `${https}:${allowPrivate}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: 64, maxFreeSockets: 16, timeout: 30_000 };
    agent = https ? new HttpsAgent(options) : new HttpAgent(options);
    agents.set(key, agent);
  }
  return agent;
}
