/**
 * Concurrent changes to different settings of one tenant or one client all stay: each change reads
 * the row again under its lock inside its own transaction, so none writes back a copy that misses
 * another's change (a lost update that showed as a flaky `tenant show` after two CLI commands ran at once).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminService } from '../src/provisioning/tenants/directory-admin.ts';
import { BACKENDS } from './helpers/backends.ts';

const TENANT_CHANGES: Record<string, string> = {
  'userName.policy': 'handle',
  'userName.scope': 'tenant',
  'displayName.policy': 'wire',
  'externalId.mode': 'email',
  'emails.validate': 'true',
  'invitation.ttl': '48h',
  'deprovision.delete': 'tombstone',
  passwords: 'hash',
  'identity.match': 'adopt',
  'events.state': 'none',
  'scim.enabled': 'false',
  'groups.displayName.unique': 'false',
};

for (const backend of BACKENDS) {
  describe(`settings changed at once (${backend.name})`, () => {
    let store: Awaited<ReturnType<typeof backend.open>>;
    let admin: AdminService;
    before(async () => {
      store = await backend.open('settings-races');
      admin = new AdminService(store.store);
      await admin.createTenant('acme');
      await admin.createClient('acme', 'idp');
    });
    after(() => store?.close());

    it('every tenant setting changed concurrently, with a status change among them, is kept', async () => {
      await Promise.all([
        ...Object.entries(TENANT_CHANGES).map(([key, value]) => admin.setTenantSetting('acme', key, value)),
        admin.setTenantStatus('acme', 'disabled'),
      ]);
      const t = await admin.tenant('acme');
      assert.deepEqual(t.settings, TENANT_CHANGES);
      assert.equal(t.status, 'disabled');
    });

    it('every client setting changed concurrently, with the IdP profile among them, is kept', async () => {
      const changes = { 'name.formattedIncluded': 'false', groupPatchResponse: 'none', 'normaliser.booleanStrings': 'off' };
      await Promise.all([
        ...Object.entries(changes).map(([key, value]) => admin.setClientSetting('acme', 'idp', key, value)),
        admin.setClientSetting('acme', 'idp', 'idp', 'okta'),
      ]);
      const c = await admin.client('acme', 'idp');
      assert.deepEqual(c.settings, changes);
      assert.equal(c.idp, 'okta');
    });
  });
}
