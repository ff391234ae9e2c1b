/**
 * Single-use links sent by mail: invitations (externalId.mode = email) and email validations
 * (emails.validate). The token is 256 random bits, only its hash is stored, it expires, and
 * using it once retires it.
 */
import { randomBytes } from 'node:crypto';
import type { Repo, UserLink } from '../store/types.ts';
import { hashToken } from './tokens.ts';

export const DEFAULT_LINK_TTL_MS = 7 * 86_400_000;

export interface IssuedLink {
  readonly token: string;
  readonly url: string;
  readonly expiresAt: string;
}

const PATHS: Record<UserLink['kind'], string> = { invitation: 'invitations', validation: 'email-validations' };

/** Retires the user's earlier links of that kind and issues a new one. */
export async function issueLink(
  repo: Repo,
  link: { tenantId: string; userId: string; kind: UserLink['kind']; email: string; origin: string; ttlMs: number; now: Date },
): Promise<IssuedLink> {
  const token = randomBytes(32).toString('base64url');
  const at = link.now.toISOString();
  const expiresAt = new Date(link.now.getTime() + link.ttlMs).toISOString();
  await repo.retireLinks(link.tenantId, link.userId, link.kind, at);
  await repo.createLink({ hash: hashToken(token), tenantId: link.tenantId, userId: link.userId, kind: link.kind, email: link.email, createdAt: at, expiresAt });
  return { token, url: `${link.origin.replace(/\/+$/, '')}/${PATHS[link.kind]}/${token}`, expiresAt };
}

export type LinkState = 'valid' | 'unknown' | 'used' | 'expired';

/** Finds a link by its token and says whether it can still be used. */
export async function lookupLink(repo: Repo, token: string, kind: UserLink['kind'], now: Date): Promise<{ state: LinkState; link?: UserLink }> {
  if (token.length > 200) return { state: 'unknown' };
  const link = await repo.linkByHash(hashToken(token));
  if (!link || link.kind !== kind) return { state: 'unknown' };
  if (link.usedAt) return { state: 'used', link };
  if (Date.parse(link.expiresAt) <= now.getTime()) return { state: 'expired', link };
  return { state: 'valid', link };
}
