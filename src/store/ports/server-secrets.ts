/** Secrets of the deployment itself (not of a tenant), shared by every process on one database. */
import type { Port } from './port.ts';

export interface ServerSecretsReads {
  /** The secret called `name`, if one is stored. */
  storedServerSecret(name: string): Promise<string | undefined>;
}

export interface ServerSecretsWrites {
  /**
   * The secret called `name`: the stored one, or `candidate`, stored now, when there is none yet.
   * Processes that ask at once all get the one that was stored first.
   */
  serverSecret(name: string, candidate: string, at: string): Promise<string>;
}

export interface ServerSecrets extends ServerSecretsReads, ServerSecretsWrites {}

export type ServerSecretsPort = Port<ServerSecretsReads, ServerSecretsWrites>;
