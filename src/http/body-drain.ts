/**
 * A request refused for the size of its body (413) has not been read to its end, and most HTTP
 * clients (.NET's and Java's among them) write the whole body before they read the answer. Were
 * the connection closed under them while they still write, they would see EPIPE or a reset, never
 * the 413 (RFC 9112 §9.6: a server should not close while the client may still be sending). So the
 * rest of the body is read and thrown away before the answer goes out and the connection closes —
 * at most DRAIN_BYTES, for at most DRAIN_MS, so that no client keeps scimd reading for ever; past
 * either the connection is closed as before.
 */
import type { IncomingMessage } from 'node:http';

export interface DrainBounds {
  /** Most bytes read and thrown away. */
  readonly bytes: number;
  /** Longest the reading goes on, in milliseconds. */
  readonly ms: number;
}

/** 16 MiB and 10 s: a 4 MB body on a slow link, well past the 1 MB default limit, still gets its answer. */
export const DEFAULT_DRAIN: DrainBounds = { bytes: 16 * 1024 * 1024, ms: 10_000 };

/** Reads the rest of `request`'s body and throws it away; resolves at its end, when the connection closes, or at a bound. */
export function drainBody(request: IncomingMessage, bounds: DrainBounds = DEFAULT_DRAIN): Promise<void> {
  if (request.complete || request.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let bytes = 0;
    const done = () => {
      clearTimeout(timer);
      request.off('data', onData).off('end', done).off('close', done).off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > bounds.bytes) done();
    };
    const timer = setTimeout(done, bounds.ms);
    request.on('data', onData).once('end', done).once('close', done).once('error', done);
    request.resume();
  });
}
