/** The HTTP side of `scimd check`: requests to any SCIM 2.0 server, with a bearer token and a timeout. */

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body; undefined when empty or not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly text: string;
}

export interface ScimClient {
  readonly base: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string | null>): Promise<Answer>;
}

export const MEDIA = 'application/scim+json';

/** `base` is the SCIM base URL (…/scim/v2); `headers.authorization: null` sends no token. */
export function scimClient(base: string, token: string, timeoutMs: number): ScimClient {
  const root = base.replace(/\/+$/, '');
  return {
    base: root,
    async request(method, path, body, headers = {}) {
      const h: Record<string, string> = { accept: MEDIA, authorization: `Bearer ${token}` };
      for (const [k, v] of Object.entries(headers)) {
        if (v === null) delete h[k];
        else h[k] = v;
      }
      if (body !== undefined) h['content-type'] ??= MEDIA;
      const res = await fetch(`${root}${path}`, {
        method,
        headers: h,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
  };
}
