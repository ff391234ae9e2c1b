// The ceiling: a bare node:http server answering every request with one fixed small SCIM JSON
// document. Plain JavaScript, no framework, no loader: nothing faster answers HTTP in Node, so a
// phase's ratio to it says how much of the machine scimd's own work takes.
import { createServer } from 'node:http';

const body = Buffer.from(
  JSON.stringify({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: '2819c223-7f76-453a-919d-413861904646',
    userName: 'bjensen@example.com',
    active: true,
    meta: { resourceType: 'User', version: 'W/"1"' },
  }),
);
const headers = { 'content-type': 'application/scim+json; charset=utf-8', 'content-length': String(body.length) };

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, headers);
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
