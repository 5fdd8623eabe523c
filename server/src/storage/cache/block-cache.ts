import { LRUCache } from "lru-cache";
import { assert, AssertionFailure } from "../assert.js";
import type { Block } from "../sstable/block.js";

/** Offsets and file numbers are packed into one safe integer key: fileNumber · 2^33 + offset. */
const OFFSET_LIMIT = 2 ** 33;
const FILE_NUMBER_LIMIT = Math.floor(Number.MAX_SAFE_INTEGER / OFFSET_LIMIT);

/**
 * The shared cache of parsed SSTable blocks, LRU and bounded in bytes (each block is charged its
 * `chargedBytes`). Holding parsed blocks means a hit costs neither a read, a checksum nor a parse.
 *
 * NB: keys are numbers, not strings, because this is the read hot path; that bounds file numbers
 * below 2^20 and block offsets below 8 GiB (asserted). A block larger than the whole capacity is
 * not cached.
 */
export class BlockCache {
  readonly stats = { hits: 0, misses: 0 };
  private readonly lru: LRUCache<number, Block>;

  constructor(readonly capacityBytes: number) {
    assert(Number.isInteger(capacityBytes) && capacityBytes >= 1, `block cache capacity ${capacityBytes} must be >= 1 byte`);
    this.lru = new LRUCache<number, Block>({
      maxSize: capacityBytes,
      sizeCalculation: (block) => block.chargedBytes,
    });
  }

  /** The cached block at (fileNumber, offset), marked most recently used; counts a hit or miss. */
  get(fileNumber: number, offset: number): Block | undefined {
    const block = this.lru.get(cacheKey(fileNumber, offset));
    if (block === undefined) this.stats.misses++;
    else this.stats.hits++;
    return block;
  }

  /** Caches `block`, evicting least recently used blocks to stay within capacity. */
  set(fileNumber: number, offset: number, block: Block): void {
    this.lru.set(cacheKey(fileNumber, offset), block);
  }

  /** Bytes charged for the blocks held now; never above `capacityBytes`. */
  sizeBytes(): number {
    return this.lru.calculatedSize;
  }

  /** Number of blocks held. */
  blockCount(): number {
    return this.lru.size;
  }

  /** hits / (hits + misses), 0 before the first lookup. */
  hitRatio(): number {
    const total = this.stats.hits + this.stats.misses;
    return total === 0 ? 0 : this.stats.hits / total;
  }

  /** Drops every block (tests, and shutting the engine down). */
  clear(): void {
    this.lru.clear();
  }
}

// NB: plain ifs rather than assert(): assert's message would be built on every call of the hot path.
function cacheKey(fileNumber: number, offset: number): number {
  if (!(fileNumber >= 0 && fileNumber < FILE_NUMBER_LIMIT && Number.isInteger(fileNumber))) {
    throw new AssertionFailure(`file number ${fileNumber} out of the block cache's key range`);
  }
  if (!(offset >= 0 && offset < OFFSET_LIMIT)) throw new AssertionFailure(`block offset ${offset} out of the block cache's key range`);
  return fileNumber * OFFSET_LIMIT + offset;
}
