/**
 * The Raft log as the algorithm sees it: stable storage with the unstable tail on top, plus the
 * commit and apply cursors. Invariant: applied <= committed <= lastIndex().
 */
import { assert } from "./assert.js";
import type { RaftStorage } from "./storage/storage.js";
import { Unstable } from "./unstable.js";
import { entryDataBytes } from "./types.js";
import type { Entry, Snapshot } from "./types.js";

export class RaftLog {
  readonly unstable: Unstable;
  committed: number;
  applied: number;

  constructor(
    readonly storage: RaftStorage,
    applied: number,
  ) {
    this.unstable = new Unstable(storage.lastIndex() + 1);
    this.committed = storage.initialState().hardState.commit;
    // The snapshot's state is already in the application.
    this.applied = Math.max(applied, storage.firstIndex() - 1);
    assert(this.applied <= this.committed || this.committed === 0, `applied ${applied} beyond commit ${this.committed}`);
    this.committed = Math.max(this.committed, this.applied);
    // NB: storage must persist entries no later than the hard state that commits them.
    assert(this.committed <= this.lastIndex(), `persisted commit ${this.committed} beyond last index ${this.lastIndex()}`);
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) as number;
  }

  /** The term of `index`, or undefined if it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    return this.unstable.maybeTerm(index) ?? this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft's voting rule: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [lo, lastIndex], capped at `maxBytes` (at least one); undefined if lo is compacted. */
  entriesFrom(lo: number, maxBytes: number): Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    return this.slice(lo, this.lastIndex() + 1, maxBytes);
  }

  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo >= hi) return [];
    const out: Entry[] = [];
    const split = this.unstable.offset;
    if (lo < split) out.push(...this.storage.entries(lo, Math.min(hi, split), maxBytes));
    if (hi > split && (out.length === 0 || out.length === Math.min(hi, split) - lo)) {
      out.push(...this.unstable.slice(Math.max(lo, split), hi));
    }
    return limitBytes(out, maxBytes);
  }

  /** Appends entries a leader proposed; returns the new last index. */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = (entries[0] as Entry).index - 1;
    assert(after >= this.committed, `append after ${after} would overwrite committed ${this.committed}`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * A follower's append: if our log matches (prevIndex, prevTerm), merge `entries`, skipping those
   * we already hold and truncating at the first conflict. Returns the new last matching index.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.committed, `entry ${conflict} conflicts with committed ${this.committed}`);
      this.append(entries.slice(conflict - (prevIndex + 1)));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** Index of the first entry whose term differs from ours (or that we lack), or 0 if none. */
  private findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`: where a log that has `term` at some
   * point can at best match ours. Used to skip a whole conflicting term per round trip.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    for (;;) {
      const t = this.term(i);
      if (t === undefined || t <= term) return t === undefined ? Math.max(0, this.firstIndex() - 1) : i;
      i--;
    }
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  appliedTo(index: number): void {
    assert(index <= this.committed, `applied ${index} beyond committed ${this.committed}`);
    if (index > this.applied) this.applied = index;
  }

  /** Committed entries the application has not yet been given. */
  nextCommittedEntries(maxBytes: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (lo > this.committed) return [];
    return this.slice(lo, this.committed + 1, maxBytes);
  }

  hasNextCommittedEntries(): boolean {
    return Math.max(this.applied + 1, this.firstIndex()) <= this.committed;
  }

  /** Our stable snapshot, or the unstable one we are about to persist. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  restore(snapshot: Snapshot): void {
    this.committed = snapshot.meta.index;
    this.unstable.restore(snapshot);
  }
}

function limitBytes(entries: Entry[], maxBytes: number): Entry[] {
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    bytes += entryDataBytes(entries[i] as Entry);
    if (i > 0 && bytes > maxBytes) return entries.slice(0, i);
  }
  return entries;
}
