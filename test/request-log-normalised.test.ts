/**
 * The request log keeps the request body as the normalisers left it, beside the body as sent,
 * only when they changed it, redacted exactly like the body as sent; the admin API answers it on
 * one entry (never in listings). Over real HTTP, on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freshDatabase, type TestDatabase } from './helpers/postgres.ts';
import { patch, send, startTestServer, user, type TestServer } from './helpers/server.ts';

const ROOT_KEY = 'normalised_root_key_0123456789abcdefghijklmnopqrstuvwxyz';
const PASSWORD = 'Secret-Pa55-in-a-rewritten-body!';

function suite(backend: 'sqlite' | 'postgres'): void {
  describe(`request log: the body after the normalisers (${backend})`, () => {
    let db: TestDatabase | undefined;
    let s: TestServer;
    let token = '';
    const admin = (path: string) => send(`${s.origin}/admin/v1${path}`, 'GET', undefined, { authorization: `Bearer ${ROOT_KEY}` });
    const scim = (method: string, path: string, body?: unknown) => send(`${s.origin}/t/norm/scim/v2${path}`, method, body, { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' });
    /** The newest logged entry of `method` with its bodies. */
    async function logged(method: string) {
      await s.running.services.requestLog.flush();
      const list = await admin(`/requests?tenant=norm&method=${method}&limit=1`);
      assert.equal(list.status, 200, list.text);
      assert.ok(!('normalisedBody' in list.body[0]), 'listings leave the bodies out');
      const one = await admin(`/requests/${list.body[0].id}`);
      assert.equal(one.status, 200, one.text);
      return one.body;
    }

    before(async () => {
      if (backend === 'postgres') db = await freshDatabase('normalised');
      s = await startTestServer({ bootstrapAdminKey: ROOT_KEY, ...(db ? { databaseUrl: db.url } : {}) });
      await s.running.services.admin.createTenant('norm');
      token = (await s.running.services.admin.createClient('norm', 'entra', { idp: 'entra' })).token;
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    let id = '';
    it('a POST the normalisers rewrote: both bodies, the password redacted in each', async () => {
      const r = await scim('POST', '/Users', user('nora@norm.example', { active: 'True', password: PASSWORD }));
      assert.equal(r.status, 201, r.text);
      id = r.body.id;
      const e = await logged('POST');
      assert.deepEqual(e.notes, ["booleanStrings: 'active' \"True\" read as true"]);
      const sent = JSON.parse(e.requestBody);
      const normalised = JSON.parse(e.normalisedBody);
      assert.equal(sent.active, 'True');
      assert.equal(normalised.active, true);
      assert.equal(sent.password, '[redacted]');
      assert.equal(normalised.password, '[redacted]');
      assert.equal(normalised.userName, 'nora@norm.example');
      assert.ok(!JSON.stringify(e).includes(PASSWORD));
    });

    it('a PATCH the normalisers rewrote: the operations as they ran', async () => {
      const r = await scim('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'displayName', value: 'Nora' }));
      assert.equal(r.status, 200, r.text);
      const e = await logged('PATCH');
      assert.ok(e.notes.some((n: string) => n.startsWith('opCase:')), e.notes.join('\n'));
      assert.equal(JSON.parse(e.requestBody).Operations[0].op, 'Replace');
      assert.equal(JSON.parse(e.normalisedBody).Operations[0].op, 'replace');
    });

    it('a request the normalisers left alone keeps no second body', async () => {
      const r = await scim('PUT', `/Users/${id}`, user('nora@norm.example', { active: true, displayName: 'Nora N' }));
      assert.equal(r.status, 200, r.text);
      const e = await logged('PUT');
      assert.deepEqual(e.notes, []);
      assert.ok(e.requestBody);
      assert.equal(e.normalisedBody, undefined);
    });
  });
}

suite('sqlite');
suite('postgres');
