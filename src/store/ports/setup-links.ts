/** Setup links: an expiring link an operator sends a customer's IT admin to connect one IdP to one tenant. */
import type { Port } from './port.ts';

/** Only the hash of the link's token is stored. */
export interface SetupLink {
  readonly id: string;
  readonly hash: string;
  readonly tenantId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** The client the link's page minted last (absent until the IdP is chosen). */
  readonly clientId?: string;
}

export interface SetupLinksReads {
  setupLinkByHash(hash: string): Promise<SetupLink | undefined>;
}

export interface SetupLinksWrites {
  createSetupLink(link: SetupLink): Promise<void>;
  /** Records the client the link's page minted. */
  setSetupLinkClient(id: string, clientId: string): Promise<void>;
}

export interface SetupLinks extends SetupLinksReads, SetupLinksWrites {}

export type SetupLinksPort = Port<SetupLinksReads, SetupLinksWrites>;
