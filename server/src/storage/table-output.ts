import { assert } from "./assert.js";
import { kindOf, seqOf, TRAILER_BYTES, ValueKind } from "./internal-key.js";
import type { TablePropertiesCollector } from "./sstable/properties.js";
import { SstWriter, type SstWriterOptions } from "./sstable/writer.js";
import { joinPath, type Vfs, type VfsFile } from "./vfs.js";
import { sstFileName, type FileMetadata } from "./version/file-metadata.js";
import type { TableVectorSink } from "./vector/table-vector-sink.js";

export interface TableOutputHooks {
  /** A fresh sink per output file; none: tables without vector sections. */
  readonly newVectorSink?: () => TableVectorSink;
  /** Fresh property collectors per output file (they keep per-table state). */
  readonly newCollectors?: () => TablePropertiesCollector[];
}

/**
 * Writes a sorted stream of entries into one or more new SSTables: flush writes one, compaction
 * cuts a new file when the current one reaches its target size. Each finished file is fsynced
 * before it is reported, so a manifest edit never names a file that is not durable. With a vector
 * sink, each file also gets the vector section of the vector entries it holds; with collectors,
 * each file gets the properties fresh collectors gathered over its entries.
 */
export class TableOutput {
  readonly files: FileMetadata[] = [];
  bytesWritten = 0;
  private writer: SstWriter | undefined;
  private file: VfsFile | undefined;
  private fileNumber = 0;
  private smallestSeq = Infinity;
  private largestSeq = 0;
  private vectors: TableVectorSink | undefined;

  constructor(
    private readonly vfs: Vfs,
    private readonly dir: string,
    private readonly options: SstWriterOptions,
    private readonly newFileNumber: () => number,
    private readonly hooks: TableOutputHooks = {},
  ) {}

  add(ikey: Buffer, value: Buffer): void {
    if (this.writer === undefined) this.open();
    const seq = seqOf(ikey);
    if (seq < this.smallestSeq) this.smallestSeq = seq;
    if (seq > this.largestSeq) this.largestSeq = seq;
    this.writer!.add(ikey, value);
    if (this.vectors !== undefined && kindOf(ikey) === ValueKind.Put) this.vectors.add(ikey.subarray(0, ikey.length - TRAILER_BYTES), value);
  }

  /** Bytes in the file being written, for cutting at the target size. */
  currentSizeBytes(): number {
    return this.writer?.estimatedSizeBytes() ?? 0;
  }

  /** Finishes the file being written, if any. */
  cut(): void {
    if (this.writer === undefined) return;
    const section = this.vectors?.finish();
    this.vectors = undefined;
    if (section !== undefined) this.writer.setVectorSegment(section);
    const summary = this.writer.finish();
    this.file!.syncSync();
    this.file!.close();
    assert(summary.entryCount > 0, "a finished table holds entries");
    this.files.push({
      fileNumber: this.fileNumber,
      sizeBytes: summary.sizeBytes,
      entryCount: summary.entryCount,
      smallest: Buffer.from(summary.smallestKey),
      largest: Buffer.from(summary.largestKey),
      smallestSeq: this.smallestSeq,
      largestSeq: this.largestSeq,
    });
    this.bytesWritten += summary.sizeBytes;
    this.writer = undefined;
    this.file = undefined;
  }

  /** Finishes the last file and makes the new directory entries durable. */
  finish(): FileMetadata[] {
    this.cut();
    if (this.files.length > 0) this.vfs.syncDir(this.dir);
    return this.files;
  }

  /** Removes everything written after a failure. */
  abandon(): void {
    this.vectors?.abandon();
    this.vectors = undefined;
    try {
      this.file?.close();
    } catch {
      // already failing; the removal below is what matters
    }
    if (this.writer !== undefined) this.vfs.remove(joinPath(this.dir, sstFileName(this.fileNumber)));
    for (const f of this.files) this.vfs.remove(joinPath(this.dir, sstFileName(f.fileNumber)));
    this.writer = undefined;
    this.file = undefined;
  }

  private open(): void {
    this.fileNumber = this.newFileNumber();
    this.file = this.vfs.create(joinPath(this.dir, sstFileName(this.fileNumber)));
    const collectors = this.hooks.newCollectors?.();
    this.writer = new SstWriter(this.file, collectors === undefined || collectors.length === 0 ? this.options : { ...this.options, collectors: [...(this.options.collectors ?? []), ...collectors] });
    this.vectors = this.hooks.newVectorSink?.();
    this.smallestSeq = Infinity;
    this.largestSeq = 0;
  }
}
