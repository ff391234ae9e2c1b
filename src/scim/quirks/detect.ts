/**
 * Recognises which IdP a SCIM client is, from what its requests show. Only strong signals count: a
 * request shape that any client could send (a capitalised op, say) names no IdP; the tolerant
 * `generic` default already reads it. A recognised profile only adds normalisers to the default's.
 */
import type { IdpProfile } from './types.ts';

export interface DetectionInput {
  readonly userAgent?: string;
  readonly queryKeys: readonly string[];
  readonly body?: unknown;
}

const USER_AGENTS: readonly [RegExp, IdpProfile][] = [
  [/\bOkta\b/i, 'okta'],
  [/\b(Microsoft|Azure|AAD|Entra)\b/i, 'entra'],
  [/^authentik\b/i, 'authentik'],
  [/\bkeycloak\b/i, 'keycloak'],
  [/\bonelogin\b/i, 'onelogin'],
  [/\bjumpcloud\b/i, 'jumpcloud'],
  [/\bping ?(identity|one|federate)\b/i, 'pingone'],
];

const ADSCIM = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

export function detectIdp(input: DetectionInput): { idp: IdpProfile; reason: string } | undefined {
  if (input.queryKeys.some((k) => k.toLowerCase() === 'aadoptscim062020')) return { idp: 'entra', reason: 'the aadOptscim062020 flag in the tenant URL' };
  const ua = input.userAgent ?? '';
  for (const [re, idp] of USER_AGENTS) if (re.test(ua)) return { idp, reason: `User-Agent "${ua.slice(0, 80)}"` };
  const body = input.body as { schemas?: unknown } | undefined;
  if (body && Array.isArray(body.schemas) && body.schemas.includes(ADSCIM)) return { idp: 'entra', reason: 'the Entra ADSCIM group schema in a request' };
  return undefined;
}
