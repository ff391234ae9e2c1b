/**
 * IdP detection (detect.ts): only strong signals count — Entra's documented `aadOptscim062020`
 * feature flag in the tenant URL (Microsoft Learn, SCIM compatibility article), a User-Agent that
 * names the IdP, or Entra's ADSCIM group schema URN. A request shape a strict RFC client could
 * also send never moves a client off `generic`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PATCH_OP_URN } from '../urns.ts';
import { detectIdp } from './detect.ts';

const ADSCIM = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

describe('detectIdp', () => {
  it("Entra's aadOptscim062020 flag in the tenant URL, in any case", () => {
    for (const key of ['aadOptscim062020', 'AADOPTSCIM062020']) {
      assert.deepEqual(detectIdp({ queryKeys: ['filter', key] }), { idp: 'entra', reason: 'the aadOptscim062020 flag in the tenant URL' });
    }
  });

  it('the flag wins over a User-Agent naming another IdP', () => {
    assert.equal(detectIdp({ userAgent: 'Okta SCIM Client 1.0.0', queryKeys: ['aadOptscim062020'] })?.idp, 'entra');
  });

  it('User-Agents naming an IdP, with the agent quoted as the reason', () => {
    const cases: [string, string][] = [
      ['Okta SCIM Client 1.0.0', 'okta'],
      ['okta-scim/2.1', 'okta'],
      ['Microsoft.Identity.Provisioning/1.0', 'entra'],
      ['Azure-AD-SCIM-Provisioning', 'entra'],
      ['AAD provisioning', 'entra'],
      ['authentik/2024.8.3', 'authentik'],
      ['Keycloak-SCIM/1.2 (Java)', 'keycloak'],
      ['OneLogin-Provisioning', 'onelogin'],
      ['JumpCloud SCIM', 'jumpcloud'],
      ['PingIdentity SCIM Provisioner', 'pingone'],
      ['Ping Federate/11', 'pingone'],
      ['PingOne', 'pingone'],
    ];
    for (const [ua, idp] of cases) assert.deepEqual(detectIdp({ userAgent: ua, queryKeys: [] }), { idp, reason: `User-Agent "${ua}"` }, ua);
  });

  it('quotes at most 80 characters of a long User-Agent', () => {
    const ua = `Okta SCIM Client ${'x'.repeat(200)}`;
    assert.equal(detectIdp({ userAgent: ua, queryKeys: [] })?.reason, `User-Agent "${ua.slice(0, 80)}"`);
  });

  it("Entra's ADSCIM group schema in a request body", () => {
    const body = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', ADSCIM], displayName: 'g' };
    assert.deepEqual(detectIdp({ userAgent: 'curl/8.5.0', queryKeys: [], body }), { idp: 'entra', reason: 'the Entra ADSCIM group schema in a request' });
  });

  it('weak signals detect nothing: generic agents, capitalised ops, string booleans, no body', () => {
    const weak = [
      { userAgent: 'curl/8.5.0', queryKeys: [] },
      { userAgent: 'python-requests/2.31.0', queryKeys: ['filter', 'startIndex', 'count'] },
      { userAgent: 'Go-http-client/1.1', queryKeys: [], body: { schemas: [PATCH_OP_URN], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] } },
      { queryKeys: [], body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'Microsoft Okta Azure' } },
      { userAgent: '', queryKeys: [] },
      { queryKeys: [], body: 'not json' },
      { queryKeys: [], body: { schemas: 'urn:x' } },
    ];
    for (const input of weak) assert.equal(detectIdp(input), undefined, JSON.stringify(input));
  });

  it('a word that merely contains "okta" is no Okta agent', () => {
    assert.equal(detectIdp({ userAgent: 'Oktagon-Crawler/1.0', queryKeys: [] }), undefined);
  });
});
