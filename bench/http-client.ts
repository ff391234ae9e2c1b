/**
 * A minimal keep-alive HTTP/1.1 client over one TCP socket, for the load generator. Smaller and
 * cheaper per request than node:http's client, so the client process is less of a limit on the
 * bare-Node ceiling (which every ratio is measured against). One request in flight at a time.
 */
import { connect, type Socket } from 'node:net';

export interface ParsedResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  /** The server said it closes the connection after this response. */
  readonly close: boolean;
}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

interface Head {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly close: boolean;
  readonly bodyStart: number;
  /** Content-Length, or undefined for a chunked body. */
  readonly length?: number;
}

/** Splits a byte stream into HTTP/1.1 responses (Content-Length or chunked bodies). */
export class ResponseParser {
  private buf: Buffer = EMPTY;
  private head: Head | undefined;

  feed(chunk: Buffer): ParsedResponse[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: ParsedResponse[] = [];
    for (;;) {
      if (!this.head) {
        const end = this.buf.indexOf(HEAD_END);
        if (end < 0) {
          if (this.buf.length > 64 * 1024) throw new Error('response head larger than 64 KiB');
          return out;
        }
        this.head = parseHead(this.buf.toString('latin1', 0, end), end + 4);
      }
      const h = this.head;
      let body: Buffer | undefined;
      let next = 0;
      if (h.length !== undefined) {
        if (this.buf.length - h.bodyStart < h.length) return out;
        body = this.buf.subarray(h.bodyStart, h.bodyStart + h.length);
        next = h.bodyStart + h.length;
      } else {
        const c = dechunk(this.buf, h.bodyStart);
        if (!c) return out;
        body = c.body;
        next = c.next;
      }
      out.push({ status: h.status, headers: h.headers, body, close: h.close });
      this.head = undefined;
      this.buf = next >= this.buf.length ? EMPTY : this.buf.subarray(next);
    }
  }
}

function parseHead(text: string, bodyStart: number): Head {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const status = Number(m[1]);
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const close = /\bclose\b/i.test(headers.get('connection') ?? '');
  // RFC 9112 §6.3: 1xx, 204 and 304 never have a body.
  if (status < 200 || status === 204 || status === 304) return { status, headers, close, bodyStart, length: 0 };
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) return { status, headers, close, bodyStart };
  const cl = headers.get('content-length');
  if (cl === undefined) throw new Error(`response ${status} has neither Content-Length nor chunked encoding`);
  return { status, headers, close, bodyStart, length: Number(cl) };
}

/** A complete chunked body starting at `start`, or undefined while more bytes are needed. */
function dechunk(buf: Buffer, start: number): { body: Buffer; next: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const eol = buf.indexOf(CRLF, at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.toString('latin1', at, eol).split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new Error('bad chunk size');
    const dataStart = eol + 2;
    if (size === 0) {
      // No trailers are expected: the last chunk is followed by one empty line.
      const end = buf.indexOf(CRLF, dataStart);
      if (end < 0) return undefined;
      return { body: Buffer.concat(parts), next: end + 2 };
    }
    if (buf.length < dataStart + size + 2) return undefined;
    parts.push(buf.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}

export interface Request {
  readonly method: string;
  readonly path: string;
  readonly headers: string;
  readonly body?: string;
}

/** One keep-alive connection; reconnects when the server closes it. */
export class Connection {
  private socket: Socket | undefined;
  private parser = new ResponseParser();
  private waiting: { resolve: (r: ParsedResponse) => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: this.host, port: this.port, noDelay: true });
      this.parser = new ResponseParser();
      s.once('connect', () => resolve(s));
      s.on('data', (chunk: Buffer) => {
        let responses: ParsedResponse[];
        try {
          responses = this.parser.feed(chunk);
        } catch (e) {
          this.fail(e as Error);
          s.destroy();
          return;
        }
        for (const r of responses) {
          const w = this.waiting;
          this.waiting = undefined;
          if (r.close) this.drop();
          w?.resolve(r);
        }
      });
      s.on('error', (e) => {
        reject(e);
        if (this.socket === s) this.fail(e);
      });
      // A socket dropped on purpose (Connection: close) is no longer current: its close is no failure.
      s.on('close', () => {
        if (this.socket !== s) return;
        this.socket = undefined;
        this.fail(new Error('connection closed by the server'));
      });
    });
  }

  private fail(e: Error): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(e);
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  async send(req: Request): Promise<ParsedResponse> {
    if (!this.socket) this.socket = await this.open();
    const body = req.body ?? '';
    const head = `${req.method} ${req.path} HTTP/1.1\r\n${req.headers}${req.body === undefined ? '' : `content-length: ${Buffer.byteLength(body)}\r\n`}\r\n`;
    return new Promise<ParsedResponse>((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket!.write(req.body === undefined ? head : head + body);
    });
  }

  close(): void {
    this.drop();
  }
}
