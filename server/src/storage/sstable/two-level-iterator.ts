import { assert } from "../assert.js";
import type { InternalIterator } from "../iterator.js";
import { BlockIterator, type Block } from "./block.js";

/** Turns an index entry's value (a block handle at `indexValue[start, end)`) into its data block. */
export interface DataBlockLoader {
  loadDataBlock(indexValue: Buffer, start: number, end: number): Block;
}

/**
 * The table iterator: an index-block cursor choosing data blocks and a data-block cursor within
 * the chosen one (LevelDB's two-level iterator). Empty data blocks are stepped over in both
 * directions. Data blocks come from the loader, so cached blocks are shared, not copied.
 */
export class TwoLevelIterator implements InternalIterator {
  private readonly data = new BlockIterator();
  private closed = false;

  constructor(
    private readonly index: BlockIterator,
    private readonly loader: DataBlockLoader,
  ) {}

  valid(): boolean {
    return this.data.valid();
  }

  seekToFirst(): void {
    assert(!this.closed, "seek on a closed table iterator");
    this.index.seekToFirst();
    if (this.loadDataBlock()) this.data.seekToFirst();
    this.skipEmptyForward();
  }

  seekToLast(): void {
    assert(!this.closed, "seek on a closed table iterator");
    this.index.seekToLast();
    if (this.loadDataBlock()) this.data.seekToLast();
    this.skipEmptyBackward();
  }

  seek(target: Buffer): void {
    assert(!this.closed, "seek on a closed table iterator");
    // The first block whose separator is >= target holds the first key >= target, or ends before
    // it (separator > last key), in which case the answer starts the next block.
    this.index.seek(target);
    if (this.loadDataBlock()) this.data.seek(target);
    this.skipEmptyForward();
  }

  seekForPrev(target: Buffer): void {
    assert(!this.closed, "seek on a closed table iterator");
    // Every key <= target is in the first block whose separator is >= target or before it.
    this.index.seek(target);
    if (!this.index.valid()) this.index.seekToLast();
    if (this.loadDataBlock()) this.data.seekForPrev(target);
    this.skipEmptyBackward();
  }

  next(): void {
    assert(this.valid(), "next() on an invalid table iterator");
    this.data.next();
    this.skipEmptyForward();
  }

  prev(): void {
    assert(this.valid(), "prev() on an invalid table iterator");
    this.data.prev();
    this.skipEmptyBackward();
  }

  key(): Buffer {
    return this.data.key();
  }

  value(): Buffer {
    return this.data.value();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.data.close();
    this.index.close();
  }

  /** Points the data cursor at the block the index cursor is on; false if the index is exhausted. */
  private loadDataBlock(): boolean {
    if (!this.index.valid()) {
      this.data.close();
      return false;
    }
    const block = this.loader.loadDataBlock(this.index.blockData(), this.index.valueStart, this.index.valueEnd);
    this.data.reset(block);
    return true;
  }

  private skipEmptyForward(): void {
    while (!this.data.valid() && this.index.valid()) {
      this.index.next();
      if (this.loadDataBlock()) this.data.seekToFirst();
    }
  }

  private skipEmptyBackward(): void {
    while (!this.data.valid() && this.index.valid()) {
      this.index.prev();
      if (this.loadDataBlock()) this.data.seekToLast();
    }
  }
}
