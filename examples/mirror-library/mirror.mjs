/**
 * A host application that runs scimd inside itself (library mode) and keeps its own copy of the
 * directory: scimd's SCIM endpoints are mounted in the host's Fastify app, and library
 * subscriptions mirror users, groups and memberships into the host's SQLite tables.
 *
 *   node examples/mirror-library/mirror.mjs        (after `npm run build` in a checkout)
 *
 * Environment: PORT (3000), HOST (127.0.0.1), SCIMD_DATA_DIR (./data: scimd's own database),
 * MIRROR_DB (./mirror.db: the host's tables). The first start prints the SCIM token of tenant
 * `default`; point an IdP at http://HOST:PORT/scim/v2 with it. GET /mirror shows the tables.
 *
 * The tables and how each event changes them are in ../shared/mirror-tables.mjs (exactly once per
 * event, though scimd delivers at least once).
 */
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { createScimd } from 'scimd';
import { MIRRORED_TYPES, mirrorApplier, mirrorContents, openMirror } from '../shared/mirror-tables.mjs';

export { openMirror };

/**
 * Subscribes the mirror to scimd's events. Each event is applied in one transaction of the
 * mirror's database together with the tenant's applied tenantSeq; `onDeliver` (for tests) is
 * called first, and a throw from it, like any failure here, makes scimd call again later.
 */
export function subscribeMirror(scimd, db, onDeliver = () => undefined) {
  const apply = mirrorApplier(db);
  for (const type of MIRRORED_TYPES) {
    scimd.on(type, async (e) => {
      await onDeliver(e);
      apply(e);
    });
  }
}

/**
 * Starts the host: scimd (its database in `dataDir`), the mirror (`mirrorFile`), and a Fastify app
 * with scimd's endpoints and the host's own routes. `scimd` passes more options to createScimd.
 */
export async function startMirrorHost({ dataDir, mirrorFile, host = '127.0.0.1', port = 3000, scimd: scimdOptions = {}, onDeliver } = {}) {
  const db = openMirror(mirrorFile);
  const scimd = await createScimd({ dataDir, subscriber: 'mirror', ...scimdOptions });
  // Right after createScimd: delivery starts once this task ends.
  subscribeMirror(scimd, db, onDeliver);
  const app = Fastify();
  app.get('/mirror', async () => mirrorContents(db));
  await app.register(scimd.plugin);
  await app.listen({ host, port });
  return {
    app,
    scimd,
    db,
    origin: `http://${host}:${app.server.address().port}`,
    async close() {
      // The host first (it ends scimd's long-polls through it), then scimd (its subscriptions wait for the handler in progress).
      await app.close();
      await scimd.close();
      db.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const running = await startMirrorHost({
    dataDir: process.env.SCIMD_DATA_DIR ?? './data',
    mirrorFile: process.env.MIRROR_DB ?? './mirror.db',
    host: process.env.HOST ?? '127.0.0.1',
    port: Number(process.env.PORT ?? 3000),
  });
  const { token } = running.scimd.bootstrap;
  console.log(`SCIM base URL: ${running.origin}/scim/v2${token ? `\ntoken of tenant default (shown once): ${token}` : ''}\nmirror: ${running.origin}/mirror`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void running.close());
}
