/**
 * Readiness (GET /readyz): whether this process should be sent traffic. Not while it shuts down
 * (so a load balancer drains it), and not while its database does not answer or is not migrated.
 */
import type { StoreReadiness } from '../../store/types.ts';

export type ReadinessAnswer = StoreReadiness;

/** Longest wait for the database: a probe every second must not pile up checks. */
export const READINESS_TIMEOUT_MS = 2000;

export class Readiness {
  private draining = false;

  constructor(
    private readonly store: { readiness(): Promise<StoreReadiness> },
    private readonly timeoutMs = READINESS_TIMEOUT_MS,
  ) {}

  /** From now on the process is not ready (shutdown has begun). */
  drain(): void {
    this.draining = true;
  }

  async check(): Promise<ReadinessAnswer> {
    if (this.draining) return { ready: false, reason: 'scimd is shutting down' };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ReadinessAnswer>((resolve) => {
      timer = setTimeout(() => resolve({ ready: false, reason: `the database did not answer within ${this.timeoutMs} ms` }), this.timeoutMs);
    });
    try {
      return await Promise.race([this.store.readiness(), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
