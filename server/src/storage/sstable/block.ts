import { assert } from "../assert.js";
import { CorruptionError } from "../errors.js";
import { TRAILER_BYTES } from "../internal-key.js";
import type { InternalIterator } from "../iterator.js";
import { decodeVarint, type VarintCursor } from "../varint.js";

/** Bytes charged to the block cache per block on top of its contents: the objects around it. */
export const BLOCK_OVERHEAD_BYTES = 128;

/**
 * A parsed, verified block (layout in `format.ts`): the contents plus the location of the restart
 * array. Immutable, so one instance is shared by the block cache and every iterator over it.
 * Carries its file path and offset so a malformed entry is reported where it lives.
 */
export class Block {
  readonly restartsOffset: number;
  readonly restartCount: number;
  /** What the block costs the block cache, in bytes. */
  readonly chargedBytes: number;

  /** Parses `data` (contents without the trailer). Throws CorruptionError if the restart array is malformed. */
  constructor(
    readonly data: Buffer,
    readonly filePath: string,
    readonly fileOffset: number,
  ) {
    const fail = (reason: string): never => {
      throw new CorruptionError(filePath, fileOffset, reason);
    };
    if (data.length < 4) fail("block shorter than its restart count");
    const count = data.readUInt32LE(data.length - 4);
    const restartsOffset = data.length - 4 - 4 * count;
    if (count < 1 || restartsOffset < 0) fail(`bad restart count ${count}`);
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const r = data.readUInt32LE(restartsOffset + 4 * i);
      const inRange = restartsOffset === 0 ? r === 0 && count === 1 : r < restartsOffset;
      if (!inRange || r <= previous || (i === 0 && r !== 0)) fail(`bad restart point ${i}: ${r}`);
      previous = r;
    }
    this.restartsOffset = restartsOffset;
    this.restartCount = count;
    this.chargedBytes = data.length + BLOCK_OVERHEAD_BYTES;
  }

  restartPoint(i: number): number {
    const d = this.data;
    const o = this.restartsOffset + 4 * i;
    return (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;
  }
}

/** Below this many bytes a JS loop beats Buffer.compare/copy, whose native call and argument checks cost ~100 ns. */
const NATIVE_BYTES_MIN = 48;

/**
 * Compares the internal key `a[aStart, aEnd)` with `b[0, bLength)` in `compareInternalKeys`
 * order, in place (no subarray allocation): user key ascending, then trailer descending.
 * NB: both keys must be at least TRAILER_BYTES long; the block iterator checks that while parsing.
 */
export function compareInternalKeyAt(a: Buffer, aStart: number, aEnd: number, b: Buffer, bLength: number): number {
  const aUserLength = aEnd - aStart - TRAILER_BYTES;
  const bUserLength = bLength - TRAILER_BYTES;
  const common = aUserLength < bUserLength ? aUserLength : bUserLength;
  if (common >= NATIVE_BYTES_MIN) {
    const c = a.compare(b, 0, common, aStart, aStart + common);
    if (c !== 0) return c;
  } else {
    for (let i = 0; i < common; i++) {
      const d = a[aStart + i]! - b[i]!;
      if (d !== 0) return d;
    }
  }
  if (aUserLength !== bUserLength) return aUserLength - bUserLength;
  const aTrailer = aStart + aUserLength;
  for (let i = 0; i < TRAILER_BYTES; i++) {
    const d = b[bUserLength + i]! - a[aTrailer + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

const EMPTY = Buffer.alloc(0);

/**
 * Cursor over one block. Keys are rebuilt from their shared prefixes into a buffer the iterator
 * owns; values are views of the block. Seeks binary-search the restart points comparing keys in
 * place, then scan forward at most one restart interval.
 *
 * Seeks compare keys as internal keys; a block of other keys (the meta block) may only be walked
 * with seekToFirst/next, and is opened with `minKeyBytes` 0.
 */
export class BlockIterator implements InternalIterator {
  private block: Block | undefined;
  private data: Buffer = EMPTY;
  private restartsOffset = 0;
  private restartCount = 0;
  /** Offset of the current entry; == restartsOffset when invalid. */
  private current = 0;
  private nextOffset = 0;
  private keyBuf: Buffer = Buffer.allocUnsafe(64);
  /** Length of the current key in `keyBuf`. */
  keyLength = 0;
  /** Bytes the current key shares with the previous one. */
  private lastShared = 0;
  /** Leading user-key bytes the last compared restart key shared with the target. */
  private restartMatch = 0;
  valueStart = 0;
  valueEnd = 0;
  private keyView: Buffer | undefined;
  private readonly cursor: VarintCursor = { pos: 0 };

  constructor(
    block?: Block,
    private readonly minKeyBytes: number = TRAILER_BYTES,
  ) {
    if (block) this.reset(block);
  }

  /** Points the iterator at `block`, unpositioned. Lets hot paths reuse one iterator. */
  reset(block: Block): void {
    this.block = block;
    this.data = block.data;
    this.restartsOffset = block.restartsOffset;
    this.restartCount = block.restartCount;
    this.invalidate();
  }

  valid(): boolean {
    return this.current < this.restartsOffset;
  }

  seekToFirst(): void {
    this.seekToRestart(0);
    this.parseNext();
  }

  seekToLast(): void {
    this.seekToRestart(this.restartCount - 1);
    while (this.parseNext() && this.nextOffset < this.restartsOffset) {
      // scan to the last entry
    }
  }

  seek(target: Buffer): void {
    this.seekWithLength(target, target.length);
  }

  /** As `seek`, with the target being `target[0, targetLength)`: lets callers reuse a scratch buffer. */
  seekWithLength(target: Buffer, targetLength: number): void {
    // Binary search for the last restart key < target. Every key between a key below the target
    // and one above it shares (in its user key) the bytes both bounds share with the target, so
    // comparisons skip min(matchBelow, matchAbove) bytes: long common prefixes are read once.
    let left = 0;
    let right = this.restartCount - 1;
    let matchBelow = 0;
    let matchAbove = 0;
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      const knownEqual = matchBelow < matchAbove ? matchBelow : matchAbove;
      if (this.compareRestartKey(mid, target, targetLength, knownEqual) < 0) {
        left = mid;
        matchBelow = this.restartMatch;
      } else {
        right = mid - 1;
        matchAbove = this.restartMatch;
      }
    }
    this.seekToRestart(left);
    this.scanTo(target, targetLength);
  }

  /**
   * Steps forward to the first entry >= target. Keys only grow, so once an entry is known to be
   * below the target at byte `below` of the user key (equal before it, smaller at it), a later
   * entry sharing more than `below` bytes with its predecessor is below too, and one sharing
   * `shared` <= `below` bytes only needs comparing from byte `shared`.
   * NB: `below` is only trusted when the mismatch lay inside both user keys (-1 otherwise): a
   * key that shares bytes past its own user key is then still longer than `below` bytes.
   */
  private scanTo(target: Buffer, targetLength: number): void {
    const targetUserLength = targetLength - TRAILER_BYTES;
    let below = -1;
    while (this.parseNext()) {
      const shared = this.lastShared;
      if (below >= 0 && shared > below) continue;
      const keyBuf = this.keyBuf;
      const userLength = this.keyLength - TRAILER_BYTES;
      const common = userLength < targetUserLength ? userLength : targetUserLength;
      let i = below >= 0 ? shared : 0;
      while (i < common && keyBuf[i] === target[i]) i++;
      if (i < common) {
        if (keyBuf[i]! > target[i]!) return;
        below = i;
        continue;
      }
      below = -1;
      if (compareInternalKeyAt(keyBuf, 0, this.keyLength, target, targetLength) >= 0) return;
    }
  }

  seekForPrev(target: Buffer): void {
    this.seek(target);
    if (!this.valid()) this.seekToLast();
    else if (compareInternalKeyAt(this.keyBuf, 0, this.keyLength, target, target.length) > 0) this.prev();
  }

  next(): void {
    assert(this.valid(), "next() on an invalid block iterator");
    this.parseNext();
  }

  prev(): void {
    assert(this.valid(), "prev() on an invalid block iterator");
    const original = this.current;
    const block = this.block!;
    if (original === block.restartPoint(0)) {
      this.invalidate();
      return;
    }
    // The last restart point before `original`. Found by search rather than tracked on every
    // move, because forward scans (the common case) would pay for the bookkeeping.
    let left = 0;
    let right = this.restartCount - 1;
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      if (block.restartPoint(mid) < original) left = mid;
      else right = mid - 1;
    }
    this.seekToRestart(left);
    while (this.parseNext() && this.nextOffset < original) {
      // scan to the entry just before `original`
    }
  }

  key(): Buffer {
    assert(this.valid(), "key() on an invalid block iterator");
    return (this.keyView ??= this.keyBuf.subarray(0, this.keyLength));
  }

  value(): Buffer {
    assert(this.valid(), "value() on an invalid block iterator");
    return this.data.subarray(this.valueStart, this.valueEnd);
  }

  /** The buffer holding the current key in `[0, keyLength)`. NB: overwritten by the next move. */
  keyBuffer(): Buffer {
    return this.keyBuf;
  }

  /** The block's contents; the current value is `[valueStart, valueEnd)` of it. */
  blockData(): Buffer {
    return this.data;
  }

  /** True if the current key's user key is `userKey`, compared in place. */
  userKeyEquals(userKey: Uint8Array): boolean {
    const userLength = this.keyLength - TRAILER_BYTES;
    if (userLength !== userKey.length) return false;
    if (userLength >= NATIVE_BYTES_MIN) return this.keyBuf.compare(userKey, 0, userLength, 0, userLength) === 0;
    const keyBuf = this.keyBuf;
    for (let i = 0; i < userLength; i++) if (keyBuf[i] !== userKey[i]) return false;
    return true;
  }

  close(): void {
    this.block = undefined;
    this.data = EMPTY;
    this.restartsOffset = 0;
    this.restartCount = 0;
    this.invalidate();
  }

  private invalidate(): void {
    this.current = this.restartsOffset;
    this.nextOffset = this.restartsOffset;
    this.keyLength = 0;
    this.keyView = undefined;
  }

  private seekToRestart(i: number): void {
    this.keyLength = 0;
    this.nextOffset = this.block!.restartPoint(i);
  }

  /** Decodes the entry at `nextOffset`; returns false (and invalidates) at the end of the block. */
  private parseNext(): boolean {
    const p = this.nextOffset;
    this.current = p;
    this.keyView = undefined;
    if (p >= this.restartsOffset) {
      this.invalidate();
      return false;
    }
    const data = this.data;
    const cursor = this.cursor;
    const limit = this.restartsOffset;
    let shared = data[p]!;
    let unshared = data[p + 1]!;
    let valueLength = data[p + 2]!;
    let keyStart = p + 3;
    // Fast path: all three lengths fit one byte (short keys and values), and p + 3 <= limit
    // because the restart array follows the entries.
    if ((shared | unshared | valueLength) >= 0x80 || keyStart > limit) {
      cursor.pos = p;
      shared = decodeVarint(data, cursor, limit);
      unshared = decodeVarint(data, cursor, limit);
      valueLength = decodeVarint(data, cursor, limit);
      if (shared < 0 || unshared < 0 || valueLength < 0) this.corrupt(p, "malformed entry header");
      keyStart = cursor.pos;
    }
    const keyEnd = keyStart + unshared;
    const valueEnd = keyEnd + valueLength;
    if (valueEnd > limit) this.corrupt(p, "entry runs past the restart array");
    if (shared > this.keyLength) this.corrupt(p, `shared prefix ${shared} longer than the previous key`);
    const keyLength = shared + unshared;
    if (keyLength < this.minKeyBytes) this.corrupt(p, `key of ${keyLength} bytes is shorter than a trailer`);
    if (keyLength > this.keyBuf.length) {
      const grown = Buffer.allocUnsafe(Math.max(keyLength, this.keyBuf.length * 2));
      this.keyBuf.copy(grown, 0, 0, shared);
      this.keyBuf = grown;
    }
    if (unshared >= NATIVE_BYTES_MIN) data.copy(this.keyBuf, shared, keyStart, keyEnd);
    else {
      const keyBuf = this.keyBuf;
      for (let i = 0; i < unshared; i++) keyBuf[shared + i] = data[keyStart + i]!;
    }
    this.keyLength = keyLength;
    this.lastShared = shared;
    this.valueStart = keyEnd;
    this.valueEnd = valueEnd;
    this.nextOffset = valueEnd;
    return true;
  }

  /**
   * Compares the (unshared, shared = 0) key at restart point `i` with the target, in place,
   * skipping the first `knownEqual` user-key bytes; leaves in `restartMatch` how many leading
   * user-key bytes the two share.
   */
  private compareRestartKey(i: number, target: Buffer, targetLength: number, knownEqual: number): number {
    const data = this.data;
    const p = this.block!.restartPoint(i);
    const cursor = this.cursor;
    const limit = this.restartsOffset;
    let shared = data[p]!;
    let unshared = data[p + 1]!;
    let valueLength = data[p + 2]!;
    let keyStart = p + 3;
    if ((shared | unshared | valueLength) >= 0x80 || keyStart > limit) {
      cursor.pos = p;
      shared = decodeVarint(data, cursor, limit);
      unshared = decodeVarint(data, cursor, limit);
      valueLength = decodeVarint(data, cursor, limit);
      keyStart = cursor.pos;
    }
    if (shared !== 0 || unshared < this.minKeyBytes || valueLength < 0) this.corrupt(p, "malformed restart entry");
    const keyEnd = keyStart + unshared;
    if (keyEnd + valueLength > limit) this.corrupt(p, "restart entry runs past the restart array");
    const userLength = unshared - TRAILER_BYTES;
    const targetUserLength = targetLength - TRAILER_BYTES;
    const common = userLength < targetUserLength ? userLength : targetUserLength;
    let j = knownEqual < common ? knownEqual : common;
    while (j < common && data[keyStart + j] === target[j]) j++;
    this.restartMatch = j;
    if (j < common) return data[keyStart + j]! - target[j]!;
    return compareInternalKeyAt(data, keyStart, keyEnd, target, targetLength);
  }

  private corrupt(entryOffset: number, reason: string): never {
    const block = this.block!;
    throw new CorruptionError(block.filePath, block.fileOffset + entryOffset, reason);
  }
}
