/**
 * A host application that keeps its own copy of scimd's directory from webhooks: scimd runs as its
 * own server, and posts each tenant's events to this receiver, which checks every request's
 * Standard Webhooks signature (the `standardwebhooks` package), then mirrors users, groups and
 * memberships into its SQLite tables (../shared/mirror-tables.mjs).
 *
 *   node examples/mirror-webhooks/receiver.mjs
 *
 * Environment: PORT (4000), HOST (127.0.0.1), MIRROR_DB (./mirror.db), WEBHOOK_SECRETS: a JSON
 * object of tenant name → the endpoint's secret, as `scimd webhook add <tenant>
 * http://HOST:PORT/hooks/<tenant>` printed it (scimd then needs --webhook-allow-private true to
 * post to a receiver on this machine). GET /mirror shows the tables.
 *
 * scimd delivers each event at least once and in order per endpoint: the tables skip an event
 * they applied before, so each change is applied exactly once. A request whose signature does not
 * verify is answered 401 and changes nothing; an event that cannot be applied is answered 500, and
 * scimd delivers it again later (nothing after it comes before it).
 */
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { mirrorApplier, mirrorContents, openMirror } from '../shared/mirror-tables.mjs';

/** Largest request body the receiver reads. */
const MAX_BODY = 1_048_576;

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        request.destroy();
      } else chunks.push(c);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * Starts the receiver. `secrets` maps a tenant name to its endpoint's signing secret (a Map, so
 * endpoints added later can be given theirs). `onEvent` (for tests) sees every verified event first.
 */
export async function startReceiver({ mirrorFile, secrets, host = '127.0.0.1', port = 4000, onEvent = () => undefined }) {
  const db = openMirror(mirrorFile);
  const apply = mirrorApplier(db);
  const stats = { verified: 0, refused: 0, applied: 0, repeated: 0 };
  const answer = (response, status, body) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const server = http.createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://receiver');
      if (request.method === 'GET' && url.pathname === '/mirror') return answer(response, 200, mirrorContents(db));
      const hook = /^\/hooks\/([^/]+)$/.exec(url.pathname);
      if (request.method !== 'POST' || !hook) return answer(response, 404, { error: 'not found' });
      const tenant = decodeURIComponent(hook[1]);
      const secret = secrets.get(tenant);
      const body = await readBody(request);
      let payload;
      try {
        if (!secret) throw new Error(`no secret for tenant ${tenant}`);
        // Checks webhook-id, webhook-timestamp (within five minutes) and webhook-signature.
        payload = new Webhook(secret).verify(body, request.headers);
      } catch (e) {
        stats.refused++;
        return answer(response, 401, { error: `signature: ${e instanceof Error ? e.message : String(e)}` });
      }
      stats.verified++;
      const event = payload.data;
      if (payload.type === 'webhook.test') return answer(response, 204);
      if (event?.tenant !== tenant) return answer(response, 400, { error: 'the event is of another tenant' });
      await onEvent(event);
      if (apply(event)) stats.applied++;
      else stats.repeated++;
      return answer(response, 204);
    } catch (e) {
      return answer(response, e?.status ?? 500, { error: e instanceof Error ? e.message : String(e) });
    }
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  return {
    db,
    stats,
    origin: `http://${host}:${server.address().port}`,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      db.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secrets = new Map(Object.entries(JSON.parse(process.env.WEBHOOK_SECRETS ?? '{}')));
  const running = await startReceiver({
    mirrorFile: process.env.MIRROR_DB ?? './mirror.db',
    secrets,
    host: process.env.HOST ?? '127.0.0.1',
    port: Number(process.env.PORT ?? 4000),
  });
  console.log(`receiving webhooks at ${running.origin}/hooks/<tenant> for ${[...secrets.keys()].join(', ') || '(no tenant yet: set WEBHOOK_SECRETS)'}\nmirror: ${running.origin}/mirror`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void running.close());
}
