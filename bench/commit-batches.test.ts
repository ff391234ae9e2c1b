/** Reading group-commit batches from scimd's metrics exposition. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commitCounts, transactionsPerCommit } from './commit-batches.ts';

describe('commitCounts and transactionsPerCommit', () => {
  const exposition = (sum: number, count: number) =>
    [
      '# HELP scimd_sqlite_group_commit_batch_size Transactions per SQLite COMMIT (group commit)',
      '# TYPE scimd_sqlite_group_commit_batch_size histogram',
      'scimd_sqlite_group_commit_batch_size_bucket{le="1"} 3',
      `scimd_sqlite_group_commit_batch_size_sum ${sum}`,
      `scimd_sqlite_group_commit_batch_size_count ${count}`,
      'scimd_db_transaction_duration_seconds_sum{outcome="commit"} 1.5',
    ].join('\n');

  it('takes the histogram sum and count, and the mean batch between two readings', () => {
    const a = commitCounts(exposition(10, 5));
    const b = commitCounts(exposition(1010, 105));
    assert.deepEqual(a, { transactions: 10, commits: 5 });
    assert.equal(transactionsPerCommit(a, b), 10);
  });

  it('has no figure without the histogram or without commits in between', () => {
    assert.equal(commitCounts('scimd_http_requests_total 3'), undefined);
    const a = commitCounts(exposition(10, 5));
    assert.ok(Number.isNaN(transactionsPerCommit(a, a)));
    assert.ok(Number.isNaN(transactionsPerCommit(undefined, a)));
  });
});
