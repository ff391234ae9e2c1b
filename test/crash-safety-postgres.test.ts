/**
 * Crash safety on PostgreSQL (issue 6 item 6; harness in test/helpers/crash.ts): scimd (not
 * PostgreSQL) killed with SIGKILL under 100 concurrent writers and restarted: every acknowledged
 * write is there with its ETag. A transaction open at the kill is rolled back by PostgreSQL when
 * the connection drops.
 */
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { crashTest, postgresHarness } from './helpers/crash.ts';

describe('crash safety on PostgreSQL', () => {
  it('scimd killed under 100 concurrent writers and restarted: nothing acknowledged lost', async (t) => {
    const token = `crash-${randomBytes(24).toString('base64url')}`;
    await crashTest(await postgresHarness(token), token, 1, t);
  });
});
