/**
 * The HTTPS listener's certificate and key: read from PEM files and checked before scimd listens,
 * so a wrong path or a key that does not fit is a one-line configuration error (exit code 2),
 * not a stack trace at the first handshake.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from './config.ts';

export interface TlsMaterial {
  /** PEM: the certificate, optionally followed by its intermediates. */
  readonly cert: string;
  readonly key: string;
  /** Subject and expiry of the leaf certificate, for the start-up log. */
  readonly subject: string;
  readonly validTo: string;
}

/** TLS 1.0 and 1.1 are deprecated (RFC 8996); set explicitly so that no --tls-min-v1.x Node flag lowers it. */
export const TLS_MIN_VERSION = 'TLSv1.2';

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ConfigError(`Cannot read the ${what} file '${file}' (${code})`);
  }
}

/** Undefined when neither file is configured. */
export function loadTls(config: Pick<Config, 'tlsCert' | 'tlsKey'>): TlsMaterial | undefined {
  const { tlsCert, tlsKey } = config;
  if (!tlsCert && !tlsKey) return undefined;
  if (!tlsCert || !tlsKey) throw new ConfigError('--tls-cert (SCIMD_TLS_CERT) and --tls-key (SCIMD_TLS_KEY) go together: give both, or neither for plain HTTP');
  const cert = read(tlsCert, '--tls-cert');
  const key = read(tlsKey, '--tls-key');
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`--tls-cert '${tlsCert}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new ConfigError(`--tls-cert '${tlsCert}' is not a valid PEM certificate: ${(e as Error).message}`);
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch (e) {
    throw new ConfigError(`--tls-key '${tlsKey}' is not a valid unencrypted PEM private key: ${(e as Error).message}`);
  }
  if (!x509.checkPrivateKey(keyObject)) throw new ConfigError(`--tls-key '${tlsKey}' is not the private key of the certificate in --tls-cert '${tlsCert}'`);
  try {
    // What OpenSSL itself would refuse at the first handshake (a key too weak for its security level…).
    createSecureContext({ cert, key, minVersion: TLS_MIN_VERSION });
  } catch (e) {
    throw new ConfigError(`The TLS certificate and key cannot be used: ${(e as Error).message}`);
  }
  return { cert, key, subject: x509.subject.replace(/\n/g, ', '), validTo: x509.validTo };
}
