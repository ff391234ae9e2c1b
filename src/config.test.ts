import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, databaseFile, resolveConfig, SETTINGS, type Config, type Env, type Flags } from './config.ts';

const CWD = resolve('/srv/scimd-cwd');

/** One setting: a flag value and an env value (different), what each resolves to, and the default. */
interface Case {
  readonly key: keyof Config;
  readonly flag: string;
  readonly env: string;
  readonly flagValue: string;
  readonly envValue: string;
  readonly fromFlag: unknown;
  readonly fromEnv: unknown;
  readonly fallback: unknown;
}

const CASES: readonly Case[] = [
  { key: 'host', flag: 'host', env: 'SCIMD_HOST', flagValue: '0.0.0.0', envValue: '::1', fromFlag: '0.0.0.0', fromEnv: '::1', fallback: '127.0.0.1' },
  { key: 'port', flag: 'port', env: 'SCIMD_PORT', flagValue: '9001', envValue: '9002', fromFlag: 9001, fromEnv: 9002, fallback: 8080 },
  { key: 'adminPort', flag: 'admin-port', env: 'SCIMD_ADMIN_PORT', flagValue: '9101', envValue: '9102', fromFlag: 9101, fromEnv: 9102, fallback: undefined },
  { key: 'adminHost', flag: 'admin-host', env: 'SCIMD_ADMIN_HOST', flagValue: '10.0.0.5', envValue: '::1', fromFlag: '10.0.0.5', fromEnv: '::1', fallback: '127.0.0.1' },
  { key: 'dataDir', flag: 'data-dir', env: 'SCIMD_DATA_DIR', flagValue: '/var/lib/flag', envValue: '/var/lib/env', fromFlag: resolve('/var/lib/flag'), fromEnv: resolve('/var/lib/env'), fallback: resolve(CWD, 'data') },
  { key: 'logLevel', flag: 'log-level', env: 'SCIMD_LOG_LEVEL', flagValue: 'debug', envValue: 'WARN', fromFlag: 'debug', fromEnv: 'warn', fallback: 'info' },
  {
    key: 'publicUrl',
    flag: 'public-url',
    env: 'SCIMD_PUBLIC_URL',
    flagValue: 'https://scim.example.com/',
    envValue: 'http://env.example.com:8443',
    fromFlag: 'https://scim.example.com',
    fromEnv: 'http://env.example.com:8443',
    fallback: undefined,
  },
  { key: 'maxResults', flag: 'max-results', env: 'SCIMD_MAX_RESULTS', flagValue: '50', envValue: '60', fromFlag: 50, fromEnv: 60, fallback: 1000 },
  { key: 'bodyLimit', flag: 'max-body-bytes', env: 'SCIMD_MAX_BODY_BYTES', flagValue: '2048', envValue: '4096', fromFlag: 2048, fromEnv: 4096, fallback: 1_048_576 },
  { key: 'bulkMaxOperations', flag: 'bulk-max-operations', env: 'SCIMD_BULK_MAX_OPERATIONS', flagValue: '10', envValue: '20', fromFlag: 10, fromEnv: 20, fallback: 1000 },
  { key: 'maxJsonDepth', flag: 'max-json-depth', env: 'SCIMD_MAX_JSON_DEPTH', flagValue: '16', envValue: '64', fromFlag: 16, fromEnv: 64, fallback: 32 },
  { key: 'maxNameLength', flag: 'max-name-length', env: 'SCIMD_MAX_NAME_LENGTH', flagValue: '256', envValue: '1024', fromFlag: 256, fromEnv: 1024, fallback: 512 },
  { key: 'maxFilterLength', flag: 'max-filter-length', env: 'SCIMD_MAX_FILTER_LENGTH', flagValue: '1000', envValue: '8000', fromFlag: 1000, fromEnv: 8000, fallback: 4096 },
  { key: 'maxFilterDepth', flag: 'max-filter-depth', env: 'SCIMD_MAX_FILTER_DEPTH', flagValue: '4', envValue: '8', fromFlag: 4, fromEnv: 8, fallback: 32 },
  { key: 'patchMaxOperations', flag: 'patch-max-operations', env: 'SCIMD_PATCH_MAX_OPERATIONS', flagValue: '10', envValue: '20', fromFlag: 10, fromEnv: 20, fallback: 1000 },
  { key: 'maxMembers', flag: 'max-members-per-request', env: 'SCIMD_MAX_MEMBERS_PER_REQUEST', flagValue: '100', envValue: '200', fromFlag: 100, fromEnv: 200, fallback: 10_000 },
  { key: 'maxValues', flag: 'max-values-per-attribute', env: 'SCIMD_MAX_VALUES_PER_ATTRIBUTE', flagValue: '10', envValue: '20', fromFlag: 10, fromEnv: 20, fallback: 1000 },
  { key: 'maxAttributeNames', flag: 'max-attribute-names', env: 'SCIMD_MAX_ATTRIBUTE_NAMES', flagValue: '10', envValue: '20', fromFlag: 10, fromEnv: 20, fallback: 200 },
  { key: 'maxUrlLength', flag: 'max-url-length', env: 'SCIMD_MAX_URL_LENGTH', flagValue: '2048', envValue: '4096', fromFlag: 2048, fromEnv: 4096, fallback: 8192 },
  { key: 'maxHeaderBytes', flag: 'max-header-bytes', env: 'SCIMD_MAX_HEADER_BYTES', flagValue: '8192', envValue: '32768', fromFlag: 8192, fromEnv: 32768, fallback: 16_384 },
  { key: 'requestLogDays', flag: 'request-log-days', env: 'SCIMD_REQUEST_LOG_DAYS', flagValue: '7', envValue: '14', fromFlag: 7, fromEnv: 14, fallback: 30 },
  { key: 'eventRetentionDays', flag: 'event-retention-days', env: 'SCIMD_EVENT_RETENTION_DAYS', flagValue: '7', envValue: '90', fromFlag: 7, fromEnv: 90, fallback: 30 },
  { key: 'requestLogRows', flag: 'request-log-rows', env: 'SCIMD_REQUEST_LOG_ROWS', flagValue: '500', envValue: '1000', fromFlag: 500, fromEnv: 1000, fallback: 100_000 },
  {
    key: 'databaseUrl',
    flag: 'database-url',
    env: 'SCIMD_DATABASE_URL',
    flagValue: 'postgres://flag@127.0.0.1:5432/a',
    envValue: 'postgresql://env@127.0.0.1:5432/b',
    fromFlag: 'postgres://flag@127.0.0.1:5432/a',
    fromEnv: 'postgresql://env@127.0.0.1:5432/b',
    fallback: undefined,
  },
  { key: 'smtpUrl', flag: 'smtp-url', env: 'SCIMD_SMTP_URL', flagValue: 'smtp://flag:25', envValue: 'smtps://env:465', fromFlag: 'smtp://flag:25', fromEnv: 'smtps://env:465', fallback: undefined },
  { key: 'mailFrom', flag: 'mail-from', env: 'SCIMD_MAIL_FROM', flagValue: 'a@flag.example', envValue: 'b@env.example', fromFlag: 'a@flag.example', fromEnv: 'b@env.example', fallback: 'scimd <scimd@localhost>' },
  { key: 'databasePoolSize', flag: 'database-pool-size', env: 'SCIMD_DATABASE_POOL_SIZE', flagValue: '5', envValue: '7', fromFlag: 5, fromEnv: 7, fallback: 10 },
  { key: 'readOnly', flag: 'read-only', env: 'SCIMD_READ_ONLY', flagValue: 'yes', envValue: 'FALSE', fromFlag: true, fromEnv: false, fallback: false },
  { key: 'webhookAllowPrivate', flag: 'webhook-allow-private', env: 'SCIMD_WEBHOOK_ALLOW_PRIVATE', flagValue: 'yes', envValue: 'FALSE', fromFlag: true, fromEnv: false, fallback: false },
  { key: 'webhookWorker', flag: 'webhook-worker', env: 'SCIMD_WEBHOOK_WORKER', flagValue: 'no', envValue: 'TRUE', fromFlag: false, fromEnv: true, fallback: true },
  { key: 'trustProxy', flag: 'trust-proxy', env: 'SCIMD_TRUST_PROXY', flagValue: 'no', envValue: 'TRUE', fromFlag: false, fromEnv: true, fallback: false },
  { key: 'synchronous', flag: 'sqlite-synchronous', env: 'SCIMD_SQLITE_SYNCHRONOUS', flagValue: 'full', envValue: 'normal', fromFlag: 'FULL', fromEnv: 'NORMAL', fallback: 'FULL' },
  { key: 'rateLimit', flag: 'rate-limit', env: 'SCIMD_RATE_LIMIT', flagValue: 'off', envValue: '200', fromFlag: 0, fromEnv: 200, fallback: 50 },
  { key: 'rateLimitBurst', flag: 'rate-limit-burst', env: 'SCIMD_RATE_LIMIT_BURST', flagValue: '10', envValue: '400', fromFlag: 10, fromEnv: 400, fallback: 100 },
  { key: 'rateLimitMode', flag: 'rate-limit-mode', env: 'SCIMD_RATE_LIMIT_MODE', flagValue: 'always', envValue: 'Fair', fromFlag: 'always', fromEnv: 'fair', fallback: 'fair' },
  { key: 'unauthenticatedRateLimit', flag: 'unauthenticated-rate-limit', env: 'SCIMD_UNAUTHENTICATED_RATE_LIMIT', flagValue: '1', envValue: 'OFF', fromFlag: 1, fromEnv: 0, fallback: 5 },
  {
    key: 'unauthenticatedRateLimitBurst',
    flag: 'unauthenticated-rate-limit-burst',
    env: 'SCIMD_UNAUTHENTICATED_RATE_LIMIT_BURST',
    flagValue: '3',
    envValue: '50',
    fromFlag: 3,
    fromEnv: 50,
    fallback: 20,
  },
  { key: 'clientConcurrency', flag: 'client-concurrency', env: 'SCIMD_CLIENT_CONCURRENCY', flagValue: 'off', envValue: '16', fromFlag: 0, fromEnv: 16, fallback: 4 },
  { key: 'rateLimitHold', flag: 'rate-limit-hold', env: 'SCIMD_RATE_LIMIT_HOLD', flagValue: '0', envValue: '250ms', fromFlag: 0, fromEnv: 250, fallback: 1000 },
  { key: 'headersTimeout', flag: 'headers-timeout', env: 'SCIMD_HEADERS_TIMEOUT', flagValue: '500ms', envValue: '2', fromFlag: 500, fromEnv: 2000, fallback: 10_000 },
  { key: 'requestTimeout', flag: 'request-timeout', env: 'SCIMD_REQUEST_TIMEOUT', flagValue: '1m', envValue: '45s', fromFlag: 60_000, fromEnv: 45_000, fallback: 30_000 },
  { key: 'keepAliveTimeout', flag: 'keep-alive-timeout', env: 'SCIMD_KEEP_ALIVE_TIMEOUT', flagValue: '5s', envValue: '90s', fromFlag: 5000, fromEnv: 90_000, fallback: 65_000 },
  { key: 'socketTimeout', flag: 'socket-timeout', env: 'SCIMD_SOCKET_TIMEOUT', flagValue: '30s', envValue: '10m', fromFlag: 30_000, fromEnv: 600_000, fallback: 120_000 },
  { key: 'shutdownTimeout', flag: 'shutdown-timeout', env: 'SCIMD_SHUTDOWN_TIMEOUT', flagValue: '2s', envValue: '1m', fromFlag: 2000, fromEnv: 60_000, fallback: 25_000 },
  { key: 'tlsCert', flag: 'tls-cert', env: 'SCIMD_TLS_CERT', flagValue: '/etc/scimd/a.pem', envValue: 'b.pem', fromFlag: resolve('/etc/scimd/a.pem'), fromEnv: resolve(CWD, 'b.pem'), fallback: undefined },
  { key: 'metrics', flag: 'metrics', env: 'SCIMD_METRICS', flagValue: 'OFF', envValue: 'on', fromFlag: 'off', fromEnv: 'on', fallback: 'on' },
  {
    key: 'metricsToken',
    flag: 'metrics-token',
    env: 'SCIMD_METRICS_TOKEN',
    flagValue: 'flag-metrics-token-0123',
    envValue: 'env-metrics-token-01234',
    fromFlag: 'flag-metrics-token-0123',
    fromEnv: 'env-metrics-token-01234',
    fallback: undefined,
  },
  { key: 'metricsMaxTenants', flag: 'metrics-max-tenants', env: 'SCIMD_METRICS_MAX_TENANTS', flagValue: '5', envValue: '500', fromFlag: 5, fromEnv: 500, fallback: 100 },
  { key: 'tlsKey', flag: 'tls-key', env: 'SCIMD_TLS_KEY', flagValue: '/etc/scimd/a.key', envValue: 'b.key', fromFlag: resolve('/etc/scimd/a.key'), fromEnv: resolve(CWD, 'b.key'), fallback: undefined },
];

const config = (flags: Flags = {}, env: Env = {}) => resolveConfig(flags, env, CWD);

/** Asserts that resolving throws a ConfigError whose message names `source` (a flag or a variable). */
function assertConfigError(flags: Flags, env: Env, source: string): void {
  assert.throws(
    () => config(flags, env),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
      assert.ok(e.message.includes(source), `message should name ${source}: ${e.message}`);
      return true;
    },
  );
}

describe('resolveConfig: defaults', () => {
  it('has the documented defaults with no flags and no environment', () => {
    const c = config();
    for (const k of CASES) assert.deepEqual(c[k.key], k.fallback, k.key);
    assert.equal(c.bootstrapToken, undefined);
    assert.equal('publicUrl' in c, false);
    assert.equal(databaseFile(c), resolve(CWD, 'data', 'scimd.db'));
  });

  it('every setting has a precedence case below, with the same flag and variable', () => {
    const settings = Object.entries(SETTINGS).map(([key, s]) => ({ key, flag: s.flag, env: s.env }));
    assert.deepEqual(
      CASES.map(({ key, flag, env }) => ({ key, flag, env })).sort((a, b) => a.key.localeCompare(b.key)),
      settings.sort((a, b) => a.key.localeCompare(b.key)),
    );
  });
});

describe('resolveConfig: flag beats env beats default', () => {
  for (const c of CASES) {
    it(`${c.key}: --${c.flag}, then ${c.env}, then the default`, () => {
      assert.deepEqual(config()[c.key], c.fallback, 'default');
      assert.deepEqual(config({}, { [c.env]: c.envValue })[c.key], c.fromEnv, 'env over default');
      assert.deepEqual(config({ [c.flag]: c.flagValue }, {})[c.key], c.fromFlag, 'flag over default');
      assert.deepEqual(config({ [c.flag]: c.flagValue }, { [c.env]: c.envValue })[c.key], c.fromFlag, 'flag over env');
      assert.deepEqual(config({}, { [c.env]: '' })[c.key], c.fallback, 'an empty variable counts as unset');
    });
  }

  it('does not read an environment variable that a flag overrides, even an invalid one', () => {
    assert.equal(config({ port: '9000' }, { SCIMD_PORT: 'abc' }).port, 9000);
    assert.equal(config({ 'log-level': 'warn' }, { SCIMD_LOG_LEVEL: 'loud' }).logLevel, 'warn');
  });

  it('takes SCIMD_BOOTSTRAP_ADMIN_KEY from the environment only, 32 characters at least', () => {
    const key = 'k'.repeat(32);
    assert.equal(config({}, { SCIMD_BOOTSTRAP_ADMIN_KEY: key }).bootstrapAdminKey, key);
    assert.equal(config({}, {}).bootstrapAdminKey, undefined);
    assert.throws(() => config({}, { SCIMD_BOOTSTRAP_ADMIN_KEY: 'short' }), /SCIMD_BOOTSTRAP_ADMIN_KEY: it must be 32–512 characters/);
    assert.throws(() => config({}, { SCIMD_BOOTSTRAP_ADMIN_KEY: `${key} x` }), /without spaces/);
  });

  it('--metrics admin needs --admin-port', () => {
    assert.throws(() => config({ metrics: 'admin' }, {}), /--admin-port/);
    assert.equal(config({ metrics: 'admin', 'admin-port': '9100' }, {}).metrics, 'admin');
  });

  it('takes SCIMD_BOOTSTRAP_TOKEN from the environment only', () => {
    assert.equal(config({}, { SCIMD_BOOTSTRAP_TOKEN: 'x' }).bootstrapToken, 'x');
    assert.equal(config({}, {}).bootstrapToken, undefined);
    assert.equal(config({ 'bootstrap-token': 'from-argv' }, {}).bootstrapToken, undefined, 'a secret is never read from argv');
    assert.equal(config({}, { SCIMD_BOOTSTRAP_TOKEN: 'a'.repeat(512) }).bootstrapToken?.length, 512);
  });

  it('accepts the edges of the port range', () => {
    assert.equal(config({ port: '0' }).port, 0);
    assert.equal(config({ port: '65535' }).port, 65535);
    assert.equal(config({}, { SCIMD_PORT: ' 8443 ' }).port, 8443);
  });
});

describe('resolveConfig: invalid values throw a ConfigError naming the flag or variable', () => {
  const invalid: readonly [flag: string, env: string, value: string][] = [
    ['port', 'SCIMD_PORT', 'abc'],
    ['port', 'SCIMD_PORT', '70000'],
    ['port', 'SCIMD_PORT', '-1'],
    ['port', 'SCIMD_PORT', '80.5'],
    ['port', 'SCIMD_PORT', '99999'],
    ['log-level', 'SCIMD_LOG_LEVEL', 'loud'],
    ['public-url', 'SCIMD_PUBLIC_URL', 'ftp://x'],
    ['public-url', 'SCIMD_PUBLIC_URL', 'https://x/path'],
    ['public-url', 'SCIMD_PUBLIC_URL', 'https://x/?q=1'],
    ['public-url', 'SCIMD_PUBLIC_URL', 'not a url'],
    ['max-results', 'SCIMD_MAX_RESULTS', '0'],
    ['max-results', 'SCIMD_MAX_RESULTS', 'many'],
    ['max-body-bytes', 'SCIMD_MAX_BODY_BYTES', '100'],
    ['bulk-max-operations', 'SCIMD_BULK_MAX_OPERATIONS', '0'],
    ['max-json-depth', 'SCIMD_MAX_JSON_DEPTH', '7'],
    ['max-json-depth', 'SCIMD_MAX_JSON_DEPTH', '257'],
    ['max-filter-length', 'SCIMD_MAX_FILTER_LENGTH', '20000'],
    ['max-filter-depth', 'SCIMD_MAX_FILTER_DEPTH', '0'],
    ['patch-max-operations', 'SCIMD_PATCH_MAX_OPERATIONS', '0'],
    ['max-members-per-request', 'SCIMD_MAX_MEMBERS_PER_REQUEST', 'lots'],
    ['max-values-per-attribute', 'SCIMD_MAX_VALUES_PER_ATTRIBUTE', '0'],
    ['max-attribute-names', 'SCIMD_MAX_ATTRIBUTE_NAMES', '-3'],
    ['max-name-length', 'SCIMD_MAX_NAME_LENGTH', '10'],
    ['max-url-length', 'SCIMD_MAX_URL_LENGTH', '100'],
    ['max-header-bytes', 'SCIMD_MAX_HEADER_BYTES', '1000'],
    ['trust-proxy', 'SCIMD_TRUST_PROXY', 'maybe'],
    ['sqlite-synchronous', 'SCIMD_SQLITE_SYNCHRONOUS', 'OFF'],
    ['rate-limit', 'SCIMD_RATE_LIMIT', 'fast'],
    ['rate-limit', 'SCIMD_RATE_LIMIT', '-5'],
    ['rate-limit-burst', 'SCIMD_RATE_LIMIT_BURST', '0'],
    ['rate-limit-mode', 'SCIMD_RATE_LIMIT_MODE', 'strict'],
    ['unauthenticated-rate-limit', 'SCIMD_UNAUTHENTICATED_RATE_LIMIT', '1.5'],
    ['rate-limit-hold', 'SCIMD_RATE_LIMIT_HOLD', '2m'],
    ['client-concurrency', 'SCIMD_CLIENT_CONCURRENCY', 'many'],
    ['headers-timeout', 'SCIMD_HEADERS_TIMEOUT', '10 seconds'],
    ['headers-timeout', 'SCIMD_HEADERS_TIMEOUT', '0'],
    ['request-timeout', 'SCIMD_REQUEST_TIMEOUT', '2h'],
    ['keep-alive-timeout', 'SCIMD_KEEP_ALIVE_TIMEOUT', '50ms'],
    ['shutdown-timeout', 'SCIMD_SHUTDOWN_TIMEOUT', 'soon'],
    ['tls-cert', 'SCIMD_TLS_CERT', ' '],
  ];
  for (const [flag, env, value] of invalid) {
    it(`--${flag} '${value}' and ${env}='${value}'`, () => {
      assertConfigError({ [flag]: value }, {}, `--${flag}`);
      assertConfigError({}, { [env]: value }, env);
    });
  }

  it('--port given without a value (parsed as a switch)', () => {
    assertConfigError({ port: true }, {}, '--port');
  });

  it('--port= (an empty value) is not the default', () => {
    assertConfigError({ port: '' }, {}, '--port');
  });

  it('a metrics token that is short or has spaces, without echoing it', () => {
    for (const bad of ['short', 'has spaces in the metrics token', 'x'.repeat(513)]) {
      assertConfigError({ 'metrics-token': bad }, {}, '--metrics-token');
      assert.throws(() => config({}, { SCIMD_METRICS_TOKEN: bad }), (e: unknown) => e instanceof ConfigError && !e.message.includes(bad));
    }
    assertConfigError({ metrics: 'maybe' }, {}, '--metrics');
    assertConfigError({ 'metrics-max-tenants': '0' }, {}, '--metrics-max-tenants');
  });

  it('a SCIMD_BOOTSTRAP_TOKEN with spaces, or longer than 512 characters', () => {
    assertConfigError({}, { SCIMD_BOOTSTRAP_TOKEN: 'my secret token' }, 'SCIMD_BOOTSTRAP_TOKEN');
    assertConfigError({}, { SCIMD_BOOTSTRAP_TOKEN: 'tab\tinside' }, 'SCIMD_BOOTSTRAP_TOKEN');
    assertConfigError({}, { SCIMD_BOOTSTRAP_TOKEN: 'a'.repeat(513) }, 'SCIMD_BOOTSTRAP_TOKEN');
  });

  it('a host with characters no address or name has', () => {
    assertConfigError({ host: 'bad host' }, {}, 'host');
    assertConfigError({}, { SCIMD_HOST: 'x/y' }, 'host');
  });
});

describe('resolveConfig: the data directory', () => {
  it('resolves a relative --data-dir against the working directory', () => {
    assert.equal(config({ 'data-dir': 'scratch' }).dataDir, resolve(CWD, 'scratch'));
    assert.equal(config({ 'data-dir': './a/../b' }).dataDir, resolve(CWD, 'b'));
    assert.equal(config({}, { SCIMD_DATA_DIR: 'from-env' }).dataDir, resolve(CWD, 'from-env'));
    assert.equal(databaseFile(config({ 'data-dir': 'scratch' })), resolve(CWD, 'scratch', 'scimd.db'));
  });

  it('defaults the working directory to process.cwd()', () => {
    assert.equal(resolveConfig({ 'data-dir': 'rel' }, {}).dataDir, resolve(process.cwd(), 'rel'));
  });

  it('keeps an absolute --data-dir as it is', () => {
    const abs = resolve('/tmp/scimd-abs');
    assert.equal(config({ 'data-dir': abs }).dataDir, abs);
  });
});

describe('resolveConfig: timeouts', () => {
  it('refuses a headers timeout longer than the request timeout, which includes the headers', () => {
    assertConfigError({ 'headers-timeout': '40s' }, {}, '--headers-timeout');
    assertConfigError({ 'headers-timeout': '5s', 'request-timeout': '4s' }, {}, '--request-timeout');
    assert.equal(config({ 'headers-timeout': '4s', 'request-timeout': '4s' }).headersTimeout, 4000);
  });
});
