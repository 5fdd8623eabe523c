import { assert } from "../assert.js";
import { TRAILER_BYTES, type ValueKind } from "../internal-key.js";
import type { InternalIterator } from "../iterator.js";
import type { RandomSource } from "./prng.js";

/**
 * A skiplist of (internal key → value), ordered by `compareInternalKeys`, kept in arena memory
 * rather than in JS objects: each node is a run of bytes in a chunk (a `SharedArrayBuffer` seen
 * both as bytes and as 32-bit words) holding its header words, its internal key and its value,
 * and it is referred to by its word index (a "ref"). So a memtable of a million entries is a few
 * dozen buffers to the garbage collector instead of millions of objects; a search touches one
 * place per node it compares (header and key are adjacent); and, the chunks being shared memory,
 * a worker thread can read a finished list (`shared()` / `SkipList.fromShared`) without a copy.
 *
 * Single writer, insert only (deletes are tombstone entries); iterators stay valid across inserts
 * because nodes never move or disappear.
 *
 * Node layout (words): key bytes | value bytes | level-0 predecessor (the head for the first
 * node) | height | next[height], then the internal key and the value, padded to a word. A node
 * bigger than a quarter of a chunk gets a chunk of its own. Ref 0 is the head; NIL ends a level.
 */
export const SKIPLIST_MAX_HEIGHT = 12;
/** 1 in 4 nodes grows a level: LevelDB's branching factor, a good balance of memory and depth. */
const BRANCHING_MASK = 3;

/** Most nodes approximateCount walks on one level. */
const APPROXIMATE_COUNT_MAX_STEPS = 256;

const W_KEY_BYTES = 0;
const W_VALUE_BYTES = 1;
const W_PREV0 = 2;
const W_HEIGHT = 3;
const W_NEXT = 4;
const HEAD = 0;
/** The end of a level (and "no node"). */
export const NIL = -1;

const WORD_BYTES = 4;
/** A node bigger than this share of a chunk gets a chunk of its own. */
const OWN_CHUNK_FRACTION = 4;
/** Default chunk size; the engine sizes chunks from `memtable_size`. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;
const MIN_CHUNK_BYTES = 4 * 1024;

/** Everything a reader in another thread needs to walk a list that no longer changes. */
export interface SharedSkipList {
  readonly chunks: readonly SharedArrayBuffer[];
  /** log2 of the words per (ordinary) chunk: a ref is chunk << shift | word. */
  readonly chunkShift: number;
  readonly count: number;
}

export class SkipList {
  private readonly words: Int32Array[] = [];
  private readonly bytes: Uint8Array[] = [];
  private readonly shift: number;
  private readonly mask: number;
  private readonly chunkBytes: number;
  /** The chunk ordinary nodes are appended to, and its next free byte. */
  private current = -1;
  private top = 0;
  private height = 1;
  private count = 0;
  /** Nodes `addBefore` put in at height 1 rather than at a random height. */
  private spliced = 0;
  /** Arena bytes taken: nodes and chunk tails left unused. */
  private used = 0;
  /** Scratch for searches' predecessors; reused so inserts allocate nothing. */
  private readonly prevScratch = new Int32Array(SKIPLIST_MAX_HEIGHT);

  /**
   * `chunkBytes` is the chunk size (rounded up to a power of two). A list built by `fromShared`
   * is read-only and has no random source.
   */
  constructor(
    private readonly random: RandomSource | undefined,
    chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    let size = MIN_CHUNK_BYTES;
    while (size < chunkBytes) size *= 2;
    this.chunkBytes = size;
    this.shift = Math.log2(size / WORD_BYTES);
    this.mask = (1 << this.shift) - 1;
    if (random !== undefined) {
      const head = this.allocNode(SKIPLIST_MAX_HEIGHT, 0, 0);
      assert(head === HEAD, "the head is the first node");
      const w = this.words[0]!;
      w[W_PREV0] = NIL;
      w.fill(NIL, W_NEXT, W_NEXT + SKIPLIST_MAX_HEIGHT);
      // An empty list charges nothing: the head is the list's fixed cost, not an entry's.
      this.used = 0;
    }
  }

  /** A read-only list over chunks another thread filled (see `shared`). */
  static fromShared(s: SharedSkipList): SkipList {
    const list = new SkipList(undefined, (1 << s.chunkShift) * WORD_BYTES);
    assert(list.shift === s.chunkShift, "shared skiplist chunk geometry");
    for (const c of s.chunks) {
      list.words.push(new Int32Array(c));
      list.bytes.push(new Uint8Array(c));
    }
    list.count = s.count;
    return list;
  }

  /** The chunks, for `fromShared` in another thread. NB: valid only once the list stops changing. */
  shared(): SharedSkipList {
    return { chunks: this.bytes.map((c) => c.buffer as SharedArrayBuffer), chunkShift: this.shift, count: this.count };
  }

  get size(): number {
    return this.count;
  }

  /** Arena bytes in use (what a memtable charges against its budget). */
  get arenaBytes(): number {
    return this.used;
  }

  /** Inserts an internal key that is not already present (internal keys are unique by sequence number). */
  insert(ikey: Uint8Array, value: Uint8Array): number {
    const ul = ikey.length - TRAILER_BYTES;
    const ref = this.allocNode(this.randomHeight(), ikey.length, value.length);
    const at = this.keyStart(ref);
    const b = this.bytes[ref >>> this.shift]!;
    b.set(ikey.subarray(0, ul), at);
    for (let i = 0; i < TRAILER_BYTES; i++) b[at + ul + i] = ikey[ul + i]!;
    b.set(value, at + ikey.length);
    this.link(ref);
    return ref;
  }

  /** Inserts user key + (seq, kind) → value, copying the bytes into the arena; returns the node. */
  add(userKey: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array): number {
    const ref = this.newNode(this.randomHeight(), userKey, seq, kind, value);
    this.link(ref);
    return ref;
  }

  /**
   * Inserts as `add` does, but as a height-1 node right before `successor`, without a search.
   * The caller guarantees that the entry sorts between `successor`'s predecessor and
   * `successor`. Only level 0 learns of the node, so callers bound how many such nodes they put
   * in a row (a search that lands among them walks them one by one).
   */
  addBefore(successor: number, userKey: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array): number {
    const ref = this.newNode(1, userKey, seq, kind, value);
    const before = this.word(successor, W_PREV0);
    this.setWord(ref, W_PREV0, before);
    this.setWord(ref, W_NEXT, successor);
    this.setWord(before, W_NEXT, ref);
    this.setWord(successor, W_PREV0, ref);
    this.count++;
    this.spliced++;
    return ref;
  }

  /**
   * Compares (userKey, seq, kind) as an internal key with node `ref`'s key, without building
   * the key: negative when it sorts before the node.
   */
  compareEntryTo(userKey: Uint8Array, seq: number, kind: ValueKind, ref: number): number {
    const c = ref >>> this.shift;
    const w = this.words[c]!;
    const o = ref & this.mask;
    const b = this.bytes[c]!;
    const at = (o + W_NEXT + w[o + W_HEIGHT]!) * WORD_BYTES;
    const ul = w[o + W_KEY_BYTES]! - TRAILER_BYTES;
    const cmp = compareSpans(userKey, 0, userKey.length, b, at, ul);
    if (cmp !== 0) return cmp;
    // Trailers: newest (higher seq, then higher kind) first.
    const s = seqAt(b, at + ul);
    if (s !== seq) return s - seq;
    return b[at + ul + TRAILER_BYTES - 1]! - kind;
  }

  /** Compares node `ref`'s user key with `userKey`. */
  compareUserKeyTo(ref: number, userKey: Uint8Array): number {
    const c = ref >>> this.shift;
    const w = this.words[c]!;
    const o = ref & this.mask;
    return compareSpans(this.bytes[c]!, (o + W_NEXT + w[o + W_HEIGHT]!) * WORD_BYTES, w[o + W_KEY_BYTES]! - TRAILER_BYTES, userKey, 0, userKey.length);
  }

  /** Whether node `ref`'s user key starts with key[0, length) and is at least that long. */
  hasPrefix(ref: number, key: Uint8Array, length: number): boolean {
    const c = ref >>> this.shift;
    const w = this.words[c]!;
    const o = ref & this.mask;
    if (w[o + W_KEY_BYTES]! - TRAILER_BYTES < length) return false;
    const b = this.bytes[c]!;
    const at = (o + W_NEXT + w[o + W_HEIGHT]!) * WORD_BYTES;
    for (let i = 0; i < length; i++) if (b[at + i] !== key[i]) return false;
    return true;
  }

  /** First node with key >= target (an internal key), or NIL. */
  findGreaterOrEqual(target: Uint8Array): number {
    let x = HEAD;
    let level = this.height - 1;
    const tl = target.length;
    while (true) {
      const next = this.word(x, W_NEXT + level);
      if (next !== NIL && this.compareNodeTo(next, target, 0, tl) < 0) {
        x = next;
      } else {
        if (level === 0) return next;
        level--;
      }
    }
  }

  /** The first node at or after `from` (a level-0 walk) whose key is >= target, or NIL. */
  walkFrom(from: number, target: Uint8Array): number {
    let x = from;
    while (x !== NIL && this.compareNodeTo(x, target, 0, target.length) < 0) x = this.word(x, W_NEXT);
    return x;
  }

  /** walkFrom for the internal key (userKey, seq, kind), without building it. */
  walkFromEntry(from: number, userKey: Uint8Array, seq: number, kind: ValueKind): number {
    let x = from;
    while (x !== NIL && this.compareEntryTo(userKey, seq, kind, x) > 0) x = this.word(x, W_NEXT);
    return x;
  }

  /**
   * About how many entries have keys in [start, end) (internal keys; an absent bound is open), in at
   * most ~SKIPLIST_MAX_HEIGHT × APPROXIMATE_COUNT_MAX_STEPS steps however many there are. A node
   * reaches level h with probability 4^-h, so the nodes of a level in the range are a random
   * sample: the count comes from the lowest level where fewer than APPROXIMATE_COUNT_MAX_STEPS of
   * them lie in the range (scaled by 4^level; with ~64 or more nodes there, about ±12%), exact
   * from level 0 for small ranges. Nodes
   * spliced in by `addBefore` (height 1) are not in that sample: above level 0 the count is scaled
   * by all nodes per randomly-high node, as if they were spread like the others.
   */
  approximateCount(start: Uint8Array | undefined, end: Uint8Array | undefined): number {
    let x = HEAD;
    let estimate = 0;
    for (let level = this.height - 1; level >= 0; level--) {
      // x: the last node < start on this level (the search path of findLessThan).
      let next = this.word(x, W_NEXT + level);
      while (start !== undefined && next !== NIL && this.compareNodeTo(next, start, 0, start.length) < 0) {
        x = next;
        next = this.word(x, W_NEXT + level);
      }
      let n = 0;
      let y = next;
      while (y !== NIL && n < APPROXIMATE_COUNT_MAX_STEPS && (end === undefined || this.compareNodeTo(y, end, 0, end.length) < 0)) {
        n++;
        y = this.word(y, W_NEXT + level);
      }
      // Too many here to count: the level above (counted in full) answers, unless there is none.
      if (n === APPROXIMATE_COUNT_MAX_STEPS && level < this.height - 1) return estimate;
      estimate = level === 0 ? n : (n * (BRANCHING_MASK + 1) ** level * this.count) / Math.max(1, this.count - this.spliced);
    }
    return estimate;
  }

  /** Last node with key < target, or the head. */
  findLessThan(target: Uint8Array): number {
    let x = HEAD;
    let level = this.height - 1;
    while (true) {
      const next = this.word(x, W_NEXT + level);
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
      const next = this.word(x, W_NEXT + level);
      if (next !== NIL) x = next;
      else if (level === 0) return x;
      else level--;
    }
  }

  first(): number {
    return this.word(HEAD, W_NEXT);
  }

  next(ref: number): number {
    return this.word(ref, W_NEXT);
  }

  /** The level-0 predecessor, or NIL for the first node. */
  prev(ref: number): number {
    const p = this.word(ref, W_PREV0);
    return p === HEAD ? NIL : p;
  }

  /** Compares node `ref`'s internal key with target[start, start + length). */
  compareNodeTo(ref: number, target: Uint8Array, start: number, length: number): number {
    const c = ref >>> this.shift;
    const w = this.words[c]!;
    const o = ref & this.mask;
    return compareInternalSpans(this.bytes[c]!, (o + W_NEXT + w[o + W_HEIGHT]!) * WORD_BYTES, w[o + W_KEY_BYTES]!, target, start, length);
  }

  /** A view of node `ref`'s internal key (valid while the list lives). */
  keyOf(ref: number): Buffer {
    const b = this.bytes[ref >>> this.shift]!;
    return Buffer.from(b.buffer, b.byteOffset + this.keyStart(ref), this.word(ref, W_KEY_BYTES));
  }

  /** A view of node `ref`'s value. */
  valueOf(ref: number): Buffer {
    const b = this.bytes[ref >>> this.shift]!;
    return Buffer.from(b.buffer, b.byteOffset + this.keyStart(ref) + this.word(ref, W_KEY_BYTES), this.word(ref, W_VALUE_BYTES));
  }

  /** Node `ref`'s user key length (its internal key without the trailer). */
  userKeyLength(ref: number): number {
    return this.word(ref, W_KEY_BYTES) - TRAILER_BYTES;
  }

  /** Node `ref`'s sequence number. */
  seqOf(ref: number): number {
    return seqAt(this.bytes[ref >>> this.shift]!, this.keyStart(ref) + this.word(ref, W_KEY_BYTES) - TRAILER_BYTES);
  }

  /** Node `ref`'s value kind. */
  kindOf(ref: number): ValueKind {
    return this.bytes[ref >>> this.shift]![this.keyStart(ref) + this.word(ref, W_KEY_BYTES) - 1] as ValueKind;
  }

  /** Copies node `ref`'s user key into a new buffer. */
  copyUserKey(ref: number): Buffer {
    return copyOut(this.bytes[ref >>> this.shift]!, this.keyStart(ref), this.word(ref, W_KEY_BYTES) - TRAILER_BYTES);
  }

  /** Copies node `ref`'s value into a new buffer. */
  copyValue(ref: number): Buffer {
    return copyOut(this.bytes[ref >>> this.shift]!, this.keyStart(ref) + this.word(ref, W_KEY_BYTES), this.word(ref, W_VALUE_BYTES));
  }

  iterator(): SkipListIterator {
    return new SkipListIterator(this);
  }

  // ---------------------------------------------------------------- arena

  private word(ref: number, field: number): number {
    return this.words[ref >>> this.shift]![(ref & this.mask) + field]!;
  }

  private setWord(ref: number, field: number, value: number): void {
    this.words[ref >>> this.shift]![(ref & this.mask) + field] = value;
  }

  /** Byte offset of node `ref`'s key in its chunk. */
  private keyStart(ref: number): number {
    const o = ref & this.mask;
    return (o + W_NEXT + this.words[ref >>> this.shift]![o + W_HEIGHT]!) * WORD_BYTES;
  }

  /** Allocates a node of `height` and copies (userKey, seq, kind) and value into it; not linked. */
  private newNode(height: number, userKey: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array): number {
    const ukl = userKey.length;
    const ref = this.allocNode(height, ukl + TRAILER_BYTES, value.length);
    const b = this.bytes[ref >>> this.shift]!;
    const at = this.keyStart(ref);
    b.set(userKey, at);
    writeTrailerBytes(b, at + ukl, seq, kind);
    b.set(value, at + ukl + TRAILER_BYTES);
    return ref;
  }

  /** Links node `ref` (allocated, key written) into every level of its height, after a search. */
  private link(ref: number): void {
    assert(this.random !== undefined, "a shared skiplist is read-only");
    const c = ref >>> this.shift;
    const b = this.bytes[c]!;
    const at = this.keyStart(ref);
    const keyBytes = this.word(ref, W_KEY_BYTES);
    const h = this.word(ref, W_HEIGHT);
    const prev = this.prevScratch;
    let x = HEAD;
    let level = this.height - 1;
    let found: number;
    while (true) {
      const next = this.word(x, W_NEXT + level);
      if (next !== NIL && this.compareNodeTo(next, b, at, keyBytes) < 0) {
        x = next;
      } else {
        prev[level] = x;
        if (level === 0) {
          found = next;
          break;
        }
        level--;
      }
    }
    if (found !== NIL && this.compareNodeTo(found, b, at, keyBytes) === 0) throw new Error("skiplist: duplicate internal key");
    if (h > this.height) {
      for (let i = this.height; i < h; i++) prev[i] = HEAD;
      this.height = h;
    }
    for (let i = 0; i < h; i++) {
      const p = prev[i]!;
      this.setWord(ref, W_NEXT + i, this.word(p, W_NEXT + i));
      this.setWord(p, W_NEXT + i, ref);
    }
    this.setWord(ref, W_PREV0, prev[0]!);
    if (found !== NIL) this.setWord(found, W_PREV0, ref);
    this.count++;
  }

  /** Allocates a node (header words, then key and value bytes); fills in its sizes and height. */
  private allocNode(height: number, keyBytes: number, valueBytes: number): number {
    const size = ((W_NEXT + height) * WORD_BYTES + keyBytes + valueBytes + WORD_BYTES - 1) & ~(WORD_BYTES - 1);
    let c: number;
    let o: number;
    if (size * OWN_CHUNK_FRACTION > this.chunkBytes) {
      // A big node gets a chunk of its own; small ones keep filling the current chunk.
      c = this.addChunk(size);
      o = 0;
    } else {
      if (this.current < 0 || this.top + size > this.chunkBytes) {
        if (this.current >= 0) this.used += this.chunkBytes - this.top;
        this.current = this.addChunk(this.chunkBytes);
        this.top = 0;
      }
      c = this.current;
      o = this.top / WORD_BYTES;
      this.top += size;
    }
    this.used += size;
    const ref = (c << this.shift) | o;
    assert(ref >= 0 && ref >>> this.shift === c, "skiplist arena overflow");
    const w = this.words[c]!;
    w[o + W_KEY_BYTES] = keyBytes;
    w[o + W_VALUE_BYTES] = valueBytes;
    w[o + W_HEIGHT] = height;
    return ref;
  }

  private addChunk(size: number): number {
    assert(this.random !== undefined, "a shared skiplist is read-only");
    const sab = new SharedArrayBuffer(size);
    this.words.push(new Int32Array(sab));
    this.bytes.push(new Uint8Array(sab));
    return this.words.length - 1;
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

/** Byte overhead charged per entry beyond key and value: header words at a typical height, trailer, padding. */
export function skipListEntryOverheadBytes(height = 2): number {
  return (W_NEXT + height) * WORD_BYTES + TRAILER_BYTES + WORD_BYTES - 1;
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
