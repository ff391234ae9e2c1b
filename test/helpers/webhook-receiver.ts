/**
 * A webhook receiver on 127.0.0.1 (node:http) for tests: it records every request it gets (headers
 * and body), verifies signatures with the standardwebhooks library when given the secrets, and
 * answers as the test's `behaviour` says: 200, a failure status, or never (a hang).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type Answer = { status: number; body?: string } | 'hang';

export interface Received {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly payload: any;
  /** What the receiver answered. */
  answer?: Answer;
}

export interface Receiver {
  readonly url: string;
  /** Every request, in arrival order. */
  readonly received: Received[];
  /** The requests answered 2xx, in arrival order. */
  acknowledged(): Received[];
  /** The first 2xx-answered request of each webhook-id, in arrival order (de-duplication by webhook-id). */
  unique(): Received[];
  /** Throws unless the request's signature verifies with `secret` (standardwebhooks' Webhook.verify). */
  verify(r: Received, secret: string): void;
  behaviour: (r: Received, n: number) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(behaviour: (r: Received, n: number) => Answer = () => ({ status: 200 })): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        payload = undefined;
      }
      const r: Received = {
        id: String(req.headers['webhook-id']),
        timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']),
        headers: req.headers,
        body,
        payload,
      };
      received.push(r);
      const answer = receiver.behaviour(r, received.length);
      r.answer = answer;
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? (answer.status < 300 ? 'ok' : 'failed'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const ok = (r: Received) => r.answer !== undefined && r.answer !== 'hang' && r.answer.status >= 200 && r.answer.status < 300;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    behaviour,
    acknowledged: () => received.filter(ok),
    unique() {
      const seen = new Set<string>();
      return received.filter((r) => ok(r) && !seen.has(r.id) && seen.add(r.id));
    },
    verify(r, secret) {
      new Webhook(secret).verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature });
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}
