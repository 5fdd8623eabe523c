import type { Timestamp } from "./hlc.js";
import type { ReadSet } from "./read-set.js";

/**
 * The write sets of recently committed (and committing) transactions, by commit timestamp.
 *
 * Serializable validation is backward, in the style of FoundationDB's resolver: a transaction
 * whose snapshot is at `readTs` may commit at `commitTs` only if no transaction that committed
 * in (readTs, commitTs) wrote anything it read. Then every committed transaction behaves as if
 * it ran atomically at its commit timestamp, which makes the history serializable in
 * commit-timestamp order; read-only transactions read one consistent snapshot and need no check.
 * Entries are appended when a commit timestamp is assigned (before the write is durable), so
 * in-flight commits are checked too, and dropped once no snapshot that checks conflicts predates
 * them. The same entries answer first-committer-wins ("did anyone commit this key after my
 * snapshot?") from memory.
 */
export interface CommittedWrites {
  readonly txnId: string;
  readonly commitTs: Timestamp;
  /** latin1 key strings (see read-set.ts). */
  readonly keys: readonly string[];
}

export class CommitLog {
  /**
   * Ascending by commitTs: timestamps are assigned and appended in one synchronous step. Slots
   * below `head` are pruned and cleared (undefined), so that they hold nothing.
   */
  private entries: (CommittedWrites | undefined)[] = [];
  private head = 0;
  /** Entries dropped from the front of `entries` by compaction: entries[i] is append number dropped + i. */
  private dropped = 0;
  /**
   * Per key, the append number of the newest entry among those kept that wrote it:
   * first-committer-wins without a storage read. A small integer rather than the entry or its
   * timestamp (a heap number): a map (long-lived, so in the old generation) whose values point at
   * young objects made scavenges promote about twice as much of the transactions' short-lived
   * garbage (measured at one committer, pruning every 16 commits: ~410 KB against ~190 KB).
   */
  private readonly newestByKey = new Map<string, number>();
  /** The highest horizon pruned at: every entry forgotten had a timestamp at or below it. */
  private prunedTs: Timestamp = 0;

  append(entry: CommittedWrites): void {
    const last = this.entries[this.entries.length - 1];
    if (last && last.commitTs >= entry.commitTs) throw new Error(`commit log out of order: ${entry.commitTs} after ${last.commitTs}`);
    const at = this.dropped + this.entries.length;
    this.entries.push(entry);
    for (const k of entry.keys) this.newestByKey.set(k, at);
  }

  /**
   * The newest commit timestamp of `key` if it is above the pruning horizon; undefined means
   * every committed version of the key is at or below the horizon.
   */
  newestCommitOf(key: string): Timestamp | undefined {
    const at = this.newestByKey.get(key);
    return at === undefined ? undefined : this.entries[at - this.dropped]!.commitTs;
  }

  /** The first transaction that committed after `readTs` and wrote a key `reads` covers. */
  findConflict(readTs: Timestamp, reads: ReadSet, selfTxnId: string): { txnId: string; key: string } | undefined {
    if (reads.empty) return undefined;
    for (let i = this.entries.length - 1; i >= this.head; i--) {
      const e = this.entries[i]!;
      if (e.commitTs <= readTs) break;
      if (e.txnId === selfTxnId) continue;
      for (const k of e.keys) if (reads.covers(k)) return { txnId: e.txnId, key: k };
    }
    return undefined;
  }

  /**
   * Whether the log still holds every commit above `ts`: then a key with no newestCommitOf
   * above `ts` has no committed version above it.
   */
  completeAbove(ts: Timestamp): boolean {
    return this.prunedTs <= ts;
  }

  /** Forgets entries at or below `horizon`: no transaction that still checks conflicts can see them. */
  prune(horizon: Timestamp): void {
    if (horizon > this.prunedTs) this.prunedTs = horizon;
    while (this.head < this.entries.length && this.entries[this.head]!.commitTs <= horizon) {
      const e = this.entries[this.head]!;
      const at = this.dropped + this.head;
      // Cleared at once rather than at the next compaction (up to a thousand commits later), so
      // that a forgotten entry does not outlive a young-generation collection and get promoted.
      this.entries[this.head++] = undefined;
      for (const k of e.keys) if (this.newestByKey.get(k) === at) this.newestByKey.delete(k);
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.dropped += this.head;
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.entries.length - this.head;
  }
}
