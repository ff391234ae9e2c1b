/**
 * `scimd tenant set` / `tenant show` and `scimd client set` for the policy settings
 * (src/provisioning/tenants/settings.ts): every key takes exactly its documented values; anything else
 * exits 1 with a one-line message saying what the key takes (2 for wrong usage); `tenant show
 * --json` shows every setting with the value in force, defaults included. Every value is also
 * checked in-process through the admin service the CLI runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminError } from '../src/provisioning/tenants/directory-admin.ts';
import { CLIENT_SETTINGS, TENANT_SETTINGS } from '../src/provisioning/tenants/settings.ts';
import { scimdCli, scimdJson } from './helpers/cli.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
  await s.tenant('acme');
});
after(() => s?.close());

const oneLine = (stderr: string) => stderr.trim().split('\n').length === 1 && !/^\s+at /m.test(stderr);

describe('tenant settings', () => {
  it('every key takes each of its values and "default", and refuses anything else, saying what it takes', async () => {
    const admin = s.running.services.admin;
    for (const spec of TENANT_SETTINGS) {
      const values = spec.values.length ? spec.values : ['30m', '48h', '7d', '1m', '365d'];
      for (const v of values) {
        const t = await admin.setTenantSetting('acme', spec.key, v);
        assert.equal(t.settings[spec.key], v, `${spec.key} = ${v}`);
      }
      const reset = await admin.setTenantSetting('acme', spec.key, 'default');
      assert.equal(reset.settings[spec.key], undefined, `${spec.key} = default removes it`);
      const bad = spec.values.length ? ['bogus', spec.values[0]!.toUpperCase(), ` ${spec.values[0]}`, ''] : ['soon', '0m', '59s', '366d', '-1d', '1y'];
      for (const v of bad) {
        await assert.rejects(admin.setTenantSetting('acme', spec.key, v), (e: unknown) => {
          assert.ok(e instanceof AdminError, `${spec.key} = ${JSON.stringify(v)}`);
          assert.equal(e.code, 'invalid');
          assert.match(e.message, spec.values.length ? new RegExp(`^'${spec.key.replace('.', '\\.')}' takes ${spec.values.join(' or ')}, not '`) : /takes a duration from 1m to 365d/);
          return true;
        });
      }
    }
    await assert.rejects(admin.setTenantSetting('acme', 'userName.Policy', 'rfc'), /Unknown tenant setting 'userName\.Policy'\. Known: userName\.policy, userName\.scope/);
    assert.deepEqual((await admin.tenant('acme')).settings, {}, 'no refused value was stored');
  });

  it('the CLI: exit 0 with the new value, exit 1 and one line for a bad value, key or tenant, exit 2 for wrong usage', async () => {
    const [set, reset, badValue, usage] = await Promise.all([
      scimdCli(['tenant', 'set', 'acme', 'deprovision.delete', 'tombstone'], s.dataDir),
      scimdCli(['tenant', 'set', 'acme', 'invitation.ttl', 'default'], s.dataDir),
      scimdCli(['tenant', 'set', 'acme', 'userName.policy', 'wire'], s.dataDir),
      scimdCli(['tenant', 'set', 'acme', 'scim.enabled'], s.dataDir),
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), "Tenant 'acme': deprovision.delete = tombstone.");
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal(reset.stdout.trim(), "Tenant 'acme': invitation.ttl = 7d (default).", 'default shows the value it stands for');
    // The CLI prints the admin service's message (checked for every key above) on one line, exit 1.
    assert.equal(badValue.code, 1, badValue.stderr);
    assert.match(badValue.stderr.trim(), /^scimd: 'userName\.policy' takes rfc or handle, not 'wire'$/);
    assert.ok(oneLine(badValue.stderr), badValue.stderr);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Usage: scimd tenant set <tenant> <key> <value>/);
  });

  it('tenant show --json lists every setting with the value in force; `defaults` names those not set', async () => {
    await s.running.services.admin.setTenantSetting('acme', 'userName.policy', 'handle');
    const [json, human] = await Promise.all([scimdJson(['tenant', 'show', 'acme'], s.dataDir), scimdCli(['tenant', 'show', 'acme'], s.dataDir)]);
    const expected = Object.fromEntries(TENANT_SETTINGS.map((spec) => [spec.key, spec.fallback]));
    assert.deepEqual(json.settings, { ...expected, 'userName.policy': 'handle', 'deprovision.delete': 'tombstone' });
    assert.deepEqual(
      [...json.defaults].sort(),
      TENANT_SETTINGS.map((spec) => spec.key)
        .filter((k) => k !== 'userName.policy' && k !== 'deprovision.delete')
        .sort(),
    );
    assert.equal(json.name, 'acme');
    assert.equal(json.users, 0);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^userName\.policy\s+handle$/m);
    assert.match(human.stdout, /^userName\.scope\s+tenant \(default\)$/m);
    for (const spec of TENANT_SETTINGS) assert.match(human.stdout, new RegExp(`^${spec.key.replace('.', '\\.')}\\s`, 'm'), `${spec.key} is shown`);
  });

  it('client settings (name.formattedIncluded, groupPatchResponse): their values or default, nothing else; the help names them', async () => {
    const admin = s.running.services.admin;
    for (const spec of CLIENT_SETTINGS) {
      for (const v of spec.values) assert.equal((await admin.setClientSetting('acme', 'idp', spec.key, v)).settings[spec.key], v);
      assert.equal((await admin.setClientSetting('acme', 'idp', spec.key, 'default')).settings[spec.key], undefined);
      await assert.rejects(admin.setClientSetting('acme', 'idp', spec.key, 'no'), new RegExp(`'${spec.key.replace('.', '\\.')}' takes ${spec.values.join(' or ')}, not 'no'`));
    }
    const [bad, help] = await Promise.all([
      scimdCli(['client', 'set', 'acme', 'idp', 'name.formattedIncluded', 'off'], s.dataDir),
      scimdCli(['client', 'set', '--help']),
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr.trim(), /^scimd: 'name\.formattedIncluded' takes true or false, not 'off'$/);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /name\.formattedIncluded\s+true, false or default \(default true\)/);
    assert.match(help.stdout, /groupPatchResponse\s+auto, full, none or default \(default auto\)/);
  });
});
