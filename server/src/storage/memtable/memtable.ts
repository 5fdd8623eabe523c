import { compareUserKeyOf, kindOf, lookupKey, seqOf, TRAILER_BYTES, ValueKind, writeTrailer } from "../internal-key.js";
import type { InternalIterator } from "../iterator.js";
import type { RandomSource } from "./prng.js";
import { SkipList, skipListEntryOverheadBytes } from "./skiplist.js";

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

  constructor(
    random: RandomSource,
    /** Number of the WAL file that holds this memtable's writes. */
    readonly walNumber: number,
  ) {
    this.list = new SkipList(random);
  }

  /** Adds one version. Copies key and value into one allocation the memtable owns. */
  add(seq: number, kind: ValueKind, key: Uint8Array, value: Uint8Array): void {
    const ikeyLen = key.length + TRAILER_BYTES;
    const buf = Buffer.allocUnsafe(ikeyLen + value.length);
    buf.set(key, 0);
    writeTrailer(buf, key.length, seq, kind);
    buf.set(value, ikeyLen);
    this.list.insert(buf.subarray(0, ikeyLen), buf.subarray(ikeyLen));
    this.bytes += buf.length + skipListEntryOverheadBytes();
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
