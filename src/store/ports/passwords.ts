/** Users' password hashes (passwords = hash), kept beside the user and never returned with it. */
import type { Port } from './port.ts';

export interface PasswordsReads {
  passwordHash(tenantId: string, userName: string): Promise<{ id: string; hash: string } | undefined>;
}

export interface PasswordsWrites {
  setPasswordHash(tenantId: string, id: string, hash: string | null): Promise<void>;
}

export interface Passwords extends PasswordsReads, PasswordsWrites {}

export type PasswordsPort = Port<PasswordsReads, PasswordsWrites>;
