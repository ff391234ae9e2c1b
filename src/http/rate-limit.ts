/**
 * Per-client rate limiting of SCIM requests, and a stricter per-address limit on requests that
 * fail authentication (so a token-guessing flood costs scimd little and learns nothing faster).
 * By default a client is held to its share only while other clients are active: alone, it has
 * the whole server. Buckets live in this process: with several replicas behind a load balancer,
 * each replica enforces the limit on its own share of the traffic.
 */
import type { FastifyRequest } from 'fastify';
import type { AuthContext, ScimClient } from '../provisioning/requests/auth.ts';
import { ScimError } from '../scim/errors.ts';
import { ActiveClients } from './active-clients.ts';
import { TokenBuckets, type BucketLimit, type Clock, type Verdict } from './token-bucket.ts';

/**
 * When a client past `RateLimits.client` is refused. `fair`: only while another client is active
 * (see ActiveClients), so a client alone on the server is never refused, and with others about
 * each is held to this share. `always`: whenever its bucket is empty.
 */
export type ClientLimitMode = 'fair' | 'always';

export interface RateLimits {
  /** Every SCIM client's limit unless its settings say otherwise; absent: unlimited. */
  readonly client?: BucketLimit;
  /** When `client` refuses; absent: `always`. A client's own `rateLimit` setting refuses always. */
  readonly clientMode?: ClientLimitMode;
  /** Per client address, charged by each request that fails authentication; absent: unlimited. */
  readonly unauthenticated?: BucketLimit;
  /** Milliseconds (at most) a refused request is held before its 429 goes out; absent or 0: at once. */
  readonly holdMs?: number;
}

/**
 * A refusal answered at once invites the next request at once: a client that waits for each
 * answer (as IdPs do, with a few connections) would spend scimd's whole CPU on 429s and slow
 * every other tenant down. Held for a second — no longer than the Retry-After it carries — each
 * of its connections sends at most one request a second. A held request costs a timer, nothing
 * else; past MAX_HELD held at once, refusals go out at once.
 */
export const DEFAULT_HOLD_MS = 1000;
const MAX_HELD = 1024;

/**
 * Entra ID documents that it sends up to 25 requests/s per tenant: 50/s is twice that, so a
 * conforming IdP (and its retries) never meets its share, and a burst of 100 absorbs the first
 * seconds of a full synchronisation. A client alone (a validator, a first synchronisation) is not
 * held to it at all. No legitimate client fails authentication more than a few times a second, so
 * 5/s with a burst of 20 bounds a guessing flood without troubling one.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  client: { rate: 50, burst: 100 },
  clientMode: 'fair',
  unauthenticated: { rate: 5, burst: 20 },
  holdMs: DEFAULT_HOLD_MS,
};

/** RFC 6585 §4: 429 Too Many Requests with Retry-After. RFC 7644 §3.12 defines no scimType for it. */
export function tooManyRequests(detail: string, retryAfterSeconds: number): ScimError {
  return new ScimError(429, undefined, `${detail} Retry after ${retryAfterSeconds} s.`, { 'retry-after': String(retryAfterSeconds) });
}

/**
 * A client's own limit from its settings (`rateLimit`, `rateLimit.burst`), else the default.
 * `rateLimit off` means unlimited; a rate without a burst gets a burst of twice the rate.
 */
export function clientLimit(client: Pick<ScimClient, 'settings'>, fallback: BucketLimit | undefined): BucketLimit | undefined {
  const rate = client.settings['rateLimit'];
  const burst = client.settings['rateLimit.burst'];
  if (rate === 'off') return undefined;
  if (rate === undefined && burst === undefined) return fallback;
  const r = rate !== undefined ? Number(rate) : (fallback ?? DEFAULT_RATE_LIMITS.client!).rate;
  // A client's own rate brings its own burst; a burst alone keeps the default rate.
  const b = burst !== undefined ? Number(burst) : rate !== undefined ? 2 * r : (fallback ?? DEFAULT_RATE_LIMITS.client!).burst;
  return { rate: r, burst: Math.max(1, b) };
}

/** Whether the client's settings set its own limit (which refuses whether or not others are active). */
export function hasOwnLimit(client: Pick<ScimClient, 'settings'>): boolean {
  return client.settings['rateLimit'] !== undefined || client.settings['rateLimit.burst'] !== undefined;
}

/**
 * The key an address is limited under. An IPv6 host usually owns a whole /64, so that is the
 * unit; IPv4-mapped IPv6 addresses count as their IPv4 address.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.split('::', 2);
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** A refused request, and the key its refusal counts under (for sampling the request log). */
export interface Refusal {
  readonly error: ScimError;
  readonly key: string;
}

/** How many keys the log sampling remembers. */
const MAX_SAMPLED_KEYS = 10_000;
/** At most one refused request per key is written to the request log per this many ms. */
const LOG_REFUSALS_EVERY_MS = 1000;

/** How a token lookup ended: with a value or an error. */
export type Outcome<T> = { readonly value: T } | { readonly error: unknown };

export class RateLimiter {
  private readonly clients: TokenBuckets;
  private readonly addresses: TokenBuckets;
  /** Whose requests are being worked on, or were a moment ago (the `fair` mode's question). */
  readonly active: ActiveClients;
  private readonly logged = new Map<string, { at: number; unlogged: number }>();
  private readonly now: Clock;

  private heldNow = 0;

  constructor(
    readonly limits: RateLimits = DEFAULT_RATE_LIMITS,
    clock: Clock = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.now = clock;
    this.clients = new TokenBuckets(clock);
    this.addresses = new TokenBuckets(clock);
    this.active = new ActiveClients(clock);
  }

  /**
   * Looks a token up (`lookup`) within the budget of failed authentications of the request's
   * address. An address that has spent it is refused (a held 429, thrown) without its token being
   * looked at, so guessing gets no faster by sending more. The failure is charged before the
   * lookup — else requests sent together would all pass the check while their lookups run, each
   * costing a database query — and given back when `failed` says the lookup did not fail.
   * A token a recent lookup found (`known`) is only checked, and charged if it fails: it cannot be
   * a guess, and a client's many connections must not spend the budget while they are looked up.
   * `known` may be a function, asked only when there is a limit.
   */
  async guardLookup<T>(request: FastifyRequest, lookup: () => Promise<T>, failed: (o: Outcome<T>) => boolean, known: boolean | (() => boolean) = false): Promise<T> {
    const limit = this.limits.unauthenticated;
    if (!limit) return lookup();
    const key = addressKey(request.ip);
    const charged = !(typeof known === 'function' ? known() : known);
    const r = refusal(charged ? this.addresses.take(key, limit) : this.addresses.check(key, limit), `address:${key}`, 'Too many requests without a valid bearer token from this address.');
    if (r) await this.refuse(request, r);
    let outcome: Outcome<T> = { error: undefined };
    try {
      outcome = { value: await lookup() };
      return outcome.value;
    } catch (error) {
      outcome = { error };
      throw error;
    } finally {
      const bad = failed(outcome);
      if (bad && !charged) this.addresses.take(key, limit);
      if (!bad && charged) this.addresses.give(key, limit);
    }
  }

  /**
   * After authentication: one token from the client's bucket, or a 429. In `fair` mode a client
   * with an empty bucket and no limit of its own is admitted while no other client is active: it
   * takes nothing anyone is waiting for. Its bucket stays empty, so once another client turns up
   * it is held to its share at once.
   */
  admitClient({ client }: Pick<AuthContext, 'client'>): Refusal | undefined {
    const limit = clientLimit(client, this.limits.client);
    if (!limit) return undefined;
    const v = this.clients.take(client.id, limit);
    if (v.ok) return undefined;
    const fair = this.limits.clientMode === 'fair' && !hasOwnLimit(client);
    if (fair && !this.active.othersThan(client.id)) return undefined;
    return refusal(v, `client:${client.id}`, overLimit(client, limit, fair));
  }

  /**
   * An admitted request of `clientId` is being worked on (or waits its turn); returns the
   * function to call when it is done (calling it again does nothing).
   */
  begin(clientId: string): () => void {
    return this.active.begin(clientId);
  }

  /** Waits up to holdMs before a refusal is sent (see DEFAULT_HOLD_MS); at once when too many wait already. */
  async hold(): Promise<void> {
    const ms = this.limits.holdMs ?? 0;
    if (ms <= 0 || this.heldNow >= MAX_HELD) return;
    this.heldNow++;
    try {
      // Between half and all of holdMs: refusals held together would otherwise come back
      // together, as one burst, every holdMs.
      await this.sleep(Math.round(ms * (0.5 + Math.random() / 2)));
    } finally {
      this.heldNow--;
    }
  }

  /** Refusals being held right now. */
  get held(): number {
    return this.heldNow;
  }

  /**
   * Whether a refused request goes into the request log: the first of each second per client (or
   * address) does, with the number left out before it, so a flood neither writes thousands of
   * rows a second nor pushes the real requests out of the log's retention.
   * Undefined: leave it out; a number: log it, noting that many left out.
   */
  sampleRefusal(key: string): number | undefined {
    const now = this.now();
    const seen = this.logged.get(key);
    if (seen && now - seen.at < LOG_REFUSALS_EVERY_MS) {
      seen.unlogged++;
      return undefined;
    }
    if (this.logged.size >= MAX_SAMPLED_KEYS) this.logged.clear();
    this.logged.set(key, { at: now, unlogged: 0 });
    return seen?.unlogged ?? 0;
  }

  /** Refuses `request`: samples it into the logs (or leaves it out), holds it, then throws the 429. */
  async refuse(request: FastifyRequest, r: Refusal): Promise<never> {
    const earlier = this.sampleRefusal(r.key);
    if (earlier === undefined) request.unlogged = true;
    else request.refusalsNotLogged = earlier;
    await this.hold();
    throw r.error;
  }
}

function overLimit(client: Pick<ScimClient, 'name'>, limit: BucketLimit, fair: boolean): string {
  return `Too many requests: SCIM client '${client.name}' may send ${limit.rate} requests per second (bursts of ${limit.burst})${fair ? ' while other clients are active' : ''}.`;
}

function refusal(v: Verdict, key: string, detail: string): Refusal | undefined {
  return v.ok ? undefined : { error: tooManyRequests(detail, v.retryAfterSeconds), key };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** A request refused for its rate that sampling leaves out of the request log and the process log. */
    unlogged?: boolean;
    /** On a logged refusal: how many refusals under its key were left out since the last logged one. */
    refusalsNotLogged?: number;
  }
}
