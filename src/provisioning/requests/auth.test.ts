/**
 * Authentication with its cache, on real SQLite files: looked-up tokens are reused while nothing
 * changed, and a revocation, a client revocation or a disabled tenant takes effect at the very next
 * request, whether it was made through this process or through another one (the CLI). Where the
 * store cannot see other processes' writes (a PostgreSQL replica whose listener is down), entries
 * live SHARED_TTL_MS.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { refusal } from '../../../test/helpers/assert.ts';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { Store } from '../../store/types.ts';
import { AdminService } from '../tenants/directory-admin.ts';
import { Authenticator, SHARED_TTL_MS } from './auth.ts';

const dir = mkdtempSync(join(tmpdir(), 'scimd-auth-'));
const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A served store and a second one on the same file, standing for the CLI in another process. */
async function setUp() {
  const file = join(dir, `a${n++}.db`);
  const served = openSqliteStore(file, { synchronous: 'NORMAL' });
  const cli = openSqliteStore(file, { synchronous: 'NORMAL' });
  stores.push(served, cli);
  const admin = new AdminService(served);
  await admin.createTenant('acme');
  const issued = await admin.createClient('acme', 'okta');
  let reads = 0;
  const counted: Store = { ...served, tokenByHash: (h) => (reads++, served.tokenByHash(h)) };
  return { served, cli, admin, cliAdmin: new AdminService(cli), token: issued.token, counted, reads: () => reads };
}

describe('Authenticator cache', () => {
  it('reads the token once while nothing changes', async () => {
    const s = await setUp();
    const auth = new Authenticator(s.counted);
    for (let i = 0; i < 5; i++) assert.equal((await auth.authenticate(`Bearer ${s.token}`)).client.name, 'okta');
    assert.equal(s.reads(), 1);
  });

  it('a revocation through this process applies to the next request', async () => {
    const s = await setUp();
    const auth = new Authenticator(s.counted);
    await auth.authenticate(`Bearer ${s.token}`);
    await s.admin.revokeClient('acme', 'okta');
    assert.equal(await refusal(auth.authenticate(`Bearer ${s.token}`)), 401);
  });

  it('a revocation or a disabled tenant through another process (the CLI) applies to the next request', async () => {
    const s = await setUp();
    const auth = new Authenticator(s.counted);
    await auth.authenticate(`Bearer ${s.token}`);
    await s.cliAdmin.setTenantStatus('acme', 'disabled');
    assert.equal(await refusal(auth.authenticate(`Bearer ${s.token}`)), 403);
    await s.cliAdmin.setTenantStatus('acme', 'active');
    await auth.authenticate(`Bearer ${s.token}`);
    await s.cliAdmin.revokeClient('acme', 'okta');
    assert.equal(await refusal(auth.authenticate(`Bearer ${s.token}`)), 401);
  });

  it('checks expiry against the clock on every request, cached or not', async () => {
    const s = await setUp();
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const issued = await new AdminService(s.served, () => new Date(clock)).createClient('acme', 'entra', { expiresInMs: 60_000 });
    const auth = new Authenticator(s.counted, () => new Date(clock));
    await auth.authenticate(`Bearer ${issued.token}`);
    clock += 61_000;
    assert.equal(await refusal(auth.authenticate(`Bearer ${issued.token}`)), 401);
  });

  it('without cross-process change detection (a PostgreSQL replica whose listener is down), reuses an entry for SHARED_TTL_MS at most', async () => {
    const s = await setUp();
    let clock = Date.now();
    const blind: Store = { ...s.served, authStamp: () => ({ stamp: 'same', crossProcess: false }) };
    const auth = new Authenticator(blind, () => new Date(clock));
    await auth.authenticate(`Bearer ${s.token}`);
    await s.cliAdmin.revokeClient('acme', 'okta');
    clock += SHARED_TTL_MS - 1;
    await auth.authenticate(`Bearer ${s.token}`); // within the documented bound: still the cached entry
    clock += 2;
    assert.equal(await refusal(auth.authenticate(`Bearer ${s.token}`)), 401);
  });

  it('keeps no entry for tokens that do not exist', async () => {
    const s = await setUp();
    const auth = new Authenticator(s.counted);
    for (let i = 0; i < 3; i++) assert.equal(await refusal(auth.authenticate('Bearer scimd_nope')), 401);
    assert.equal(s.reads(), 3);
  });
});
