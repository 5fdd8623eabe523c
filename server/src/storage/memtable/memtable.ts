import { compareInternalKeys, compareUserKeyOf, kindOf, lookupKey, seqOf, TRAILER_BYTES, ValueKind, writeTrailer } from "../internal-key.js";
import type { InternalIterator } from "../iterator.js";
import type { MemtableVectors } from "../vector/memtable-vectors.js";
import type { RandomSource } from "./prng.js";
import { SkipList, SkipListIterator, skipListEntryOverheadBytes, type SkipListNode } from "./skiplist.js";

/** The lowest user key of the logical key a user key belongs to (see LogicalKeyBounds). */
export type LogicalKeyOf = (userKey: Buffer) => Buffer;

/** Height-1 splices in a row per logical key before a normal insert (bounds level-0 walks). */
const MAX_SPLICE_RUN = 8;
/** Memory charged per logical-index entry beyond its key string: map slot, entry object. */
const LOGICAL_ENTRY_BYTES = 80;

interface LogicalEntry {
  /** The first node of the logical key in list order. */
  node: SkipListNode;
  /** Splices since the last normal insert. */
  run: number;
}

export interface MemtableGetResult {
  readonly kind: ValueKind;
  readonly seq: number;
  readonly value: Buffer;
}

/**
 * The in-memory write buffer: every write lands here after the WAL, until the memtable is full,
 * becomes immutable and is flushed to an L0 SSTable.
 */
export class Memtable {
  private readonly list: SkipList;
  private bytes = 0;
  /**
   * Writes that took a sequence number against this memtable but have not been applied yet
   * (their WAL append is in flight). A flush must wait for zero, or it would miss them.
   */
  pendingWrites = 0;
  /** Bytes those pending writes will add, charged now so a burst of writes cannot overshoot the budget. */
  private reservedBytes = 0;
  private drainWaiters: (() => void)[] = [];
  /**
   * Logical key (latin1) → its first node, when the engine groups keys into logical keys (MVCC
   * versions of a row). A read inside one logical key starts from that node instead of searching
   * the list, and a new version that sorts first (the newest) is spliced in front of it.
   */
  private readonly logical: Map<string, LogicalEntry> | undefined;

  constructor(
    random: RandomSource,
    /** Number of the WAL file that holds this memtable's writes. */
    readonly walNumber: number,
    private readonly logicalKeyOf?: LogicalKeyOf,
    /**
     * Indexes of the vector entries written here (for vector search), charged to this memtable's
     * bytes. NB: holds native memory: the engine closes it when it drops the memtable.
     */
    readonly vectors?: MemtableVectors,
  ) {
    this.list = new SkipList(random);
    if (logicalKeyOf) this.logical = new Map();
  }

  /** Adds one version. Copies key and value into one allocation the memtable owns. */
  add(seq: number, kind: ValueKind, key: Uint8Array, value: Uint8Array): void {
    const ikeyLen = key.length + TRAILER_BYTES;
    const buf = Buffer.allocUnsafe(ikeyLen + value.length);
    buf.set(key, 0);
    writeTrailer(buf, key.length, seq, kind);
    buf.set(value, ikeyLen);
    const ikey = buf.subarray(0, ikeyLen);
    this.bytes += buf.length + skipListEntryOverheadBytes();
    if (this.vectors !== undefined && kind === ValueKind.Put) this.bytes += this.vectors.add(buf.subarray(0, key.length), buf.subarray(ikeyLen));
    if (this.logical === undefined) {
      this.list.insert(ikey, buf.subarray(ikeyLen));
      return;
    }
    const lk = this.logicalKeyOf!(buf.subarray(0, key.length)).toString("latin1");
    const entry = this.logical.get(lk);
    if (entry === undefined) {
      this.logical.set(lk, { node: this.list.insert(ikey, buf.subarray(ikeyLen)), run: 0 });
      this.bytes += LOGICAL_ENTRY_BYTES + lk.length;
    } else if (compareInternalKeys(ikey, entry.node.key) < 0) {
      // Sorts before every other version of its logical key, and after everything before them.
      if (entry.run < MAX_SPLICE_RUN) {
        entry.node = this.list.insertBefore(entry.node, ikey, buf.subarray(ikeyLen));
        entry.run++;
      } else {
        entry.node = this.list.insert(ikey, buf.subarray(ikeyLen));
        entry.run = 0;
      }
    } else {
      this.list.insert(ikey, buf.subarray(ikeyLen));
    }
  }

  /**
   * An iterator whose seeks only look inside the logical key of the target: positioned at the
   * first entry >= target, or invalid when this memtable holds nothing of that logical key.
   * Valid only for reads that stay within one logical key.
   */
  logicalIterator(): InternalIterator {
    if (this.logical === undefined || this.logicalKeyOf === undefined) return this.list.iterator();
    return new LogicalSeekIterator(this.list, this.logical, this.logicalKeyOf);
  }

  /** Newest version of `userKey` with sequence number <= seq. */
  get(userKey: Uint8Array, seq: number): MemtableGetResult | undefined {
    const node = this.list.findGreaterOrEqual(lookupKey(userKey, seq));
    if (node === null) return undefined;
    const k = node.key;
    const ul = k.length - TRAILER_BYTES;
    if (ul !== userKey.length || compareUserKeyOf(k, userKey) !== 0) return undefined;
    return { kind: kindOf(k), seq: seqOf(k), value: node.value };
  }

  iterator(): InternalIterator {
    return this.list.iterator();
  }

  /** Approximate memory held, charged against `memtable_size`. */
  approximateBytes(): number {
    return this.bytes + this.reservedBytes;
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
    private readonly index: ReadonlyMap<string, LogicalEntry>,
    private readonly logicalKeyOf: LogicalKeyOf,
  ) {
    super(list);
  }

  override seek(target: Buffer): void {
    const entry = this.index.get(this.logicalKeyOf(target.subarray(0, target.length - TRAILER_BYTES)).toString("latin1"));
    this.seekFrom(entry === undefined ? null : entry.node, target);
  }
}
