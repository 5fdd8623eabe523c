/**
 * The in-memory Raft log: the reference implementation for tests and the simulator, and the
 * cache the disk storage keeps in front of its file.
 */
import { entryDataBytes, EMPTY_CONF_STATE, EMPTY_HARD_STATE } from "../types.js";
import type { ConfState, Entry, HardState, Snapshot } from "../types.js";
import type { InitialState, RaftLogWriter, RaftStorage } from "./storage.js";

export class RaftStorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RaftStorageError";
  }
}

export class MemoryStorage implements RaftStorage, RaftLogWriter {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot = { meta: { index: 0, term: 0, confState: EMPTY_CONF_STATE }, data: new Uint8Array() };
  /** entries[i] has index snap.meta.index + 1 + i. */
  private ents: Entry[] = [];

  /** A storage that starts from `snapshot` (used to bootstrap a group's first members). */
  static fromSnapshot(snapshot: Snapshot, hardState: HardState): MemoryStorage {
    const s = new MemoryStorage();
    s.snap = snapshot;
    s.hardState = hardState;
    return s;
  }

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.snap.meta.confState };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.snap.meta.index + 1;
    if (lo < offset || hi > this.lastIndex() + 1 || lo > hi) {
      throw new RaftStorageError(`entries [${lo}, ${hi}) outside [${offset}, ${this.lastIndex() + 1})`);
    }
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - offset] as Entry;
      bytes += entryDataBytes(e);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  term(index: number): number {
    const offset = this.snap.meta.index;
    if (index === offset) return this.snap.meta.term;
    const e = this.ents[index - offset - 1];
    if (index < offset || e === undefined) throw new RaftStorageError(`term(${index}) outside the log`);
    return e.term;
  }

  firstIndex(): number {
    return this.snap.meta.index + 1;
  }

  lastIndex(): number {
    return this.snap.meta.index + this.ents.length;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  hardStateNow(): HardState {
    return this.hardState;
  }

  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const offset = this.snap.meta.index + 1;
    if (first.index > this.lastIndex() + 1) {
      throw new RaftStorageError(`append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    }
    // Entries already folded into the snapshot are committed; skip them.
    const skip = Math.max(0, offset - first.index);
    const fresh = entries.slice(skip);
    const start = (fresh[0]?.index ?? offset) - offset;
    // In place: copying the whole log per append would make appends O(log length).
    if (start < this.ents.length) this.ents.length = start;
    for (const e of fresh) this.ents.push(e);
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  applySnapshot(snapshot: Snapshot): void {
    if (snapshot.meta.index <= this.snap.meta.index) return;
    this.snap = snapshot;
    this.ents = [];
  }

  /**
   * Records an application snapshot at `index` (which it must already have applied) and compacts
   * the log behind it: entries up to `index` are dropped, later ones kept.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.meta.index) return this.snap;
    if (index > this.lastIndex()) throw new RaftStorageError(`snapshot at ${index} beyond last index ${this.lastIndex()}`);
    const term = this.term(index);
    const kept = this.ents.slice(index - this.snap.meta.index);
    this.snap = { meta: { index, term, confState }, data };
    this.ents = kept;
    return this.snap;
  }
}
