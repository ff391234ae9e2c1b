/**
 * Webhooks across real `scimd serve` processes (the built dist/): kill -9 in the middle of a
 * delivery and a restart lose nothing and keep the order; two processes on one PostgreSQL database
 * deliver each event to each endpoint once, not once per process; and the `scimd webhook` commands.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { scimdCli } from './helpers/cli.ts';
import { eventually } from './helpers/eventually.ts';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { killAll, serveProcess, type Serving } from './helpers/process.ts';
import { send, tempDir, user } from './helpers/server.ts';
import { startReceiver, type Receiver } from './helpers/webhook-receiver.ts';

const TOKEN = 'webhook_process_test_token_0123456789abcdefghijklmnopq';
const ALLOW = { SCIMD_WEBHOOK_ALLOW_PRIVATE: 'true' };

const dirs: string[] = [];
const receivers: Receiver[] = [];
const databases: TestDatabase[] = [];
after(async () => {
  await killAll();
  for (const r of receivers) await r.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const db of databases) await db.drop().catch(() => undefined);
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

function dataDir(): string {
  const d = tempDir('scimd-webhooks-');
  dirs.push(d);
  return d;
}

const createUser = async (base: string, name: string) => {
  const r = await send(`${base}/Users`, 'POST', user(name), { authorization: `Bearer ${TOKEN}` });
  assert.equal(r.status, 201, r.text);
};

/** `scimd webhook …` with --json; must exit 0. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function webhookCli(args: string[], storage: string[]): Promise<any> {
  const r = await scimdCli(['webhook', ...args, ...storage, '--json'], undefined, ALLOW);
  assert.equal(r.code, 0, `scimd webhook ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('webhooks across processes', () => {
  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`kill -9 while a slow receiver holds a delivery, restart: nothing lost, nothing out of order (${backend})`, async () => {
      let storage = ['--data-dir', dataDir()];
      if (backend === 'postgres') {
        const db = await freshDatabase('webhookskill');
        databases.push(db);
        storage = ['--database-url', db.url];
      }
      let serving: Serving = await serveProcess(storage, { SCIMD_BOOTSTRAP_TOKEN: TOKEN, ...ALLOW });
      // Event 6 hangs (the receiver never answers while scimd lives); everything else is answered at once.
      let hold = true;
      const slow = await receiver((r) => (hold && r.payload.data.tenantSeq === 6 ? 'hang' : { status: 200 }));
      const created = await webhookCli(['add', 'default', slow.url], storage);
      assert.equal(created.deliveredSeq, 0);
      for (let i = 0; i < 10; i++) await createUser(serving.base, `k-${i}`);
      await eventually(() => slow.received.some((r) => r.payload.data.tenantSeq === 6), { what: 'event 6 in flight', timeoutMs: 30_000 });
      assert.deepEqual(
        slow.received.map((r) => r.payload.data.tenantSeq),
        [1, 2, 3, 4, 5, 6],
        'head-of-line: nothing after the event in flight',
      );
      serving.child.kill('SIGKILL');
      await new Promise((resolve) => serving.child.once('exit', resolve));
      hold = false;

      serving = await serveProcess(storage, ALLOW);
      for (let i = 10; i < 15; i++) await createUser(serving.base, `k-${i}`);
      // The dead process's lease runs out (20 s), then the restarted one resends event 6 and goes on.
      const got = await eventually(() => slow.unique().length === 15 && slow.unique(), { what: 'all 15 events after the restart', timeoutMs: 90_000, intervalMs: 200 });
      assert.deepEqual(
        got.map((r) => r.payload.data.tenantSeq),
        Array.from({ length: 15 }, (_, i) => i + 1),
      );
      const seqs = slow.received.map((r) => r.payload.data.tenantSeq as number);
      // What came again: the events since the dead process last wrote its cursor down (once per
      // page of events or 250 ms), ending with the one in flight, and in order.
      const again = seqs.filter((s, i) => seqs.indexOf(s) !== i);
      assert.ok(again.length >= 1 && again.length <= 6, `repeated: ${again.join(',')}`);
      assert.deepEqual(
        again,
        Array.from({ length: again.length }, (_, i) => 7 - again.length + i),
        'a run of events ending with the one in flight at the kill',
      );
      assert.deepEqual(
        seqs.slice(6),
        Array.from({ length: 15 - 6 + again.length }, (_, i) => 7 - again.length + i),
        'after the restart: from the last written cursor on, in order',
      );
      const shown = await webhookCli(['list', 'default'], storage);
      assert.equal(shown[0].lag, 0);
      assert.equal(shown[0].deliveredSeq, 15);
      await serving.stop();
    });
  }

  it('two scimd processes on one PostgreSQL database: each event goes to each endpoint once', async () => {
    const db = await freshDatabase('webhooks2');
    databases.push(db);
    const storage = ['--database-url', db.url];
    const a = await serveProcess(storage, { SCIMD_BOOTSTRAP_TOKEN: TOKEN, ...ALLOW });
    const b = await serveProcess(storage, ALLOW);
    const one = await receiver();
    const two = await receiver();
    await webhookCli(['add', 'default', one.url], storage);
    await webhookCli(['add', 'default', two.url, '--types', 'user.created'], storage);
    // Writes through both processes, many at once.
    await Promise.all(Array.from({ length: 60 }, (_, i) => createUser((i % 2 ? a : b).base, `pg-${i}`)));
    await eventually(() => one.received.length >= 60 && two.received.length >= 60, { what: '60 events at each endpoint', timeoutMs: 60_000, intervalMs: 100 });
    // Both processes keep polling a while longer: nothing more may come.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    for (const r of [one, two]) {
      const ids = r.received.map((x) => x.id);
      assert.equal(new Set(ids).size, ids.length, 'no event delivered twice');
      assert.equal(ids.length, 60);
      const seqs = r.received.map((x) => x.payload.data.tenantSeq as number);
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in tenantSeq order');
    }
    await Promise.all([a.stop(), b.stop()]);
  });

  it('scimd webhook add|list|test|replay|deliveries|rotate-secret|remove, and their refusals', async () => {
    const dir = dataDir();
    const storage = ['--data-dir', dir];
    const serving = await serveProcess(storage, { SCIMD_BOOTSTRAP_TOKEN: TOKEN, ...ALLOW });
    const r = await receiver();
    const refused = await scimdCli(['webhook', 'add', 'default', r.url, ...storage]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Webhook URL refused: 127\.0\.0\.1 is a private, loopback/);
    const badType = await scimdCli(['webhook', 'add', 'default', 'https://hooks.example.com/x', '--types', 'user.nope', ...storage]);
    assert.equal(badType.code, 1);
    assert.match(badType.stderr, /unknown event type 'user.nope'/);
    const noTenant = await scimdCli(['webhook', 'list', 'nope', ...storage]);
    assert.equal(noTenant.code, 1);
    assert.match(noTenant.stderr, /No tenant named 'nope'/);
    assert.equal((await scimdCli(['webhook', 'add', 'default', ...storage])).code, 2);

    const text = await scimdCli(['webhook', 'add', 'default', r.url, '--types', 'user.created', ...storage], undefined, ALLOW);
    assert.equal(text.code, 0, text.stderr);
    const secret = /^\s+(whsec_\S+)$/m.exec(text.stdout)?.[1];
    assert.ok(secret, text.stdout);
    const listed = await webhookCli(['list', 'default'], storage);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].secret, undefined);
    const id: string = listed[0].id;

    const ping = await webhookCli(['test', 'default', id], storage);
    assert.equal(ping.ok, true);
    r.verify(r.received.at(-1)!, secret);
    assert.equal(r.received.at(-1)!.payload.type, 'webhook.test');

    await createUser(serving.base, 'cli-1');
    await eventually(() => r.received.length === 2, { what: 'the event from the server', timeoutMs: 30_000 });
    const replayed = await webhookCli(['replay', 'default', id, '--from', '1'], storage);
    assert.equal(replayed.state, 'active');
    await eventually(() => r.received.length === 3, { what: 'the replayed event', timeoutMs: 30_000 });
    assert.equal(r.received[2]!.id, r.received[1]!.id, 'the same webhook-id again');

    const log = await webhookCli(['deliveries', 'default', id, '--limit', '2'], storage);
    assert.equal(log.length, 2);
    assert.deepEqual(
      log.map((a: { eventType: string; status: number }) => [a.eventType, a.status]),
      [
        ['user.created', 200],
        ['user.created', 200],
      ],
    );
    assert.deepEqual(await webhookCli(['deliveries', 'default', id, '--status', 'failed'], storage), []);
    const human = await scimdCli(['webhook', 'deliveries', 'default', id, ...storage]);
    assert.match(human.stdout, /^AT\s+EVENT\s+TYPE\s+ATTEMPT\s+STATUS/);

    const rotated = await webhookCli(['rotate-secret', 'default', id, '--grace-hours', '2'], storage);
    assert.match(rotated.secret, /^whsec_/);
    assert.notEqual(rotated.secret, secret);
    assert.ok(rotated.previousSecretUntil);
    await webhookCli(['test', 'default', id], storage);
    const last = r.received.at(-1)!;
    assert.equal(last.signature.split(' ').length, 2);
    r.verify(last, rotated.secret);
    r.verify(last, secret);

    const removed = await webhookCli(['remove', 'default', id], storage);
    assert.equal(removed.id, id);
    assert.deepEqual(await webhookCli(['list', 'default'], storage), []);
    const gone = await scimdCli(['webhook', 'test', 'default', id, ...storage], undefined, ALLOW);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /has no webhook/);
    await serving.stop();
  });
});
