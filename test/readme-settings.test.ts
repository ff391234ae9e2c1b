/**
 * The README and the code agree: every tenant and client setting of src/provisioning/tenants/settings.ts
 * has a row in the "Tenant policies" table with its values, its default and the seed it comes
 * from, and every CLI command is in the "Command line" table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { adminKeyCommands } from '../src/cli/commands/admin-key.ts';
import { clientCommands } from '../src/cli/commands/client.ts';
import { logCommands } from '../src/cli/commands/log.ts';
import { normaliserCommands } from '../src/cli/commands/normaliser.ts';
import { serve } from '../src/cli/commands/serve.ts';
import { tenantDataCommands } from '../src/cli/commands/tenant-data.ts';
import { tenantCommands } from '../src/cli/commands/tenant.ts';
import { tokenCommands } from '../src/cli/commands/token.ts';
import { webhookCommands } from '../src/cli/commands/webhook.ts';
import { setupLinkCommands } from '../src/cli/commands/setup-link.ts';
import { CLIENT_SETTINGS, TENANT_SETTINGS, type SettingSpec } from '../src/provisioning/tenants/settings.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The table cells of the row whose first cell is `first`. */
function row(text: string, first: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(`| ${first} |`));
  assert.ok(line, `a table row for ${first}`);
  return line
    .slice(1, -1)
    .split(' | ')
    .map((c) => c.trim());
}

function checkRow(cells: string[], spec: SettingSpec): void {
  const [, values, fallback, from] = cells as [string, string, string, string];
  if (spec.values.length) for (const v of spec.values) assert.match(values, new RegExp(`\`${v}\``), `${spec.key}: value ${v}`);
  else assert.match(values, /duration/, `${spec.key}: a duration`);
  assert.equal(fallback, `\`${spec.fallback}\``, `${spec.key}: default`);
  const seed = /seed \d{3}/.exec(spec.source)?.[0];
  if (seed) assert.ok(from.includes(seed), `${spec.key}: comes from ${seed} (${from})`);
}

describe('README', () => {
  it('the Tenant policies table names every setting with its values, default and seed', () => {
    const text = section('Tenant policies');
    for (const spec of TENANT_SETTINGS) checkRow(row(text, `\`${spec.key}\``), spec);
    for (const spec of CLIENT_SETTINGS) checkRow(row(text, `client \`${spec.key}\``), spec);
    const keys = [...text.matchAll(/^\| (?:client )?`([^`]+)` \|/gm)].map((m) => m[1]);
    for (const k of keys) {
      if (k === 'idp' || k === 'normaliser.<name>') continue;
      assert.ok([...TENANT_SETTINGS, ...CLIENT_SETTINGS].some((s) => s.key === k), `the README's '${k}' is a setting of settings.ts`);
    }
  });

  it('comes right after "Identity providers as they really behave"', () => {
    const titles = [...README.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.equal(titles[titles.indexOf('Identity providers as they really behave') + 1], 'Tenant policies');
  });

  it('the Command line table lists every command', () => {
    const text = section('Command line');
    const lines = text.split('\n').filter((l) => l.startsWith('| `scimd '));
    for (const c of [serve, ...tenantCommands, ...clientCommands, ...tokenCommands, ...logCommands, ...normaliserCommands, ...tenantDataCommands, ...adminKeyCommands, ...webhookCommands, ...setupLinkCommands]) {
      const [group, sub] = c.name.split(' ') as [string, string?];
      const listed = lines.some((l) => l.includes(`\`scimd ${c.name}`) || (sub !== undefined && l.includes(`\`scimd ${group} `) && l.includes(`/ \`${sub}`)));
      assert.ok(listed, `scimd ${c.name} is in the README's command table`);
    }
  });
});
