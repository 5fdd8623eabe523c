import { assert } from "../assert.js";
import { lookupKey, SEQ_MAX, TRAILER_BYTES, ValueKind } from "../internal-key.js";
import type { InternalIterator } from "../iterator.js";
import type { MemtableVectors } from "../vector/memtable-vectors.js";
import { LogicalIndex } from "./logical-index.js";
import type { RandomSource } from "./prng.js";
import { DEFAULT_CHUNK_BYTES, NIL, SkipList, SkipListIterator, type SharedSkipList } from "./skiplist.js";

/**
 * The length of the logical key (see LogicalKeyBounds) of the user key key[0, userKeyLength):
 * its lowest user key, which must be a prefix of the user key (the memtable's index keys logical
 * keys by those bytes). Asked on every write and logical-key read, so it should be cheap.
 */
export type LogicalKeyLength = (key: Uint8Array, userKeyLength: number) => number;

/** Height-1 splices in a row per logical key before a normal insert (bounds level-0 walks). */
const MAX_SPLICE_RUN = 8;

export interface MemtableGetResult {
  readonly kind: ValueKind;
  readonly seq: number;
  readonly value: Buffer;
}

/** What a flush reads: the sorted entries. */
export interface SortedEntries {
  iterator(): InternalIterator;
}

/**
 * The in-memory write buffer: every write lands here after the WAL, until the memtable is full,
 * becomes immutable and is flushed to an L0 SSTable. Entries live in the skiplist's arena (see
 * skiplist.ts), which a flush in a worker thread reads in place.
 */
export class Memtable implements SortedEntries {
  private readonly list: SkipList;
  /**
   * Writes that took a sequence number against this memtable but have not been applied yet
   * (their WAL append is in flight). A flush must wait for zero, or it would miss them.
   */
  pendingWrites = 0;
  /** Bytes those pending writes will add, charged now so a burst of writes cannot overshoot the budget. */
  private reservedBytes = 0;
  /** Memory of the vector indexes' entries (outside the arena). */
  private vectorBytes = 0;
  private drainWaiters: (() => void)[] = [];
  /**
   * Logical key → its first node, when the engine groups keys into logical keys (MVCC versions
   * of a row). A read inside one logical key starts from that node instead of searching the
   * list, and a new version that sorts first (the newest) is spliced in front of it.
   */
  private readonly logical: LogicalIndex | undefined;

  constructor(
    random: RandomSource,
    /** Number of the WAL file that holds this memtable's writes. */
    readonly walNumber: number,
    private readonly logicalKeyLength?: LogicalKeyLength,
    /**
     * Indexes of the vector entries written here (for vector search), charged to this memtable's
     * bytes. NB: holds native memory: the engine closes it when it drops the memtable.
     */
    readonly vectors?: MemtableVectors,
    /** Arena chunk size (see SkipList). */
    chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    this.list = new SkipList(random, chunkBytes);
    if (logicalKeyLength) this.logical = new LogicalIndex(this.list);
  }

  /** Adds one version, copying key and value into the memtable's arena. */
  add(seq: number, kind: ValueKind, key: Uint8Array, value: Uint8Array): void {
    if (this.vectors !== undefined && kind === ValueKind.Put) this.vectorBytes += this.vectors.add(key, value);
    if (this.logical === undefined) {
      this.list.add(key, seq, kind, value);
      return;
    }
    const lkl = this.logicalKeyLength!(key, key.length);
    const slot = this.logical.find(key, lkl);
    if (slot < 0) {
      this.logical.insert(~slot, lkl, this.list.add(key, seq, kind, value));
      return;
    }
    const first = this.logical.node(slot);
    if (this.list.compareEntryTo(key, seq, kind, first) < 0) {
      // Sorts before every other version of its logical key, and after everything before them.
      const run = this.logical.run(slot);
      if (run < MAX_SPLICE_RUN) {
        this.logical.update(slot, this.list.addBefore(first, key, seq, kind, value), run + 1);
      } else {
        this.logical.update(slot, this.list.add(key, seq, kind, value), 0);
      }
    } else {
      this.list.add(key, seq, kind, value);
    }
  }

  /**
   * An iterator whose seeks only look inside the logical key of the target: positioned at the
   * first entry >= target, or invalid when this memtable holds nothing of that logical key.
   * Valid only for reads that stay within one logical key.
   */
  logicalIterator(): InternalIterator {
    if (this.logical === undefined || this.logicalKeyLength === undefined) return this.list.iterator();
    return new LogicalSeekIterator(this.list, this.logical, this.logicalKeyLength);
  }

  /**
   * The first entry at or after every version of `userKey` (the internal key (userKey, SEQ_MAX,
   * put)) within its logical key, as a node of this memtable's list (see `entries`), or NIL.
   * Without logical keys, a plain search.
   */
  seekInLogicalKey(userKey: Uint8Array): number {
    if (this.logical === undefined || this.logicalKeyLength === undefined) return this.list.findGreaterOrEqual(lookupKey(userKey, SEQ_MAX));
    const slot = this.logical.find(userKey, this.logicalKeyLength(userKey, userKey.length));
    return slot < 0 ? NIL : this.list.walkFromEntry(this.logical.node(slot), userKey, SEQ_MAX, ValueKind.Put);
  }

  /** The list the nodes `seekInLogicalKey` returns belong to (read their keys and values there). */
  get entries(): SkipList {
    return this.list;
  }

  /** Newest version of `userKey` with sequence number <= seq. */
  get(userKey: Uint8Array, seq: number): MemtableGetResult | undefined {
    const ref = this.list.findGreaterOrEqual(lookupKey(userKey, seq));
    if (ref === NIL) return undefined;
    if (this.list.userKeyLength(ref) !== userKey.length || !this.list.hasPrefix(ref, userKey, userKey.length)) return undefined;
    return { kind: this.list.kindOf(ref), seq: this.list.seqOf(ref), value: this.list.valueOf(ref) };
  }

  iterator(): InternalIterator {
    return this.list.iterator();
  }

  /** The arena, for a flush in another thread. NB: only once the memtable is immutable and drained. */
  shared(): SharedSkipList {
    assert(this.pendingWrites === 0, "a memtable is shared only once its writes are applied");
    return this.list.shared();
  }

  /** Approximate memory held, charged against `memtable_size`. */
  approximateBytes(): number {
    return this.list.arenaBytes + (this.logical?.bytes ?? 0) + this.vectorBytes + this.reservedBytes;
  }

  /**
   * About how many logical keys (user keys without a logicalKeyLength) have entries with user
   * keys in [start, end), with bounded work (SkipList.approximateCount): entries in the range
   * times this memtable's logical keys per entry.
   */
  approximateLogicalKeys(start: Uint8Array | undefined, end: Uint8Array | undefined): number {
    const n = this.list.size;
    if (n === 0) return 0;
    const entries = start === undefined && end === undefined ? n : this.list.approximateCount(start && lookupKey(start, SEQ_MAX), end && lookupKey(end, SEQ_MAX));
    return this.logical === undefined ? entries : (entries * this.logical.size) / n;
  }

  get entryCount(): number {
    return this.list.size;
  }

  isEmpty(): boolean {
    return this.list.size === 0;
  }

  /** Resolves once every write that reserved a place here has been applied. */
  whenDrained(): Promise<void> {
    if (this.pendingWrites === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** A writer takes its place here before its WAL append; `bytes` is what it will add. */
  reserve(bytes: number): void {
    this.pendingWrites++;
    this.reservedBytes += bytes;
  }

  /** Called by the writer after it applied (or abandoned) its batch. */
  finishPendingWrite(bytes: number): void {
    this.pendingWrites--;
    this.reservedBytes -= bytes;
    if (this.pendingWrites === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }
}

class LogicalSeekIterator extends SkipListIterator {
  constructor(
    list: SkipList,
    private readonly index: LogicalIndex,
    private readonly logicalKeyLength: LogicalKeyLength,
  ) {
    super(list);
  }

  override seek(target: Buffer): void {
    const slot = this.index.find(target, this.logicalKeyLength(target, target.length - TRAILER_BYTES));
    this.seekFrom(slot < 0 ? NIL : this.index.node(slot), target);
  }
}
