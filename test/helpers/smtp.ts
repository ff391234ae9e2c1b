/**
 * A real SMTP server in a child process (smtp-process.ts) for end-to-end mail tests: scimd sends
 * to `url`, the test reads what arrived (`messages`, `waitForMail`) and can make the server refuse
 * mail (`refuse(451)` temporarily, `refuse(550)` permanently) to exercise retries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { linksIn, parseMail, type ParsedMail } from './mime.ts';
import { track } from './children.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ReceivedMail extends ParsedMail {
  /** Envelope sender and recipients, as the server saw them. */
  readonly envelopeFrom: string;
  readonly envelopeTo: readonly string[];
  readonly raw: Buffer;
  readonly links: readonly string[];
}

export interface SmtpServer {
  /** smtp://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** Every message accepted so far, in order. */
  readonly messages: readonly ReceivedMail[];
  /** How many deliveries were refused so far. */
  refusals(): number;
  /** Resolves with the first message (from `from` on, by index) that `match` accepts; rejects after `timeoutMs`. */
  waitForMail(match?: (m: ReceivedMail) => boolean, opts?: { from?: number; timeoutMs?: number }): Promise<ReceivedMail>;
  /** Resolves once `n` deliveries have been refused. */
  waitForRefusals(n: number, timeoutMs?: number): Promise<void>;
  refuse(code?: number): Promise<void>;
  accept(): Promise<void>;
  stop(): Promise<void>;
}

type Line = { type: 'listening'; port: number } | { type: 'message'; from: string; to: string[]; raw: string } | { type: 'refused'; to: string[]; code: number } | { type: 'mode'; mode: string };

export async function startSmtpServer(): Promise<SmtpServer> {
  const child: ChildProcess = track(spawn(process.execPath, ['--import', 'tsx', 'test/helpers/smtp-process.ts'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }));
  const messages: ReceivedMail[] = [];
  let refused = 0;
  let stderr = '';
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  let ackWaiter: (() => void) | undefined;
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`SMTP server did not start\n${stderr}`)), 20_000);
    void exited.then(() => reject(new Error(`SMTP server exited before listening\n${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as Line;
      if (line.type === 'listening') {
        clearTimeout(timer);
        resolve(line.port);
      } else if (line.type === 'message') {
        const raw = Buffer.from(line.raw, 'base64');
        const parsed = parseMail(raw);
        messages.push({ ...parsed, envelopeFrom: line.from, envelopeTo: line.to, raw, links: linksIn(parsed.text) });
        changed();
      } else if (line.type === 'refused') {
        refused++;
        changed();
      } else if (line.type === 'mode') {
        ackWaiter?.();
      }
    });
  });

  const until = (ok: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (ok()) return resolve();
      const check = () => {
        if (!ok()) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`${what} within ${timeoutMs} ms (received ${messages.length}: ${messages.map((m) => `${m.envelopeTo.join(',')} "${m.subject}"`).join('; ')})`));
      }, timeoutMs);
      listeners.add(check);
    });

  const command = (cmd: object) =>
    new Promise<void>((resolve) => {
      ackWaiter = () => {
        ackWaiter = undefined;
        resolve();
      };
      child.stdin!.write(`${JSON.stringify(cmd)}\n`);
    });

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    refusals: () => refused,
    async waitForMail(match = () => true, opts = {}) {
      const from = opts.from ?? 0;
      const find = () => messages.slice(from).find(match);
      await until(() => find() !== undefined, opts.timeoutMs ?? 10_000, 'no matching mail arrived');
      return find()!;
    },
    waitForRefusals: (n, timeoutMs = 10_000) => until(() => refused >= n, timeoutMs, `fewer than ${n} refusals`),
    refuse: (code = 451) => command({ mode: 'refuse', code }),
    accept: () => command({ mode: 'accept' }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
