/**
 * Tenant policies (Wire, Zulip), end to end over real HTTP on a real SQLite file: Wire's handle
 * rule for userName and its 1–128 code point displayName (Wire), externalId as SAML NameID
 * or email address (Wire; the invitation mail itself is tested elsewhere), and name.formatted
 * derived for IdPs that never send it (Zulip, Zulip's name_formatted_included, set here with
 * the real `scimd client set`). Every rejection is a 400 invalidValue naming the rule, and leaves
 * the data as it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ERROR_SCHEMA, patch, startTestServer, user, USER_SCHEMA, type Reply, type ScimTenant as Tenant, type TestServer } from './helpers/server.ts';
import { scimdCli } from './helpers/cli.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.close());

let seq = 0;

/** A fresh tenant with one client `idp`, with these tenant settings. */
const tenant = (settings: Record<string, string> = {}): Promise<Tenant> => s.scimTenant(`pol-${++seq}`, settings);

function assertError(r: Reply, status: number, scimType: string, detail: RegExp, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  assert.deepEqual(r.body.schemas, [ERROR_SCHEMA], what);
  assert.equal(r.body.status, String(status), what);
  assert.equal(r.body.scimType, scimType, what);
  assert.match(r.body.detail, detail, what);
}

const filterUrl = (f: string) => `/Users?filter=${encodeURIComponent(f)}`;

async function total(t: Tenant): Promise<number> {
  const r = await t.request('GET', '/Users?count=0');
  assert.equal(r.status, 200, r.text);
  return r.body.totalResults;
}

/** A created user's id and version, failing loudly when the creation failed. */
async function create(t: Tenant, body: unknown): Promise<Reply> {
  const r = await t.request('POST', '/Users', body);
  assert.equal(r.status, 201, r.text);
  return r;
}

/** PUT and every PATCH form that sets `attr` to `value`, each of which must be refused. */
function writesOf(id: string, current: Record<string, unknown>, attr: string, value: unknown): [string, string, unknown][] {
  return [
    ['PUT', `/Users/${id}`, { ...current, [attr]: value }],
    ['PATCH replace with path', `/Users/${id}`, patch({ op: 'replace', path: attr, value })],
    ['PATCH add with path', `/Users/${id}`, patch({ op: 'add', path: attr, value })],
    ['PATCH replace without path', `/Users/${id}`, patch({ op: 'replace', value: { [attr]: value } })],
  ];
}

async function assertUnchanged(t: Tenant, id: string, before: Reply, what: string): Promise<void> {
  const now = await t.request('GET', `/Users/${id}`);
  assert.equal(now.status, 200, what);
  assert.equal(now.body.meta.version, before.body.meta.version, `${what}: the version did not move`);
  assert.deepEqual({ ...now.body, meta: undefined }, { ...before.body, meta: undefined }, `${what}: nothing changed`);
}

describe('userName.policy = handle (Wire: a-z0-9_.- only, no capitals, 2 to 256 characters)', () => {
  let wire: Tenant;
  before(async () => {
    wire = await tenant({ 'userName.policy': 'handle' });
  });

  it('accepts handles: lower-case letters, digits, _ . and -, from 2 to 256 characters', async () => {
    for (const h of ['jane', 'j.doe', 'jane_doe-2', '42', '__', '.-', 'x'.repeat(256)]) {
      const r = await wire.request('POST', '/Users', user(h));
      assert.equal(r.status, 201, `${h.slice(0, 20)}: ${r.text}`);
      assert.equal(r.body.userName, h, 'stored as sent');
    }
  });

  it('refuses capitals, white space, non-ASCII look-alikes and the wrong length with a 400 that names the rule and the culprit', async () => {
    const cases: [string, RegExp][] = [
      ['Jane', /capital letter 'J'/],
      ['janE', /capital letter 'E'/],
      ['jane doe', /white space \(U\+0020\)/],
      ['jane\tdoe', /white space \(U\+0009\)/],
      ['j', /1 character; a handle has at least 2/],
      ['x'.repeat(257), /257 characters; a handle has at most 256/],
      ['jane😀', /'😀' \(U\+1F600\)/],
      ['jose\u0301', /U\+0301/], // a combining acute accent
      ['jos\u00e9', /'é' \(U\+00E9\)/], // the same, precomposed
      ['ｊａｎｅ', /U\+FF4A/], // fullwidth letters
      ['\u0131lker', /'ı' \(U\+0131\)/], // Turkish dotless i
      ['\u0130lker', /U\+0130/], // Turkish capital I with dot: not A-Z, still refused
      ['stra\u00dfe', /'ß' \(U\+00DF\)/],
      ['jane@example.com', /'@' \(U\+0040\)/],
    ];
    const before = await total(wire);
    for (const [h, why] of cases) {
      const r = await wire.request('POST', '/Users', user(h));
      assertError(r, 400, 'invalidValue', /userName\.policy = handle/, JSON.stringify(h));
      assert.match(r.body.detail, why, JSON.stringify(h));
      assert.match(r.body.detail, /a-z, 0-9, '_', '\.' and '-', no capitals/, 'the detail states the rule');
    }
    assert.equal(await total(wire), before, 'nothing was stored');
    const none = await wire.request('GET', filterUrl('userName eq "stra\u00dfe" or userName sw "jane@" or userName eq "jane doe"'));
    assert.equal(none.body.totalResults, 0);
  });

  it('does not echo a huge userName back whole', async () => {
    const r = await wire.request('POST', '/Users', user('X'.repeat(5000)));
    assertError(r, 400, 'invalidValue', /\(5000 characters\)/, 'a 5000-character userName');
    assert.ok(r.body.detail.length < 400, `detail is ${r.body.detail.length} characters`);
  });

  it('PUT and PATCH (with and without a path) enforce the rule too, and change nothing', async () => {
    const created = await create(wire, user('sam'));
    const id = created.body.id;
    for (const bad of ['Sam', 'sam smith', 's', 'sám']) {
      for (const [how, path, body] of writesOf(id, user('sam'), 'userName', bad)) {
        const r = await wire.request(how.startsWith('PUT') ? 'PUT' : 'PATCH', path, body);
        assertError(r, 400, 'invalidValue', /userName\.policy = handle/, `${how} ${bad}`);
      }
    }
    await assertUnchanged(wire, id, created, 'after the refused writes');
    const renamed = await wire.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'userName', value: 'sam.smith' }));
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.userName, 'sam.smith');
  });

  it('with the default (rfc) any non-empty userName is fine, capitals and non-ASCII included', async () => {
    const rfc = await tenant();
    for (const n of ['Jane Doe', 'stra\u00dfe', '\u0131lker', 'ｊａｎｅ', 'jane😀', 'j']) {
      const r = await rfc.request('POST', '/Users', user(n));
      assert.equal(r.status, 201, `${n}: ${r.text}`);
    }
  });
});

describe('displayName.policy = wire (Wire: required, 1 to 128 Unicode characters)', () => {
  let wire: Tenant;
  let n = 0;
  const post = (displayName?: unknown) => wire.request('POST', '/Users', user(`dn${++n}`, displayName === undefined ? {} : { displayName }));
  before(async () => {
    wire = await tenant({ 'displayName.policy': 'wire' });
  });

  it('counts code points, not UTF-16 units: 128 emoji (256 units) pass, 129 do not', async () => {
    const ok = '😀'.repeat(128);
    assert.equal(ok.length, 256, 'the test string is 256 UTF-16 units');
    const r = await post(ok);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.displayName, ok);
    assertError(await post('😀'.repeat(129)), 400, 'invalidValue', /displayName has 129 characters.*displayName\.policy = wire.*code points after NFC/, '129 emoji');
  });

  it('normalises to NFC before counting, and stores the NFC form', async () => {
    const decomposed = 'e\u0301'.repeat(128); // 256 code points, 128 after NFC
    const r = await post(decomposed);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.displayName, '\u00e9'.repeat(128), 'returned in NFC');
    const again = await wire.request('GET', `/Users/${r.body.id}`);
    assert.equal(again.body.displayName, '\u00e9'.repeat(128), 'stored in NFC');
    const found = await wire.request('GET', filterUrl(`displayName eq "${'\u00e9'.repeat(128)}"`));
    assert.equal(found.body.totalResults, 1, 'found by its NFC form');
    assertError(await post('e\u0301'.repeat(129)), 400, 'invalidValue', /129 characters/, '129 decomposed é');
  });

  it('combining marks with no precomposed form keep counting as code points', async () => {
    // q + U+0301 has no precomposed character: NFC leaves two code points per pair.
    const r = await post('q\u0301'.repeat(64));
    assert.equal(r.status, 201, r.text);
    assertError(await post(`${'q\u0301'.repeat(64)}q`), 400, 'invalidValue', /129 characters/, '129 code points');
    // Hangul jamo compose: 128 pairs of L+V are 128 syllables after NFC.
    const hangul = await post('\u1100\u1161'.repeat(128));
    assert.equal(hangul.status, 201, hangul.text);
    assert.equal(hangul.body.displayName, '\uac00'.repeat(128));
  });

  it('refuses an absent, empty or blank displayName', async () => {
    const before = await total(wire);
    assertError(await post(), 400, 'invalidValue', /displayName is required \(displayName\.policy = wire/, 'absent');
    assertError(await post(''), 400, 'invalidValue', /displayName is required/, 'empty');
    assertError(await post(null), 400, 'invalidValue', /displayName is required/, 'null');
    assertError(await post('   '), 400, 'invalidValue', /must not be blank/, 'blank');
    assert.equal(await total(wire), before, 'nothing was stored');
  });

  it('PUT and PATCH enforce it: no removal, no 129, and NFC on the way in', async () => {
    const created = await create(wire, user('dnput', { displayName: 'Jane' }));
    const id = created.body.id;
    assertError(await wire.request('PUT', `/Users/${id}`, user('dnput')), 400, 'invalidValue', /displayName is required/, 'PUT without it');
    assertError(await wire.request('PATCH', `/Users/${id}`, patch({ op: 'remove', path: 'displayName' })), 400, 'invalidValue', /displayName is required/, 'PATCH remove');
    for (const [how, path, body] of writesOf(id, user('dnput'), 'displayName', 'x'.repeat(129))) {
      assertError(await wire.request(how.startsWith('PUT') ? 'PUT' : 'PATCH', path, body), 400, 'invalidValue', /129 characters/, how);
    }
    await assertUnchanged(wire, id, created, 'after the refused writes');
    const nfc = await wire.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'displayName', value: 'Re\u0301my' }));
    assert.equal(nfc.status, 200, nfc.text);
    assert.equal(nfc.body.displayName, 'R\u00e9my');
    const put = await wire.request('PUT', `/Users/${id}`, user('dnput', { displayName: 'Zoe\u0308' }));
    assert.equal(put.body.displayName, 'Zo\u00eb');
  });

  it('with the default (rfc) a displayName is optional and stored as sent', async () => {
    const rfc = await tenant();
    assert.equal((await rfc.request('POST', '/Users', user('nodn'))).status, 201);
    const r = await create(rfc, user('nfd', { displayName: 'Re\u0301my' }));
    assert.equal(r.body.displayName, 'Re\u0301my', 'no normalisation without the policy');
  });
});

describe('externalId.mode (Wire)', () => {
  it('samlNameId: required, and unique in the tenant (409 uniqueness); NameIDs compare exactly', async () => {
    const saml = await tenant({ 'externalId.mode': 'samlNameId' });
    assertError(await saml.request('POST', '/Users', user('nobody')), 400, 'invalidValue', /externalId is required \(externalId\.mode = samlNameId: the SAML NameID\)/, 'absent');
    assert.equal(await total(saml), 0, 'nothing was stored');

    const first = await create(saml, user('ann', { externalId: 'nameid-ann' }));
    const dup = await saml.request('POST', '/Users', user('ann2', { externalId: 'nameid-ann' }));
    assertError(dup, 409, 'uniqueness', /externalId 'nameid-ann' \(the SAML NameID\) is already another user's in this tenant/, 'a second user with the NameID');
    assert.equal(await total(saml), 1, 'the second user was not stored');
    assert.equal((await saml.request('POST', '/Users', user('ann3', { externalId: 'NAMEID-ANN' }))).status, 201, 'externalId is caseExact (RFC 7643 §3.1)');

    const bob = await create(saml, user('bob', { externalId: 'nameid-bob' }));
    assertError(await saml.request('PATCH', `/Users/${bob.body.id}`, patch({ op: 'replace', path: 'externalId', value: 'nameid-ann' })), 409, 'uniqueness', /already another user's/, 'PATCH onto a taken NameID');
    assertError(await saml.request('PUT', `/Users/${bob.body.id}`, user('bob', { externalId: 'nameid-ann' })), 409, 'uniqueness', /already another user's/, 'PUT onto a taken NameID');
    assertError(await saml.request('PATCH', `/Users/${bob.body.id}`, patch({ op: 'remove', path: 'externalId' })), 400, 'invalidValue', /externalId is required/, 'PATCH remove');
    await assertUnchanged(saml, bob.body.id, bob, 'after the refused writes');
    const same = await saml.request('PUT', `/Users/${first.body.id}`, user('ann', { externalId: 'nameid-ann', displayName: 'Ann' }));
    assert.equal(same.status, 200, 'a user keeps its own NameID');

    const other = await tenant({ 'externalId.mode': 'samlNameId' });
    assert.equal((await other.request('POST', '/Users', user('ann', { externalId: 'nameid-ann' }))).status, 201, 'another tenant may use the same NameID');
  });

  it("email: required, and must be an email address (400 invalidValue naming the mode)", async () => {
    const mail = await tenant({ 'externalId.mode': 'email' });
    assertError(await mail.request('POST', '/Users', user('nomail')), 400, 'invalidValue', /externalId is required \(externalId\.mode = email: the user's email address\)/, 'absent');
    let n = 0;
    for (const good of ['jane@example.com', 'jane.doe+tag@mail.example.co.uk', 'jos\u00e9@ex\u00e4mple.de', 'o\'brien@example.ie']) {
      const r = await mail.request('POST', '/Users', user(`ok${++n}`, { externalId: good }));
      assert.equal(r.status, 201, `${good}: ${r.text}`);
      assert.equal(r.body.externalId, good);
    }
    const before = await total(mail);
    const bad = [
      'jane',
      'jane@',
      '@example.com',
      'jane@example',
      'jane doe@example.com',
      'jane@@example.com',
      '.jane@example.com',
      'jane.@example.com',
      'jane..doe@example.com',
      'jane@-example.com',
      'jane@example..com',
      'jane@example.com.',
      'jane@192.168.0.1',
      '"jane"@example.com',
      'jane@exa_mple.com',
      `${'x'.repeat(65)}@example.com`,
    ];
    for (const address of bad) {
      const r = await mail.request('POST', '/Users', user(`bad${++n}`, { externalId: address }));
      assertError(r, 400, 'invalidValue', /is not an email address \(externalId\.mode = email/, address);
    }
    assert.equal(await total(mail), before, 'nothing was stored');
    const u = await mail.request('GET', filterUrl('externalId eq "jane@example.com"'));
    const id = u.body.Resources[0].id;
    assertError(await mail.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'externalId', value: 'not-an-address' })), 400, 'invalidValue', /not an email address/, 'PATCH');
  });

  it('any (the default): externalId is optional and anything goes', async () => {
    const any = await tenant();
    assert.equal((await any.request('POST', '/Users', user('a1'))).status, 201);
    assert.equal((await any.request('POST', '/Users', user('a2', { externalId: 'x' }))).status, 201);
    assert.equal((await any.request('POST', '/Users', user('a3', { externalId: 'x' }))).status, 201, 'not unique either');
  });
});

describe('name.formatted for IdPs that never send it (Zulip: scimd client set … name.formattedIncluded false)', () => {
  let zulip: Tenant;
  before(async () => {
    zulip = await tenant();
    const r = await scimdCli(['client', 'set', zulip.name, 'idp', 'name.formattedIncluded', 'false'], s.dataDir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /name\.formattedIncluded = false/);
  });

  it('POST: derived from the name parts in order, else from displayName; never invented from nothing', async () => {
    const parts = await create(zulip, user('ada', { name: { givenName: 'Ada', familyName: 'Lovelace' } }));
    assert.deepEqual(parts.body.name, { formatted: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace' });
    const all = await create(zulip, user('ada2', { name: { honorificSuffix: 'III', familyName: 'King', givenName: 'Ada', middleName: 'Augusta', honorificPrefix: 'Dr.' } }));
    assert.equal(all.body.name.formatted, 'Dr. Ada Augusta King III');
    const dn = await create(zulip, user('ada3', { displayName: 'Countess of Lovelace' }));
    assert.deepEqual(dn.body.name, { formatted: 'Countess of Lovelace' });
    const bare = await create(zulip, user('ada4'));
    assert.equal(bare.body.name, undefined, 'nothing to derive it from');
    const got = await zulip.request('GET', `/Users/${parts.body.id}`);
    assert.equal(got.body.name.formatted, 'Ada Lovelace', 'stored, not only returned');
    const found = await zulip.request('GET', filterUrl('name.formatted eq "ada lovelace"'));
    assert.equal(found.body.totalResults, 1, 'and filterable');
  });

  it('a name.formatted the IdP sends is kept, on POST, PUT and PATCH', async () => {
    const sent = await create(zulip, user('bab', { name: { formatted: 'Ms. Barbara J Jensen III', givenName: 'Barbara', familyName: 'Jensen' } }));
    assert.equal(sent.body.name.formatted, 'Ms. Barbara J Jensen III');
    const id = sent.body.id;
    const put = await zulip.request('PUT', `/Users/${id}`, user('bab', { name: { formatted: 'Babs Jensen', givenName: 'Barbara', familyName: 'Jensen' } }));
    assert.equal(put.body.name.formatted, 'Babs Jensen');
    const renamed = await zulip.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'name.givenName', value: 'Barb' }));
    assert.equal(renamed.body.name.formatted, 'Babs Jensen', 'a formatted name the IdP chose is not overwritten');
    const explicit = await zulip.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'name.formatted', value: 'B. Jensen' }));
    assert.equal(explicit.body.name.formatted, 'B. Jensen');
  });

  it('a derived name.formatted follows the parts when PATCH or PUT change them', async () => {
    const u = await create(zulip, user('grace', { name: { givenName: 'Grace', familyName: 'Murray' } }));
    const id = u.body.id;
    const married = await zulip.request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'name.familyName', value: 'Hopper' }));
    assert.equal(married.status, 200, married.text);
    assert.equal(married.body.name.formatted, 'Grace Hopper');
    const noPath = await zulip.request('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { name: { givenName: 'Amazing Grace', familyName: 'Hopper' } } }));
    assert.equal(noPath.body.name.formatted, 'Amazing Grace Hopper');
    const put = await zulip.request('PUT', `/Users/${id}`, user('grace', { name: { givenName: 'Grace', middleName: 'Brewster', familyName: 'Hopper' } }));
    assert.equal(put.body.name.formatted, 'Grace Brewster Hopper');
    const dnOnly = await zulip.request('PUT', `/Users/${id}`, user('grace', { displayName: 'Rear Admiral Hopper' }));
    assert.deepEqual(dnOnly.body.name, { formatted: 'Rear Admiral Hopper' });
    const gone = await zulip.request('PATCH', `/Users/${id}`, patch({ op: 'remove', path: 'displayName' }));
    assert.equal(gone.body.name, undefined, 'a derived value with nothing left to derive it from goes');
  });

  it('with the default (true) scimd leaves name.formatted absent, and the setting is per client', async () => {
    const plain = await tenant();
    const r = await create(plain, user('lin', { name: { givenName: 'Lin', familyName: 'Chen' } }));
    assert.deepEqual(r.body.name, { givenName: 'Lin', familyName: 'Chen' });
    const p = await plain.request('PATCH', `/Users/${r.body.id}`, patch({ op: 'replace', path: 'name.familyName', value: 'Wu' }));
    assert.equal(p.body.name.formatted, undefined);
    // A second client of the derived tenant keeps the default.
    const other = await s.running.services.admin.createClient(zulip.name, 'entra');
    const viaOther = await s.request('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'via-entra', name: { givenName: 'Ed', familyName: 'Ng' } }, { authorization: `Bearer ${other.token}` });
    assert.equal(viaOther.status, 201, viaOther.text);
    assert.equal(viaOther.body.name.formatted, undefined);
  });
});
