import { BlockCache } from "./cache/block-cache.js";
import { toStorageError } from "./errors.js";
import { SstReader } from "./sstable/reader.js";
import { joinPath, type Vfs } from "./vfs.js";
import { sstFileName } from "./version/file-metadata.js";

/**
 * Open SSTable readers by file number. A reader holds the file's index and bloom filter in memory
 * and reads data blocks through the shared block cache.
 */
export class TableCache {
  private readonly readers = new Map<number, SstReader>();

  constructor(
    private readonly vfs: Vfs,
    private readonly dir: string,
    readonly blockCache: BlockCache,
  ) {}

  /** The reader of `fileNumber`, opening (and verifying) the file on first use. */
  get(fileNumber: number): SstReader {
    let r = this.readers.get(fileNumber);
    if (r === undefined) {
      const path = joinPath(this.dir, sstFileName(fileNumber));
      let file;
      try {
        file = this.vfs.openRead(path);
      } catch (e) {
        throw toStorageError(path, e);
      }
      try {
        r = SstReader.open(file, fileNumber, this.blockCache);
      } catch (e) {
        file.close();
        throw e;
      }
      this.readers.set(fileNumber, r);
    }
    return r;
  }

  /** Closes the reader of a file that is being deleted. */
  evict(fileNumber: number): void {
    const r = this.readers.get(fileNumber);
    if (r) {
      r.close();
      this.readers.delete(fileNumber);
    }
  }

  get openCount(): number {
    return this.readers.size;
  }

  /** Index and filter bytes the open readers hold outside the block cache. */
  pinnedBytes(): number {
    let n = 0;
    for (const r of this.readers.values()) n += r.pinnedBytes();
    return n;
  }

  close(): void {
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
  }
}
