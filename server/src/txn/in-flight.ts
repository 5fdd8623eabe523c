import type { Timestamp } from "./hlc.js";

/**
 * The commit timestamps whose batches are still being written, and the oldest of them in O(1):
 * every new snapshot asks for it. Timestamps are added in increasing order (they come from one
 * clock); they usually finish in that order too (the engine applies writes in call order), and
 * one that finishes early is remembered until those before it finish.
 */
export class InFlightCommits {
  /** Added timestamps from the oldest unfinished one on, ascending. */
  private queue: Timestamp[] = [];
  private head = 0;
  /** Finished timestamps still in the queue behind an unfinished one. */
  private readonly finishedEarly = new Set<Timestamp>();

  add(ts: Timestamp): void {
    const last = this.queue[this.queue.length - 1];
    if (this.head < this.queue.length && last !== undefined && ts <= last) throw new Error(`in-flight commits out of order: ${ts} after ${last}`);
    this.queue.push(ts);
  }

  finish(ts: Timestamp): void {
    if (this.queue[this.head] !== ts) {
      this.finishedEarly.add(ts);
      return;
    }
    this.head++;
    while (this.head < this.queue.length && this.finishedEarly.delete(this.queue[this.head]!)) this.head++;
    if (this.head === this.queue.length) {
      // Emptied in place: with one commit at a time this runs at every commit.
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** The oldest unfinished commit timestamp, or undefined when none is in flight. */
  oldest(): Timestamp | undefined {
    return this.head < this.queue.length ? this.queue[this.head] : undefined;
  }

  get size(): number {
    return this.queue.length - this.head - this.finishedEarly.size;
  }
}
