/**
 * Replays recorded SCIM exchanges against a real scimd (real HTTP on 127.0.0.1, real SQLite): the
 * request/response examples of RFC 7644 §3.3–§3.7 and §3.12 (test/fixtures/rfc7644/*.json) and the
 * documented exchanges of each IdP (test/fixtures/idp/<idp>/*.json). One server per fixture file;
 * every case runs on a fresh tenant with a fresh client, several cases at a time.
 *
 * Modes. RFC cases run once, on a client pinned to the strict profile. IdP cases run three times:
 * on a client with no pinned profile (what a newcomer gets), on a client pinned to the IdP's profile,
 * and on a client pinned to the strict profile, where a step's `strict` expectation (the documented
 * refusal, e.g. {"status": 400, "scimType": "invalidValue"}) replaces its `expect` and ends the case;
 * steps without one expect the same answer in every mode.
 *
 * RFC fixture file: an array of cases { section, name, source: "example" | "text", idp?, note?,
 * setup?, request, expect, then? }; `source` says whether the case replays an example of the RFC or
 * a rule its text states; `idp` pins the case's client to another profile than the strict one. Named step lists for `use` come from test/fixtures/rfc7644/_datasets.json.
 *
 * IdP fixture file: { profile, title, sources?, server?, headers?, query?, encode?, detected?,
 * datasets?, cases } where `profile` is the IdP's profile, `server` config overrides for its server
 * (e.g. {"maxResults": 3}), `headers` go with every request of the IdP's client (its User-Agent…),
 * `query` is put first in every query (Entra's flag), `encode: "form"` encodes query values with "+"
 * for spaces, `detected: true` says an unpinned client must be recognised as the profile, and
 * `datasets` are named step lists for `use`. A case is { id, name, cites, note?, settings?, setup?,
 * request, expect, strict?, then? }; `id` is unique in the file, `cites` names the document and
 * section the exchange comes from, `settings` are tenant settings set before the case starts.
 *
 * A Step is a request ({ method, path, headers?, body?, rawBody? }) plus optional `as` (a name to
 * capture the response under; templates allowed), `expect`, `strict`, `only` (the modes it runs in),
 * `repeat` (run n times with {{i}} = 1..n; `concurrent: k` keeps k of them in flight), `by` (send as another, unpinned client of the tenant,
 * without the IdP's headers), `noQuery` (leave out the file's `query`), or one of: `use` (splice in a
 * named step list), `admin: "disableTenant"`, `log` (a matcher on the client's request-log rows,
 * oldest first: { method, path, status, idp, scimType, notes, normalisers, requestBody,
 * responseBody }; the client must have one row per request it sent), `client` (a matcher on the
 * client: { idp, detectedIdp, detectedReason }), `secrets` (no log row of the tenant and no byte of
 * the data files holds any of these). Steps without `expect` must answer 2xx.
 *
 * `expect` is { status: n | [n…], scimType?, error?, headers?, body?, text?, then? } or
 * { anyOf: [expect…] }. `scimType` or `error: true`: the body is a SCIM Error with that status.
 * `body` is a partial match: objects match when every expected key matches (extra keys are fine),
 * arrays element by element. Matchers: "$present", "$absent", {"$regex"}, {"$unordered": [...]},
 * {"$contains": [...]}, {"$oneOf": [...]}, {"$not"}, {"$includes"}, {"$type"}, {"$length"},
 * {"$ge"|"$gt"|"$le"|"$lt"}, {"$each": m} (every element), {"$where": [cond, m]} (the elements
 * matching cond, as an array), {"$keys": [...]} (exactly these keys), {"$eachKey": m},
 * {"$strings": m} (every string anywhere). A 204 answer must have an empty body.
 * Templates: "{{name.path}}" reads a captured response ({ status, headers, body, id, etag, location,
 * version }); templates nest ("{{u{{i}}.id}}"); a string that is only a template keeps the value's
 * type. Also {{base}} (…/scim/v2), {{origin}}, {{tenant}}, {{token}} (the client's), {{serverToken}},
 * {{profile}}, {{i}}, {{res}} (the response being checked) and {{response}} (the case's main
 * response). Pipes: |last, |re, |json, |upper. Request bodies may use
 * {"$repeat": {times, plus?, from?, item}} in arrays and {"$string": {length, plus?, fill?}}.
 * Query strings in `path` are written unencoded; the runner encodes them.
 * Every response with a body must be application/scim+json (RFC 7644 §3.8, §8.1).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../src/config.ts';
import { runCase, type Case, type CaseContext, type ClientShape, type Mode, type Step } from './helpers/replay/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/** The profile that answers with strict RFC 7644 behaviour. */
const STRICT_PROFILE = 'strict';

/**
 * Fixture files (each with its own server) and cases of one file replayed at a time: enough to
 * overlap I/O, few enough for a busy 2-core machine.
 */
const FILE_CONCURRENCY = 2;
const CONCURRENCY = 4;

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
/** REPLAY_ONLY=entra (or rfc7644, okta/flag…): replay only the fixture files whose path holds it. */
const ONLY = process.env.REPLAY_ONLY;
const wanted = (path: string) => ONLY === undefined || path.includes(ONLY);
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const jsonFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('_'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

interface IdpFile extends ClientShape {
  readonly profile: string;
  readonly title: string;
  readonly sources?: readonly string[];
  readonly server?: Partial<Config>;
  readonly detected?: boolean;
  readonly datasets?: Record<string, Step[]>;
  readonly cases: readonly Case[];
}

function checkCases(file: string, cases: readonly Case[], idp: boolean): void {
  assert.ok(Array.isArray(cases) && cases.length > 0, `${file} must hold cases`);
  for (const c of cases) {
    assert.ok(typeof c.name === 'string' && c.request && c.expect, `${file}: malformed case ${JSON.stringify(c).slice(0, 200)}`);
    if (idp) assert.ok(typeof c.id === 'string' && /^[a-z0-9-]+$/.test(c.id), `${file}: case '${c.name}' needs an id of a-z, 0-9 and '-'`);
    else assert.ok(typeof c.section === 'string' && (c.source === 'example' || c.source === 'text'), `${file}: case '${c.name}' needs a section and source "example" or "text"`);
  }
  const ids = cases.map((c) => (idp ? c.id : `${c.section} ${c.name}`));
  assert.equal(new Set(ids).size, ids.length, `${file}: case ids must be unique`);
}

/** One suite per fixture file: its own server, its cases `CONCURRENCY` at a time. */
function suite(title: string, server: Partial<Config>, body: (get: () => TestServer) => void): void {
  describe(title, { concurrency: CONCURRENCY }, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(server);
    });
    after(() => s.close());
    body(() => s);
  });
}

let tenants = 0;
const tenantName = (mode: Mode) => `t${++tenants}-${mode}`;


describe('Recorded exchanges', { concurrency: FILE_CONCURRENCY }, () => {
  // RFC 7644

  const RFC = join(FIXTURES, 'rfc7644');
  const RFC_DATASETS = readJson(join(RFC, '_datasets.json')) as Record<string, Step[]>;
  for (const file of jsonFiles(RFC).filter((f) => wanted(`rfc7644/${f}`))) {
    const cases = readJson(join(RFC, file)) as Case[];
    checkCases(file, cases, false);
    suite(`RFC 7644 fixtures: ${file}`, {}, (server) => {
      for (const c of cases) {
        it(`RFC 7644 §${c.section} ${c.name}`, () => {
          const ctx: CaseContext = { s: server(), mode: 'rfc', pin: c.idp ?? STRICT_PROFILE, shape: {}, datasets: RFC_DATASETS, logIdp: undefined, detected: undefined };
          return runCase(ctx, c, tenantName('rfc'));
        });
      }
    });
  }

  // IdPs

  const IDP = join(FIXTURES, 'idp');
  for (const idp of readdirSync(IDP).sort()) {
    for (const file of jsonFiles(join(IDP, idp)).filter((f) => wanted(`${idp}/${f}`))) {
      const f = readJson(join(IDP, idp, file)) as IdpFile;
      checkCases(`${idp}/${file}`, f.cases, true);
      const shape: ClientShape = { ...(f.headers ? { headers: f.headers } : {}), ...(f.query ? { query: f.query } : {}), ...(f.encode ? { encode: f.encode } : {}) };
      suite(`${f.title} (${idp}/${file})`, f.server ?? {}, (server) => {
        for (const c of f.cases) {
          const key = `${idp}/${file.replace(/\.json$/, '')}/${c.id}`;
          for (const mode of ['unpinned', 'pinned', 'strict'] as const) {
            const ctx = (): CaseContext => ({
              s: server(),
              mode,
              pin: mode === 'pinned' ? f.profile : mode === 'strict' ? STRICT_PROFILE : undefined,
              shape,
              datasets: f.datasets ?? {},
              logIdp: mode === 'pinned' || (mode === 'unpinned' && f.detected) ? f.profile : undefined,
              detected: mode === 'unpinned' && f.detected ? f.profile : undefined,
            });
            it(`${key} [${mode}]: ${c.name} (${c.cites ?? f.title})`, () => runCase(ctx(), c, tenantName(mode)));
          }
        }
      });
    }
  }
});
