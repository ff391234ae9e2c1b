import type { Repo } from './types.ts';

/** Repo methods that write; outside a transaction the stores run each in its own. */
export const WRITE_METHODS = [
  'createTenant',
  'setTenantStatus',
  'setTenantSettings',
  'createClient',
  'revokeClient',
  'updateClient',
  'createToken',
  'expireTokens',
  'revokeTokens',
  'touchToken',
  'insertResource',
  'insertResources',
  'updateResource',
  'deleteResource',
  'applyMemberDelta',
  'appendRequestLog',
  'pruneRequestLog',
  'putTenantSchema',
  'removeTenantSchema',
  'putRoleRule',
  'removeRoleRule',
  'putTombstone',
  'takeTombstone',
  'createLink',
  'useLink',
  'retireLinks',
  'reissueLink',
  'deleteLinks',
  'dropMail',
  'enqueueMail',
  'claimMail',
  'markMailSent',
  'markMailFailed',
  'appendEvent',
  'takeEventSeqs',
  'insertEvents',
  'lockKey',
  'setPasswordHash',
] as const satisfies readonly (keyof Repo)[];

export const READ_METHODS = [
  'tenantByName',
  'tenantById',
  'listTenants',
  'clientByName',
  'clientById',
  'listClients',
  'tokenByHash',
  'listTokens',
  'getResource',
  'queryResources',
  'membersOf',
  'memberFacts',
  'memberCountUpTo',
  'groupsOf',
  'requestLog',
  'requestLogEntry',
  'tenantSchemas',
  'roleRules',
  'listTombstones',
  'linkByHash',
  'linkById',
  'latestLink',
  'listMail',
  'events',
  'tenantEvents',
  'userNameTakenElsewhere',
  'userNamesHeldElsewhere',
  'groupWithDisplayName',
  'passwordHash',
] as const satisfies readonly (keyof Repo)[];

type Method = (...args: never[]) => Promise<unknown>;

/**
 * A Repo whose reads go to `read`, whose writes go through `write` (a transaction wrapper), and
 * whose every error passes through `mapError`.
 */
export function routedRepo(read: Repo, write: <T>(fn: (tx: Repo) => Promise<T>) => Promise<T>, mapError: (e: unknown) => unknown): Repo {
  const out: Record<string, Method> = {};
  for (const m of READ_METHODS) {
    out[m] = async (...args: never[]) => {
      try {
        return await (read[m] as Method)(...args);
      } catch (e) {
        throw mapError(e);
      }
    };
  }
  for (const m of WRITE_METHODS) {
    out[m] = (...args: never[]) => write((tx) => (tx[m] as Method)(...args));
  }
  return out as unknown as Repo;
}
