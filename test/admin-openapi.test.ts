/**
 * The admin API's OpenAPI 3.1 document: it validates against the OpenAPI schema, and every admin
 * route is in it (with its method), and nothing else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { RouteOptions } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { send, startTestServer, type TestServer } from './helpers/server.ts';

describe('admin API OpenAPI document', () => {
  let s: TestServer;
  let doc: { openapi: string; paths: Record<string, Record<string, { operationId?: string; summary?: string; responses?: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };
  before(async () => {
    s = await startTestServer();
    const r = await send(`${s.origin}/admin/v1/openapi.json`, 'GET');
    assert.equal(r.status, 200, 'served without an admin key');
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    doc = r.body;
  });
  after(() => s.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    assert.match(doc.openapi, /^3\.1\./);
    const result = await new Validator().validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 3000));
    for (const name of ['Problem', 'Tenant', 'TenantDetails', 'Client', 'IssuedToken', 'AdminKey', 'ListResponse', 'RequestLogEntry']) assert.ok(doc.components.schemas[name], `components.schemas.${name}`);
  });

  it('documents every admin route, each with an operationId, a summary and its problem answers', async () => {
    const app = buildApp(s.running.services, { maxResults: 100, bodyLimit: 1_048_576, bulkMaxOperations: 10 }, false);
    const routes: { method: string; url: string }[] = [];
    app.addHook('onRoute', (r: RouteOptions) => {
      for (const method of [r.method].flat()) routes.push({ method: method.toLowerCase(), url: r.url });
    });
    await app.ready();
    await app.close();
    const admin = routes.filter((r) => r.url.startsWith('/admin/v1/') && r.method !== 'head' && r.url !== '/admin/v1/openapi.json');
    assert.ok(admin.length >= 30, `${admin.length} admin routes`);
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) for (const method of Object.keys(ops)) documented.add(`${method} ${path}`);
    const routeKeys = admin.map((r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    assert.deepEqual([...new Set(routeKeys)].sort(), [...documented].sort());
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(op.operationId && !ids.has(op.operationId), `${method} ${path}: a unique operationId`);
        ids.add(op.operationId);
        assert.ok(op.summary, `${method} ${path}: a summary`);
        assert.ok(op.responses?.['4XX'] ?? op.responses?.['4xx'], `${method} ${path}: its problem answers`);
      }
    }
  });
});
