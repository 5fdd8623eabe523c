import type { SkipList } from "./skiplist.js";

const INITIAL_SLOTS = 1024;
/** Bytes per slot: node ref, hash and logical key length (4 bytes each), splice run (1). */
const SLOT_BYTES = 13;

/**
 * A memtable's index from logical key (a prefix of user keys, see LogicalKeyLength) to the first
 * node of that logical key in the skiplist, with the number of height-1 nodes spliced in front
 * of it since its last normal insert. Open addressing over typed arrays, so it costs the garbage
 * collector four objects however many keys it holds; a logical key's bytes are not stored but
 * read from its node (they are the first `length` bytes of the node's key). Never shrinks:
 * entries live as long as the memtable.
 */
export class LogicalIndex {
  private refs = new Int32Array(INITIAL_SLOTS).fill(-1);
  private hashes = new Int32Array(INITIAL_SLOTS);
  private lengths = new Int32Array(INITIAL_SLOTS);
  private runs = new Uint8Array(INITIAL_SLOTS);
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
    return (this.mask + 1) * SLOT_BYTES;
  }

  /** The slot of the logical key key[0, length), or ~(the free slot to insert it at). */
  find(key: Uint8Array, length: number): number {
    const h = hashBytes(key, length);
    this.lastHash = h;
    let i = h & this.mask;
    while (true) {
      const ref = this.refs[i]!;
      if (ref < 0) return ~i;
      if (this.hashes[i] === h && this.lengths[i] === length && this.list.hasPrefix(ref, key, length)) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** Adds a logical key at the free slot `find` returned (negated), right after that `find`. */
  insert(slot: number, length: number, node: number): void {
    this.refs[slot] = node;
    this.hashes[slot] = this.lastHash;
    this.lengths[slot] = length;
    this.runs[slot] = 0;
    // Keep the load at or below one half so probe runs stay short.
    if (++this.count * 2 > this.mask + 1) this.grow();
  }

  node(slot: number): number {
    return this.refs[slot]!;
  }

  run(slot: number): number {
    return this.runs[slot]!;
  }

  update(slot: number, node: number, run: number): void {
    this.refs[slot] = node;
    this.runs[slot] = run;
  }

  private grow(): void {
    const { refs, hashes, lengths, runs } = this;
    const slots = refs.length * 2;
    this.refs = new Int32Array(slots).fill(-1);
    this.hashes = new Int32Array(slots);
    this.lengths = new Int32Array(slots);
    this.runs = new Uint8Array(slots);
    this.mask = slots - 1;
    for (let j = 0; j < refs.length; j++) {
      if (refs[j]! < 0) continue;
      let i = hashes[j]! & this.mask;
      while (this.refs[i]! >= 0) i = (i + 1) & this.mask;
      this.refs[i] = refs[j]!;
      this.hashes[i] = hashes[j]!;
      this.lengths[i] = lengths[j]!;
      this.runs[i] = runs[j]!;
    }
  }
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
