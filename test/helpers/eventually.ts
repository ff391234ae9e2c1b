/**
 * Waits for a condition by polling it: the one way tests wait for something another task or
 * process does (a log row written, a mail sent, a server state reached). Polling a condition, not
 * sleeping a fixed time, keeps tests fast on an idle machine and steady on a busy one.
 * A liveness wait, not a timing assertion: the timeout only turns a hang into a clear failure.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  /** What is awaited, for the failure message: "gave up waiting for <what> after <n> ms". */
  readonly what: string;
  /** How long to poll before failing; 10 s unless told. */
  readonly timeoutMs?: number;
  /** The pause between two checks; 20 ms unless told. */
  readonly intervalMs?: number;
  /** More for the failure message, computed when it fails (say, the last answer seen). */
  readonly detail?: () => string;
}

/** What a truthy check returns: `rows.length > 0 && rows` gives the rows. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** The failure of `eventually` when time ran out (not an exception from the check itself). */
export class GaveUpWaiting extends Error {
  override name = 'GaveUpWaiting';
}

/**
 * Calls `check` until it returns a truthy value, and returns that value; fails once `timeoutMs`
 * has passed (after one last check). An exception from `check` ends the wait at once.
 */
export async function eventually<T>(check: () => T | Promise<T>, opts: EventuallyOptions): Promise<Truthy<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as Truthy<T>;
    if (Date.now() > deadline) {
      const detail = opts.detail ? `: ${opts.detail()}` : '';
      throw new GaveUpWaiting(`gave up waiting for ${opts.what} after ${timeoutMs} ms${detail}`);
    }
    await delay(opts.intervalMs ?? 20);
  }
}
