/**
 * What Raft reads from durable storage. The application writes to it (entries, hard state and
 * snapshots from each `Ready`, then compaction) and Raft only reads.
 *
 * Index conventions: the log holds entries [firstIndex(), lastIndex()]. Index firstIndex()-1 is
 * the last index folded into the snapshot; its term is still known (from the snapshot's meta),
 * which is what append consistency checks need at the compaction boundary.
 */
import type { ConfState, Entry, HardState, Snapshot } from "../types.js";

export interface InitialState {
  readonly hardState: HardState;
  readonly confState: ConfState;
}

export interface RaftStorage {
  /** The persisted hard state and the membership as of the last snapshot plus applied conf changes' base. */
  initialState(): InitialState;
  /**
   * Entries [lo, hi), capped at `maxBytes` but always at least one entry if lo < hi.
   * NB: the caller guarantees firstIndex() <= lo and hi <= lastIndex()+1.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry `index`, for firstIndex()-1 <= index <= lastIndex(). */
  term(index: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot. */
  snapshot(): Snapshot;
}

/** The write side shared by the memory and disk implementations. */
export interface RaftLogWriter {
  /** Appends entries, replacing any existing suffix from `entries[0].index` on. */
  append(entries: readonly Entry[]): void;
  setHardState(hs: HardState): void;
  /** Replaces the whole log with `snapshot` (a follower catching up). Older snapshots are ignored. */
  applySnapshot(snapshot: Snapshot): void;
}
