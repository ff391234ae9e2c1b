/**
 * Which IdP profile a SCIM client gets: pinned by an operator (`strict` included), else recognised
 * from its requests, else the tolerant `generic` default.
 */
import { detectIdp, type DetectionInput } from '../../scim/quirks/detect.ts';
import { isIdpProfile, type IdpProfile } from '../../scim/quirks/types.ts';
import { StoreNotWritable, type Directory, type ScimClient } from '../../store/types.ts';

export interface ClientProfile {
  readonly profile: IdpProfile;
  readonly source: 'pinned' | 'detected' | 'default';
  readonly reason?: string;
}

export function profileOf(client: ScimClient): ClientProfile {
  if (client.idp && isIdpProfile(client.idp)) return { profile: client.idp, source: 'pinned' };
  if (client.detectedIdp && isIdpProfile(client.detectedIdp)) return { profile: client.detectedIdp, source: 'detected', ...(client.detectedReason ? { reason: client.detectedReason } : {}) };
  return { profile: 'generic', source: 'default' };
}

/**
 * Looks at a request of an unpinned client; when it reveals a (different) IdP, records that on the
 * client and returns the updated client. A failure to record never fails the request; one because
 * the database cannot be written (read-only data directory, full disk) is not reported either: it
 * would be on every request, and the store's own warning says it once.
 */
export async function observeClient(repo: Directory, client: ScimClient, input: DetectionInput, onError: (e: unknown) => void = () => undefined): Promise<ScimClient> {
  if (client.idp) return client;
  const found = detectIdp(input);
  if (!found || found.idp === client.detectedIdp) return client;
  try {
    await repo.updateClient(client.id, { detectedIdp: found.idp, detectedReason: found.reason });
  } catch (e) {
    if (!(e instanceof StoreNotWritable)) onError(e);
  }
  return { ...client, detectedIdp: found.idp, detectedReason: found.reason };
}

/** A human description: "entra (pinned)", "okta (detected: User-Agent …)", "generic (default: no IdP recognised)". */
export function describeProfile(p: ClientProfile): string {
  if (p.source === 'pinned') return `${p.profile} (pinned)`;
  if (p.source === 'detected') return `${p.profile} (detected${p.reason ? `: ${p.reason}` : ''})`;
  return `${p.profile} (default: no IdP recognised)`;
}
