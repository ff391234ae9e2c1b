/** The command line of `npm run bench`. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  readonly quick: boolean;
  readonly db: 'sqlite' | 'postgres';
  /** Server to create the throw-away database on (--db postgres). */
  readonly postgresUrl: string;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Measured length of each ceiling sample. */
  readonly ceilingMs: number;
  /** Users for the CRUD phases and the small lookup. */
  readonly users: number;
  /** Users stored for the big lookup. */
  readonly million: number;
  readonly groupSizes: readonly number[];
  /** Markdown report (BENCHMARKS.md); none when undefined. */
  readonly out?: string;
  /** Machine-readable result. */
  readonly json?: string;
  readonly fromSource: boolean;
  /** The scimd CLI entry to run instead of bin/scimd.js (another build, to compare two). */
  readonly entry?: string;
  /** Directory for a CPU profile of scimd (node --cpu-prof). */
  readonly profile?: string;
  /** Only these phases (by name), for profiling one path. */
  readonly only?: readonly string[];
  /** Rounds of the instrumentation phase (each server measured once per round and path). */
  readonly rounds: number;
  /**
   * A git revision whose build runs every scimd phase too, beside this build, on the same database
   * (the "before" columns); none when undefined.
   */
  readonly before?: string;
  /** A git revision to build and measure as "before" in the instrumentation phase. */
  readonly baseline?: string;
  /** A scimd CLI entry of an older build to measure as "before" in the instrumentation phase. */
  readonly baselineEntry?: string;
  readonly keep: boolean;
  /** The multi-tenant phase (multi-tenant.ts): tenants, each one's rate, length of each run, the flooder's multiple. */
  readonly multiTenant: { readonly tenants: number; readonly ratePerTenant: number; readonly durationMs: number; readonly flood: number };
}

/** The build the main table's "before" columns measure by default: the last commit before speed round two (issue 15). */
export const SPEED_BASELINE = '3f3063e';

export const USAGE = `npm run bench [-- options]

  --quick                 tiny sizes and short phases (a smoke test; writes no BENCHMARKS.md unless --out)
  --db sqlite|postgres    database (default sqlite, in a temporary data directory)
  --postgres-url <url>    server for the throw-away database (default postgres://postgres@127.0.0.1:5432/postgres)
  --connections <n>       keep-alive connections per phase (default 16)
  --duration <s>          measured seconds per phase (default 5)
  --warmup <s>            unmeasured seconds before each phase (default 1)
  --ceiling <s>           measured seconds of each ceiling sample (default 2)
  --users <n>             users for the CRUD phases and the small lookup (default 1000)
  --million <n>           users stored for the big lookup (default 1000000)
  --group-sizes <a,b,…>   member counts of the group PATCH phases (default 10,1000,10000,100000,1000000; a group
                          of --million members gets users seeded beyond them for its PATCHes to add)
  --out <file>            write the Markdown report there (default BENCHMARKS.md; none with --quick or --only); it
                          holds one part per database: an existing file keeps the other database's parts
  --json <file>           write the result as JSON
  --source                run scimd from src/ through tsx instead of dist/
  --entry <file.js>       run this scimd CLI entry instead of bin/scimd.js (to compare two builds)
  --profile <dir>         write a CPU profile of scimd (node --cpu-prof) into <dir>
  --only <a,b,…>          run only these phases (ref-fastify, ref-sqlite, get, filter, list, post, patch, put, delete,
                          replicas (PostgreSQL: PATCH on one replica vs two on one database), instrumentation,
                          events-cost, webhook-delivery, multi-tenant, lookup-big, group, group-read)
  --rounds <n>            rounds of the instrumentation and events-cost phases (default 5; 2 with --quick, where
                          events-cost runs 1)
  --before <git rev|none> also run every scimd phase on this revision's build (from git history), on the same
                          database, for the report's before/after columns (default ${SPEED_BASELINE}, the last
                          commit before speed round two; none with --quick unless given; 'none' to skip)
  --baseline <git rev>    also measure this revision (built from git history into a temporary directory) in the
                          instrumentation phase, e.g. 4a3268c, the last commit before request ids and metrics; and
                          measure it instead of 67ed1d7 (the last commit before the change log) in events-cost
                          (--quick builds none unless given)
  --baseline-entry <file> the same with an existing build: its scimd CLI entry (bin/scimd.js of another checkout)
  --keep                  keep the temporary data directory
  --tenants <n>           tenants of the multi-tenant phase (default 20; 3 with --quick); on PostgreSQL it runs
                          on two replicas of scimd on one database, each tenant's connections spread over both
  --tenant-rate <n>       requests per second of each tenant there (default 25, Entra's documented rate)
  --tenant-duration <s>   seconds of each of its two runs, quiet and with one tenant flooding (default 30)
  --flood <n>             the flooding tenant's rate as a multiple of the others' (default 10)
`;

function positive(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, not '${raw}'`);
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean' },
      db: { type: 'string' },
      'postgres-url': { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      ceiling: { type: 'string' },
      users: { type: 'string' },
      million: { type: 'string' },
      'group-sizes': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
      source: { type: 'boolean' },
      entry: { type: 'string' },
      profile: { type: 'string' },
      only: { type: 'string' },
      rounds: { type: 'string' },
      before: { type: 'string' },
      baseline: { type: 'string' },
      'baseline-entry': { type: 'string' },
      keep: { type: 'boolean' },
      tenants: { type: 'string' },
      'tenant-rate': { type: 'string' },
      'tenant-duration': { type: 'string' },
      flood: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const db = values.db ?? 'sqlite';
  if (db !== 'sqlite' && db !== 'postgres') throw new Error(`--db must be sqlite or postgres, not '${db}'`);
  const groupSizes = (values['group-sizes'] ?? (quick ? '10,100' : '10,1000,10000,100000,1000000')).split(',').map((s) => positive('group-sizes', s.trim(), 0));
  const users = Math.round(positive('users', values.users, quick ? 200 : 1000, 100));
  const million = Math.round(positive('million', values.million, quick ? 2000 : 1_000_000, 1));
  if (million < users + 100) throw new Error('--million must exceed --users by at least 100');
  // A group of (nearly) every stored user is fine (its PATCHes add users seeded for them), a larger one is not.
  if (Math.max(...groupSizes) > million) throw new Error('--group-sizes may not exceed --million');
  // A partial run (--quick, --only) never overwrites the full report unless asked to.
  const out = values.out ?? (quick || values.only !== undefined ? undefined : 'BENCHMARKS.md');
  if (values.baseline !== undefined && values['baseline-entry'] !== undefined) throw new Error('--baseline and --baseline-entry are two ways to name the same build: give one');
  if (values.baseline !== undefined && !/^[\w.][\w./^~@{}-]*$/.test(values.baseline)) throw new Error(`--baseline must be a git revision, not '${values.baseline}'`);
  if (values.before !== undefined && !/^[\w.][\w./^~@{}-]*$/.test(values.before)) throw new Error(`--before must be a git revision or none, not '${values.before}'`);
  const before = values.before === 'none' ? undefined : (values.before ?? (quick || values.source || values.entry ? undefined : SPEED_BASELINE));
  return {
    quick,
    db,
    postgresUrl: values['postgres-url'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    connections: Math.round(positive('connections', values.connections, 16)),
    warmupMs: positive('warmup', values.warmup, quick ? 0.05 : 1, 0) * 1000,
    durationMs: positive('duration', values.duration, quick ? 0.15 : 5, 0.01) * 1000,
    ceilingMs: positive('ceiling', values.ceiling, quick ? 0.1 : 2, 0.01) * 1000,
    users,
    million,
    groupSizes,
    ...(out ? { out } : {}),
    ...(values.json ? { json: values.json } : {}),
    fromSource: values.source ?? false,
    ...(values.entry ? { entry: values.entry } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.only ? { only: values.only.split(',').map((s) => s.trim()) } : {}),
    rounds: Math.round(positive('rounds', values.rounds, quick ? 2 : 5, 1)),
    ...(before ? { before } : {}),
    ...(values.baseline ? { baseline: values.baseline } : {}),
    ...(values['baseline-entry'] ? { baselineEntry: values['baseline-entry'] } : {}),
    keep: values.keep ?? false,
    multiTenant: {
      tenants: Math.round(positive('tenants', values.tenants, quick ? 3 : 20, 2)),
      ratePerTenant: positive('tenant-rate', values['tenant-rate'], 25, 0.1),
      durationMs: positive('tenant-duration', values['tenant-duration'], quick ? 2 : 30, 0.5) * 1000,
      flood: positive('flood', values.flood, 10, 1),
    },
  };
}
