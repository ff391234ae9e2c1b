/** HTTP/1.1 over a bare socket, for clients that behave in ways fetch cannot be made to. */
import { connect } from 'node:net';
import type { Reply, TestServer } from './server.ts';

export interface RawReply extends Reply {
  /** The socket error the client met (EPIPE, ECONNRESET), if any. */
  readonly error?: string;
}

/** `body` as chunked transfer coding (RFC 9112 §7.1), in chunks of `size` bytes. */
export function chunked(body: Buffer, size = 65_536): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const chunk = body.subarray(i, i + size);
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/**
 * Writes the whole request — `head` (request line and headers, up to the blank line) and then
 * `body` — and only once every byte has been written reads the answer, as most HTTP stacks (.NET's,
 * Java's) do. A server that closes the connection before taking the whole body makes the write
 * fail: `error` says how.
 */
export function writeAllThenRead(s: TestServer, head: string, body: Buffer): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(s.origin).port), '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => resolve({ ...parse(Buffer.concat(chunks).toString('utf8')), ...(error ? { error } : {}) }));
    socket.write(head);
    socket.end(body, () => socket.on('data', (d: Buffer) => chunks.push(d)));
  });
}

function parse(raw: string): Reply {
  const end = raw.indexOf('\r\n\r\n');
  const lines = raw.slice(0, end < 0 ? raw.length : end).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const text = end < 0 ? '' : raw.slice(end + 4);
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status, headers, body, text };
}
