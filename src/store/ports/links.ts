/** Single-use links sent by mail: invitations and email validations. */
import type { Port } from './port.ts';

/**
 * A single-use link sent by mail. Only the hash of its token is stored; the token itself is
 * minted when the mail is sent (see provisioning/links/link-tokens.ts), so the database never holds one.
 */
export interface UserLink {
  /** Stable id (the hash changes each time a token is minted). Absent on rows from before it existed. */
  readonly id?: string;
  readonly hash: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly kind: 'invitation' | 'validation';
  readonly email: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly usedAt?: string;
  /** scheme://host[:port] the link's URL points at. */
  readonly origin?: string;
}

export interface LinksReads {
  linkByHash(hash: string): Promise<UserLink | undefined>;
  linkById(id: string): Promise<UserLink | undefined>;
  /** The user's most recent link of that kind, used or not. */
  latestLink(tenantId: string, userId: string, kind: UserLink['kind']): Promise<UserLink | undefined>;
}

export interface LinksWrites {
  createLink(link: UserLink): Promise<void>;
  /** Gives an unused link a new token hash and validity; false when the link is used (or gone). */
  reissueLink(id: string, hash: string, createdAt: string, expiresAt: string): Promise<boolean>;
  /** Marks a link used; false when it was used already. */
  useLink(hash: string, at: string): Promise<boolean>;
  /** Marks every unused link of that kind (both kinds when absent) for the user as used (a new one replaces them). */
  retireLinks(tenantId: string, userId: string, kind: UserLink['kind'] | undefined, at: string): Promise<void>;
  /** Removes the user's links (the user is gone). */
  deleteLinks(tenantId: string, userId: string): Promise<void>;
}

export interface Links extends LinksReads, LinksWrites {}

export type LinksPort = Port<LinksReads, LinksWrites>;
