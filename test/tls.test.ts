/**
 * HTTPS end to end, with a certificate made by openssl at test time: TLS 1.2 and 1.3 work, 1.0
 * and 1.1 are refused by the server; HSTS on every response under TLS and never over plain HTTP;
 * the security headers of SCIM responses and of the pages behind mailed links; the real
 * `scimd serve` prints an https origin, and bad certificate or key files stop it with exit code 2.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, createServer, type SecureVersion } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { HSTS } from '../src/http/security-headers.ts';
import { killAll, serveProcess } from './helpers/process.ts';
import { send, startTestServer, tempDir, type TestServer } from './helpers/server.ts';
import { httpsRequest, makeCertificate, type TestCertificate } from './helpers/tls.ts';
import { scimdArgv } from './helpers/scimd-bin.ts';
import { exitWithin, startChild } from './helpers/children.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'tls-test-token';

let cert: TestCertificate;
const dirs: string[] = [];
before(() => {
  cert = makeCertificate();
  dirs.push(cert.dir);
});
after(() => {
  killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Opens a TLS connection offering exactly `version`; resolves to the protocol spoken or the error code. */
function handshake(port: number, version: SecureVersion): Promise<string> {
  return new Promise((resolve) => {
    // SECLEVEL=0 so that this client's own OpenSSL is willing to offer TLS 1.0/1.1: whatever
    // refuses them then is the server.
    const socket = connect({ host: '127.0.0.1', port, ca: cert.cert, servername: 'localhost', minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
      resolve(socket.getProtocol() ?? 'unknown');
      socket.end();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe('HTTPS listener', () => {
  let s: TestServer;
  let port: number;
  before(async () => {
    s = await startTestServer({ tlsCert: cert.certFile, tlsKey: cert.keyFile });
    port = Number(new URL(s.origin).port);
  });
  after(() => s.close());

  it('serves SCIM over https, with HSTS and nosniff', async () => {
    assert.match(s.origin, /^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await httpsRequest(`${s.base}/Users?count=1`, cert.cert, { headers: { authorization: `Bearer ${s.token}` } });
    assert.equal(r.status, 200, r.text);
    assert.equal(JSON.parse(r.text).totalResults, 0);
    assert.equal(r.headers['strict-transport-security'], HSTS);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  });

  it('HSTS is on errors too: 401, 404, an invalid URL', async () => {
    for (const path of ['/scim/v2/Users', '/nowhere', `/scim/v2/Users/${'x'.repeat(400)}`]) {
      const r = await httpsRequest(`${s.origin}${path}`, cert.cert);
      assert.ok(r.status >= 400, `${path}: ${r.status}`);
      assert.equal(r.headers['strict-transport-security'], HSTS, path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
    }
  });

  it('TLS 1.2 and 1.3 work; TLS 1.0 and 1.1 are refused by the server (protocol_version alert)', async () => {
    assert.equal(await handshake(port, 'TLSv1.3'), 'TLSv1.3');
    assert.equal(await handshake(port, 'TLSv1.2'), 'TLSv1.2');
    assert.equal(await handshake(port, 'TLSv1.1'), 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    assert.equal(await handshake(port, 'TLSv1'), 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });

  it('control: the same client does speak TLS 1.1 to a server that allows it, so the refusal above is scimd’s', async () => {
    const lax = createServer({ cert: cert.cert, key: readFileSync(cert.keyFile), minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, (socket) => socket.end());
    await new Promise<void>((resolve) => lax.listen(0, '127.0.0.1', resolve));
    try {
      const laxPort = (lax.address() as { port: number }).port;
      assert.equal(await handshake(laxPort, 'TLSv1.1'), 'TLSv1.1');
    } finally {
      lax.close();
    }
  });

  it('plain HTTP on the TLS port gets no SCIM answer', async () => {
    await assert.rejects(send(`http://127.0.0.1:${port}/scim/v2/Users`, 'GET'));
  });

  it('the pages behind mailed links carry the strict page headers, plus HSTS', async () => {
    const r = await httpsRequest(`${s.origin}/invitations/not-a-real-token`, cert.cert);
    assert.equal(r.status, 404);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.equal(r.headers['strict-transport-security'], HSTS);
    assertPageHeaders(r.headers);
  });
});

function assertPageHeaders(h: Record<string, string | string[] | undefined> | Headers): void {
  const get = (k: string) => (h instanceof Headers ? h.get(k) : (h[k] as string | undefined)) ?? undefined;
  assert.equal(get('x-content-type-options'), 'nosniff');
  assert.equal(get('x-frame-options'), 'DENY');
  assert.equal(get('referrer-policy'), 'no-referrer', 'the token in the URL must not leak through Referer');
  assert.equal(get('cache-control'), 'no-store');
  const csp = get('content-security-policy') ?? '';
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/]+=*'/, 'the inline style by its hash, not unsafe-inline');
  assert.doesNotMatch(csp, /unsafe|script-src|\*/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /form-action 'self'/);
}

describe('plain HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('no HSTS (RFC 6797 §7.2), but nosniff on SCIM JSON and errors', async () => {
    for (const r of [await s.request('GET', '/Users'), await s.request('GET', '/Users', undefined, { authorization: null }), await send(`${s.origin}/nowhere`, 'GET')]) {
      assert.equal(r.headers.get('strict-transport-security'), null);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  it('link pages have the page headers; SCIM responses do not need a CSP or frame rules', async () => {
    const r = await send(`${s.origin}/email-validations/not-a-real-token`, 'GET');
    assert.equal(r.status, 404);
    assertPageHeaders(r.headers);
    const post = await send(`${s.origin}/invitations/not-a-real-token`, 'POST', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assertPageHeaders(post.headers);
    const scim = await s.request('GET', '/ServiceProviderConfig');
    assert.equal(scim.headers.get('content-security-policy'), null);
  });
});

/** Runs `scimd serve` expecting it to stop at start-up; resolves to its exit code and stderr. */
async function serveFails(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = startChild(process.execPath, scimdArgv(['serve', '--port', '0', '--data-dir', tempDir(), ...args]), { cwd: ROOT, env: { ...process.env, NODE_ENV: 'test', ...env } });
  return exitWithin(child, 30_000, `scimd serve ${args.join(' ')}`);
}

describe('scimd serve with TLS', () => {
  it('prints an https origin, serves HTTPS, and exits 0 on SIGTERM', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const p = await serveProcess(['--data-dir', dir, '--tls-cert', cert.certFile], { SCIMD_TLS_KEY: cert.keyFile, SCIMD_BOOTSTRAP_TOKEN: TOKEN });
    assert.match(p.base, /^https:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
    assert.match(p.stdout(), /Try it \(in a shell that has the variable\):\n {2}curl -H "Authorization: Bearer \$SCIMD_BOOTSTRAP_TOKEN" https:\/\//);
    const r = await httpsRequest(`${p.base}/Users`, cert.cert, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['strict-transport-security'], HSTS);
    assert.deepEqual(await p.stop(), { code: 0, signal: null });
  });

  it('bad certificate or key files stop start-up with a one-line message and exit code 2', async () => {
    // Every message of the check is unit-tested (src/tls.test.ts); here the exit code, end to end.
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--tls-cert', join(cert.dir, 'missing.pem'), '--tls-key', cert.keyFile], {}, /Cannot read the --tls-cert file '.*missing\.pem' \(ENOENT\)/],
      [['--tls-cert', cert.certFile], { SCIMD_TLS_KEY: cert.otherKeyFile }, /is not the private key of the certificate/],
    ];
    const results = await Promise.all(cases.map(([args, env]) => serveFails(args, env)));
    for (const [i, r] of results.entries()) {
      const [args, , message] = cases[i]!;
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.doesNotMatch(r.stdout, /listening/, 'never listened');
    }
  });
});
