// Reference points between the ceiling and scimd: Fastify (scimd's framework) answering a fixed
// JSON document, and Fastify answering with one row read from scimd's SQLite database (one indexed
// SELECT, JSON.parse of the stored document, JSON.stringify of the answer) — no authentication, no
// request log, no SCIM rules. Together they show what the framework and one database read cost on
// this machine, before anything scimd itself does.
import Fastify from 'fastify';
import Database from 'better-sqlite3';

const [dbFile, tenantId] = process.argv.slice(2);
const app = Fastify({ logger: false });
const fixed = JSON.stringify({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '2819c223-7f76-453a-919d-413861904646',
  userName: 'bjensen@example.com',
  active: true,
  meta: { resourceType: 'User', version: 'W/"1"' },
});
app.get('/fixed', async (_request, reply) => reply.header('content-type', 'application/scim+json; charset=utf-8').send(fixed));
if (dbFile) {
  const db = new Database(dbFile, { readonly: true });
  const byId = db.prepare('SELECT id, version, created, last_modified, data FROM resources WHERE tenant_id = ? AND id = ? AND type = ?');
  app.get('/read/:id', async (request, reply) => {
    const row = byId.get(tenantId, request.params.id, 'User');
    if (!row) return reply.code(404).send('{}');
    const doc = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: row.id, ...JSON.parse(row.data), meta: { resourceType: 'User', created: row.created, lastModified: row.last_modified, version: `W/"${row.version}"` } };
    return reply.header('content-type', 'application/scim+json; charset=utf-8').header('etag', `W/"${row.version}"`).send(JSON.stringify(doc));
  });
}
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
