/** Test certificates, made at test time with the openssl command into a temp dir. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request, type RequestOptions } from 'node:https';
import { tempDir } from './server.ts';

export interface TestCertificate {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM of the certificate, to trust it as a CA. */
  readonly cert: string;
  /** A second key that does not belong to the certificate. */
  readonly otherKeyFile: string;
}

/** A self-signed P-256 certificate for 127.0.0.1 and localhost, valid for one day. */
export function makeCertificate(): TestCertificate {
  const dir = tempDir('scimd-tls-');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const otherKeyFile = join(dir, 'other-key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', otherKeyFile], { stdio: 'ignore' });
  return { dir, certFile, keyFile, otherKeyFile, cert: readFileSync(certFile, 'utf8') };
}

export interface HttpsReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** One HTTPS request trusting `ca` (fetch in Node 20 cannot be given a CA per request). */
export function httpsRequest(url: string, ca: string, options: RequestOptions & { body?: string } = {}): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const { body, ...rest } = options;
    const req = request(url, { ca, agent: false, ...rest }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
