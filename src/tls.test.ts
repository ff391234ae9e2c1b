import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from './config.ts';
import { loadTls } from './tls.ts';
import { makeCertificate, type TestCertificate } from '../test/helpers/tls.ts';

let c: TestCertificate;
before(() => {
  c = makeCertificate();
  writeFileSync(join(c.dir, 'junk.pem'), 'hello\n');
  writeFileSync(join(c.dir, 'broken-cert.pem'), '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
});
after(() => rmSync(c.dir, { recursive: true, force: true }));

function refuses(tlsCert: string | undefined, tlsKey: string | undefined, message: RegExp): void {
  assert.throws(
    () => loadTls({ tlsCert, tlsKey }),
    (e: unknown) => e instanceof ConfigError && message.test(e.message),
  );
}

describe('loadTls', () => {
  it('neither file: plain HTTP', () => assert.equal(loadTls({}), undefined));

  it('a matching certificate and key: their PEM, subject and expiry', () => {
    const t = loadTls({ tlsCert: c.certFile, tlsKey: c.keyFile });
    assert.ok(t);
    assert.match(t.cert, /-----BEGIN CERTIFICATE-----/);
    assert.match(t.key, /PRIVATE KEY-----/);
    assert.equal(t.subject, 'CN=localhost');
    assert.ok(Date.parse(t.validTo) > Date.now());
  });

  it('one without the other', () => {
    refuses(c.certFile, undefined, /--tls-cert \(SCIMD_TLS_CERT\) and --tls-key \(SCIMD_TLS_KEY\) go together/);
    refuses(undefined, c.keyFile, /go together/);
  });

  it('a file that cannot be read', () => {
    refuses(join(c.dir, 'missing.pem'), c.keyFile, /^Cannot read the --tls-cert file '.*missing\.pem' \(ENOENT\)$/);
    refuses(c.certFile, join(c.dir, 'missing.key'), /^Cannot read the --tls-key file '.*missing\.key' \(ENOENT\)$/);
    refuses(c.dir, c.keyFile, /Cannot read the --tls-cert file .*\(EISDIR\)/);
  });

  it('contents that are not what they should be', () => {
    refuses(join(c.dir, 'junk.pem'), c.keyFile, /--tls-cert '.*junk\.pem' holds no PEM certificate/);
    refuses(c.keyFile, c.keyFile, /holds no PEM certificate/);
    refuses(join(c.dir, 'broken-cert.pem'), c.keyFile, /--tls-cert '.*broken-cert\.pem' is not a valid PEM certificate/);
    refuses(c.certFile, join(c.dir, 'junk.pem'), /--tls-key '.*junk\.pem' is not a valid unencrypted PEM private key/);
    refuses(c.certFile, c.certFile, /is not a valid unencrypted PEM private key/);
  });

  it('a key of another certificate', () => {
    refuses(c.certFile, c.otherKeyFile, /--tls-key '.*other-key\.pem' is not the private key of the certificate in --tls-cert/);
  });
});
