/**
 * Commit and read timestamps: a hybrid logical clock. A timestamp is
 * `physicalMillis * 2^LOGICAL_BITS + logical`, a float64-exact integer (< 2^53 until the year
 * 2248), so timestamps from different nodes are comparable and stay close to wall time, while
 * one node hands out strictly increasing values even if its wall clock steps back. On one node
 * this is simply a monotonic counter seeded from the clock; `observe` is how a cluster will merge
 * timestamps from other nodes.
 */
export const LOGICAL_BITS = 12;
const LOGICAL_SPAN = 2 ** LOGICAL_BITS;

export type Timestamp = number;

export interface PhysicalClock {
  /** Milliseconds since the epoch. */
  nowMillis(): number;
}

export const systemClock: PhysicalClock = { nowMillis: () => Date.now() };

export class HybridLogicalClock {
  private last: Timestamp = 0;

  constructor(private readonly clock: PhysicalClock = systemClock) {}

  /** A timestamp greater than every one this clock has handed out or observed. */
  now(): Timestamp {
    const physical = Math.floor(this.clock.nowMillis()) * LOGICAL_SPAN;
    // Falling back to last + 1 when the wall clock has not moved (or moved back) keeps the
    // clock strictly increasing; the logical part may carry into the physical part, which only
    // means this node runs a little ahead of wall time until the wall clock catches up.
    this.last = physical > this.last ? physical : this.last + 1;
    return this.last;
  }

  /** Moves the clock past a timestamp seen elsewhere (recovered from disk, or from a peer). */
  observe(ts: Timestamp): void {
    if (ts > this.last) this.last = ts;
  }

  /** The newest timestamp handed out or observed, without advancing. */
  latest(): Timestamp {
    return this.last;
  }
}

/** Wall-clock milliseconds a timestamp carries, for display. */
export function physicalMillisOf(ts: Timestamp): number {
  return Math.floor(ts / LOGICAL_SPAN);
}
