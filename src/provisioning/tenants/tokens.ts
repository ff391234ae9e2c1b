/**
 * Bearer tokens: 256 random bits with a recognisable `scimd_` prefix (so secret scanners and
 * humans can spot them), stored only as a SHA-256 hash. A fast hash is right here: the secret has
 * full entropy, so there is nothing to brute-force, and lookups stay one index probe.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'scimd_';
/** Longest token accepted on the wire; anything longer is rejected before hashing. */
export const MAX_TOKEN_LENGTH = 512;

export function mintToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex hashes of equal length. */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * What listings show of a token: enough to tell tokens apart, far too little to use one.
 * Tokens not minted by scimd (a bootstrap token chosen by the operator) show no characters at all.
 */
export function displayPrefix(token: string): string {
  return token.startsWith(TOKEN_PREFIX) && token.length >= 40 ? `${token.slice(0, TOKEN_PREFIX.length + 6)}…` : '(custom)';
}
