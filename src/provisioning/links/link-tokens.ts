/**
 * Single-use links sent by mail: invitations (externalId.mode = email) and email validations
 * (emails.validate). A token is 256 random bits; only its SHA-256 hash is stored, it expires, and
 * using it once retires it.
 *
 * No token is ever written to the database, not even inside a queued mail: a link is created
 * without a usable token, and the token is minted when the mail carrying it is sent (mail.ts),
 * which also starts its validity. Each minting replaces the previous hash, so a retried send
 * leaves only the latest token working.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Links, UserLink } from '../../store/types.ts';
import { hashToken } from '../tenants/tokens.ts';

export const DEFAULT_LINK_TTL_MS = 7 * 86_400_000;
/** Where links point when the request that caused them did not say (never for links made by a request). */
export const DEFAULT_LINK_ORIGIN = 'http://127.0.0.1:8080';

export interface IssuedLink {
  readonly token: string;
  readonly url: string;
  readonly expiresAt: string;
}

const PATHS: Record<UserLink['kind'], string> = { invitation: 'invitations', validation: 'email-validations' };

/** The URL path prefixes of the pages behind links (the process log redacts what follows them). */
export const LINK_PATHS: readonly string[] = Object.values(PATHS);

/**
 * Retires the user's earlier links of that kind and creates a new one, valid for `ttlMs` once a
 * token is minted for it. Returns the link's id.
 */
export async function createLink(
  repo: Links,
  link: { tenantId: string; userId: string; kind: UserLink['kind']; email: string; origin: string; ttlMs: number; now: Date },
): Promise<string> {
  const id = randomUUID();
  const at = link.now.toISOString();
  await repo.retireLinks(link.tenantId, link.userId, link.kind, at);
  // A hash nobody knows a token for: the link cannot be followed until a token is minted.
  const hash = hashToken(randomBytes(32).toString('base64url'));
  const expiresAt = new Date(link.now.getTime() + link.ttlMs).toISOString();
  await repo.createLink({ id, hash, tenantId: link.tenantId, userId: link.userId, kind: link.kind, email: link.email, origin: link.origin, createdAt: at, expiresAt });
  return id;
}

/**
 * Mints a fresh token for an unused link, valid for the link's time to live from `now`. Undefined
 * when the link is gone or was used or retired meanwhile (accepted, replaced, the user deleted).
 */
export async function mintToken(repo: Links, linkId: string, now: Date): Promise<IssuedLink | undefined> {
  const link = await repo.linkById(linkId);
  if (!link || link.usedAt) return undefined;
  const ttlMs = Math.max(0, Date.parse(link.expiresAt) - Date.parse(link.createdAt)) || DEFAULT_LINK_TTL_MS;
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  if (!(await repo.reissueLink(linkId, hashToken(token), now.toISOString(), expiresAt))) return undefined;
  const origin = (link.origin ?? DEFAULT_LINK_ORIGIN).replace(/\/+$/, '');
  return { token, url: `${origin}/${PATHS[link.kind]}/${token}`, expiresAt };
}

export type LinkState = 'valid' | 'unknown' | 'used' | 'expired';

/** Finds a link by its token and says whether it can still be used. */
export async function lookupLink(repo: Links, token: string, kind: UserLink['kind'], now: Date): Promise<{ state: LinkState; link?: UserLink }> {
  if (token.length > 200) return { state: 'unknown' };
  const link = await repo.linkByHash(hashToken(token));
  if (!link || link.kind !== kind) return { state: 'unknown' };
  if (link.usedAt) return { state: 'used', link };
  if (Date.parse(link.expiresAt) <= now.getTime()) return { state: 'expired', link };
  return { state: 'valid', link };
}
