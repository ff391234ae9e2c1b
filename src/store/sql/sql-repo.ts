/**
 * The Repo, written once in SQL that SQLite and PostgreSQL both accept, over a Driver: one file per
 * port (sql-*.ts), all over the same driver, so one transaction spans every port. Where the two
 * databases differ (placeholders, JSON functions, row locks) the Driver and the Dialect say so.
 */
import type { Holds, Port, Repo, RepoReads, RepoWrites, Same } from '../types.ts';
import type { AuthTouched } from './rows.ts';
import { sqlDirectory } from './sql-directory.ts';
import type { Driver } from './sql-driver.ts';
import { sqlEventCheckpoints } from './sql-event-checkpoints.ts';
import { sqlEventLog } from './sql-event-log.ts';
import { sqlLinks } from './sql-links.ts';
import { sqlMailOutbox } from './sql-mail-outbox.ts';
import { sqlMembership } from './sql-membership.ts';
import { sqlPasswords } from './sql-passwords.ts';
import { sqlRequestLog } from './sql-request-log.ts';
import { sqlResources } from './sql-resources.ts';
import { sqlTenantSchemas } from './sql-tenant-schemas.ts';
import { sqlTombstones } from './sql-tombstones.ts';
import { sqlUniqueNames } from './sql-unique-names.ts';
import { sqlWebhooks } from './sql-webhooks.ts';
import { sqlSetupLinks } from './sql-setup-links.ts';
import { sqlServerSecrets } from './sql-server-secrets.ts';

/** Every port over one driver: apart (reads, writes) for the stores' routing, and at once (`repo`). */
export interface SqlRepo extends Port<RepoReads, RepoWrites> {
  /** Every port at once: what a transaction gets. */
  readonly repo: Repo;
  /** Whether a write since the flag was last cleared changed authentication data. */
  readonly auth: AuthTouched;
}

const DRIVER = Symbol('driver');

export function sqlRepo(db: Driver): SqlRepo {
  const auth: AuthTouched = { touched: false };
  const ports = [
    sqlDirectory(db, auth),
    sqlResources(db),
    sqlMembership(db),
    sqlUniqueNames(db),
    sqlPasswords(db),
    sqlTenantSchemas(db, auth),
    sqlTombstones(db),
    sqlLinks(db),
    sqlMailOutbox(db),
    sqlEventLog(db),
    sqlEventCheckpoints(db),
    sqlRequestLog(db),
    sqlWebhooks(db),
    sqlSetupLinks(db),
    sqlServerSecrets(db),
  ] as const;
  const reads = joined(ports.map((p) => p.reads));
  const writes = joined(ports.map((p) => p.writes));
  // Exactly Repo's reads and Repo's writes: a port left out, or one's writes among the reads, fails here.
  type _Routed = Holds<Same<typeof reads, RepoReads>> | Holds<Same<typeof writes, RepoWrites>>;
  const repo: Repo = Object.assign(joined([reads, writes]), { [DRIVER]: db });
  return { reads, writes, repo, auth };
}

/**
 * Every member of every part in one new object (copied, not spread: V8 spreads many sources
 * slowly). Two parts must not share a name, which the types alone would not always tell.
 */
function joined<T extends object>(parts: readonly T[]): Intersection<T> {
  const out = {};
  for (const part of parts) {
    const twice = Object.keys(part).find((name) => Object.hasOwn(out, name));
    if (twice !== undefined) throw new Error(`two ports define ${twice}`);
    Object.assign(out, part);
  }
  return out as Intersection<T>;
}

/** A | B | C → A & B & C. */
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The Driver under a transaction's Repo, for tests that check rows no port shows. */
export function sqlDriverOf(repo: Repo): Driver | undefined {
  return (repo as Partial<Record<typeof DRIVER, Driver>>)[DRIVER];
}
