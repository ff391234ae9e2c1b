/**
 * Durable commits without blocking the event loop. With `synchronous=FULL` SQLite fsyncs the WAL
 * inside COMMIT, and better-sqlite3 runs COMMIT on the event loop: every request waits while the
 * disk flushes. Instead the writer commits with `synchronous=NORMAL` (the WAL is written, not
 * flushed) and this flushes the WAL file from libuv's thread pool; the group committer tells the
 * callers of a batch only once the flush that covers their COMMIT has returned, so an acknowledged
 * write is exactly as durable as with FULL, and the event loop serves requests while the disk flushes
 * (the next batch gathers meanwhile, as it would behind a COMMIT that flushes).
 *
 * What a reader sees: another connection may read a commit up to one flush before it is on disk,
 * while its callers still wait. The change log is the exception that matters (the host application
 * acts on it): the store flushes the WAL itself before it hands out events (sqlite-store.ts), so no
 * event is announced whose commit a power loss could still undo.
 *
 * Checkpoints keep SQLite's own order with NORMAL: the WAL is flushed before pages are copied into
 * the database file, and the database file after.
 */
import { open, type FileHandle } from 'node:fs/promises';

export class WalSync {
  private handle: Promise<FileHandle> | undefined;
  /** Flushes asked for while one runs share the next one. */
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly walFile: string) {}

  /** Resolves once everything written to the WAL before the call is on disk. */
  sync(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the WAL flusher is closed'));
    if (!this.running) {
      this.running = this.flush().finally(() => (this.running = undefined));
      return this.running;
    }
    // One flush is under way and may have started before the caller's write: the next one,
    // started when it ends, covers every write asked for meanwhile.
    this.next ??= this.running.catch(() => undefined).then(() => {
      this.next = undefined;
      return this.sync();
    });
    return this.next;
  }

  private async flush(): Promise<void> {
    // Opened once: the -wal file keeps its inode while the database is open (resets rewrite it in place).
    this.handle ??= open(this.walFile, 'r');
    try {
      await (await this.handle).sync();
    } catch (e) {
      this.handle = undefined;
      throw e;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running?.catch(() => undefined);
    await this.next?.catch(() => undefined);
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h.catch(() => undefined))?.close();
  }
}
