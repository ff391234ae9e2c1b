/**
 * Fair sharing of the process between SCIM clients: at most `limit` requests of one client are
 * worked on at once, the rest wait their turn in arrival order. Node runs every request on one
 * event loop, so a request's latency grows with the work of all requests in progress: without a
 * bound, a client that sends 100 requests at once (within its rate limit) puts each request of
 * every other tenant behind all 100. A waiting request has not had its body read yet, so waiting
 * costs a closure, and a client whose own requests are slow (a slow upload) only delays itself.
 */

interface Gate {
  active: number;
  readonly waiting: (() => void)[];
}

export class ClientGates {
  private readonly gates = new Map<string, Gate>();

  /** @param limit requests of one key in progress at once; 0 for no limit. */
  constructor(readonly limit: number) {}

  /** Requests of `key` in progress, and waiting (for tests and diagnostics). */
  state(key: string): { active: number; waiting: number } {
    const g = this.gates.get(key);
    return { active: g?.active ?? 0, waiting: g?.waiting.length ?? 0 };
  }

  /**
   * Resolves when the request may proceed, to the function that ends its turn. Calling that
   * function more than once is harmless.
   */
  async enter(key: string): Promise<() => void> {
    if (this.limit <= 0) return () => undefined;
    let g = this.gates.get(key);
    if (!g) {
      g = { active: 0, waiting: [] };
      this.gates.set(key, g);
    }
    const gate = g;
    if (gate.active >= this.limit) await new Promise<void>((resolve) => gate.waiting.push(resolve));
    else gate.active++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = gate.waiting.shift();
      // The turn passes straight to the next waiter, so `active` stays as it is — after the event
      // loop has polled for I/O: handed over at once (a microtask), a client's queue would run
      // through entirely before any other client's request is even read.
      if (next) return void setImmediate(next);
      gate.active--;
      if (gate.active === 0) this.gates.delete(key);
    };
  }
}
