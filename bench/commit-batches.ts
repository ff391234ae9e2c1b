/**
 * Group commit as the bench sees it: scimd's /metrics histogram of transactions per SQLite COMMIT
 * (scimd_sqlite_group_commit_batch_size), read before and after a phase.
 */
import { request } from 'node:http';

export interface CommitCounts {
  /** Transactions committed. */
  readonly transactions: number;
  /** COMMITs. */
  readonly commits: number;
}

/** The histogram's sum and count in a Prometheus text exposition; undefined when it is absent (PostgreSQL, metrics off). */
export function commitCounts(exposition: string): CommitCounts | undefined {
  const value = (name: string) => {
    const m = new RegExp(`^${name}(?:\\{\\})? (\\S+)$`, 'm').exec(exposition);
    return m ? Number(m[1]) : undefined;
  };
  const transactions = value('scimd_sqlite_group_commit_batch_size_sum');
  const commits = value('scimd_sqlite_group_commit_batch_size_count');
  return transactions === undefined || commits === undefined ? undefined : { transactions, commits };
}

/** Mean transactions per COMMIT between two readings (NaN without commits in between). */
export function transactionsPerCommit(before: CommitCounts | undefined, after: CommitCounts | undefined): number {
  if (!before || !after || after.commits <= before.commits) return NaN;
  return (after.transactions - before.transactions) / (after.commits - before.commits);
}

/** Reads scimd's /metrics on 127.0.0.1 (loopback needs no token by default); undefined when it does not answer 200. */
export function readCommitCounts(port: number): Promise<CommitCounts | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 ? commitCounts(body) : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
