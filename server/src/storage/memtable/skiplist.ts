import { assert } from "../assert.js";
import { TRAILER_BYTES, type ValueKind } from "../internal-key.js";
import type { InternalIterator } from "../iterator.js";
import type { RandomSource } from "./prng.js";

/**
 * A skiplist of (internal key → value), ordered by `compareInternalKeys`, kept in arena memory
 * rather than in JS objects: nodes are runs of 32-bit words in `Int32Array` chunks, keys and
 * values are bytes in `Uint8Array` chunks, and a node is referred to by its word index (a
 * "ref"). So a memtable of a million entries is a few dozen buffers to the garbage collector
 * instead of millions of objects, and, since the chunks are `SharedArrayBuffer`s, a worker thread
 * can read a finished list (`shared()` / `SkipList.fromShared`) without a copy.
 *
 * Single writer, insert only (deletes are tombstone entries); iterators stay valid across inserts
 * because nodes never move or disappear.
 *
 * Node layout (words): data chunk | data offset | key bytes | value bytes | level-0 predecessor
 * (the head for the first node) | height | next[height]. The entry's bytes are the internal key
 * then the value, contiguous in one data chunk. Ref 0 is the head; NIL ends a level.
 */
export const SKIPLIST_MAX_HEIGHT = 12;
/** 1 in 4 nodes grows a level: LevelDB's branching factor, a good balance of memory and depth. */
const BRANCHING_MASK = 3;

const N_DATA_CHUNK = 0;
const N_DATA_OFFSET = 1;
const N_KEY_BYTES = 2;
const N_VALUE_BYTES = 3;
const N_PREV0 = 4;
const N_HEIGHT = 5;
const N_NEXT = 6;
const HEAD = 0;
/** The end of a level (and "no node"). */
export const NIL = -1;

/** Bytes of node words per level of height, and for the rest of a node. */
const WORD_BYTES = 4;
const NODE_FIXED_BYTES = N_NEXT * WORD_BYTES;
/** An entry bigger than this share of a data chunk gets a chunk of its own. */
const OWN_CHUNK_FRACTION = 4;
/** Default data chunk size; the engine sizes chunks from `memtable_size`. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;
const MIN_CHUNK_BYTES = 4 * 1024;

/** Everything a reader in another thread needs to walk a list that no longer changes. */
export interface SharedSkipList {
  readonly nodeChunks: readonly SharedArrayBuffer[];
  readonly dataChunks: readonly SharedArrayBuffer[];
  /** log2 of the words per node chunk. */
  readonly nodeChunkShift: number;
  readonly count: number;
}

export class SkipList {
  private readonly nodeChunks: Int32Array[] = [];
  private readonly dataChunks: Uint8Array[] = [];
  private readonly nodeShift: number;
  private readonly nodeMask: number;
  private readonly dataChunkBytes: number;
  /** Next free word in the last node chunk. */
  private nodeTop = 0;
  /** The data chunk small entries are appended to, and its next free byte. */
  private dataCurrent = -1;
  private dataTop = 0;
  private height = 1;
  private count = 0;
  /** Arena bytes taken: node words, entry bytes and chunk tails left unused. */
  private bytes = 0;
  /** Scratch for findGreaterOrEqual's predecessors; reused so inserts allocate nothing. */
  private readonly prevScratch = new Int32Array(SKIPLIST_MAX_HEIGHT);
  /** Where the entry being inserted was written, and its sizes (see writeEntry). */
  private entryChunk = 0;
  private entryOffset = 0;
  private entryKeyBytes = 0;
  private entryValueBytes = 0;

  /**
   * `chunkBytes` is the data chunk size (rounded up to a power of two; node chunks are a quarter of
   * it). A list built by `fromShared` is read-only and has no random source.
   */
  constructor(
    private readonly random: RandomSource | undefined,
    chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    let dataBytes = MIN_CHUNK_BYTES;
    while (dataBytes < chunkBytes) dataBytes *= 2;
    this.dataChunkBytes = dataBytes;
    this.nodeShift = Math.log2(dataBytes / 4 / WORD_BYTES);
    this.nodeMask = (1 << this.nodeShift) - 1;
    if (random !== undefined) {
      const head = this.allocNode(SKIPLIST_MAX_HEIGHT);
      assert(head === HEAD, "the head is the first node");
      const n = this.nodeChunks[0]!;
      n[N_PREV0] = NIL;
      n[N_HEIGHT] = SKIPLIST_MAX_HEIGHT;
      n.fill(NIL, N_NEXT, N_NEXT + SKIPLIST_MAX_HEIGHT);
      // An empty list charges nothing: the head is the list's fixed cost, not an entry's.
      this.bytes = 0;
    }
  }

  /** A read-only list over chunks another thread filled (see `shared`). */
  static fromShared(s: SharedSkipList): SkipList {
    const list = new SkipList(undefined, (1 << s.nodeChunkShift) * WORD_BYTES * 4);
    assert(list.nodeShift === s.nodeChunkShift, "shared skiplist chunk geometry");
    for (const c of s.nodeChunks) list.nodeChunks.push(new Int32Array(c));
    for (const c of s.dataChunks) list.dataChunks.push(new Uint8Array(c));
    list.count = s.count;
    return list;
  }

  /** The chunks, for `fromShared` in another thread. NB: valid only once the list stops changing. */
  shared(): SharedSkipList {
    return {
      nodeChunks: this.nodeChunks.map((c) => c.buffer as SharedArrayBuffer),
      dataChunks: this.dataChunks.map((c) => c.buffer as SharedArrayBuffer),
      nodeChunkShift: this.nodeShift,
      count: this.count,
    };
  }

  get size(): number {
    return this.count;
  }

  /** Arena bytes in use (what a memtable charges against its budget). */
  get arenaBytes(): number {
    return this.bytes;
  }

  /** Inserts an internal key that is not already present (internal keys are unique by sequence number). */
  insert(ikey: Uint8Array, value: Uint8Array): number {
    const ul = ikey.length - TRAILER_BYTES;
    this.writeEntry(ikey.subarray(0, ul), ikey, ul, 0, 0 as ValueKind, value);
    return this.linkNew();
  }

  /** Inserts user key + (seq, kind) → value, copying the bytes into the arena; returns the node. */
  add(userKey: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array): number {
    this.writeEntry(userKey, undefined, 0, seq, kind, value);
    return this.linkNew();
  }

  /**
   * Inserts as `add` does, but as a height-1 node right before `successor`, without a search.
   * The caller guarantees that the entry sorts between `successor`'s predecessor and
   * `successor`. Only level 0 learns of the node, so callers bound how many such nodes they put
   * in a row (a search that lands among them walks them one by one).
   */
  addBefore(successor: number, userKey: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array): number {
    this.writeEntry(userKey, undefined, 0, seq, kind, value);
    const ref = this.makeNode(1);
    const before = this.word(successor, N_PREV0);
    this.setWord(ref, N_PREV0, before);
    this.setWord(ref, N_NEXT, successor);
    this.setWord(before, N_NEXT, ref);
    this.setWord(successor, N_PREV0, ref);
    this.count++;
    return ref;
  }

  /**
   * Compares (userKey, seq, kind) as an internal key with node `ref`'s key, without building
   * the key: negative when it sorts before the node.
   */
  compareEntryTo(userKey: Uint8Array, seq: number, kind: ValueKind, ref: number): number {
    const n = this.nodeChunks[ref >>> this.nodeShift]!;
    const o = ref & this.nodeMask;
    const d = this.dataChunks[n[o + N_DATA_CHUNK]!]!;
    const off = n[o + N_DATA_OFFSET]!;
    const ul = n[o + N_KEY_BYTES]! - TRAILER_BYTES;
    const c = compareSpans(userKey, 0, userKey.length, d, off, ul);
    if (c !== 0) return c;
    // Trailers: newest (higher seq, then higher kind) first.
    const s = seqAt(d, off + ul);
    if (s !== seq) return s - seq;
    return d[off + ul + TRAILER_BYTES - 1]! - kind;
  }

  /** Compares node `ref`'s user key with `userKey`. */
  compareUserKeyTo(ref: number, userKey: Uint8Array): number {
    const n = this.nodeChunks[ref >>> this.nodeShift]!;
    const o = ref & this.nodeMask;
    return compareSpans(this.dataChunks[n[o + N_DATA_CHUNK]!]!, n[o + N_DATA_OFFSET]!, n[o + N_KEY_BYTES]! - TRAILER_BYTES, userKey, 0, userKey.length);
  }

  /** Whether node `ref`'s user key starts with key[0, length) and is at least that long. */
  hasPrefix(ref: number, key: Uint8Array, length: number): boolean {
    const n = this.nodeChunks[ref >>> this.nodeShift]!;
    const o = ref & this.nodeMask;
    if (n[o + N_KEY_BYTES]! - TRAILER_BYTES < length) return false;
    const d = this.dataChunks[n[o + N_DATA_CHUNK]!]!;
    const off = n[o + N_DATA_OFFSET]!;
    for (let i = 0; i < length; i++) if (d[off + i] !== key[i]) return false;
    return true;
  }

  /** First node with key >= target (an internal key), or NIL; fills `prev` with each level's predecessor if asked. */
  findGreaterOrEqual(target: Uint8Array, fillPrev = false): number {
    const prev = this.prevScratch;
    let x = HEAD;
    let level = this.height - 1;
    const tl = target.length;
    while (true) {
      const next = this.word(x, N_NEXT + level);
      if (next !== NIL && this.compareNodeTo(next, target, 0, tl) < 0) {
        x = next;
      } else {
        if (fillPrev) prev[level] = x;
        if (level === 0) return next;
        level--;
      }
    }
  }

  /** The first node at or after `from` (a level-0 walk) whose key is >= target, or NIL. */
  walkFrom(from: number, target: Uint8Array): number {
    let x = from;
    while (x !== NIL && this.compareNodeTo(x, target, 0, target.length) < 0) x = this.word(x, N_NEXT);
    return x;
  }

  /** Last node with key < target, or the head. */
  findLessThan(target: Uint8Array): number {
    let x = HEAD;
    let level = this.height - 1;
    while (true) {
      const next = this.word(x, N_NEXT + level);
      if (next !== NIL && this.compareNodeTo(next, target, 0, target.length) < 0) {
        x = next;
      } else {
        if (level === 0) return x;
        level--;
      }
    }
  }

  /** The last node, or the head when empty. */
  findLast(): number {
    let x = HEAD;
    let level = this.height - 1;
    while (true) {
      const next = this.word(x, N_NEXT + level);
      if (next !== NIL) x = next;
      else if (level === 0) return x;
      else level--;
    }
  }

  first(): number {
    return this.word(HEAD, N_NEXT);
  }

  next(ref: number): number {
    return this.word(ref, N_NEXT);
  }

  /** The level-0 predecessor, or NIL for the first node. */
  prev(ref: number): number {
    const p = this.word(ref, N_PREV0);
    return p === HEAD ? NIL : p;
  }

  /** Compares node `ref`'s internal key with target[start, start + length). */
  compareNodeTo(ref: number, target: Uint8Array, start: number, length: number): number {
    const n = this.nodeChunks[ref >>> this.nodeShift]!;
    const o = ref & this.nodeMask;
    return compareInternalSpans(this.dataChunks[n[o + N_DATA_CHUNK]!]!, n[o + N_DATA_OFFSET]!, n[o + N_KEY_BYTES]!, target, start, length);
  }

  /** A view of node `ref`'s internal key (valid while the list lives). */
  keyOf(ref: number): Buffer {
    const n = this.nodeChunks[ref >>> this.nodeShift]!;
    const o = ref & this.nodeMask;
    const d = this.dataChunks[n[o + N_DATA_CHUNK]!]!;
    return Buffer.from(d.buffer, d.byteOffset + n[o + N_DATA_OFFSET]!, n[o + N_KEY_BYTES]!);
  }

  /** A view of node `ref`'s value. */
  valueOf(ref: number): Buffer {
    const n = this.nodeChunks[ref >>> this.nodeShift]!;
    const o = ref & this.nodeMask;
    const d = this.dataChunks[n[o + N_DATA_CHUNK]!]!;
    return Buffer.from(d.buffer, d.byteOffset + n[o + N_DATA_OFFSET]! + n[o + N_KEY_BYTES]!, n[o + N_VALUE_BYTES]!);
  }

  /** Node `ref`'s user key length (its internal key without the trailer). */
  userKeyLength(ref: number): number {
    return this.word(ref, N_KEY_BYTES) - TRAILER_BYTES;
  }

  /** Node `ref`'s sequence number. */
  seqOf(ref: number): number {
    const n = this.nodeChunks[ref >>> this.nodeShift]!;
    const o = ref & this.nodeMask;
    return seqAt(this.dataChunks[n[o + N_DATA_CHUNK]!]!, n[o + N_DATA_OFFSET]! + n[o + N_KEY_BYTES]! - TRAILER_BYTES);
  }

  /** Node `ref`'s value kind. */
  kindOf(ref: number): ValueKind {
    const n = this.nodeChunks[ref >>> this.nodeShift]!;
    const o = ref & this.nodeMask;
    return this.dataChunks[n[o + N_DATA_CHUNK]!]![n[o + N_DATA_OFFSET]! + n[o + N_KEY_BYTES]! - 1] as ValueKind;
  }

  /** Copies node `ref`'s user key into a new buffer. */
  copyUserKey(ref: number): Buffer {
    const n = this.nodeChunks[ref >>> this.nodeShift]!;
    const o = ref & this.nodeMask;
    const d = this.dataChunks[n[o + N_DATA_CHUNK]!]!;
    const off = n[o + N_DATA_OFFSET]!;
    return copyOut(d, off, n[o + N_KEY_BYTES]! - TRAILER_BYTES);
  }

  /** Copies node `ref`'s value into a new buffer. */
  copyValue(ref: number): Buffer {
    const n = this.nodeChunks[ref >>> this.nodeShift]!;
    const o = ref & this.nodeMask;
    const d = this.dataChunks[n[o + N_DATA_CHUNK]!]!;
    return copyOut(d, n[o + N_DATA_OFFSET]! + n[o + N_KEY_BYTES]!, n[o + N_VALUE_BYTES]!);
  }

  iterator(): SkipListIterator {
    return new SkipListIterator(this);
  }

  // ---------------------------------------------------------------- arena

  private word(ref: number, field: number): number {
    return this.nodeChunks[ref >>> this.nodeShift]![(ref & this.nodeMask) + field]!;
  }

  private setWord(ref: number, field: number, value: number): void {
    this.nodeChunks[ref >>> this.nodeShift]![(ref & this.nodeMask) + field] = value;
  }

  /**
   * Copies an entry's bytes into the data arena and remembers where (entryChunk, entryOffset).
   * The internal key is `userKey` then either ikey[ul, ul + 8) (when `ikey` is given) or the
   * trailer of (seq, kind).
   */
  private writeEntry(userKey: Uint8Array, ikey: Uint8Array | undefined, ul: number, seq: number, kind: ValueKind, value: Uint8Array): void {
    assert(this.random !== undefined, "a shared skiplist is read-only");
    const ukl = userKey.length;
    const size = ukl + TRAILER_BYTES + value.length;
    let chunk: Uint8Array;
    let off: number;
    if (size * OWN_CHUNK_FRACTION > this.dataChunkBytes) {
      // Big entries get a chunk of their own; small ones keep filling the current chunk.
      chunk = new Uint8Array(new SharedArrayBuffer(size));
      this.dataChunks.push(chunk);
      this.entryChunk = this.dataChunks.length - 1;
      off = 0;
      this.bytes += size;
    } else {
      if (this.dataCurrent < 0 || this.dataTop + size > this.dataChunkBytes) {
        if (this.dataCurrent >= 0) this.bytes += this.dataChunkBytes - this.dataTop;
        this.dataChunks.push(new Uint8Array(new SharedArrayBuffer(this.dataChunkBytes)));
        this.dataCurrent = this.dataChunks.length - 1;
        this.dataTop = 0;
      }
      chunk = this.dataChunks[this.dataCurrent]!;
      off = this.dataTop;
      this.dataTop += size;
      this.entryChunk = this.dataCurrent;
      this.bytes += size;
    }
    this.entryOffset = off;
    this.entryKeyBytes = ukl + TRAILER_BYTES;
    this.entryValueBytes = value.length;
    chunk.set(userKey, off);
    if (ikey !== undefined) {
      for (let i = 0; i < TRAILER_BYTES; i++) chunk[off + ukl + i] = ikey[ul + i]!;
    } else {
      writeTrailerBytes(chunk, off + ukl, seq, kind);
    }
    chunk.set(value, off + ukl + TRAILER_BYTES);
  }

  /** Links the entry just written at a random height after a search. */
  private linkNew(): number {
    const d = this.dataChunks[this.entryChunk]!;
    const off = this.entryOffset;
    const keyBytes = this.entryKeyBytes;
    const prev = this.prevScratch;
    const found = this.searchEntry(d, off, keyBytes);
    if (found !== NIL && this.compareNodeTo(found, d, off, keyBytes) === 0) {
      throw new Error("skiplist: duplicate internal key");
    }
    const h = this.randomHeight();
    if (h > this.height) {
      for (let i = this.height; i < h; i++) prev[i] = HEAD;
      this.height = h;
    }
    const ref = this.makeNode(h);
    for (let i = 0; i < h; i++) {
      const p = prev[i]!;
      this.setWord(ref, N_NEXT + i, this.word(p, N_NEXT + i));
      this.setWord(p, N_NEXT + i, ref);
    }
    this.setWord(ref, N_PREV0, prev[0]!);
    const after = this.word(ref, N_NEXT);
    if (after !== NIL) this.setWord(after, N_PREV0, ref);
    this.count++;
    return ref;
  }

  /** findGreaterOrEqual for a key in the data arena, filling prevScratch. */
  private searchEntry(d: Uint8Array, off: number, keyBytes: number): number {
    const prev = this.prevScratch;
    let x = HEAD;
    let level = this.height - 1;
    while (true) {
      const next = this.word(x, N_NEXT + level);
      if (next !== NIL && this.compareNodeTo(next, d, off, keyBytes) < 0) {
        x = next;
      } else {
        prev[level] = x;
        if (level === 0) return next;
        level--;
      }
    }
  }

  /** Allocates and fills a node for the entry just written; links are the caller's. */
  private makeNode(height: number): number {
    const ref = this.allocNode(height);
    const n = this.nodeChunks[ref >>> this.nodeShift]!;
    const o = ref & this.nodeMask;
    n[o + N_DATA_CHUNK] = this.entryChunk;
    n[o + N_DATA_OFFSET] = this.entryOffset;
    n[o + N_KEY_BYTES] = this.entryKeyBytes;
    n[o + N_VALUE_BYTES] = this.entryValueBytes;
    n[o + N_HEIGHT] = height;
    return ref;
  }

  private allocNode(height: number): number {
    const words = N_NEXT + height;
    const chunkWords = this.nodeMask + 1;
    if (this.nodeChunks.length === 0 || this.nodeTop + words > chunkWords) {
      if (this.nodeChunks.length > 0) this.bytes += (chunkWords - this.nodeTop) * WORD_BYTES;
      this.nodeChunks.push(new Int32Array(new SharedArrayBuffer(chunkWords * WORD_BYTES)));
      this.nodeTop = 0;
    }
    const ref = ((this.nodeChunks.length - 1) << this.nodeShift) | this.nodeTop;
    assert(ref >= 0, "skiplist node arena overflow");
    this.nodeTop += words;
    this.bytes += words * WORD_BYTES;
    return ref;
  }

  private randomHeight(): number {
    let h = 1;
    while (h < SKIPLIST_MAX_HEIGHT && (this.random!.nextUint32() & BRANCHING_MASK) === 0) h++;
    return h;
  }
}

export class SkipListIterator implements InternalIterator {
  private node = NIL;
  private keyView: Buffer | undefined;

  constructor(private readonly list: SkipList) {}

  valid(): boolean {
    return this.node !== NIL;
  }
  seekToFirst(): void {
    this.moveTo(this.list.first());
  }
  seekToLast(): void {
    const last = this.list.findLast();
    this.moveTo(last === HEAD ? NIL : last);
  }
  seek(target: Buffer): void {
    this.moveTo(this.list.findGreaterOrEqual(target));
  }
  /** Positions at the first node at or after `from` with key >= target (see SkipList.walkFrom). */
  seekFrom(from: number, target: Buffer): void {
    this.moveTo(from === NIL ? NIL : this.list.walkFrom(from, target));
  }
  seekForPrev(target: Buffer): void {
    const ge = this.list.findGreaterOrEqual(target);
    if (ge !== NIL && this.list.compareNodeTo(ge, target, 0, target.length) === 0) {
      this.moveTo(ge);
      return;
    }
    const lt = this.list.findLessThan(target);
    this.moveTo(lt === HEAD ? NIL : lt);
  }
  next(): void {
    this.moveTo(this.list.next(this.node));
  }
  prev(): void {
    this.moveTo(this.list.prev(this.node));
  }
  key(): Buffer {
    return (this.keyView ??= this.list.keyOf(this.node));
  }
  value(): Buffer {
    return this.list.valueOf(this.node);
  }
  /** The node the iterator is on (NIL when invalid). */
  get ref(): number {
    return this.node;
  }
  close(): void {
    this.moveTo(NIL);
  }

  private moveTo(ref: number): void {
    this.node = ref;
    this.keyView = undefined;
  }
}

/** Byte overhead charged per entry beyond key and value: node words at a typical height, trailer. */
export function skipListEntryOverheadBytes(height = 2): number {
  return NODE_FIXED_BYTES + height * WORD_BYTES + TRAILER_BYTES;
}

/** Compares a[as, as + al) with b[bs, bs + bl) bytewise. */
function compareSpans(a: Uint8Array, as: number, al: number, b: Uint8Array, bs: number, bl: number): number {
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const d = a[as + i]! - b[bs + i]!;
    if (d !== 0) return d;
  }
  return al - bl;
}

/** compareInternalKeys for two keys given as spans: user key ascending, then trailer descending. */
function compareInternalSpans(a: Uint8Array, as: number, al: number, b: Uint8Array, bs: number, bl: number): number {
  const aul = al - TRAILER_BYTES;
  const bul = bl - TRAILER_BYTES;
  const n = aul < bul ? aul : bul;
  for (let i = 0; i < n; i++) {
    const d = a[as + i]! - b[bs + i]!;
    if (d !== 0) return d;
  }
  if (aul !== bul) return aul - bul;
  for (let i = 0; i < TRAILER_BYTES; i++) {
    const d = b[bs + bul + i]! - a[as + aul + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** The sequence number of the trailer at `at` (see internal-key.ts). */
function seqAt(d: Uint8Array, at: number): number {
  const hi = (d[at]! << 16) | (d[at + 1]! << 8) | d[at + 2]!;
  const lo = ((d[at + 3]! << 24) >>> 0) + (d[at + 4]! << 16) + (d[at + 5]! << 8) + d[at + 6]!;
  return hi * 0x1_0000_0000 + lo;
}

function writeTrailerBytes(d: Uint8Array, at: number, seq: number, kind: ValueKind): void {
  const hi = Math.floor(seq / 0x1_0000_0000);
  const lo = seq >>> 0;
  d[at] = (hi >>> 16) & 0xff;
  d[at + 1] = (hi >>> 8) & 0xff;
  d[at + 2] = hi & 0xff;
  d[at + 3] = lo >>> 24;
  d[at + 4] = (lo >>> 16) & 0xff;
  d[at + 5] = (lo >>> 8) & 0xff;
  d[at + 6] = lo & 0xff;
  d[at + 7] = kind;
}

/** Below this length a byte loop copies faster than a native call on a fresh view. */
const NATIVE_COPY_MIN_BYTES = 64;

function copyOut(d: Uint8Array, off: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  if (length >= NATIVE_COPY_MIN_BYTES) out.set(d.subarray(off, off + length));
  else for (let i = 0; i < length; i++) out[i] = d[off + i]!;
  return out;
}
