import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowOnly, parseArgs, UsageError } from './args.ts';

const usageError = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
  assert.match(e.message, pattern);
  return true;
};

describe('parseArgs', () => {
  it('returns nothing for an empty argv', () => {
    assert.deepEqual(parseArgs([]), { positionals: [], flags: {} });
  });

  it('keeps positionals in order around flags', () => {
    assert.deepEqual(parseArgs(['client', 'create', '--data-dir', '/d', 'acme', 'okta']), {
      positionals: ['client', 'create', 'acme', 'okta'],
      flags: { 'data-dir': '/d' },
    });
  });

  it('reads --flag value and --flag=value alike', () => {
    assert.deepEqual(parseArgs(['--port', '9000']).flags, { port: '9000' });
    assert.deepEqual(parseArgs(['--port=9000']).flags, { port: '9000' });
  });

  it('takes everything after the first = as the value, including an empty one', () => {
    assert.deepEqual(parseArgs(['--public-url=https://x/?a=b']).flags, { 'public-url': 'https://x/?a=b' });
    assert.deepEqual(parseArgs(['--port=']).flags, { port: '' });
  });

  it('takes a value that starts with a single dash (a negative number)', () => {
    assert.deepEqual(parseArgs(['--port', '-1']), { positionals: [], flags: { port: '-1' } });
  });

  it('lets a later flag override an earlier one', () => {
    assert.deepEqual(parseArgs(['--port', '1', '--port=2']).flags, { port: '2' });
  });

  it('reads the switches --help, --json, --version and --follow without consuming the next word', () => {
    assert.deepEqual(parseArgs(['--help', 'serve']), { positionals: ['serve'], flags: { help: true } });
    assert.deepEqual(parseArgs(['tenant', 'list', '--json', 'extra']), { positionals: ['tenant', 'list', 'extra'], flags: { json: true } });
    assert.deepEqual(parseArgs(['--version']).flags, { version: true });
    assert.deepEqual(parseArgs(['--follow', 'x']), { positionals: ['x'], flags: { follow: true } });
  });

  it('reads -h as --help', () => {
    assert.deepEqual(parseArgs(['tenant', '-h']), { positionals: ['tenant'], flags: { help: true } });
  });

  it('treats everything after -- as positionals, even what looks like an option', () => {
    assert.deepEqual(parseArgs(['tenant', 'create', '--json', '--', '--port', '-x', '--']), {
      positionals: ['tenant', 'create', '--port', '-x', '--'],
      flags: { json: true },
    });
    assert.deepEqual(parseArgs(['--']), { positionals: [], flags: {} });
  });

  it('rejects option names that are not lower-case words', () => {
    for (const a of ['--Port', '--PORT=1', '--1port', '---port', '--port_number', '--p!', '--=x', '--über']) {
      assert.throws(() => parseArgs([a, 'v']), usageError(/Unknown option/), a);
    }
  });

  it('rejects single-dash options other than -h instead of taking them as positionals', () => {
    for (const a of ['-p', '-v', '-json', '-H']) {
      assert.throws(() => parseArgs(['serve', a, '9000']), usageError(new RegExp(`Unknown option '${a}'`)), a);
    }
  });

  it('a value-taking flag at the end, or followed by another option, is a UsageError', () => {
    assert.throws(() => parseArgs(['serve', '--port']), usageError(/--port needs a value/));
    assert.throws(() => parseArgs(['serve', '--data-dir', '--json']), usageError(/--data-dir needs a value/));
  });
});

describe('allowOnly', () => {
  it('accepts the allowed options and the global --help and --json', () => {
    assert.doesNotThrow(() => allowOnly({ 'data-dir': '/d', json: true, help: true }, ['data-dir']));
  });

  it('rejects an option the command does not know, naming it', () => {
    assert.throws(() => allowOnly({ 'data-dir': '/d', grace: '1h' }, ['data-dir']), usageError(/Unknown option --grace/));
  });
});
