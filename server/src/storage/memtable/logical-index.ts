import type { SkipList } from "./skiplist.js";

// Small to start with: the index is charged to its memtable, which may be small too.
const INITIAL_SLOTS = 256;
/** Words per slot, side by side so a probe reads one cache line: node ref, hash, logical key length, splice run. */
const SLOT_WORDS = 4;
const W_REF = 0;
const W_HASH = 1;
const W_LENGTH = 2;
const W_RUN = 3;

/**
 * A memtable's index from logical key (a prefix of user keys, see LogicalKeyLength) to the first
 * node of that logical key in the skiplist, with the number of height-1 nodes spliced in front
 * of it since its last normal insert. Open addressing over one typed array, so it costs the
 * garbage collector one object however many keys it holds, and a probe of a big index one cache
 * miss rather than one per field; a logical key's bytes are not stored but read from its node
 * (they are the first `length` bytes of the node's key). Never shrinks: entries live as long as
 * the memtable.
 */
export class LogicalIndex {
  private slots = newSlots(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private count = 0;
  /** Hash of the key of the last `find`, for the `insert` that follows it. */
  private lastHash = 0;

  constructor(private readonly list: SkipList) {}

  /** Logical keys held. */
  get size(): number {
    return this.count;
  }

  /** Memory held, charged to the memtable. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** The slot of the logical key key[0, length), or ~(the free slot to insert it at). */
  find(key: Uint8Array, length: number): number {
    const h = hashBytes(key, length);
    this.lastHash = h;
    const slots = this.slots;
    let i = h & this.mask;
    while (true) {
      const at = i * SLOT_WORDS;
      const ref = slots[at + W_REF]!;
      if (ref < 0) return ~i;
      if (slots[at + W_HASH] === h && slots[at + W_LENGTH] === length && this.list.hasPrefix(ref, key, length)) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** Adds a logical key at the free slot `find` returned (negated), right after that `find`. */
  insert(slot: number, length: number, node: number): void {
    const at = slot * SLOT_WORDS;
    this.slots[at + W_REF] = node;
    this.slots[at + W_HASH] = this.lastHash;
    this.slots[at + W_LENGTH] = length;
    this.slots[at + W_RUN] = 0;
    // Keep the load at or below one half so probe runs stay short.
    if (++this.count * 2 > this.mask + 1) this.grow();
  }

  node(slot: number): number {
    return this.slots[slot * SLOT_WORDS + W_REF]!;
  }

  run(slot: number): number {
    return this.slots[slot * SLOT_WORDS + W_RUN]!;
  }

  update(slot: number, node: number, run: number): void {
    const at = slot * SLOT_WORDS;
    this.slots[at + W_REF] = node;
    this.slots[at + W_RUN] = run;
  }

  private grow(): void {
    const old = this.slots;
    const n = (this.mask + 1) * 2;
    const slots = newSlots(n);
    this.slots = slots;
    this.mask = n - 1;
    for (let j = 0; j < old.length; j += SLOT_WORDS) {
      if (old[j + W_REF]! < 0) continue;
      let i = old[j + W_HASH]! & this.mask;
      while (slots[i * SLOT_WORDS + W_REF]! >= 0) i = (i + 1) & this.mask;
      const at = i * SLOT_WORDS;
      for (let w = 0; w < SLOT_WORDS; w++) slots[at + w] = old[j + w]!;
    }
  }
}

/** `n` empty slots (ref -1). */
function newSlots(n: number): Int32Array {
  const slots = new Int32Array(n * SLOT_WORDS);
  for (let i = 0; i < slots.length; i += SLOT_WORDS) slots[i + W_REF] = -1;
  return slots;
}

/** FNV-1a over key[0, length), with a final avalanche so low bits (the slot) mix well. */
function hashBytes(key: Uint8Array, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}
