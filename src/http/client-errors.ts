/**
 * Answers for requests Node's HTTP parser refuses before Fastify sees them (the `clientError`
 * event): headers over the size limit (431), malformed requests (400), request timeouts (408).
 * They get RFC 7644 §3.12 bodies like every other error. Nothing of the request is logged: the
 * raw bytes Node attaches to the error hold its headers, Authorization included.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_URN } from '../scim/errors.ts';
import { SCIM_CONTENT_TYPE } from './media.ts';

export function clientErrorHandler(maxHeaderBytes: number, log?: (code: string) => void) {
  return function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let status = 400;
    let detail = 'The request is not valid HTTP';
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      detail = `The request line and headers are larger than the limit of ${maxHeaderBytes} bytes`;
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      detail = 'The request took too long to arrive';
    }
    log?.(err.code ?? 'unknown');
    if (socket.writable) {
      const body = JSON.stringify({ schemas: [ERROR_URN], status: String(status), detail });
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${SCIM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
