/**
 * The layer rules of eslint.config.js (no-restricted-imports): a deliberately wrong import in each
 * folder is refused with its message, the allowed ones pass, and the real tree has no violation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('..', import.meta.url));
const onlyLayers = { ruleFilter: ({ ruleId }: { ruleId: string }) => ruleId === 'no-restricted-imports' };
const eslint = new ESLint({ cwd: root, ...onlyLayers });

/** The no-restricted-imports messages for `code` as if it were the file `filePath`. */
async function refusals(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

async function refused(filePath: string, code: string, expected: RegExp): Promise<void> {
  const messages = await refusals(filePath, code);
  assert.equal(messages.length, 1, `${filePath}: ${code} → ${JSON.stringify(messages)}`);
  assert.match(messages[0]!, expected);
}

async function allowed(filePath: string, code: string): Promise<void> {
  assert.deepEqual(await refusals(filePath, code), [], `${filePath}: ${code}`);
}

describe('layer rules (eslint no-restricted-imports)', () => {
  it('src/scim imports nothing outside itself, no Node built-in and no package; its tests may use node:test', async () => {
    const outside = /src\/scim is the pure SCIM core: it imports nothing outside src\/scim/;
    await refused('src/scim/values.ts', "import { Store } from '../store/types.ts';\nexport type S = Store;\n", outside);
    await refused('src/scim/filter/wrong.ts', "import type { Session } from '../../provisioning/session.ts';\nexport type S = Session;\n", outside);
    await refused('src/scim/filter/wrong.ts', "export { ResourceService } from '../../provisioning/resources.ts';\n", outside);
    await refused('src/scim/values.ts', "import { randomUUID } from 'node:crypto';\nexport const id = randomUUID;\n", /no Node built-in modules/);
    await refused('src/scim/patch/wrong.ts', "import { createHash } from 'crypto';\nexport const h = createHash;\n", /no Node built-in modules/);
    await refused('src/scim/patch/wrong.ts', "import { readFileSync } from 'fs/promises';\nexport const r = readFileSync;\n", /no Node built-in modules/);
    await refused('src/scim/wrong.ts', "import Fastify from 'fastify';\nexport const f = Fastify;\n", /no packages/);
    await allowed('src/scim/filter/wrong.ts', "import { invalidFilter } from '../errors.ts';\nimport type { Json } from '../schema/validate.ts';\nexport type J = Json;\nexport const e = invalidFilter;\n");
    await allowed('src/scim/filter/wrong.test.ts', "import assert from 'node:assert/strict';\nimport { it } from 'node:test';\nit('x', () => assert.ok(true));\n");
    await refused('src/scim/filter/wrong.test.ts', "import { openSqliteStore } from '../../store/sqlite/store.ts';\nexport const o = openSqliteStore;\n", outside);
  });

  it('src/store imports neither src/http nor src/provisioning', async () => {
    const message = /src\/store is below provisioning and HTTP/;
    await refused('src/store/wrong.ts', "import type { Services } from '../http/services.ts';\nexport type S = Services;\n", message);
    await refused('src/store/sql/wrong.ts', "import { openSession } from '../../provisioning/session.ts';\nexport const o = openSession;\n", message);
    await allowed('src/store/sql/wrong.ts', "import type { Json } from '../../scim/schema/validate.ts';\nimport type { Repo } from '../types.ts';\nexport type J = [Json, Repo];\n");
  });

  it('src/http does not import src/store', async () => {
    const message = /src\/http never touches the store/;
    await refused('src/http/wrong.ts', "import { StoreUnavailable } from '../store/types.ts';\nexport const s = StoreUnavailable;\n", message);
    await refused('src/http/scim/wrong.ts', "import type { Store } from '../../store/types.ts';\nexport type S = Store;\n", message);
    await allowed('src/http/scim/wrong.ts', "import type { Session } from '../../provisioning/session.ts';\nexport type S = Session;\n");
  });

  it('src/provisioning does not import src/http; src/cli only the Services type of it', async () => {
    await refused('src/provisioning/wrong.ts', "import { sendError } from '../http/errors.ts';\nexport const s = sendError;\n", /src\/provisioning is below HTTP/);
    await refused('src/cli/commands/wrong.ts', "import { buildApp } from '../../http/app.ts';\nexport const b = buildApp;\n", /src\/cli uses nothing of src\/http but the Services type/);
    await allowed('src/cli/wrong.ts', "import type { Services } from '../http/services.ts';\nexport type S = Services;\n");
  });

  it('the real tree keeps every layer rule', async () => {
    const results = await eslint.lintFiles(['src']);
    const found = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}:${m.line} ${m.message}`));
    assert.deepEqual(found, []);
    assert.ok(results.length > 100, `linted ${results.length} files`);
  });
});
