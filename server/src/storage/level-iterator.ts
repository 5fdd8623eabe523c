import { compareInternalKeys } from "./internal-key.js";
import type { InternalIterator } from "./iterator.js";
import type { TableCache } from "./table-cache.js";
import type { FileMetadata } from "./version/file-metadata.js";

/**
 * Iterates a sorted, non-overlapping level as one sequence, opening one file's iterator at a
 * time, so a scan of a deep level costs one open file instead of all of them.
 */
export class LevelIterator implements InternalIterator {
  private index = -1;
  private current: InternalIterator | undefined;

  constructor(
    private readonly files: readonly FileMetadata[],
    private readonly tables: TableCache,
  ) {}

  valid(): boolean {
    return this.current !== undefined && this.current.valid();
  }

  seekToFirst(): void {
    this.open(0);
    this.current?.seekToFirst();
    this.skipEmptyForward();
  }

  seekToLast(): void {
    this.open(this.files.length - 1);
    this.current?.seekToLast();
    this.skipEmptyBackward();
  }

  seek(target: Buffer): void {
    // First file whose largest key >= target.
    let lo = 0;
    let hi = this.files.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareInternalKeys(this.files[mid]!.largest, target) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.open(lo);
    this.current?.seek(target);
    this.skipEmptyForward();
  }

  seekForPrev(target: Buffer): void {
    // Last file whose smallest key <= target.
    let lo = 0;
    let hi = this.files.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareInternalKeys(this.files[mid]!.smallest, target) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.open(lo - 1);
    this.current?.seekForPrev(target);
    this.skipEmptyBackward();
  }

  next(): void {
    this.current!.next();
    this.skipEmptyForward();
  }

  prev(): void {
    this.current!.prev();
    this.skipEmptyBackward();
  }

  key(): Buffer {
    return this.current!.key();
  }

  value(): Buffer {
    return this.current!.value();
  }

  close(): void {
    this.current?.close();
    this.current = undefined;
    this.index = -1;
  }

  private open(index: number): void {
    if (index === this.index && this.current) return;
    this.current?.close();
    this.index = index;
    this.current = index >= 0 && index < this.files.length ? this.tables.get(this.files[index]!.fileNumber).iterator() : undefined;
  }

  private skipEmptyForward(): void {
    while (this.current !== undefined && !this.current.valid()) {
      if (this.index + 1 >= this.files.length) {
        this.close();
        return;
      }
      this.open(this.index + 1);
      this.current!.seekToFirst();
    }
  }

  private skipEmptyBackward(): void {
    while (this.current !== undefined && !this.current.valid()) {
      if (this.index <= 0) {
        this.close();
        return;
      }
      this.open(this.index - 1);
      this.current!.seekToLast();
    }
  }
}
