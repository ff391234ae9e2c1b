/**
 * A real SMTP server for tests, run as its own process by smtp.ts: the `smtp-server` package on
 * 127.0.0.1 (port 0, reported back), plain SMTP without authentication or STARTTLS.
 *
 * Protocol, one JSON object per line —
 *   stdout: {"type":"listening","port":N} once; {"type":"message","from":…,"to":[…],"raw":"<base64>"}
 *           for each message accepted; {"type":"refused","to":[…],"code":N} for each one refused;
 *           {"type":"mode","mode":…} to acknowledge a command.
 *   stdin:  {"mode":"accept"} or {"mode":"refuse","code":451} (the code decides temporary 4xx or
 *           permanent 5xx; refusal happens after DATA, as a real relay that cannot queue does).
 */
import { createInterface } from 'node:readline';
import { SMTPServer } from 'smtp-server';

let mode: { mode: 'accept' } | { mode: 'refuse'; code: number } = { mode: 'accept' };

const emit = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 1_000_000,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const to = session.envelope.rcptTo.map((a) => a.address);
      if (mode.mode === 'refuse') {
        const code = mode.code;
        emit({ type: 'refused', to, code });
        callback(Object.assign(new Error(code < 500 ? 'Mailbox busy, try again later' : 'Mailbox unavailable'), { responseCode: code }));
        return;
      }
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      emit({ type: 'message', from, to, raw: Buffer.concat(chunks).toString('base64') });
      callback();
    });
  },
});

server.on('error', (e) => process.stderr.write(`smtp-server: ${String(e)}\n`));

server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  emit({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as { mode: 'accept' | 'refuse'; code?: number };
  mode = cmd.mode === 'refuse' ? { mode: 'refuse', code: cmd.code ?? 451 } : { mode: 'accept' };
  emit({ type: 'mode', mode: cmd.mode });
});

// The parent closing stdin (or dying) ends this process.
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
