import type { KvCursor, KvEntry } from "../kv/kv.js";
import type { VersionSource, VisibleVersion } from "./mvcc-read.js";

/** Where a cursor has got to, for recording the range it read (serializable validation). */
export interface CursorProgress {
  /** The last key returned, if any. */
  readonly lastKey: Buffer | undefined;
  /** The underlying range was read to its end (or its limit was reached). */
  readonly exhausted: boolean;
}

export interface MergeCursorOptions {
  readonly reverse: boolean;
  readonly limit: number;
  /** Called when the cursor closes or runs out, with how far it read. */
  readonly onClose: (progress: CursorProgress) => void;
  /** Called before each batch; throws when the owning transaction can no longer read. */
  readonly checkOpen: () => void;
}

const DEFAULT_BATCH = 256;

/**
 * Merges the committed versions a snapshot sees with an overlay that wins on equal keys (the
 * transaction's own writes; for Read Uncommitted also other transactions' uncommitted writes),
 * hides deletes, and applies the limit.
 */
export class MergeCursor implements KvCursor {
  private storageHead: VisibleVersion | undefined;
  private storageDone = false;
  private overlayIndex = 0;
  private returned = 0;
  private lastKey: Buffer | undefined;
  private closed = false;

  constructor(
    private readonly storage: VersionSource,
    /** Sorted in scan direction, within the range. */
    private readonly overlay: readonly VisibleVersion[],
    private readonly options: MergeCursorOptions,
  ) {}

  async nextBatch(maxEntries = DEFAULT_BATCH): Promise<readonly KvEntry[]> {
    return this.nextBatchSync(maxEntries);
  }

  /** The same as nextBatch without the promise, for callers on this node. */
  nextBatchSync(maxEntries = DEFAULT_BATCH): KvEntry[] {
    if (this.closed) return [];
    this.options.checkOpen();
    const out: KvEntry[] = [];
    const sign = this.options.reverse ? -1 : 1;
    while (out.length < maxEntries) {
      if (this.returned >= this.options.limit) {
        // Only the keys up to the last one returned were observed: later inserts do not change
        // what a limited scan saw.
        this.finish(false);
        break;
      }
      if (this.storageHead === undefined && !this.storageDone) {
        const n = this.storage.next();
        if (n === undefined) this.storageDone = true;
        else this.storageHead = n;
      }
      const o = this.overlay[this.overlayIndex];
      const s = this.storageHead;
      let next: VisibleVersion;
      if (s === undefined && o === undefined) {
        this.finish(true);
        break;
      } else if (s === undefined) {
        next = o!;
        this.overlayIndex++;
      } else if (o === undefined) {
        next = s;
        this.storageHead = undefined;
      } else {
        const c = Buffer.compare(s.key, o.key) * sign;
        if (c < 0) {
          next = s;
          this.storageHead = undefined;
        } else {
          next = o;
          this.overlayIndex++;
          if (c === 0) this.storageHead = undefined;
        }
      }
      if (next.value === undefined) continue;
      // A version with a value is an entry: no new object per row.
      out.push(next as KvEntry);
      this.lastKey = next.key;
      this.returned++;
    }
    return out;
  }

  close(): void {
    this.finish(false);
  }

  private finish(exhausted: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.storage.close();
    this.options.onClose({ lastKey: this.lastKey, exhausted });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<KvEntry> {
    try {
      for (;;) {
        const batch = this.nextBatchSync();
        if (batch.length === 0) return;
        yield* batch;
      }
    } finally {
      this.close();
    }
  }
}
