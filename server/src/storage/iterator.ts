/**
 * The cursor every sorted source in the engine implements (memtable, SSTable block, SSTable,
 * level, merge): positioned on one internal key at a time, in `compareInternalKeys` order.
 *
 * Contract: after any seek/next/prev, `valid()` says whether the cursor is on an entry; `key()`
 * and `value()` may only be called while valid, and the returned buffers stay intact until the
 * next move (callers that keep them must copy).
 */
export interface InternalIterator {
  valid(): boolean;
  /** Positions on the first entry. */
  seekToFirst(): void;
  /** Positions on the last entry. */
  seekToLast(): void;
  /** Positions on the first entry with key >= target (an internal key). */
  seek(target: Buffer): void;
  /** Positions on the last entry with key <= target (an internal key). */
  seekForPrev(target: Buffer): void;
  next(): void;
  prev(): void;
  key(): Buffer;
  value(): Buffer;
  /** Releases what the iterator pins (files, cached blocks). Idempotent. */
  close(): void;
}
