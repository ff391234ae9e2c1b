/** A request session for tests that call a use case directly (no HTTP request, no IdP, no normalisers). */
import { QuirkRun } from '../../src/scim/quirks/run.ts';
import type { Session } from '../../src/provisioning/requests/session.ts';
import { buildRegistry } from '../../src/provisioning/tenants/tenant-model.ts';

export function testSession(tenantId: string, overrides: Partial<Session> = {}): Session {
  return {
    tenantId,
    tenantName: tenantId,
    settings: {},
    clientId: 'test-client',
    clientName: 'test',
    clientSettings: {},
    profile: { profile: 'strict', source: 'pinned' },
    model: { registry: buildRegistry([]), roles: [] },
    quirks: new QuirkRun([]),
    notes: [],
    now: () => new Date(),
    baseUrl: 'http://localhost/scim/v2',
    origin: 'http://localhost',
    requestId: 'test-request',
    ...overrides,
  };
}
