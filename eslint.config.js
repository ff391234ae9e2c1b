// Lint runs without type information so it stays fast on two cores; tsc covers the types.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layer rules (issue 11): which folder of src/ may import which. Imports are relative, so a rule
// is written per depth below src/: from src/store/sql/x.ts, '../../http/…' is src/http. Type-only
// imports and re-exports count too (the core rule sees every import and export … from).
const MAX_DEPTH = 5;
const up = (depth) => `^(\\.\\./){${depth}}`;
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const BUILTINS = `(${builtinModules.map(escape).join('|')})(/.*)?$`;

const LAYER_MESSAGES = {
  scimOutside: 'src/scim is the pure SCIM core: it imports nothing outside src/scim.',
  scimBuiltin: 'src/scim is the pure SCIM core: no Node built-in modules (node:* or bare).',
  scimPackage: 'src/scim is the pure SCIM core: no packages.',
  storeUp: 'src/store is below provisioning and HTTP: it imports neither src/http nor src/provisioning.',
  httpStore: 'src/http never touches the store: go through src/provisioning (a session, a service, storeFailureAsScim).',
  provisioningHttp: 'src/provisioning is below HTTP: it imports nothing from src/http.',
  cliHttp: 'src/cli uses nothing of src/http but the Services type (src/http/services.ts).',
};

/** One config per depth of `folder`'s files (tests excluded unless `tests`), forbidding `patterns(depth)`. */
function layer(folder, patterns, { tests = true } = {}) {
  return Array.from({ length: MAX_DEPTH }, (_, i) => i + 1).map((depth) => ({
    files: [`src/${folder}/${'*/'.repeat(depth - 1)}*.ts`],
    ...(tests ? {} : { ignores: ['**/*.test.ts'] }),
    rules: { 'no-restricted-imports': ['error', { patterns: patterns(depth) }] },
  }));
}

const scimOutside = (depth) => ({ regex: up(depth), message: LAYER_MESSAGES.scimOutside });

const layers = [
  ...layer(
    'scim',
    (depth) => [
      scimOutside(depth),
      { regex: `^node:|^${BUILTINS}`, message: LAYER_MESSAGES.scimBuiltin },
      { regex: `^(?!\\.|node:|${BUILTINS})`, message: LAYER_MESSAGES.scimPackage },
    ],
    { tests: false },
  ),
  // The core's own tests run on node:test and node:assert (and fast-check); outside src/scim they
  // use nothing but the shared test helpers (test/helpers: deepFreeze, runNormaliser …).
  ...layer('scim', (depth) => [{ regex: `${up(depth)}(?!\\.\\./test/helpers/)`, message: LAYER_MESSAGES.scimOutside }]).map((c) => ({ ...c, files: c.files.map((f) => f.replace(/\*\.ts$/, '*.test.ts')) })),
  ...layer('store', (depth) => [{ regex: `${up(depth)}(http|provisioning)(/|$)`, message: LAYER_MESSAGES.storeUp }]),
  ...layer('http', (depth) => [{ regex: `${up(depth)}store(/|$)`, message: LAYER_MESSAGES.httpStore }]),
  ...layer('provisioning', (depth) => [{ regex: `${up(depth)}http(/|$)`, message: LAYER_MESSAGES.provisioningHttp }]),
  ...layer('cli', (depth) => [{ regex: `${up(depth)}http/(?!services\\.ts$)`, message: LAYER_MESSAGES.cliHttp }]),
];

/** What the console's module (console/*.js, run in the browser) may use. */
const BROWSER = Object.fromEntries(
  ['window', 'document', 'location', 'navigator', 'fetch', 'confirm', 'getSelection', 'URLSearchParams', 'FormData', 'Node', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'console', 'URL'].map((g) => [g, 'readonly']),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['console/**/*.js'], languageOptions: { sourceType: 'module', globals: BROWSER } },
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  ...layers,
);
