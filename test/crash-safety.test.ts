/**
 * Crash safety on SQLite (issue 6 item 6; harness in test/helpers/crash.ts): SIGKILL under 100
 * concurrent writers, restart on the same data directory, every acknowledged write there with its
 * ETag, `PRAGMA integrity_check` ok.
 *
 * With the default synchronous=FULL (WAL, an fsync per commit before the answer: survives power
 * loss too), killed twice; and with synchronous=NORMAL, which survives a crash of scimd (what
 * SIGKILL is) though a power loss may lose the last commits — that part a test cannot show.
 */
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { crashTest, sqliteHarness } from './helpers/crash.ts';

const token = () => `crash-${randomBytes(24).toString('base64url')}`;

// The two run at once: they share nothing but the machine.
describe('crash safety on SQLite: SIGKILL under 100 concurrent writers, restart, every acknowledged write is there', { concurrency: true }, () => {
  it('synchronous=FULL (the default), killed twice', async (t) => {
    const tk = token();
    await crashTest(sqliteHarness('FULL', tk), tk, 2, t);
  });

  it('synchronous=NORMAL: a crash of scimd loses nothing acknowledged either', async (t) => {
    const tk = token();
    await crashTest(sqliteHarness('NORMAL', tk), tk, 1, t);
  });
});
