/**
 * The documentation stands on its own: every relative link in README.md and docs/*.md names a
 * file of this repository that exists (and, with a #fragment, a heading in it), none leaves the
 * repository, and none points at documents that live outside it. docs/idp-quirks.md lists every
 * normaliser with the quirks and profiles src/scim/quirks says.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NORMALISERS } from '../src/scim/quirks/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const text = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Markdown link targets outside code: inline `[text](target)` and reference definitions `[x]: target`. */
function links(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const defs = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...defs];
}

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    out.add(m[1]!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return out;
}

describe('documentation links', () => {
  it('finds the links it checks (the parser is not blind)', () => {
    assert.deepEqual(links('[a](docs/x.md) `[b](y.md)` [c](https://e.example "t")\n[d]: ../e.md\n```\n[f](g.md)\n```'), ['docs/x.md', 'https://e.example', '../e.md']);
    assert.ok(anchors('## Operating scimd: rate limits, shutdown, TLS').has('operating-scimd-rate-limits-shutdown-tls'));
    assert.ok(links(text('README.md')).includes('docs/idp-quirks.md'), 'README links the IdP quirks');
  });

  for (const doc of DOCS) {
    it(`${doc}: every relative link names an existing file of the repository (and heading)`, () => {
      for (const target of links(text(doc))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [path = '', fragment] = target.split('#') as [string, string | undefined];
        assert.ok(!isAbsolute(path), `${doc}: '${target}' is an absolute path`);
        const file = path === '' ? join(ROOT, doc) : resolve(ROOT, dirname(doc), decodeURIComponent(path));
        const inside = relative(ROOT, file);
        assert.ok(inside !== '' && !inside.startsWith('..') && !isAbsolute(inside), `${doc}: '${target}' leaves the repository`);
        assert.ok(existsSync(file), `${doc}: '${target}' names no file (${inside})`);
        if (fragment && statSync(file).isFile() && file.endsWith('.md')) {
          assert.ok(anchors(readFileSync(file, 'utf8')).has(fragment), `${doc}: '${target}': no heading '#${fragment}' in ${inside}`);
        }
      }
    });

    it(`${doc}: names no document that lives outside the repository`, () => {
      for (const outside of ['../shared', 'DESIGN.md', 'IDP-QUIRKS.md']) assert.ok(!text(doc).includes(outside), `${doc} mentions ${outside}`);
    });
  }
});

describe('docs/idp-quirks.md', () => {
  const doc = text('docs/idp-quirks.md');

  it('has a row for every normaliser with its quirks and the profiles it is on for', () => {
    const rows = new Map(
      [...doc.matchAll(/^\| `(\w+)` \| ([^|]*) \| ([^|]*) \|/gm)].map((m) => [m[1]!, { quirks: m[2]!.trim(), on: m[3]!.trim() }]),
    );
    for (const n of NORMALISERS) {
      const r = rows.get(n.name);
      assert.ok(r, `a row for ${n.name}`);
      assert.equal(r.quirks, n.quirks.join(', '), `${n.name}: quirks`);
      assert.equal(r.on, n.profiles === 'all' ? 'every profile but `strict`' : n.profiles.join(', '), `${n.name}: on for`);
    }
    assert.equal(rows.size, NORMALISERS.length, 'no row for a normaliser that does not exist');
  });

  it('has a section for each IdP', () => {
    for (const idp of ['Microsoft Entra ID, default mode', 'Microsoft Entra ID, flag mode', 'Okta, OIN', 'Okta, App Integration Wizard', 'OneLogin', 'JumpCloud', 'PingOne', 'authentik', 'Keycloak']) {
      assert.match(doc, new RegExp(`^## ${idp}`, 'm'), idp);
    }
  });
});
