/**
 * The load generator process: it runs the phases the orchestrator sends (over the IPC channel of
 * child_process.fork) and answers with their results, so the client never shares an event loop
 * with the servers it measures or with the orchestrator.
 */
import { runLoad, type LoadSpec } from './load.ts';

process.on('message', (msg: { id: number; spec: LoadSpec }) => {
  runLoad(msg.spec).then(
    (result) => process.send!({ id: msg.id, result }),
    (e: unknown) => process.send!({ id: msg.id, error: e instanceof Error ? e.stack ?? e.message : String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
