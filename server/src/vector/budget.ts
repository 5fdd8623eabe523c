/**
 * Loaded vector segments, bounded by `vector_index_memory`: an LRU in bytes over decoded segments
 * that loads a segment on first use and closes the least recently used ones to stay within budget.
 *
 * Segments are leased, not just returned, because closing an index frees its native memory at once
 * and a search must never run on a closed (empty) index: a segment evicted while leased stays open
 * until its last lease is released. Such segments are outside the LRU's bytes and reported apart
 * (`retainedBytes`), so `sizeBytes() <= capacityBytes` always holds, and the memory actually held
 * is `retainedBytes()`, which exceeds the budget only by segments in use at that moment.
 *
 * Other index memory charged to the same budget (the storage engine's merged graphs) is
 * *reserved*: a reservation shrinks the room left for segments, evicting unleased ones at once,
 * and a reservation that would not fit beside the others is refused.
 */
import { LRUCache } from "lru-cache";
import { checkEfSearch } from "./hnsw-index.js";
import { decodeSegment, type VectorSegment } from "./segment.js";

/** One use of a loaded segment; call `release()` exactly once when the search is done. */
export interface SegmentLease {
  readonly segment: VectorSegment;
  release(): void;
}

export interface VectorSegmentCacheStats {
  hits: number;
  misses: number;
  /** Segments closed to make room (or dropped) while cached. */
  evictions: number;
  /** Loads of a segment larger than the whole budget, served without caching. */
  oversized: number;
}

interface Entry {
  readonly segment: VectorSegment;
  leases: number;
  /** Out of the LRU (evicted, dropped, oversized): close when the last lease goes. */
  detached: boolean;
}

/** Cache keys: whatever names a segment to the caller, e.g. an SSTable file number. */
export type SegmentCacheKey = number | string;

export class VectorSegmentCache {
  readonly stats: VectorSegmentCacheStats = { hits: 0, misses: 0, evictions: 0, oversized: 0 };
  private readonly lru: LRUCache<SegmentCacheKey, Entry>;
  /** Detached entries still leased, with the bytes they hold. */
  private readonly leasedDetached = new Set<Entry>();
  /** Bytes reserved by other holders of index memory, by owner. */
  private readonly reservations = new Map<string, number>();
  private reserved = 0;

  constructor(
    readonly capacityBytes: number,
    private readonly options: { readonly efSearch?: number } = {},
  ) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 1) throw new RangeError(`vector index memory ${capacityBytes} must be >= 1 byte`);
    if (options.efSearch !== undefined) checkEfSearch(options.efSearch);
    this.lru = new LRUCache<SegmentCacheKey, Entry>({
      maxSize: capacityBytes,
      sizeCalculation: (entry) => Math.max(1, entry.segment.memoryBytes),
      dispose: (entry) => {
        this.stats.evictions++;
        this.detach(entry);
      },
    });
  }

  /**
   * Leases the segment under `key`, decoding `loadBytes()` on a miss (its errors, such as XX001
   * for a damaged segment, propagate and nothing is cached). May close least recently used
   * segments that are not leased.
   */
  acquire(key: SegmentCacheKey, loadBytes: () => Uint8Array): SegmentLease {
    let entry = this.lru.get(key);
    if (entry !== undefined) this.stats.hits++;
    else {
      this.stats.misses++;
      entry = { segment: decodeSegment(loadBytes(), this.options), leases: 0, detached: false };
      if (entry.segment.memoryBytes > this.capacityBytes - this.reserved) {
        // Serving it uncached keeps queries correct; the budget is exceeded only while it is leased.
        this.stats.oversized++;
        entry.detached = true;
        const lease = this.lease(entry);
        this.leasedDetached.add(entry);
        return lease;
      }
      this.lru.set(key, entry);
      this.fitSegments();
    }
    return this.lease(entry);
  }

  /**
   * Sets `owner`'s reservation to `bytes` (0 ends it), closing least recently used segments that
   * are not leased to make room. Returns false, changing nothing, when the reservations together
   * would exceed the budget.
   */
  reserve(owner: string, bytes: number): boolean {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`reservation of ${bytes} bytes`);
    const total = this.reserved - (this.reservations.get(owner) ?? 0) + bytes;
    if (total > this.capacityBytes) return false;
    if (bytes === 0) this.reservations.delete(owner);
    else this.reservations.set(owner, bytes);
    this.reserved = total;
    this.fitSegments();
    return true;
  }

  /** Bytes reserved (see `reserve`). */
  reservedBytes(): number {
    return this.reserved;
  }

  /** Forgets a segment whose table is gone; it closes now, or when its last lease is released. */
  drop(key: SegmentCacheKey): void {
    this.lru.delete(key);
  }

  /** Bytes of the cached segments plus the reservations; never above `capacityBytes`. */
  sizeBytes(): number {
    return this.lru.calculatedSize + this.reserved;
  }

  /** `sizeBytes()` plus evicted segments still leased. */
  retainedBytes(): number {
    let bytes = this.lru.calculatedSize + this.reserved;
    for (const e of this.leasedDetached) bytes += e.segment.memoryBytes;
    return bytes;
  }

  /** Segments cached. */
  get count(): number {
    return this.lru.size;
  }

  /** Whether `key` is cached; does not count as a use. */
  has(key: SegmentCacheKey): boolean {
    return this.lru.has(key);
  }

  /** The cached segments, most recently used first; does not count as a use. */
  cachedSegments(): VectorSegment[] {
    return [...this.lru.values()].map((e) => e.segment);
  }

  /** Drops every segment (shutdown); leased ones close when released. */
  clear(): void {
    this.lru.clear();
  }

  /** Evicts least recently used segments until they fit beside the reservations. */
  private fitSegments(): void {
    while (this.lru.size > 0 && this.lru.calculatedSize > this.capacityBytes - this.reserved) this.lru.pop();
  }

  private lease(entry: Entry): SegmentLease {
    entry.leases++;
    let released = false;
    return {
      segment: entry.segment,
      release: () => {
        if (released) throw new Error("segment lease released twice");
        released = true;
        entry.leases--;
        if (entry.detached) this.maybeClose(entry);
      },
    };
  }

  private detach(entry: Entry): void {
    entry.detached = true;
    this.maybeClose(entry);
  }

  private maybeClose(entry: Entry): void {
    if (entry.leases > 0) {
      this.leasedDetached.add(entry);
      return;
    }
    this.leasedDetached.delete(entry);
    entry.segment.index.close();
  }
}
